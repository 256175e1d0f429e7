"""The experiment: many replications of one or more scenarios, and what they say together.

The runner (:mod:`.runner`) cuts replications into fixed chunks and spreads them over a
process pool or Dask; each chunk comes back as compact arrays and is streamed into a SQLite
store (:mod:`.store`) that can be resumed. Ensemble statistics (:mod:`.ensemble`,
:mod:`.stats`) and sweeps over factor grids (:mod:`.sweep`) are computed from the store in
replication order, so the answer never depends on how the work was spread.
"""
