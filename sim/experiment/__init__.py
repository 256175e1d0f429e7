"""The experiment: many replications of one or more scenarios, and what they say together.

A run plan (:mod:`.plan`) says how many replications of which points, from which seed, on
which executor. The runner (:mod:`.runner`) cuts replications into fixed chunks and spreads
them over a process pool or Dask; each chunk comes back as the compact arrays of the columns
declared once in :mod:`.columns` and is streamed into a SQLite store (:mod:`.store`) that can be
resumed. Ensemble statistics (:mod:`.ensemble`, :mod:`.stats`) and sweep summaries
(:mod:`.sweep`) are computed from the store in replication order, so the answer never depends
on how the work was spread. Nothing here writes a result file or draws: :mod:`sim.outputs` does.
"""
