"""The ``posture forecast`` command (filled in by issue #12's work)."""

from __future__ import annotations

from .options import app

__all__ = ["app"]
