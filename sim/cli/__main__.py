"""``python -m sim.cli``: the ``posture`` command."""

import sys

from .commands import main

sys.exit(main())
