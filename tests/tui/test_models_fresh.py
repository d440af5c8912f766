"""Issue 27, the Models screen and every model list in the app: models made after launch can be
used and picked (point 1), the shipped default cannot be hidden (2), an import clash offers another
name or replace (3), a model can be copied (4), and each corpus says where it came from (9)."""

from __future__ import annotations

import json
import shutil

import pytest
from conftest import train_sources
from textual.widgets import Button, Input, Select, Static

from oracle.engine import bundled_corpora, store
from oracle.engine.io import paths
from oracle.tui.app import make_app
from oracle.tui.screens.modals import PromptModal
from oracle.tui.widgets.voices_panel import VoicesPanel

from .conftest import model_loaded, wait_until
from .test_models_screen import table_names

pytestmark = pytest.mark.asyncio  # Textual's Pilot is async


async def test_a_model_made_after_launch_can_be_used_and_picked(tiny_model):
    async with model_loaded((100, 30)) as (app, pilot, screen):
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


@pytest.fixture
def shipped(tiny_model, oracle_home, tmp_path, monkeypatch) -> str:
    """The tiny model, shipped as `default` from a shipped-models folder of this test's own."""
    folder = tmp_path / "shipped" / "default"
    shutil.copytree(oracle_home / "models" / tiny_model, folder)
    (folder / "checkpoint.json").unlink(missing_ok=True)
    monkeypatch.setattr(paths, "shipped_models_dir", lambda: tmp_path / "shipped")
    return "default"


async def open_dialog(pilot, app, key: str, row: str | None = None) -> PromptModal:
    if row is not None:
        table = app.models_screen.query_one("#models-table")
        table.move_cursor(row=table_names(app).index(row))
    await pilot.press(key)
    await wait_until(pilot, lambda: isinstance(app.screen, PromptModal), what="the dialog")
    return app.screen


async def submit(pilot, dialog: PromptModal, text: str, button: str = "ok") -> None:
    dialog.query_one("#prompt-input", Input).value = text
    # A button ignores clicks while it still shows its last press (Textual's -active, 0.2 s): on a quiet
    # host a second answer came within that and was lost.
    await wait_until(pilot, lambda: not dialog.query_one(f"#{button}").has_class("-active"), what="the button ready")
    await pilot.click(f"#{button}")
    await pilot.pause()


def dialog_error(dialog: PromptModal) -> str:
    return str(dialog.query_one("#prompt-error", Static).render())


async def test_the_shipped_name_is_refused_in_the_rename_and_copy_dialogs(shipped):
    app = make_app(pace=0, start="models")
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: "default" in table_names(app), what="the table")
        for key in ("r", "c"):
            dialog = await open_dialog(pilot, app, key, row="tiny")
            await submit(pilot, dialog, "default")
            assert app.screen is dialog and "shipped with Oracle" in dialog_error(dialog)
            assert not dialog.query_one("#replace", Button).display  # nothing to offer: the name is not free to take
            await pilot.press("escape")
        assert [(e.name, e.shipped) for e in store.list_models()] == [("tiny", False), ("default", True)]


async def test_copy_from_the_key_the_button_and_the_palette(shipped):
    app = make_app(pace=0, start="models")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: "default" in table_names(app), what="the table")
        dialog = await open_dialog(pilot, app, "c", row="default")
        assert dialog.query_one("#prompt-input", Input).value == "default-copy"  # a free name is offered
        await pilot.press("enter")
        await wait_until(pilot, lambda: "default-copy" in table_names(app), what="the copy")
        assert app.models_screen.selected_name() == "default-copy"
        assert store.find("default-copy").info.copied_from == "default"
        await pilot.click("#act-copy")  # the button does the same, on the highlighted model
        await wait_until(pilot, lambda: isinstance(app.screen, PromptModal), what="the dialog")
        await submit(pilot, app.screen, "tiny")  # taken: say so, and offer to replace it
        dialog = app.screen
        assert "'tiny' already exists" in dialog_error(dialog) and dialog.query_one("#replace", Button).display
        await pilot.press("escape")
        await pilot.press("ctrl+p")
        await pilot.press(*"copy a model")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, PromptModal), what="the palette's dialog")
        assert app.screen.query_one("#prompt-input", Input).value == "default-copy-copy"


async def test_an_import_whose_name_is_taken_offers_another_name_or_replace(tiny_model, tmp_path):
    export = store.export(tiny_model, tmp_path / "tiny.oracle")
    store.copy(tiny_model, "other")
    app = make_app(pace=0, start="models")
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: "other" in table_names(app), what="the table")
        await submit(pilot, await open_dialog(pilot, app, "i"), str(export))
        await wait_until(pilot, lambda: isinstance(app.screen, PromptModal) and app.screen.replace, what="the clash")
        dialog = app.screen
        assert "A model named 'tiny' already exists" in dialog.title_text
        assert dialog.query_one("#prompt-input", Input).value == "tiny-2"
        assert str(dialog.query_one("#replace", Button).label) == "Replace tiny" and dialog.query_one("#replace").display
        await submit(pilot, dialog, "other")  # taken too: said in the dialog, which stays
        assert app.screen is dialog and "'other' already exists" in dialog_error(dialog)
        await submit(pilot, dialog, "tiny-2")
        await wait_until(pilot, lambda: "tiny-2" in table_names(app), what="the import under a new name")
        # Again, and this time replace the model of that name.
        before = store.find("tiny").info.updated
        await submit(pilot, await open_dialog(pilot, app, "i"), str(export))
        await wait_until(pilot, lambda: isinstance(app.screen, PromptModal) and app.screen.replace, what="the clash")
        await pilot.click("#replace")
        await wait_until(pilot, lambda: not isinstance(app.screen, PromptModal), what="the replace")
        assert sorted(table_names(app)) == ["other", "tiny", "tiny-2"]
        assert store.find("tiny").info.updated >= before and app.models_screen.selected_name() == "tiny"


