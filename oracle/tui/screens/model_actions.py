"""The Models screen's actions on the highlighted model (use, rename, copy, delete, export, import,
resume): their keys, their dialogs, and the store calls behind them.

A base class of ModelsScreen, apart from what the screen shows: each action asks the screen for the
highlighted entry (`selected`) and has it fill the table again (`reload`) after a change.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from textual.binding import Binding
from textual.screen import Screen

from oracle.engine import NameTaken, OracleError, Recipe, store
from oracle.tui.screens.modals import ConfirmModal, PromptModal, export_path
from oracle.tui.typed import oracle_app
from oracle.tui.widgets.train_form import taken

ACTIONS = (("use", "Use"), ("rename", "Rename"), ("copy", "Copy"), ("delete", "Delete"), ("export", "Export"),
           ("import", "Import"), ("resume", "Resume"))


def free_name(stem: str) -> str:
    """`stem`, else the first of stem-2, stem-3, ... that no model has (a name to offer, not to impose)."""
    stem = stem[:60]
    name, n = stem, 1
    while taken(name) or name in store.shipped_names():
        n += 1
        name = f"{stem}-{n}"
    return name


class ModelActions(Screen):
    BINDINGS = [
        Binding("u", "use", "Use"),
        Binding("r", "rename", "Rename"),
        Binding("c", "copy", "Copy", show=False),  # the button row shows it; the footer is full at 80 columns
        Binding("d,delete", "delete", "Delete"),
        Binding("e", "export", "Export"),
        Binding("i", "import", "Import"),
        Binding("t", "resume", "Resume"),
    ]

    def selected(self) -> store.ModelEntry | None:
        raise NotImplementedError  # the screen's table knows

    def reload(self, select: str | None = None) -> None:
        raise NotImplementedError

    def _run(self, what: Callable[..., object], *args: object) -> bool:
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
        taken = err.taken
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
            recipe = Recipe.recorded(info.recipe) if info else None
            metrics, epochs = (info.metrics if info else ()), (recipe.epochs if recipe else None)
            if metrics and epochs and metrics[-1].epoch >= epochs and not metrics[-1].partial:
                self.notify(f"{entry.name} finished all {epochs} epochs of its run: there is nothing to resume. "
                            f"`oracle train --resume {entry.name} --epochs {epochs * 2}` continues it for more.",
                            severity="warning", timeout=10)
                return
            oracle_app(self).resume_training(entry.name)
