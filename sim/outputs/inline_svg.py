"""A matplotlib figure as an ``<svg>`` element to put inside an HTML page (``report.html``).

The figure is rendered to SVG in memory as :func:`~.plot_style.save` writes it (text stays
text, no date or software tag), then made fit to sit beside other figures in one page:

* the XML prolog, the DOCTYPE (which names a remote DTD) and the ``<metadata>`` block (which
  names remote RDF vocabularies) are dropped: nothing in the page points outside it;
* every ``id`` gets the figure's key as a prefix, and so does every reference to one
  (``url(#…)``, ``href="#…"``). matplotlib numbers its ids per figure (``figure_1``,
  ``axes_1``) and hashes clip paths and markers from their geometry, so two figures in one page
  would otherwise share ids, and one figure could clip or mark with another's shapes. The hash
  is also salted with the key (``svg.hashsalt``);
* ``xlink:href`` becomes ``href`` (SVG 2; every current browser reads it) and the elements lose
  their XML namespace: an HTML parser puts ``<svg>`` and what it holds in SVG's namespace
  itself, so no ``xmlns`` is needed;
* the ``*{…}`` style matplotlib puts in the SVG is scoped to the figure, so it does not style
  the rest of the page;
* the fixed ``width``/``height`` become ``width="100%"`` with the natural width as a maximum:
  the figure shrinks with a narrow window and keeps its proportions (its ``viewBox``);
* ``role="img"`` and an ``aria-label`` name the figure for screen readers.

The SVG is parsed and written back with :mod:`xml.etree.ElementTree`, so user text in the
figure (already escaped by matplotlib) is never touched by the renaming. User text reaches a
figure through :func:`~.plot_style.plain`, which shows control characters as escapes; any
character XML does not allow that still slips into the SVG (matplotlib writes them as they
are) becomes U+FFFD before parsing, so a figure is always embedded, never refused. matplotlib
is imported only when rendering.
"""

from __future__ import annotations

import io
import re
from typing import TYPE_CHECKING, Any
from xml.etree import ElementTree as ET

from .plot_style import load_matplotlib

if TYPE_CHECKING:
    from matplotlib.figure import Figure

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
_URL = re.compile(r"url\(\s*#([^)\s]+)\s*\)")
_KEY = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
"""Characters XML 1.0 does not allow in a document, even escaped."""


def svg_text(fig: Figure, salt: str) -> str:
    """``fig`` rendered as an SVG document (a string), as :func:`~.plot_style.save` would write it."""
    load_matplotlib()
    from matplotlib import rc_context

    buf = io.BytesIO()
    with rc_context({"svg.fonttype": "none", "svg.hashsalt": salt}):
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    return buf.getvalue().decode("utf-8")


def inline_svg(fig: Figure, key: str, label: str) -> str:
    """``fig`` as an ``<svg>`` element for an HTML page, its ids prefixed with ``key``.

    ``key`` must be unique in the page and a valid id (a letter, then letters, digits, ``-``
    or ``_``); ``label`` names the figure for screen readers (plain text, escaped here).
    """
    if not _KEY.fullmatch(key):
        raise ValueError(f"figure key {key!r} is not a valid HTML id")
    return element_of(svg_text(fig, f"posture-{key}"), key, label)


def element_of(svg: str, key: str, label: str) -> str:
    """An SVG document (``svg``) as an element for an HTML page: see the module's docstring."""
    root = ET.fromstring(_NOT_XML.sub("\ufffd", svg))
    for meta in root.findall(f"{{{SVG_NS}}}metadata"):
        root.remove(meta)
    for el in root.iter():
        el.tag = el.tag.removeprefix(f"{{{SVG_NS}}}")
        _rename(el, key)
        if el.tag == "style" and el.text:
            el.text = el.text.replace("*{", f"#{key} *{{")
    width = root.attrib.pop("width", None)
    root.attrib.pop("height", None)
    root.set("id", key)
    root.set("width", "100%")
    if width:
        root.set("style", f"max-width: {width}")
    root.set("role", "img")
    root.set("aria-label", label)
    return ET.tostring(root, encoding="unicode")


def _rename(el: Any, key: str) -> None:
    """Prefix ``el``'s id and every reference to an id in its attributes with ``key``."""
    if XLINK_HREF in el.attrib:
        el.set("href", el.attrib.pop(XLINK_HREF))
    for name, value in list(el.attrib.items()):
        if name == "id":
            el.set(name, f"{key}-{value}")
        elif name == "href" and value.startswith("#"):
            el.set(name, f"#{key}-{value[1:]}")
        elif "url(" in value:
            el.set(name, _URL.sub(lambda m: f"url(#{key}-{m.group(1)})", value))
