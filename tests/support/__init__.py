"""Helpers the tests import: ``strategies`` (hypothesis strategies for valid scenarios) and
``scenario_factory`` (small scenarios built in code)."""
