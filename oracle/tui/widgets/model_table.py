"""The Models screen's table: every oracle one row, newest first, ● beside the one in use."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable

from oracle.engine import figures, store
from oracle.visible import visible

COLUMNS = ("", "name", "corpora", "params", "val bpc", "trained", "created", "size")
IN_USE = "●"  # marks the model the Oracle screen (and `oracle ask`) answers with
CORPORA_MIN, CORPORA_MAX = 8, 100  # the corpora column takes what the figures leave of the width


def fit(text: str, width: int) -> str:
    """Cut to `width` characters with an ellipsis, so a cut never passes for the whole."""
    return text if len(text) <= width else text[:max(1, width - 1)] + "…"


def row_for(entry: store.ModelEntry, active: str | None, corpora_width: int = CORPORA_MAX) -> tuple:
    mark = Text(IN_USE if entry.name == active else "", style="bold")
    name = Text(entry.name)
    if entry.error:
        return (mark, Text(entry.name, style="red"), "unreadable", "", "", "", "", "")
    s = entry.summary()
    if entry.shipped:
        name.append(" (shipped)", style="italic")
    cells = (fit(visible(", ".join(s.corpora)), corpora_width), figures.count(s.parameters),
             figures.bpc(s.best_val_bpc), figures.duration(s.training_seconds), figures.created(s.created),
             figures.size(s.size_bytes))
    # Every text cell as Text through `visible`: a 'created' stamp holding an OSC sequence retitled the
    # terminal, and a plain str cell is read as markup by the table.
    return (mark, name, *(Text(visible(str(c))) for c in cells))


class ModelTable(DataTable):
    """The rows and the entries they show, kept in step: the row under the cursor is `selected()`."""

    def __init__(self) -> None:
        super().__init__(id="models-table", cursor_type="row", zebra_stripes=True)
        self.entries: list[store.ModelEntry] = []

    def fill(self, entries: list[store.ModelEntry], active: str | None, select: str | None) -> None:
        """Show `entries` (`active` marked), the cursor back on `select` when it is still there."""
        if not self.columns:
            self.add_columns(*COLUMNS)
        self.entries = entries
        self.clear()
        width = self._corpora_width()
        for entry in entries:
            self.add_row(*row_for(entry, active, width), key=entry.name)
        names = [e.name for e in entries]
        if select in names:
            self.move_cursor(row=names.index(select))

    def _corpora_width(self) -> int:
        """What the other columns leave of the screen's width, so nothing is cut at 80 columns."""
        longest_name = max((len(e.name) + (10 if e.shipped else 0) for e in self.entries), default=4)
        figures_width = 2 + longest_name + 7 + 7 + 7 + 10 + 8 + 2 * len(COLUMNS) + 2  # cells, padding, scrollbar
        return max(CORPORA_MIN, min(CORPORA_MAX, self.screen.size.width - figures_width))

    def selected(self) -> store.ModelEntry | None:
        if not self.entries or self.cursor_row is None or not 0 <= self.cursor_row < len(self.entries):
            return None
        return self.entries[self.cursor_row]
