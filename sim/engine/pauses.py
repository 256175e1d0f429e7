"""Pauses: where and for which phases loading and leaving are held, and until when.

A pause holds every site (``pause`` with neither ``sites`` nor ``phases``), some sites, or
some phases, until a time (``inf``: until a ``resume``). A convoy may load and leave at a
site for a phase only when none of the three holds it. Pauses only ever extend what is in
force (the later end wins); ``resume`` ends them at once. The world owns one
:class:`Pauses` and changes it only through its own ``pause``/``resume`` methods, which
also tell its demand cache.
"""

from __future__ import annotations

import math


class Pauses:
    """The pauses in force during one run (ends in hours; ``-1``: none)."""

    def __init__(self) -> None:
        self.everywhere = -1.0
        self.sites: dict[int, float] = {}
        self.phases: dict[int, float] = {}

    def hold(self, sites: list[int], phases: list[int], until: float) -> None:
        """Hold ``sites`` / ``phases`` (neither: everywhere) until ``until``."""
        if not sites and not phases:
            self.everywhere = max(self.everywhere, until)
        for s in sites:
            self.sites[s] = max(self.sites.get(s, -1.0), until)
        for p in phases:
            self.phases[p] = max(self.phases.get(p, -1.0), until)

    def release(self, sites: list[int], phases: list[int], now: float) -> None:
        """End the pauses on ``sites`` / ``phases`` now (neither: every pause)."""
        if not sites and not phases:
            self.everywhere = now
            self.sites = {k: min(v, now) for k, v in self.sites.items()}
            self.phases = {k: min(v, now) for k, v in self.phases.items()}
        for s in sites:
            self.sites[s] = now
        for p in phases:
            self.phases[p] = now

    def until(self, site: int, phase: int) -> float:
        """When every pause holding ``site`` for ``phase`` ends (``phase < 0``: no phase)."""
        end = max(self.everywhere, self.sites.get(site, -1.0))
        return max(end, self.phases.get(phase, -1.0)) if phase >= 0 else end

    def left(self, site: int, phases: set[int], now: float) -> float:
        """Hours until every pause that holds a convoy at ``site`` for ``phases`` ends."""
        end = max([self.everywhere, self.sites.get(site, -1.0), *(self.phases.get(p, -1.0) for p in phases)])
        return 1e9 if math.isinf(end) else max(0.0, end - now)
