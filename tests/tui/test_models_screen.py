"""The Models screen with real model files: table, rename, delete (with confirm), export and import."""

from __future__ import annotations

import os

import pytest

from oracle.engine import figures, store
from oracle.tui.app import make_app

from .conftest import wait_until

pytestmark = pytest.mark.asyncio  # Textual's Pilot is async


def table_names(app) -> list[str]:
    table = app.models_screen.query_one("#models-table")
    return [str(table.get_row_at(i)[1]).split(" ")[0] for i in range(table.row_count)]


async def answer_prompt(pilot, app, text: str) -> None:
    await wait_until(pilot, lambda: app.screen.query("#prompt-input"), what="the prompt")
    app.screen.query_one("#prompt-input").value = text
    await pilot.press("enter")
    await pilot.pause()


async def test_table_lists_models_with_their_figures(tiny_model):
    app = make_app(pace=0, start="models")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        table = app.models_screen.query_one("#models-table")
        row = [str(cell) for cell in table.get_row_at(0)]
        summary = store.find(tiny_model).summary()
        assert row[0] == "●" and row[1] == tiny_model and row[2] == "my-proverbs"  # the one in use is marked
        assert summary.best_val_bpc is not None and row[4] == f"{summary.best_val_bpc:.3f}"
        assert row[3] == figures.count(summary.parameters) and row[7] == figures.size(summary.size_bytes)
        assert "1×32 LSTM" in str(app.models_screen.query_one("#model-meta").render())


async def test_rename_delete_with_confirm(tiny_model):
    app = make_app(pace=0, start="models")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("r")
        await answer_prompt(pilot, app, "sage")
        assert table_names(app) == ["sage"] and [e.name for e in store.list_models()] == ["sage"]
        await pilot.press("r")
        await answer_prompt(pilot, app, "bad name!")  # refused with the store's sentence, nothing changes
        assert table_names(app) == ["sage"]
        # The dialog stays open with the sentence and the text as typed, to be corrected.
        assert app.screen.query_one("#prompt-input").value == "bad name!"
        assert "name" in str(app.screen.query_one("#prompt-error").render()).lower()
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("d")
        await pilot.press("escape")  # No: the model stays
        await pilot.pause()
        assert store.list_models()[0].name == "sage"
        await pilot.press("d")
        assert app.screen.focused.id == "no"
        await pilot.press("left")  # the arrows move between the buttons
        assert app.screen.focused.id == "yes"
        await pilot.press("enter")
        await pilot.pause()
        assert store.list_models() == [] and table_names(app) == []
        assert "No models yet" in str(app.models_screen.query_one("#models-empty").render())


async def test_export_then_import_under_a_new_name(tiny_model, tmp_path):
    dest = tmp_path / "tiny.oracle"
    app = make_app(pace=0, start="models")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("e")
        await answer_prompt(pilot, app, str(dest))
        assert dest.is_file()
        mask = os.umask(0o022)
        os.umask(mask)
        assert dest.stat().st_mode & 0o777 == 0o666 & ~mask  # saved like any other file of the user's
        await pilot.press("r")
        await answer_prompt(pilot, app, "renamed")
        await pilot.press("i")
        await answer_prompt(pilot, app, str(tmp_path / "missing.oracle"))  # a clear notice, no crash
        assert sorted(table_names(app)) == ["renamed"]
        await pilot.press("i")
        await answer_prompt(pilot, app, str(dest))
        assert sorted(table_names(app)) == ["renamed", "tiny"]
        assert store.load("tiny").vocab.chars == store.load("renamed").vocab.chars


async def test_use_in_oracle_switches_the_active_model(tiny_model):
    store.copy(tiny_model, "second")
    app = make_app(pace=0, start="models")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        names = table_names(app)
        table = app.models_screen.query_one("#models-table")
        target = next(n for n in names if n != store.active_name())
        table.move_cursor(row=names.index(target))
        await pilot.press("u")
        await wait_until(pilot, lambda: app.screen is app.oracle_screen and app.oracle_screen.oracle.name == target)
        assert store.active_name() == target


async def test_resume_without_a_checkpoint_says_so_where_the_user_is(frozen_model):
    app = make_app(pace=0, start="models")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("t")
        await pilot.pause()
        assert app.screen is app.models_screen and app.train_screen.state == "idle"
        assert any("no checkpoint to resume" in n.message for n in app._notifications)


async def test_every_column_fits_at_80_columns(tiny_model):
    app = make_app(pace=0, start="models")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        table = app.models_screen.query_one("#models-table")
        await wait_until(pilot, lambda: table.virtual_size.width <= table.size.width, what="the table to fit")
