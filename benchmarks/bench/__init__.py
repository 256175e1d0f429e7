"""The parts of ``benchmarks/run_benchmarks.py``: one concept per module.

A benchmark run measures one or two source trees of posture, called *base* and *head*, each
in fresh child processes whose ``sys.path`` starts with that tree's root, so ``import sim``
loads that tree's code. Measurements of the two trees alternate (base, head, base, head, ...)
so that a change of background load moves both sides. The children use only the public
API that every commit has (``sim.load_scenario``, ``sim.simulate``, ``sim.cli.main``), so
the same benchmark compares commits whose internal layout differs.

Modules, in the order a run uses them:

``config``    paths, the default base commit, and the sizes of a full and a ``--quick`` run;
``machine``   facts about the machine, the idle check and its own 2-process speed-up;
``trees``     the trees under test: temporary ``git worktree`` checkouts, removed at the end;
``spawn``     the parent's side of a child process: command lines, JSON back, path checks;
``child``     what runs inside a child: one measurement, one JSON line on stdout;
``floor``     the bare-SimPy floor: a ``yield env.timeout(d)`` loop of a given event count;
``inproc``    replication timing inside a child (Iraq scale, flagship, worked example);
``commands``  whole-command timing and peak memory (``posture --help``, ``validate``, ``run``);
``targets``   the targets of issue #9: each measured ratio against its limit, PASS or FAIL;
``report``    the printed tables and the JSON file (written atomically).

Nothing here is collected by pytest (``testpaths = ["tests"]``).
"""
