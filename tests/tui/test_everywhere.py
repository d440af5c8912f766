"""What every screen shares: the command palette's Oracle commands, screen keys, path completion."""

from __future__ import annotations

import pytest
from textual.command import CommandList, CommandPalette

from oracle.tui.app import make_app
from oracle.tui.widgets.path_suggester import PathSuggester

from .conftest import wait_until

pytestmark = pytest.mark.asyncio  # Textual's Pilot is async


async def palette_settles_on(pilot, app, words: str) -> None:
    """Wait until the palette has finished searching what was typed and highlights the command
    that reads `words` (its search runs in workers, one per keystroke): an event, not a pause."""

    def settled() -> bool:
        if not isinstance(app.screen, CommandPalette):
            return False
        if any(w.group == CommandPalette._GATHER_COMMANDS_GROUP and not w.is_finished for w in app.workers):
            return False
        options = app.screen.query_one(CommandList)
        return options.highlighted is not None and words in str(options.get_option_at_index(options.highlighted).prompt).lower()

    await wait_until(pilot, settled, what=f"the palette to offer {words!r}")


async def test_palette_lists_the_main_actions_and_runs_them(tiny_model):
    app = make_app(pace=0)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: app.screen is app.oracle_screen)
        await pilot.press("ctrl+p")
        await pilot.press(*"manage your oracles")
        await palette_settles_on(pilot, app, "manage your oracles")
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.screen is app.models_screen, what="the Models screen")
        await pilot.press("ctrl+p")
        await pilot.press(*f"use model {tiny_model}")
        await palette_settles_on(pilot, app, f"use model {tiny_model}")
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.screen is app.oracle_screen, what="back to the Oracle")
        await wait_until(pilot, lambda: app.oracle_screen.oracle and app.oracle_screen.oracle.name == tiny_model,
                         what="the model, loaded in a worker")


async def test_function_keys_switch_screens_and_the_kawaii_theme_is_default(tiny_model):
    app = make_app(pace=0)
    async with app.run_test(size=(80, 24)) as pilot:
        assert app.theme == "kawaii" and "textual-dark" in app.available_themes
        for key, screen in [("f2", "train"), ("f3", "models"), ("f1", "oracle")]:
            await pilot.press(key)
            await pilot.pause()
            assert app.screen is app.get_screen(screen)


async def test_path_suggester_completes_the_last_path(tmp_path):
    (tmp_path / "sacred.txt").write_text("x")
    (tmp_path / "songs").mkdir()
    suggester = PathSuggester()
    assert await suggester.get_suggestion(f"{tmp_path}/sac") == f"{tmp_path}/sacred.txt"
    assert await suggester.get_suggestion(f"kjv:2 {tmp_path}/so") == f"kjv:2 {tmp_path}/songs/"
    assert await suggester.get_suggestion(f"{tmp_path}/zzz") is None
    assert await suggester.get_suggestion(f"{tmp_path}/sacred.txt:2") is None  # a weight is being typed
