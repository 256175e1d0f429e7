"""The pieces ``report.html`` is made of: one self-contained page, its style, tables and figures.

Every piece escapes what it is given: text goes through :func:`html.escape` unless it is an
:class:`Html` fragment built here, so a scenario name, a label or a reason holding
``<script>`` shows as text, and a control character as its escape (``\\x1b``). The page
needs nothing outside itself:

* the style is inline (system fonts, no web fonts) and there is no script;
* figures are inline SVG (:mod:`.inline_svg`);
* a Content-Security-Policy (``default-src 'none'``) forbids the browser to load anything,
  so a slip would show as a console error, never as a request;
* links (a source's ``url``) are plain anchors with ``rel="noopener noreferrer"``, and only for
  ``http``/``https`` addresses; any other address (``javascript:``) is shown as text.

Tables scroll sideways inside their section when they are wider than the window.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from .terminal import printable

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from rich.table import Table

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
"""Nothing may be loaded; inline style (the page's and the figures') and data images may."""
CSS = """
:root { color-scheme: light; }
body { margin: 0; color: #1d1d24; background: #fff; line-height: 1.45;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", sans-serif; }
main { max-width: 1100px; margin: 0 auto; padding: 1.5rem 1.25rem 3rem; }
header { border-bottom: 3px solid #332288; padding-bottom: .6rem; }
h1 { font-size: 1.6rem; margin: 0 0 .35rem; overflow-wrap: anywhere; }
h2 { font-size: 1.25rem; margin: 2.4rem 0 .6rem; border-bottom: 1px solid #c9c6dd; padding-bottom: .2rem; }
h3 { font-size: 1.02rem; margin: 1.4rem 0 .3rem; }
p { margin: .4rem 0; }
.what { font-size: 1.05rem; }
.meta, .note, figcaption { color: #4a4a55; font-size: .9rem; }
.status-ok { color: #117733; font-weight: 600; }
.status-no { color: #882255; font-weight: 600; }
nav ul { list-style: none; padding: 0; margin: .8rem 0 0; display: flex; flex-wrap: wrap; gap: .2rem 1.1rem; }
nav a, a { color: #332288; }
.scroll { overflow-x: auto; margin: .4rem 0 1rem; }
table { border-collapse: collapse; font-size: .88rem; }
caption { caption-side: top; text-align: left; font-weight: 600; padding: .2rem 0 .35rem; }
th, td { padding: .24rem .6rem; border-bottom: 1px solid #e1e1e8; text-align: left; vertical-align: top; }
thead th { background: #f2f1f8; border-bottom: 2px solid #c9c6dd; white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.wrap { min-width: 10rem; overflow-wrap: break-word; }
td.url { min-width: 12rem; word-break: break-all; }
td.nowrap { white-space: nowrap; }
.mono { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: .8rem; }
.hash { word-break: break-all; min-width: 12rem; }
figure { margin: 1.2rem 0 2rem; }
figure svg { display: block; height: auto; }
pre { background: #f6f6f9; padding: .5rem .7rem; overflow-x: auto; white-space: pre-wrap;
  overflow-wrap: anywhere; }
footer { margin-top: 3rem; border-top: 1px solid #c9c6dd; padding-top: .5rem; }
@media print { nav { display: none; } figure, table { break-inside: avoid; } }
"""


class Html(str):
    """A fragment of HTML built in this package: put into the page as it is, never escaped again."""


def esc(text: object) -> Html:
    """``text`` (or ``str(text)``) as HTML text: ``<``, ``>``, ``&`` and quotes escaped, and
    each non-printable character but line breaks and tabs shown as its escape (``\\x1b``),
    as the terminal shows it (:func:`~.terminal.printable`)."""
    if isinstance(text, Html):
        return text
    return Html(html.escape(printable(str(text), keep="\n\t"), quote=True))


def join(parts: Iterable[object], sep: str = "") -> Html:
    """Pieces of HTML (text is escaped) one after the other."""
    return Html(sep.join(esc(p) for p in parts))


def tag(name: str, body: object = "", **attrs: str | None) -> Html:
    """``<name attrs>body</name>``: ``body`` escaped unless :class:`Html`, attribute values escaped.

    An attribute ``class_`` is written ``class``; one whose value is ``None`` is left out.
    """
    written = "".join(
        f' {k.rstrip("_").replace("_", "-")}="{esc(v)}"' for k, v in attrs.items() if v is not None
    )
    return Html(f"<{name}{written}>{esc(body)}</{name}>")


def note(text: object) -> Html:
    """A paragraph in the small grey type of remarks."""
    return tag("p", text, class_="note")


def link(url: str, text: str | None = None) -> Html:
    """An anchor to ``url`` if it is an ``http(s)`` address, else ``url`` as plain text."""
    try:
        scheme = urlsplit(url.strip()).scheme.lower()
    except ValueError:
        scheme = ""
    if scheme not in ("http", "https"):
        return esc(text or url)
    return tag("a", text or url, href=url.strip(), rel="noopener noreferrer")


@dataclass(frozen=True)
class Section:
    """One part of the page: its anchor, its heading and its body (HTML)."""

    id: str
    title: str
    body: Html


def table(
    header: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    numeric: Collection[int] = (),
    caption: str | None = None,
    classes: Sequence[str | None] = (),
) -> Html:
    """A table in a sideways-scrolling box: cells escaped (``None``: ``—``).

    ``numeric``: column indices aligned right in tabular figures; ``classes``: a CSS class per
    column's cells (``wrap``, ``url``, ``nowrap``, ``mono``, ``hash``).
    """

    def cls(k: int) -> str | None:
        names = [*(["num"] if k in numeric else []), *([c] if k < len(classes) and (c := classes[k]) else [])]
        return " ".join(names) or None

    head = join(
        tag("th", h, class_="num" if k in numeric else None, scope="col") for k, h in enumerate(header)
    )
    body = join(
        tag("tr", join(tag("td", "—" if v is None else v, class_=cls(k)) for k, v in enumerate(row)))
        for row in rows
    )
    cap = tag("caption", caption) if caption else ""
    inner = tag("table", join([cap, tag("thead", tag("tr", head)), tag("tbody", body)]))
    return tag("div", inner, class_="scroll")


def rich_table(t: Table) -> Html:
    """A console table (a rich :class:`~rich.table.Table`) as the same table in HTML.

    The title becomes the caption, right-justified columns are numeric, the caption under the
    console table a remark; cells are taken as plain text.
    """
    columns = list(t.columns)
    numeric = [k for k, c in enumerate(columns) if c.justify == "right"]
    rows = list(zip(*(list(c.cells) for c in columns), strict=True)) if columns else []
    title = str(t.title) if t.title else None
    body = table(
        [str(c.header) for c in columns], ([str(v) for v in r] for r in rows), numeric=numeric, caption=title
    )
    return join([body, note(str(t.caption)) if t.caption else ""])


def figure(key: str, caption: str, fig: Figure | str) -> Html:
    """A figure (inline SVG, ids prefixed with ``key``) with its caption, or why it is not drawn."""
    if isinstance(fig, str):
        return note(f"{caption.split(':')[0]}: not drawn — {fig}.")
    from .inline_svg import inline_svg

    return tag(
        "figure", join([Html(inline_svg(fig, key, caption)), tag("figcaption", caption)]), id=f"fig-{key}"
    )


def page(title: str, lead: Sequence[Html], sections: Sequence[Section], foot: Html) -> str:
    """The whole document: head (style, policy), header with the contents, sections, footer."""
    contents = tag("nav", tag("ul", join(tag("li", tag("a", s.title, href=f"#{s.id}")) for s in sections)))
    parts = [
        tag("header", join([tag("h1", title), *lead, contents])),
        *(tag("section", join([tag("h2", s.title), s.body]), id=s.id) for s in sections),
        tag("footer", foot),
    ]
    head = join(
        [
            Html('<meta charset="utf-8">'),
            Html('<meta name="viewport" content="width=device-width, initial-scale=1">'),
            Html(f'<meta http-equiv="Content-Security-Policy" content="{esc(CSP)}">'),
            Html('<meta name="generator" content="posture">'),
            tag("title", f"{title} — posture report"),
            tag("style", Html(CSS)),
        ]
    )
    body = f"<body><main>{join(parts)}</main></body>"
    return f'<!DOCTYPE html>\n<html lang="en">\n<head>{head}</head>\n{body}\n</html>\n'


def today() -> str:
    """Today's date (UTC), ISO 8601: when the page was made."""
    return dt.datetime.now(dt.UTC).date().isoformat()
