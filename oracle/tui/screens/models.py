"""The Models screen: every oracle in a table, its details beside it, and the actions on it.

All the work is the store's (`oracle.engine.store`); this screen only asks and shows.
"""

from __future__ import annotations

from pathlib import Path

from rich.markup import escape
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, DataTable, Footer, Static

from oracle.engine import NameTaken, OracleError, corpus_origin, figures, store
from oracle.tui.screens.modals import ConfirmModal, PromptModal, export_path
from oracle.tui.typed import oracle_app
from oracle.tui.widgets.charts import LossChart
from oracle.tui.widgets.nav import NavBar
from oracle.tui.widgets.train_form import taken
from oracle.visible import visible

COLUMNS = ("", "name", "corpora", "params", "val bpc", "trained", "created", "size")
IN_USE = "●"  # marks the model the Oracle screen (and `oracle ask`) answers with
ACTIONS = (("use", "Use"), ("rename", "Rename"), ("copy", "Copy"), ("delete", "Delete"), ("export", "Export"),
           ("import", "Import"), ("resume", "Resume"))
RECHECK_SECONDS = 2.0
ORIGIN_WIDTH = 32  # the details column holds 33 characters: a corpus's path is cut at the front to one line
CORPORA_MIN, CORPORA_MAX = 8, 100  # the corpora column takes what the figures leave of the width


def fit(text: str, width: int) -> str:
    """Cut to `width` characters with an ellipsis, so a cut never passes for the whole."""
    return text if len(text) <= width else text[:max(1, width - 1)] + "…"


def shown(value) -> str:
    """A metadata value for the markup panel: no raw control characters, no markup of its own."""
    return escape(visible(str(value)))


def free_name(stem: str) -> str:
    """`stem`, else the first of stem-2, stem-3, ... that no model has (a name to offer, not to impose)."""
    stem = stem[:60]
    name, n = stem, 1
    while taken(name) or name in store.shipped_names():
        n += 1
        name = f"{stem}-{n}"
    return name


def row_for(entry: store.ModelEntry, active: str | None, corpora_width: int = CORPORA_MAX) -> tuple:
    mark = Text(IN_USE if entry.name == active else "", style="bold")
    name = Text(entry.name)
    if entry.error:
        return (mark, Text(entry.name, style="red"), "unreadable", "", "", "", "", "")
    s = entry.summary()
    if entry.shipped:
        name.append(" (shipped)", style="italic")
    cells = (fit(visible(", ".join(s["corpora"])), corpora_width), figures.count(s["parameters"]),
             figures.bpc(s["best_val_bpc"]), figures.duration(s["training_seconds"]), figures.created(s["created"]),
             figures.size(s["size_bytes"]))
    # Every text cell as Text through `visible`: a 'created' stamp holding an OSC sequence retitled the
    # terminal, and a plain str cell is read as markup by the table.
    return (mark, name, *(Text(visible(str(c))) for c in cells))


