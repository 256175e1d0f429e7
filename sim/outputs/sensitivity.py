"""What ``posture sensitivity`` writes and shows: the indices, the ranking and the tornado chart.

:func:`write_sensitivity` puts a :class:`~sim.experiment.sensitivity.Sensitivity` on disk,
every file atomically:

* ``sensitivity_indices.csv``: one row per output and parameter, ranked; Morris mu* (with its
  bootstrap 95 % interval), mu and sigma, or Sobol S1 and ST (each with its interval), and
  each parameter's share of the ranked index;
* ``sensitivity_design.csv``: every design row (the parameter values SALib sampled), each
  output, and whether each closure P50 depends on runs counted at the horizon;
* ``sensitivity_tornado.csv``: the one-at-a-time design, for every output: each parameter at
  its low and high bound with the others central, the baseline, and the swing;
* ``sensitivity.json``: the settings (method, seeds, replications, design size), the bounds,
  the fixed parameters left out, and per output the indices and the ranking;
* ``tornado.png``: the swing of P50 closure, one bar per parameter (unless ``plot=False``).

:func:`indices_table` is the console view. matplotlib is imported only when the chart is drawn.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..engine.results import rounded
from ..experiment.sensitivity import CLOSURE, INDICES, LEVELS, MEASURE, RESAMPLES, Indices, Sensitivity
from .files import inside, write_csv, write_json
from .terminal import PlainTable

if TYPE_CHECKING:
    from matplotlib.figure import Figure

CI = {"mu_star": "mu_star_conf", "S1": "S1_conf", "ST": "ST_conf"}
"""Each index with a confidence interval, and SALib's half-width of it."""


def _interval(values: dict[str, tuple[float | None, ...]], k: int, name: str) -> list[float | None]:
    """``[value, low, high]`` of index ``name`` for parameter ``k`` (``[value]`` for an index
    without a confidence interval; ``None`` where undefined)."""
    v = values[name][k]
    if name not in CI:
        return [rounded(v, 6)]
    half = values[CI[name]][k]
    if v is None or half is None:
        return [rounded(v, 6), None, None]
    return [rounded(v, 6), rounded(v - half, 6), rounded(v + half, 6)]


def _index_columns(method: str) -> list[str]:
    cols = []
    for name in INDICES[method]:
        if name.endswith("_conf"):
            continue
        cols += [name, f"{name}_ci_low", f"{name}_ci_high"] if name in CI else [name]
    return cols


def indices_rows(sens: Sensitivity) -> tuple[list[str], list[list[Any]]]:
    """Header and rows of ``sensitivity_indices.csv``: outputs in order, parameters ranked."""
    method = sens.design.method
    header = ["output", "rank", "parameter", "low", "high", "bounds_from", *_index_columns(method), "share"]
    bound = {b.name: b for b in sens.design.bounds}
    rows = []
    for ind in sens.indices:
        for rank, (name, _value, share) in enumerate(ind.ranking(), start=1):
            k = ind.names.index(name)
            b = bound[name]
            cells: list[Any] = []
            for index in INDICES[method]:
                if not index.endswith("_conf"):
                    cells += _interval(ind.values, k, index)
            rows.append(
                [
                    ind.output.key,
                    rank,
                    name,
                    rounded(b.low, 6),
                    rounded(b.high, 6),
                    b.source,
                    *cells,
                    rounded(share, 6),
                ]
            )
    return header, rows


def design_rows(sens: Sensitivity) -> tuple[list[str], list[list[Any]]]:
    """Header and rows of ``sensitivity_design.csv``: one row per SALib design row."""
    names = sens.design.names
    closures = [j for j, out in enumerate(sens.outputs) if out.column is not None]
    header = [
        "row",
        *names,
        *(out.key for out in sens.outputs),
        *(f"{sens.outputs[j].key}_beyond_horizon" for j in closures),
    ]
    rows = [
        [
            i,
            *(rounded(float(v), 6) for v in sens.design.rows[i]),
            *(rounded(float(v), 4) for v in sens.y[i]),
            *(bool(sens.y_beyond[i, j]) for j in closures),
        ]
        for i in range(len(sens.design.rows))
    ]
    return header, rows


