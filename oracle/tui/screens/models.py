"""The Models screen: every oracle in a table, its details beside it, and the actions on it.

All the work is the store's (`oracle.engine.store`); this screen only asks and shows. The table
(widgets/model_table.py), the details (widgets/model_details.py) and the actions with their dialogs
(screens/model_actions.py) are parts of their own.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Button, DataTable, Footer, Static

from oracle.engine import OracleError, store
from oracle.tui.screens.model_actions import ACTIONS, ModelActions
from oracle.tui.widgets.model_details import ModelDetails
from oracle.tui.widgets.model_table import ModelTable
from oracle.tui.widgets.nav import NavBar

RECHECK_SECONDS = 2.0


class ModelsScreen(ModelActions):
    HELP_TITLE = "Models"
    HELP = """Every oracle you have, newest first; ● marks the one the Oracle screen answers with.
    The panel below shows the highlighted model's recipe, corpora, loss history and best sample."""
    HELP_KEYS = [("enter", "use the highlighted model"), ("t", "resume its training run from its last checkpoint")]

    def __init__(self) -> None:
        super().__init__(id="models-screen")
        self.active: str | None = None
        self.seen: tuple = ()  # store.stamp() when the table was last filled

    @property
    def entries(self) -> list[store.ModelEntry]:
        return self.query_one(ModelTable).entries

    def compose(self) -> ComposeResult:
        yield NavBar("models")
        yield ModelTable()
        yield Static("", id="models-empty")
        with Horizontal(id="model-actions"):  # the footer's keys as buttons, for the mouse and for finding them
            for action, label in ACTIONS:
                yield Button(label, id=f"act-{action}", compact=True)
        yield ModelDetails()
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "models"
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
        current = select or self.selected_name()
        self.seen = store.stamp()
        try:
            entries = store.list_models()
        except OracleError as err:
            self.notify(str(err), severity="error")
            entries = []
        try:
            self.active = store.active_name()
        except OracleError:
            self.active = None
        self.query_one(ModelTable).fill(entries, self.active, current)
        self.query_one("#models-empty", Static).update(
            "" if entries else "No models yet: train one on the Train screen (F2), or import a .oracle file (i).")
        self.query_one("#models-empty").display = not entries
        self.show_details()

    def on_resize(self) -> None:
        if self.entries:
            self.reload()

    def selected(self) -> store.ModelEntry | None:
        return self.query_one(ModelTable).selected()

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
        self.query_one(ModelDetails).show(self.selected(), self.active)

    def shutdown(self) -> None:
        pass  # nothing runs in the background here
