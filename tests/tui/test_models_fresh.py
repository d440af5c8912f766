"""Issue 27, the Models screen and every model list in the app: models made after launch can be
used and picked (point 1), the shipped default cannot be hidden (2), an import clash offers another
name or replace (3), and a model can be copied (4)."""

from __future__ import annotations

import pytest
from textual.widgets import Select

from oracle.engine import store
from oracle.tui.app import make_app

from .conftest import wait_until
from .test_models_screen import table_names

pytestmark = pytest.mark.asyncio  # Textual's Pilot is async


async def test_a_model_made_after_launch_can_be_used_and_picked(tiny_model):
    app = make_app(pace=0)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.oracle_screen
        await wait_until(pilot, lambda: screen.oracle is not None, what="the model")
        store.copy(tiny_model, "mini")  # as a run on the Train screen would leave it
        await pilot.press("f3")
        await wait_until(pilot, lambda: "mini" in table_names(app), what="the new model in the table")
        table = app.models_screen.query_one("#models-table")
        table.move_cursor(row=table_names(app).index("mini"))
        await pilot.press("u")
        await wait_until(pilot, lambda: app.screen is screen and screen.oracle.name == "mini", what="the switch")
        select = screen.query_one("#model-select", Select)
        assert select.value == "mini"
        # A model made while the Oracle screen is showing is in the Ctrl+O list when it opens.
        store.copy(tiny_model, "later")
        await pilot.press("ctrl+o")
        await wait_until(pilot, lambda: select.expanded, what="the model list")
        overlay = select.query_one("SelectOverlay")
        listed = [str(overlay.get_option_at_index(i).prompt) for i in range(overlay.option_count)]
        assert "later" in listed, listed
        await pilot.press("escape")
        # A model deleted meanwhile leaves the list instead of being offered.
        store.delete("later")
        await pilot.press("ctrl+o")
        await wait_until(pilot, lambda: select.expanded, what="the model list")
        listed = [str(overlay.get_option_at_index(i).prompt) for i in range(overlay.option_count)]
        assert "later" not in listed and "mini" in listed, listed