def tornado_rows(sens: Sensitivity) -> tuple[list[str], list[list[Any]]]:
    """Header and rows of ``sensitivity_tornado.csv``: per output, parameters by swing, largest first."""
    header = [
        "output",
        "parameter",
        "low",
        "centre",
        "high",
        "at_low",
        "at_high",
        "baseline",
        "swing",
        "at_low_beyond_horizon",
        "at_high_beyond_horizon",
    ]
    rows = []
    for j, out in enumerate(sens.outputs):
        for k in _by_swing(sens, j):
            b = sens.design.bounds[k]
            lo, hi = 2 * k + 1, 2 * k + 2
            at_low, at_high = float(sens.tornado[lo, j]), float(sens.tornado[hi, j])
            rows.append(
                [
                    out.key,
                    b.name,
                    *(rounded(v, 6) for v in (b.low, b.centre, b.high)),
                    *(
                        rounded(v, 4)
                        for v in (at_low, at_high, float(sens.tornado[0, j]), abs(at_high - at_low))
                    ),
                    bool(sens.tornado_beyond[lo, j]),
                    bool(sens.tornado_beyond[hi, j]),
                ]
            )
    return header, rows


def _by_swing(sens: Sensitivity, j: int) -> list[int]:
    """Parameter indices by the swing of output ``j`` between low and high, largest first."""
    swing = [
        abs(sens.tornado[2 * k + 2, j] - sens.tornado[2 * k + 1, j]) for k in range(len(sens.design.bounds))
    ]
    return sorted(range(len(swing)), key=lambda k: -swing[k])


def summary(sens: Sensitivity) -> dict[str, Any]:
    """The ``sensitivity.json`` mapping."""
    d = sens.design
    method = d.method
    out: dict[str, Any] = {
        "scenario": sens.scenario.name,
        "method": method,
        "seed": sens.plan.seed,
        "sampler_seed": d.seed,
        "bootstrap_seed": sens.bootstrap_seed,
        "bootstrap_resamples": RESAMPLES,
        "replications_per_point": sens.plan.n,
        "deterministic": sens.plan.deterministic,
        ("trajectories" if method == "morris" else "samples"): d.size,
        **({"levels": LEVELS} if method == "morris" else {"second_order": False}),
        "design_rows": len(d.rows),
        "points": sens.points,
        "horizon_days": sens.scenario.horizon_days,
        "bounds": {
            b.name: {
                "low": rounded(b.low, 6),
                "high": rounded(b.high, 6),
                "centre": rounded(b.centre, 6),
                "from": b.source,
                "prior": b.prior,
            }
            for b in d.bounds
        },
        "fixed": list(sens.fixed),
        "outputs": {},
    }
    for j, ind in enumerate(sens.indices):
        out["outputs"][ind.output.key] = {
            "label": ind.output.label,
            "varies": ind.varies,
            "beyond_horizon_rows": int(sens.y_beyond[:, j].sum()),
            "ranked_by": MEASURE[method],
            "ranking": [
                {"parameter": name, MEASURE[method]: rounded(v, 6), "share": rounded(share, 6)}
                for name, v, share in ind.ranking()
            ],
            "indices": {name: _indices(ind, k) for k, name in enumerate(ind.names)},
            "tornado_baseline": rounded(float(sens.tornado[0, j]), 4),
        }
    return out


def _indices(ind: Indices, k: int) -> dict[str, Any]:
    """One parameter's indices for ``sensitivity.json``: each value, and ``[low, high]`` of its CI."""
    out: dict[str, Any] = {}
    for index in INDICES[ind.method]:
        if not index.endswith("_conf"):
            value, *ci = _interval(ind.values, k, index)
            out[index] = value
            if index in CI:
                out[f"{index}_ci95"] = None if ci[0] is None else ci
    return out


def write_sensitivity(sens: Sensitivity, out_dir: Path | str, *, plot: bool = True) -> list[Path]:
    """Write the indices, design, tornado and summary files (and ``tornado.png``)."""
    written = [
        write_csv(inside(out_dir, "sensitivity_indices.csv"), *indices_rows(sens)),
        write_csv(inside(out_dir, "sensitivity_design.csv"), *design_rows(sens)),
        write_csv(inside(out_dir, "sensitivity_tornado.csv"), *tornado_rows(sens)),
        write_json(inside(out_dir, "sensitivity.json"), summary(sens)),
    ]
    if plot:
        from .plot_style import save

        written.append(save(tornado_figure(sens), inside(out_dir, "tornado.png")))
    return written


