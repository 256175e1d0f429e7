"""What a run prints and writes: two Markdown tables, notes, and a JSON file.

* The **targets** table (:func:`bench.targets.evaluate`): what, base, head, measured, target,
  result.
* The **measurements** table (:func:`measurements`): the median of every figure for base and
  head, with base / head, and whether both trees did the same work (same kernel events and
  convoys for the same scenario and seed: the engine rewrite must not change answers).
* :func:`write_json`: every raw sample, every median, the machine, the trees and the rows,
  written to a temporary file beside the target and renamed over it (atomic on POSIX).
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from .config import Sizes
from .machine import MIB
from .samples import Samples, ratio
from .targets import fmt


def table(head: list[str], rows: list[list[str]], right: set[int]) -> str:
    """A Markdown table, columns padded; ``right`` are right-aligned."""
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]

    def line(cells: list[str]) -> str:
        return (
            "| "
            + " | ".join(
                c.rjust(w) if i in right else c.ljust(w)
                for i, (c, w) in enumerate(zip(cells, widths, strict=True))
            )
            + " |"
        )

    sep = (
        "|"
        + "|".join("-" * (w + 1) + ":" if i in right else "-" * (w + 2) for i, w in enumerate(widths))
        + "|"
    )
    return "\n".join([line(head), sep, *(line(r) for r in rows)])


def targets_table(rows: list[dict[str, Any]]) -> str:
    cols = ["what", "base", "head", "measured", "target", "result"]
    return table(cols, [[r[c] for c in cols] for r in rows], right={1, 2, 3})


def _row(s: Samples, what: str, measure: str, field: str, unit: str, scale: float = 1.0) -> list[str]:
    b, h = s.median(measure, "base", field), s.median(measure, "head", field)
    b = None if b is None else b * scale
    h = None if h is None else h * scale
    n = max(s.count(measure, "base"), s.count(measure, "head"))
    r = ratio(h, b) if unit.endswith("/s") else ratio(b, h)  # > 1: head faster or smaller
    return [what, str(n), fmt(b, unit), fmt(h, unit), "—" if r is None else f"{r:.2f}"]


def _same_work(s: Samples, measure: str) -> str:
    b, h = s.first(measure, "base"), s.first(measure, "head")
    if b is None or h is None:
        return "—"
    same = all(b.get(k) == h.get(k) for k in ("kernel_events", "convoys", "closure_h"))
    return "same" if same else "DIFFERENT"


def measurements(s: Samples, z: Sizes) -> str:
    """Medians of the figures behind the targets; ratio base / head (rates: head / base)."""
    small, large = f"Iraq ×{z.iraq_small:g}", f"Iraq ×{z.iraq_large:g}"
    rows: list[list[str]] = []
    if "iraq_small" in s.data:
        rows += [
            _row(s, f"{small}: one replication (median in child)", "iraq_small", "seconds", "s"),
            _row(s, f"{small}: kernel events", "iraq_small", "kernel_events", "events"),
            _row(s, f"{small}: vehicle trips", "iraq_small", "vehicle_trips", "trips"),
        ]
    if "iraq_large" in s.data:
        rows += [
            _row(s, f"{large}: one replication", "iraq_large", "seconds", "s"),
            _row(s, f"{large}: loading the scenario", "iraq_large", "load_s", "s"),
            _row(s, f"{large}: peak RSS", "iraq_large", "peak_rss_bytes", "MiB", 1 / MIB),
            _row(s, f"{large}: kernel events", "iraq_large", "kernel_events", "events"),
            _row(s, f"{large}: convoys", "iraq_large", "convoys", "convoys"),
            _row(s, f"{large}: vehicle trips", "iraq_large", "vehicle_trips", "trips"),
            [f"{large}: same work in base and head", "", "", "", _same_work(s, "iraq_large")],
        ]
    if "floor" in s.data:
        ev = s.median("floor", "machine", "events_per_s")
        sec = s.median("floor", "machine", "seconds")
        n = str(s.count("floor", "machine"))
        rows.append([f"bare SimPy floor, {z.floor_procs} processes", n, "", fmt(ev, "ev/s"), ""])
        rows.append(["bare SimPy floor, for head's kernel events", n, "", fmt(sec, "s"), ""])
    if "flagship" in s.data:
        api = {who: (s.first("flagship", who) or {}).get("api", "—") for who in ("base", "head")}
        rows += [
            _row(s, "flagship: one replication (in a batch)", "flagship", "s_per_rep", "s"),
            _row(s, "flagship: kernel events per replication", "flagship", "kernel_events", "events"),
            ["flagship: same work in base and head", "", "", "", _same_work(s, "flagship")],
            ["flagship: API used", "", str(api["base"]), str(api["head"]), ""],
        ]
    if "worked" in s.data:
        rows += [
            _row(s, "worked example: one replication", "worked", "seconds", "s"),
            ["worked example: same work in base and head", "", "", "", _same_work(s, "worked")],
        ]
    if "cli_import" in s.data:
        imp = s.median("cli_import", "machine", "seconds")
        rows += [
            ["python -c 'import simpy, yaml'", str(s.count("cli_import", "machine")), "", fmt(imp, "s"), ""],
            _row(s, "posture --help", "cli_help", "seconds", "s"),
            _row(s, "posture validate syria-2026.yaml", "cli_validate", "seconds", "s"),
        ]
    if "jobs1" in s.data:
        c = s.median("ceiling", "machine", "speedup")
        rows += [
            _row(s, f"posture run -n {z.jobs_n:,} --jobs 1: wall", "jobs1", "seconds", "s"),
            _row(s, f"posture run -n {z.jobs_n:,} --jobs 2: wall", "jobs2", "seconds", "s"),
            ["machine's own 2-process speed-up", str(s.count("ceiling", "machine")), "", fmt(c, "x"), ""],
        ]
    if "rss" in s.data:
        rows += [
            _row(s, f"posture run -n {z.rss_n:,} --jobs 2: wall", "rss", "wall_s", "s"),
            _row(s, "  peak RSS, main process (sampled)", "rss", "peak_parent_bytes", "MiB", 1 / MIB),
            _row(s, "  peak RSS, one worker (sampled)", "rss", "peak_worker_bytes", "MiB", 1 / MIB),
            _row(
                s,
                "  peak RSS, largest process (getrusage)",
                "rss",
                "max_single_process_bytes",
                "MiB",
                1 / MIB,
            ),
            _row(s, "  peak RSS, all processes summed (sampled)", "rss", "peak_tree_bytes", "MiB", 1 / MIB),
        ]
    return table(["what", "n", "base", "head", "ratio"], rows, right={1, 2, 3, 4})


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Write ``data`` to ``path`` atomically: a temporary file in the same folder, renamed."""
    path = path.resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=2, default=str)
            fh.write("\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
