"""Issue 27, point 13: below 80x24 the app says plainly that the window is too small, instead of
cut widgets, and every screen comes back as it was when the window grows; and point 12's exports."""

from __future__ import annotations

import os

import pytest
from textual.widgets import Input

from oracle.tui.app import make_app
from oracle.tui.screens.modals import PromptModal
from oracle.tui.screens.too_small import TooSmallScreen

from .conftest import ask, wait_until
from .test_newcomer import screen_lines

pytestmark = pytest.mark.asyncio  # Textual's Pilot is async


async def test_a_small_window_says_so_and_the_app_comes_back_on_resize(tiny_model):
    app = make_app(pace=0, start="train")
    async with app.run_test(size=(60, 20)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, TooSmallScreen), what="the notice")
        await pilot.pause()
        text = "\n".join(screen_lines(app))
        assert "The window is too small (need 80x24; it is 60x20)." in text
        assert "Start" not in text  # no cut widgets drawn under it
        await pilot.press("f3")  # a screen key does not take the notice away
        await pilot.pause()
        assert isinstance(app.screen, TooSmallScreen)
        await pilot.resize_terminal(100, 30)
        await wait_until(pilot, lambda: app.screen is app.train_screen, what="the Train screen back")
        await pilot.resize_terminal(79, 30)  # one column short is too small too
        await wait_until(pilot, lambda: isinstance(app.screen, TooSmallScreen), what="the notice again")
        await pilot.pause()
        assert "it is 79x30" in "\n".join(screen_lines(app))
        await pilot.resize_terminal(80, 23)
        await wait_until(pilot, lambda: "it is 80x23" in "\n".join(screen_lines(app)), what="the new size")
        assert [type(s).__name__ for s in app.screen_stack[1:]] == ["TrainScreen", "TooSmallScreen"]  # one notice
        await pilot.resize_terminal(80, 24)
        await wait_until(pilot, lambda: app.screen is app.train_screen, what="the Train screen back at 80x24")
        await pilot.press("f3")
        await wait_until(pilot, lambda: app.screen is app.models_screen, what="the keys work again")


async def test_exports_are_offered_outside_the_working_folder(tiny_model, oracle_home, tmp_path, monkeypatch):
    """Issue 27, 12: the conversation and model exports default to Documents, else ORACLE_HOME/exports."""
    monkeypatch.setenv("HOME", str(tmp_path / "user"))
    monkeypatch.delenv("XDG_DOCUMENTS_DIR", raising=False)
    (tmp_path / "user").mkdir()
    monkeypatch.chdir(tmp_path)  # the working folder, say a git clone: never offered
    app = make_app(pace=0)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.oracle_screen
        await ask(pilot, screen, "why")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, PromptModal), what="the export dialog")
        offered = app.screen.query_one("#prompt-input", Input).value
        assert offered == str(oracle_home / "exports" / f"{tiny_model}-conversation.md")
        await pilot.press("enter")
        await wait_until(pilot, lambda: os.path.exists(offered), what="the export")
        (tmp_path / "user" / "Documents").mkdir()
        await pilot.press("f3")
        await wait_until(pilot, lambda: app.screen is app.models_screen, what="Models")
        await pilot.press("e")
        await wait_until(pilot, lambda: isinstance(app.screen, PromptModal), what="the model export dialog")
        offered = app.screen.query_one("#prompt-input", Input).value
        assert offered == str(tmp_path / "user" / "Documents" / f"{tiny_model}.oracle")



async def test_the_eye_footer_keeps_its_help_key_at_80x24(tiny_model):
    app = make_app(pace=0, start="eye")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.5)
        footer = screen_lines(app)[-1]
        assert "s Answers" in footer and "? Help" in footer, footer
