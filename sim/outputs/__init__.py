"""Outputs: what a user reads, sees and keeps.

Result files are written atomically and only inside the folder the user named
(:mod:`.files`); plots are drawn with matplotlib's object API, never pyplot's global state
(:mod:`.plots`); :mod:`.report` writes a run's files and renders its console summary.
"""