class ModelsScreen(Screen):
    BINDINGS = [
        Binding("u", "use", "Use"),
        Binding("r", "rename", "Rename"),
        Binding("c", "copy", "Copy", show=False),  # the button row shows it; the footer is full at 80 columns
        Binding("d,delete", "delete", "Delete"),
        Binding("e", "export", "Export"),
        Binding("i", "import", "Import"),
        Binding("t", "resume", "Resume"),
    ]
    HELP_TITLE = "Models"
    HELP = """Every oracle you have, newest first; ● marks the one the Oracle screen answers with.
    The panel below shows the highlighted model's recipe, corpora, loss history and best sample."""
    HELP_KEYS = [("enter", "use the highlighted model"), ("t", "resume its training run from its last checkpoint")]

    def __init__(self) -> None:
        super().__init__(id="models-screen")
        self.entries: list[store.ModelEntry] = []
        self.active: str | None = None
        self.seen: tuple = ()  # store.stamp() when the table was last filled

    def compose(self) -> ComposeResult:
        yield NavBar("models")
        yield DataTable(id="models-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="models-empty")
        with Horizontal(id="model-actions"):  # the footer's keys as buttons, for the mouse and for finding them
            for action, label in ACTIONS:
                yield Button(label, id=f"act-{action}", compact=True)
        with Horizontal(id="model-details"):
            with VerticalScroll(id="model-meta-box"):  # at 80x24 a voiced model's lines go below the fold
                yield Static("", id="model-meta")
            yield LossChart("loss history (bits/char)", id="model-chart")
            with VerticalScroll(id="model-sample-box"):
                yield Static("", id="model-sample")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "models"
        self.query_one(DataTable).add_columns(*COLUMNS)
        self.reload()
        # A run on the Train screen, an import or another `oracle` process can make or change a model
        # while this screen shows: look for a change every two seconds (one stat per model).
        self.set_interval(RECHECK_SECONDS, self._reload_if_changed)

    def _reload_if_changed(self) -> None:
        if self.is_current and store.stamp() != self.seen:
            self.reload()

    def on_screen_resume(self) -> None:
        self.reload()

    def reload(self, select: str | None = None) -> None:
        table = self.query_one(DataTable)
        current = select or self.selected_name()
        self.seen = store.stamp()
        try:
            self.entries = store.list_models()
        except OracleError as err:
            self.notify(str(err), severity="error")
            self.entries = []
        try:
            self.active = store.active_name()
        except OracleError:
            self.active = None
        table.clear()
        width = self._corpora_width()
        for entry in self.entries:
            table.add_row(*row_for(entry, self.active, width), key=entry.name)
        names = [e.name for e in self.entries]
        if current in names:
            table.move_cursor(row=names.index(current))
        self.query_one("#models-empty", Static).update(
            "" if self.entries else "No models yet: train one on the Train screen (F2), or import a .oracle file (i).")
        self.query_one("#models-empty").display = not self.entries
        self.show_details()

    def _corpora_width(self) -> int:
        """What the other columns leave of the screen's width, so nothing is cut at 80 columns."""
        longest_name = max((len(e.name) + (10 if e.shipped else 0) for e in self.entries), default=4)
        figures_width = 2 + longest_name + 7 + 7 + 7 + 10 + 8 + 2 * len(COLUMNS) + 2  # cells, padding, scrollbar
        return max(CORPORA_MIN, min(CORPORA_MAX, self.size.width - figures_width))

    def on_resize(self) -> None:
        if self.entries:
            self.reload()

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

    async def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id and event.button.id.startswith("act-"):
            event.stop()
            await self.run_action(event.button.id.removeprefix("act-"))
            self.query_one(DataTable).focus()  # the keys go on working on the table

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
        if entry.error:
            meta_view.update(Text(visible(entry.error), style="red"))
            sample.update("")
            chart.set_series([], [])
            return
        meta = entry.model
        config = meta.model_config
        in_use = entry.name == self.active
        status = ", ".join((["shipped default"] if entry.shipped else []) + ([f"{IN_USE} in use"] if in_use else []))
        lines = [f"[b]{entry.name}[/b]" + (f"\n{status}" if status else ""),  # names are [A-Za-z0-9._-]: no markup
                 f"{figures.count_exact(meta.parameters)} parameters, {figures.size(entry.summary()['size_bytes'])}",
                 f"recipe: {shown('?' if meta.recipe_name is None else meta.recipe_name)}",
                 f"{config.num_layers}×{config.hidden_size} LSTM, vocabulary {config.vocab_size}",
                 f"epochs: {len(meta.metrics)}, device: {shown('?' if meta.device is None else meta.device)}"]
        for c in meta.corpora:  # where each came from: one's own proverbs.txt is not the bundled Proverbs
            where = corpus_origin(c.name, c.path, c.sha256)
            where = where if len(where) <= ORIGIN_WIDTH else "from …" + where[-(ORIGIN_WIDTH - 6):]  # the file's end names it
            lines.append(f"· {shown(c.name)} ×{c.weight} ({c.chars:,} chars), {shown(where)}")
        voices = [shown(name) for name in meta.voice_names]
        if voices:  # a voiced model (several sources); an unvoiced one says nothing about voices
            lines.append(f"voices: {', '.join(voices)} and any voice (blend them on the Oracle screen)")
        meta_view.update("\n".join(lines))
        chart.set_series([(m.step, m.train_bpc) for m in meta.metrics if m.train_bpc is not None],
                         [(m.step, m.val_bpc) for m in meta.metrics if m.val_bpc is not None])
        best_sample = figures.sample(meta.best.sample if meta.best else None)
        sample.update(Text("best sample (T=0.5):\n", style="italic").append(visible(best_sample)))

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
            oracle_app(self).use_model(entry.name)

    def action_rename(self) -> None:
        if not (entry := self._need()):
            return

        def rename(new: str, force: bool = False) -> None:  # an OracleError keeps the dialog open with the sentence in it
            if new != entry.name:
                store.rename(entry.name, new, force)

        def done(new: str | None) -> None:
            if new and new != entry.name:
                self.notify(f"Renamed {entry.name} to {new}.")
                self.reload(select=new)

        self.app.push_screen(PromptModal(f"New name for {entry.name}:", entry.name, act=rename,
                                         replace=lambda new: rename(new, force=True), ok="Rename"), done)

    def action_copy(self) -> None:
        if not (entry := self._need()):
            return

        def done(new: str | None) -> None:
            if new:
                self.notify(f"Copied {entry.name} to {new}: train on from it, or rename it.")
                self.reload(select=new)

        self.app.push_screen(PromptModal(
            f"Copy {entry.name} to a new model named:", free_name(f"{entry.name}-copy"), ok="Copy",
            act=lambda new: store.copy(entry.name, new), replace=lambda new: store.copy(entry.name, new, force=True)), done)

    def action_delete(self) -> None:
        if not (entry := self._need()):
            return

        def done(yes: bool | None) -> None:
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

        default = export_path(f"{entry.name}{store.EXPORT_SUFFIX}")
        self.app.push_screen(PromptModal(f"Export {entry.name} to file:", default, paths=True), done)

    def action_import(self) -> None:
        def done(src: str | None) -> None:
            if src:
                path = Path(src).expanduser()
                try:
                    self._imported(store.import_(path))
                except NameTaken as err:  # its own name is taken: ask for another, or whether to replace
                    self._import_clash(path, err)
                except OracleError as err:
                    self.notify(str(err), severity="error")

        self.app.push_screen(PromptModal("Import a model from a .oracle file:", "", "path/to/model.oracle", paths=True), done)

    def _import_clash(self, path: Path, err: NameTaken) -> None:
        taken = err.facts.get("name", "")
        replace = None if taken in store.shipped_names() else (lambda _: store.import_(path, taken, force=True))
        self.app.push_screen(PromptModal(
            f"{err}\nImport it under the name:", free_name(taken or path.stem), ok="Import",
            act=lambda new: store.import_(path, new), replace=replace,
            replace_label=f"Replace {taken}" if replace else None), lambda name: self._imported(name) if name else None)

    def _imported(self, name: str) -> None:
        self.notify(f"Imported the model {name}.")
        self.reload(select=name)

    def action_resume(self) -> None:
        if entry := self._need():
            if entry.shipped:
                self.notify(f"{entry.name} is the shipped default: it has no training run to resume.", severity="warning")
                return
            if not (entry.path / "checkpoint.json").is_file():
                self.notify(f"{entry.name} has no checkpoint to resume (it finished, or was imported): "
                            "train a new model on the Train screen instead.", severity="warning", timeout=8)
                return
            info = entry.info  # None for a model whose meta.json cannot be read: its checkpoint may still resume
            metrics, epochs = (info.metrics, (info.recipe or {}).get("epochs")) if info else ((), None)
            if metrics and epochs and metrics[-1].epoch >= epochs and not metrics[-1].partial:
                self.notify(f"{entry.name} finished all {epochs} epochs of its run: there is nothing to resume. "
                            f"`oracle train --resume {entry.name} --epochs {epochs * 2}` continues it for more.",
                            severity="warning", timeout=10)
                return
            oracle_app(self).resume_training(entry.name)
