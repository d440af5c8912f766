"""The eye's colours, and a self-contained HTML page of a text coloured by one unit.

One diverging scale for every face (terminal, app, page): -1 is blue, 0 a pale grey, +1 red;
values beyond ±1 (a cell state can grow large) take the end colours. Gates live in 0..1, so
they use the warm half only, which keeps one scale comparable across kinds.
"""

from __future__ import annotations

import html
import math
from pathlib import Path

import numpy as np

from oracle.engine.io.atomic import write_bytes_atomic
from oracle.visible import visible

_NEGATIVE = (59, 76, 192)
_MIDDLE = (236, 236, 236)
_POSITIVE = (192, 40, 40)


def colour(value: float) -> tuple[int, int, int]:
    """The scale's RGB for `value` in -1..1 (clipped; NaN shows as 0)."""
    v = float(value)
    v = 0.0 if math.isnan(v) else max(-1.0, min(1.0, v))  # plain floats: called once per character shown
    end = _POSITIVE if v >= 0 else _NEGATIVE
    w = abs(v)
    r, g, b = (round(m + (e - m) * w) for m, e in zip(_MIDDLE, end))
    return r, g, b


def hex_colour(value: float) -> str:
    return "#{:02x}{:02x}{:02x}".format(*colour(value))


def ink(value: float) -> str:
    """Text colour that stays readable on the background for `value`: black on pale, white on strong."""
    r, g, b = colour(value)
    return "#000000" if 0.299 * r + 0.587 * g + 0.114 * b > 140 else "#ffffff"


def legend_stops(count: int = 9) -> list[float]:
    return [round(-1 + 2 * i / (count - 1), 2) for i in range(count)]


def html_page(text: str, values: np.ndarray, title: str, subtitle: str = "") -> str:
    """One page, no external files: the text in a <pre>, each character on its unit's colour;
    hovering a character shows its position and value."""
    spans = []
    for i, (ch, v) in enumerate(zip(text, values)):
        shown = html.escape(visible(ch)) if ch != "\n" else "↵\n"
        spans.append(f'<span style="background:{hex_colour(v)};color:{ink(v)}" title="{i}: {v:+.3f}">{shown}</span>')
    legend = "".join(f'<span style="background:{hex_colour(v)};color:{ink(v)}">{v:+.2f}</span>' for v in legend_stops())
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(visible(title))}</title>
<style>
body {{ font-family: sans-serif; margin: 2em; background: #fafafa; color: #222; }}
pre {{ font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 15px; line-height: 1.5;
      white-space: pre-wrap; word-break: break-all; }}
pre span {{ padding: 1px 0; }}
.legend span {{ font-family: monospace; padding: 2px 6px; }}
.sub {{ color: #555; }}
</style></head><body>
<h1>{html.escape(visible(title))}</h1>
<p class="sub">{html.escape(visible(subtitle))}</p>
<p class="legend">{legend}</p>
<pre>{"".join(spans)}</pre>
</body></html>
"""


def write_html(path: Path, page: str) -> None:
    write_bytes_atomic(Path(path), page.encode("utf-8"))
