"""Set-up shared by every test folder: the hypothesis settings profiles.

Where the tests are:

* ``tests/unit``: one piece at a time: loader refusals, distributions, streams, statistics;
* ``tests/model``: the rules of the model (docs/model.md), each pinned by a case computed by hand;
* ``tests/properties``: hypothesis: invariants on random scenarios, monotonicity, loader fuzzing;
* ``tests/golden``: every shipped scenario still gives its recorded results;
* ``tests/cli``: the command line, replications, executors, the result store, sweeps, and every
  documented command;
* ``tests/support``: what the tests import (``from tests.support import strategies``,
  ``from tests.support.scenario_factory import ...``); ``tests`` is a package, so pytest puts
  the repository root on ``sys.path``.

Profiles. The hypothesis budgets are registered here and chosen by environment variables:

``POSTURE_HYPOTHESIS_PROFILE`` = ``ci`` (the default) or ``long``
    becomes the ``posture`` profile that ``tests/properties/test_properties.py`` shares out
    between its tests and of which ``tests/properties/test_monotonicity.py`` takes a quarter:
    ``posture-ci`` is 500 examples in all (about 1.5 minutes on 2 cores), ``posture-long``
    10,000 (see docs/reliability.md)::

        POSTURE_HYPOTHESIS_PROFILE=long python -m pytest tests/properties/test_properties.py -n 0

``POSTURE_FUZZ_EXAMPLES`` = a number (default 60)
    examples per test of ``tests/properties/test_fuzz.py`` (profile ``posture-fuzz``)::

        POSTURE_FUZZ_EXAMPLES=4000 python -m pytest tests/properties/test_fuzz.py -n 0

Other tests that use hypothesis get its default settings.

Slow tests (the property and fuzz runs, the documented commands, the Iraq-scale golden
replications, the Dask scheduler time-out) carry the ``slow`` marker registered in
pyproject.toml. The README's test command leaves them out with ``-m "not slow"``; CI runs
them next (``.ci/run``); ``python -m pytest`` alone runs everything.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

_COMMON = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
    print_blob=True,
)
settings.register_profile("posture-ci", _COMMON, max_examples=500)
settings.register_profile("posture-long", _COMMON, max_examples=10_000)
settings.register_profile(
    "posture", settings.get_profile("posture-" + os.environ.get("POSTURE_HYPOTHESIS_PROFILE", "ci"))
)
settings.register_profile(
    "posture-fuzz",
    _COMMON,
    max_examples=int(os.environ.get("POSTURE_FUZZ_EXAMPLES", "60")),  # per test; 5 tests
    suppress_health_check=[*_COMMON.suppress_health_check, HealthCheck.filter_too_much],
)
