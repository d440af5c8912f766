"""The Models screen: every oracle in a table, its details beside it, and the actions on it.

All the work is the store's (`oracle.engine.store`); this screen only asks and shows.
"""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from oracle.engine import OracleError, store

from .charts import LossChart
from .modals import ConfirmModal, PromptModal

COLUMNS = ("name", "corpora", "params", "val bpc", "trained", "created", "size")


def human_size(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024


def human_duration(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    seconds = int(seconds)
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


def human_count(n: int | None) -> str:
    if n is None:
        return "–"
    return f"{n / 1e6:.2f}M" if n >= 1e6 else f"{n / 1e3:.1f}k" if n >= 1e3 else str(n)


def row_for(entry: store.ModelEntry) -> tuple:
    if "error" in entry.meta:
        return (Text(entry.name, style="red"), "unreadable", "", "", "", "", "")
    s = entry.summary()
    name = Text(entry.name)
    if entry.shipped:
        name.append(" ★ default", style="bold")
    bpc = "–" if s["best_val_bpc"] is None else f"{s['best_val_bpc']:.3f}"
    created = (s["created"] or "")[:16].replace("T", " ")
    corpora = ", ".join(s["corpora"])
    if len(corpora) > 24:  # keep the figures on screen at 80 columns; the details panel lists them all
        corpora = corpora[:23] + "…"
    return (name, corpora, human_count(s["parameters"]), bpc,
            human_duration(s["training_seconds"]), created, human_size(s["size_bytes"]))


class ModelsScreen(Screen):
    BINDINGS = [
        Binding("u", "use", "Use"),
        Binding("r", "rename", "Rename"),
        Binding("d,delete", "delete", "Delete"),
        Binding("e", "export", "Export"),
        Binding("i", "import", "Import"),
        Binding("t", "resume", "Resume training"),
    ]

    def __init__(self) -> None:
        super().__init__(id="models-screen")
        self.entries: list[store.ModelEntry] = []

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield DataTable(id="models-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="models-empty")
        with Horizontal(id="model-details"):
            yield Static("", id="model-meta")
            yield LossChart("loss history (bits/char)", id="model-chart")
            with VerticalScroll(id="model-sample-box"):
                yield Static("", id="model-sample")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "models"
        self.query_one(DataTable).add_columns(*COLUMNS)
        self.reload()

    def on_screen_resume(self) -> None:
        self.reload()

    def reload(self, select: str | None = None) -> None:
        table = self.query_one(DataTable)
        current = select or self.selected_name()
        try:
            self.entries = store.list_models()
        except OracleError as err:
            self.notify(str(err), severity="error")
            self.entries = []
        table.clear()
        for entry in self.entries:
            table.add_row(*row_for(entry), key=entry.name)
        names = [e.name for e in self.entries]
        if current in names:
            table.move_cursor(row=names.index(current))
        self.query_one("#models-empty", Static).update(
            "" if self.entries else "No models yet: train one on the Train screen (F2), or import a .oracle file (i).")
        self.query_one("#models-empty").display = not self.entries
        self.show_details()

    def selected(self) -> store.ModelEntry | None:
        table = self.query_one(DataTable)
        if not self.entries or table.cursor_row is None or not 0 <= table.cursor_row < len(self.entries):
            return None
        return self.entries[table.cursor_row]

    def selected_name(self) -> str | None:
        entry = self.selected()
        return entry.name if entry else None

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.show_details()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_use()

    def show_details(self) -> None:
        entry = self.selected()
        meta_view = self.query_one("#model-meta", Static)
        chart = self.query_one(LossChart)
        sample = self.query_one("#model-sample", Static)
        if entry is None:
            meta_view.update("")
            sample.update("")
            chart.set_series([], [])
            return
        meta = entry.meta
        if "error" in meta:
            meta_view.update(Text(meta["error"], style="red"))
            sample.update("")
            chart.set_series([], [])
            return
        config = meta.get("config", {})
        lines = [f"[b]{entry.name}[/b]" + (" (shipped default)" if entry.shipped else ""),
                 f"recipe: {meta.get('recipe_name', '?')}",
                 f"{config.get('num_layers', '?')}×{config.get('hidden_size', '?')} LSTM, vocabulary {config.get('vocab_size', '?')}",
                 f"epochs: {len(meta.get('metrics', []))}, device: {meta.get('device', '?')}"]
        for c in meta.get("corpora", []):
            lines.append(f"· {c.get('name')} ×{c.get('weight', 1)} ({c.get('chars', 0):,} chars)")
        meta_view.update("\n".join(lines))
        metrics = meta.get("metrics", [])
        chart.set_series([(m["step"], m["train_bpc"]) for m in metrics if m.get("train_bpc") is not None],
                         [(m["step"], m["val_bpc"]) for m in metrics if m.get("val_bpc") is not None])
        sample.update(Text((meta.get("best") or {}).get("sample", "") or "(no sample)"))

    def shutdown(self) -> None:
        pass  # nothing runs in the background here

    # ---- actions -----------------------------------------------------------------------------

    def _run(self, what, *args) -> bool:
        """Call the store; its OracleError becomes a notification instead of a crash."""
        try:
            what(*args)
        except OracleError as err:
            self.notify(str(err), severity="error")
            return False
        return True

    def _need(self) -> store.ModelEntry | None:
        entry = self.selected()
        if entry is None:
            self.notify("No model is selected.", severity="warning")
        return entry

    def action_use(self) -> None:
        if entry := self._need():
            self.app.use_model(entry.name)

    def action_rename(self) -> None:
        if not (entry := self._need()):
            return

        def done(new: str | None) -> None:
            if new and new != entry.name and self._run(store.rename, entry.name, new):
                self.notify(f"Renamed {entry.name} to {new}.")
                self.reload(select=new)

        self.app.push_screen(PromptModal(f"New name for {entry.name}:", entry.name), done)

    def action_delete(self) -> None:
        if not (entry := self._need()):
            return

        def done(yes: bool) -> None:
            if yes and self._run(store.delete, entry.name):
                self.notify(f"Deleted {entry.name}.")
                self.reload()

        self.app.push_screen(ConfirmModal(f"Delete the model {entry.name} for good?", yes="Delete"), done)

    def action_export(self) -> None:
        if not (entry := self._need()):
            return

        def done(dest: str | None) -> None:
            if dest:
                try:
                    written = store.export(entry.name, Path(dest).expanduser())
                except OracleError as err:
                    self.notify(str(err), severity="error")
                else:
                    self.notify(f"Exported {entry.name} to {written}.")

        default = str(Path.cwd() / f"{entry.name}{store.EXPORT_SUFFIX}")
        self.app.push_screen(PromptModal(f"Export {entry.name} to file:", default, paths=True), done)

    def action_import(self) -> None:
        def done(src: str | None) -> None:
            if src:
                try:
                    name = store.import_(Path(src).expanduser())
                except OracleError as err:
                    self.notify(str(err), severity="error")
                else:
                    self.notify(f"Imported the model {name}.")
                    self.reload(select=name)

        self.app.push_screen(PromptModal("Import a model from a .oracle file:", "", "path/to/model.oracle", paths=True), done)

    def action_resume(self) -> None:
        if entry := self._need():
            if entry.shipped:
                self.notify(f"{entry.name} is the shipped default: it has no training run to resume.", severity="warning")
                return
            self.app.resume_training(entry.name)
