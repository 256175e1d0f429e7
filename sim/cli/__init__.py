"""The ``posture`` command line (typer): :func:`main` is the console script's entry point.

:mod:`.options` holds the app, the options every command shares and the guard that turns bad
input into one line and an exit status; :mod:`.commands` the commands that run and score
scenarios; :mod:`.calibrate`, :mod:`.forecast` and :mod:`.sensitivity` the commands of the
same names; :mod:`.onboarding` ``init`` and ``schema``, for getting started; :mod:`.verify`
``verify``, which checks a results folder against its manifest.
"""

from . import calibrate, forecast, onboarding, sensitivity, verify
from .commands import main
from .options import app

__all__ = ["app", "calibrate", "forecast", "main", "onboarding", "sensitivity", "verify"]
