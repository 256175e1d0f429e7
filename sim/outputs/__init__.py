"""Outputs: what a user reads, sees and keeps.

Result files are written atomically and only inside the folder the user named
(:mod:`.files`); plots are drawn with matplotlib's object API, never pyplot's global state
(:mod:`.plots`, :mod:`.curve_plots` with the evidence of :mod:`.evidence_plots`; imported
only when drawing); :mod:`.report` writes the files and renders the
console tables of one run, of many replications and of a sweep; :mod:`.scoring` does the same
for scores, and :mod:`.describe` for a validated scenario. Everything a user wrote that is
printed goes through :mod:`.terminal`, so it can neither carry console markup nor escape
sequences to the terminal.
"""
