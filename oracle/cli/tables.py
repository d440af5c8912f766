"""Tables on stdout: coloured and word-wrapped by Rich on a terminal, plain fixed columns when piped.

Piped output stays one line per row with no escape codes, so `grep`, `cut` and scripts see the
same text every time; a cell cut to its column ends in "…" so a cut never passes for the whole.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

from oracle.visible import visible


@dataclass
class Column:
    title: str
    width: int | None = None  # plain output: cut to this many characters (None: as long as it is)
    right: bool = False  # numbers align right
    style: str = ""  # Rich style on a terminal
    wrap: bool = False  # on a terminal: wrap at word boundaries instead of cutting


def fit(text: str, width: int | None) -> str:
    if width is None or len(text) <= width:
        return text
    return text[:max(1, width - 1)] + "…"


def on_terminal(stream=None) -> bool:
    stream = stream or sys.stdout
    return hasattr(stream, "isatty") and stream.isatty()


def print_table(columns: list[Column], rows: list[list[str]], caption: str = "", stream=None) -> None:
    """Every cell goes through `visible` here, the one way a table reaches the terminal: a value from
    a model's files (a 'created' stamp holding ESC [2J, a bidi override in a corpus name) cannot be missed."""
    stream = stream or sys.stdout
    rows = [[visible(str(v)) for v in row] for row in rows]
    caption = visible(caption)
    if on_terminal(stream):
        _rich(columns, rows, caption, stream)
    else:
        _plain(columns, rows, caption, stream)


def _plain(columns: list[Column], rows: list[list[str]], caption: str, stream) -> None:
    cells = [[fit(str(v), c.width) for v, c in zip(row, columns)] for row in rows]
    widths = [max([len(c.title)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]

    def line(values: list[str]) -> str:
        parts = [v.rjust(w) if c.right else v.ljust(w) for v, w, c in zip(values, widths, columns)]
        return "  ".join(parts).rstrip()

    print(line([c.title for c in columns]), file=stream)
    for row in cells:
        print(line(row), file=stream)
    if caption:
        print(caption, file=stream)


def _rich(columns: list[Column], rows: list[list[str]], caption: str, stream) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console(file=stream, highlight=False)
    longest = [max([len(c.title)] + [len(str(row[i])) for row in rows]) for i, c in enumerate(columns)]
    # Figures keep their full width; the columns with a width share what is left of the terminal's,
    # cut with "…" (Rich would squeeze every column instead, figures included).
    cuttable = [i for i, c in enumerate(columns) if c.width is not None and not c.wrap]
    fixed = sum(w for i, w in enumerate(longest) if i not in cuttable) + 2 * (len(columns) - 1)
    room = max(8, (console.width - fixed) // max(1, len(cuttable)))
    table = Table(box=None, header_style="bold magenta", pad_edge=False, caption=caption or None,
                  caption_justify="left", caption_style="dim")
    for i, c in enumerate(columns):
        width = min(room, c.width or room, longest[i]) if i in cuttable else None
        table.add_column(c.title, justify="right" if c.right else "left", style=c.style or None,
                         no_wrap=not c.wrap, width=width, min_width=None if c.wrap else longest[i] if width is None else width)
    for row in rows:
        # Text, not markup: a corpus named "[red]" or "[link=...]" is shown as it is.
        table.add_row(*[Text(fit(str(v), min(room, columns[i].width or room)) if i in cuttable else str(v)) for i, v in enumerate(row)])
    console.print(table)