def tornado_figure(sens: Sensitivity) -> Figure:
    """P50 closure with each parameter at its low and its high bound (others central)."""
    from .plot_style import PlotInfo, new_figure, palette, plain

    j = [out.key for out in sens.outputs].index(CLOSURE.key)
    order = _by_swing(sens, j)
    base = float(sens.tornado[0, j])
    info = PlotInfo.now(sens.scenario.name, sens.plan.seed, sens.plan.n, per_point=True)
    fig = new_figure(9.5, 2.4 + 0.5 * len(order), info)
    low_colour, high_colour = (style.color for style in palette(2))
    ax = fig.add_subplot()
    labels = []
    for row, k in enumerate(order):
        b = sens.design.bounds[k]
        ends = [float(sens.tornado[2 * k + 1, j]), float(sens.tornado[2 * k + 2, j])]
        for e, (value, colour) in enumerate(((b.low, low_colour), (b.high, high_colour))):
            at, other = ends[e], ends[1 - e]
            ax.barh(row, at - base, left=base, height=0.6, color=colour, alpha=0.85)
            # the label goes beyond its bar's end; a bar of no length labels the side the other leaves free
            side = np.sign(at - base) or -np.sign(other - base) or (1 if e else -1)
            mark = "≥ " if sens.tornado_beyond[2 * k + 1 + e, j] else ""
            ax.annotate(
                f"{mark}{at:.1f} (at {value:.3g})",
                (at, row),
                xytext=(4 * side, 0),
                textcoords="offset points",
                ha="left" if side > 0 else "right",
                va="center",
                fontsize=8,
            )
        labels.append(plain(f"{b.name}\n[{b.low:.3g} – {b.high:.3g}]"))
    ax.set_yticks(range(len(order)), labels)
    ax.set_ylim(len(order) - 0.4, -0.6)
    ax.axvline(base, color="black", lw=1.2)
    if sens.tornado_beyond[:, j].any():
        horizon = float(sens.scenario.horizon_days)
        ax.axvline(horizon, color="0.4", lw=1.0, ls="--")
        ax.annotate(
            "horizon (≥: not finished by then)",
            (horizon, len(order) - 0.45),
            xytext=(-3, 0),
            textcoords="offset points",
            ha="right",
            va="bottom",
            fontsize=8,
            color="0.3",
        )
    ax.annotate(
        f"baseline {base:.1f}",
        (base, -0.55),
        xytext=(3, 0),
        textcoords="offset points",
        fontsize=8,
        va="top",
    )
    lo, hi = ax.get_xlim()
    ax.set_xlim(lo - 0.12 * (hi - lo), hi + 0.12 * (hi - lo))
    ax.set_xlabel("P50 closure (days)")
    ax.grid(True, axis="x", alpha=0.3)
    from matplotlib.patches import Patch

    keys = [(low_colour, "parameter at its low bound"), (high_colour, "parameter at its high bound")]
    ax.legend(handles=[Patch(color=c, alpha=0.85, label=text) for c, text in keys], loc="best", fontsize=8)
    title = f"{sens.scenario.name}: tornado of P50 closure"
    ax.set_title(
        plain(f"{title}\none-at-a-time swing, not variance share; others at their central values"),
        fontsize=11,
        loc="left",
    )
    return fig


def _fmt(v: float | None, digits: int = 3) -> str:
    return "—" if v is None else f"{v:.{digits}f}"


def indices_table(ind: Indices, beyond: int, rows: int) -> PlainTable:
    """One output's indices in the console, parameters ranked."""
    method = ind.method
    title = f"{ind.output.label}: {'Morris' if method == 'morris' else 'Sobol'} indices"
    if beyond:
        title += f" ({beyond} of {rows} design rows beyond the horizon, counted at it)"
    t = PlainTable(title=title, title_justify="left")
    cols = ["#", "parameter"]
    cols += ["mu* (days)", "95 % CI", "sigma"] if method == "morris" else ["S1", "95 % CI", "ST", "95 % CI"]
    if ind.output.column is None and method == "morris":
        cols[2] = "mu*"
    for c in (*cols, "share"):
        t.add_column(c, justify="left" if c == "parameter" else "right", no_wrap=c != "parameter")
    for rank, (name, _v, share) in enumerate(ind.ranking(), start=1):
        k = ind.names.index(name)
        cells: list[str] = []
        for index in ("mu_star", "sigma") if method == "morris" else ("S1", "ST"):
            value, *ci = _interval(ind.values, k, index)
            cells.append(_fmt(value))
            if ci:
                cells.append("—" if ci[0] is None else f"{_fmt(ci[0], 2)}–{_fmt(ci[1], 2)}")
        t.add_row(str(rank), name, *cells, "—" if share is None else f"{share:.0%}")
    if not ind.varies and method == "sobol":
        t.caption = "the output does not vary over the design: Sobol indices are undefined"
    return t


def tables(sens: Sensitivity) -> list[PlainTable]:
    """The console tables: one per output."""
    n = len(sens.design.rows)
    return [indices_table(ind, int(sens.y_beyond[:, j].sum()), n) for j, ind in enumerate(sens.indices)]
