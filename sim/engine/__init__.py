"""The engine: one replication of one scenario as a SimPy discrete-event model.

The theatre's state (:mod:`.world`) is changed only through its own methods. The dispatcher
(:mod:`.dispatch`) turns idle vehicles into convoy and sortie orders once per simulated
instant; the steps of each convoy and sortie are processes (:mod:`.convoys`) that queue on
the shared resources (:mod:`.resources`: crossings, escorts, airfields, loading teams).
Policy events (:mod:`.policy`) change the plan while it runs. Every source of randomness
draws from its own named stream (:mod:`.streams`). When the run stops, :mod:`.metrics`
turns the final state and the run log into a :class:`~.results.Result`.

:func:`sim.engine.model.simulate` is the one entry point: scenario and seed in, result out.
"""