async def test_the_details_say_where_each_corpus_came_from(tiny_model, oracle_home):
    """Issue 27, 9: one's own proverbs.txt is my-proverbs, read from its path; the bundled one says so."""
    folder = oracle_home / "models" / tiny_model
    meta = json.loads((folder / "meta.json").read_text("utf-8"))
    bundled = next(e for e in bundled_corpora() if e.name == "proverbs")
    own = meta["corpora"][0]
    meta["corpora"] = [own, {**own, "name": "proverbs", "path": bundled.path, "sha256": bundled.sha256}]
    (folder / "meta.json").write_text(json.dumps(meta), "utf-8")
    app = make_app(pace=0, start="models")
    async with app.run_test(size=(160, 45)) as pilot:
        await wait_until(pilot, lambda: tiny_model in table_names(app), what="the table")
        await pilot.pause()
        details = " ".join(str(app.models_screen.query_one("#model-meta", Static).render()).split())
        assert f"· my-proverbs ×1.0 ({own['chars']:,} chars), from …" in details, details
        assert details.split("from …")[1].split()[0] == own["path"][-26:]  # cut at the front to fit: its file name shows
        assert f"· proverbs ×1.0 ({own['chars']:,} chars), bundled" in details


@pytest.fixture(scope="module")
def _voiced_home(tmp_path_factory, corpus_text):
    folder = tmp_path_factory.mktemp("voiced")
    sources = []
    for name, part in (("wisdom", corpus_text[:8000]), ("sayings", corpus_text[8000:16000])):
        (folder / f"{name}.txt").write_text(part, "utf-8")
        sources.append(str(folder / f"{name}.txt"))
    return train_sources(folder / "home", "voiced", sources, hidden_size=16, num_layers=1, embed_dim=8, voice_dim=4,
                         dropout=0.0, seq_len=16, batch_size=8, lr=0.01, epochs=1, warmup_steps=2, sample_length=10,
                         val_fraction=0.1, max_val_chars=500, seed=7)


async def test_using_one_voiced_model_after_another(_voiced_home, oracle_home):
    """The voices panel is rebuilt for the new model's voices: it crashed with DuplicateIds on `u`."""
    shutil.copytree(_voiced_home / "models" / "voiced", oracle_home / "models" / "voiced")
    store.copy("voiced", "other")
    meta_path = oracle_home / "models" / "other" / "meta.json"
    meta = json.loads(meta_path.read_text("utf-8"))
    meta["voices"] = [{**v, "name": f"other-{v['name']}"} for v in meta["voices"]]
    meta_path.write_text(json.dumps(meta), "utf-8")
    store.set_active("voiced")
    app = make_app(pace=0)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.oracle_screen
        await wait_until(pilot, lambda: screen.oracle is not None and screen.query("#voice-1"), what="the voices")
        for name in ("other", "voiced", "other"):
            await pilot.press("f3")
            await wait_until(pilot, lambda name=name: name in table_names(app), what="the table")
            app.models_screen.query_one("#models-table").move_cursor(row=table_names(app).index(name))
            await pilot.press("u")
            await wait_until(pilot, lambda name=name: app.screen is screen and screen.oracle.name == name, what=name)
            await pilot.pause()
            panel = screen.query_one(VoicesPanel)
            assert [str(label.render()) for label in panel.labels] == store.find(name).info.voice_names
            assert len(screen.query(".voices-list")) == 1 and len(screen.query("#voice-0")) == 1
        screen.query_one("#voice-1", Input).value = "2"  # the new fields work
        await wait_until(pilot, lambda: panel.blend == {"other-sayings": 1.0}, what="the blend")


async def test_the_models_table_follows_models_made_or_deleted_while_it_shows(tiny_model):
    """A run finishing on the Train screen, or another process, while the Models screen is open."""
    app = make_app(pace=0, start="models")
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: tiny_model in table_names(app), what="the table")
        store.copy(tiny_model, "fresh")
        await wait_until(pilot, lambda: "fresh" in table_names(app), timeout=10, what="the new model listed")
        store.delete("fresh")
        await wait_until(pilot, lambda: "fresh" not in table_names(app), timeout=10, what="the deleted one gone")


async def test_the_train_form_refuses_the_shipped_name(shipped, tiny_corpus):
    app = make_app(pace=0, start="train")
    async with app.run_test(size=(100, 30)) as pilot:
        screen, form = app.train_screen, app.train_screen.query_one("#train-form")
        form.set_value("own-files", str(tiny_corpus))
        form.set_value("model-name", "default")
        await wait_until(pilot, lambda: "shipped with Oracle" in (form.error or ""), what="the refusal")
        assert screen.query_one("#start").disabled
        form.set_value("model-name", "mine")
        await wait_until(pilot, lambda: form.plan is not None, what="the name accepted")
