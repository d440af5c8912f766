"""A newcomer never gets lost (issue 14): the way to every screen visible at 80x24, multi-line
questions, focus back on the question after a model switch, the help screen, scrolling while typing,
remembered preferences, the Train form's name check kept fresh, and a resumed run's settings shown."""

from __future__ import annotations

import io

import pytest
from rich.console import Console
from textual import events
from textual.widgets import Select

from oracle.engine import ReadingRecord, SampleSettings, store
from oracle.tui import history, preferences
from oracle.tui.app import make_app
from oracle.tui.history import Exchange
from oracle.tui.screens.help import HelpScreen
from oracle.tui.screens.modals import ConfirmModal
from oracle.tui.widgets.question_box import QuestionBox
from oracle.tui.widgets.train_form import free_name, split_sources
from oracle.tui.widgets.transcript import ExchangeView

from .conftest import model_loaded, wait_until

pytestmark = pytest.mark.asyncio  # Textual's Pilot is async

TINY = {"hidden_size": "32", "num_layers": "1", "seq_len": "32", "batch_size": "16", "lr": "0.01", "epochs": "40"}


def screen_lines(app) -> list[str]:
    """The screen as plain text, line by line, as the reader sees it."""
    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), force_terminal=True, record=True)
    console.print(app.screen._compositor.render_update(full=True))
    return console.export_text().splitlines()


async def test_every_screen_shows_the_way_to_the_others_and_its_own_keys_at_80x24(tiny_model):
    app = make_app(pace=0)
    own_keys = {"oracle": ["esc Stop", "^r Again", "f4 Settings", "? Help"],
                "train": ["f5 Start", "f6 Pause", "f7 Resume", "f8 Stop"],
                "models": ["u Use", "r Rename", "d Delete", "e Export", "i Import", "t Resume", "? Help"]}
    async with app.run_test(size=(80, 24)) as pilot:
        for name, key in (("oracle", "f1"), ("train", "f2"), ("models", "f3")):
            await pilot.press(key)
            await wait_until(pilot, lambda name=name: app.screen.id == f"{name}-screen", what=name)
            await pilot.pause()
            lines = screen_lines(app)
            top, footer = lines[0], lines[-1]
            for tab in ("f1 Oracle", "f2 Train", "f3 Models", "? help"):
                assert tab in top, (name, tab, top)
            for words in own_keys[name]:
                assert words in footer, (name, words, footer)


async def test_a_pasted_multi_line_question_is_asked_whole(tiny_model):
    app = make_app(pace=0)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.oracle_screen
        box = screen.query_one("#ask", QuestionBox)
        assert app.focused is box
        pasted = "what is wisdom,\nand where\nis it found"
        app.post_message(events.Paste(pasted))  # as the terminal driver delivers a paste
        await pilot.pause()
        await pilot.press("ctrl+j", *"tell me")  # Ctrl+J adds a line of one's own
        assert box.text == pasted + "\ntell me"
        await pilot.press("enter")
        await wait_until(pilot, lambda: not screen.speaking and screen.exchanges and screen.exchanges[-1].answer,
                         what="the answer")
        assert screen.exchanges[-1].question == pasted + "\ntell me"
        assert box.text == ""
        await pilot.press("enter")  # an empty question is not asked (nor is it by `oracle ask`)
        await pilot.pause()
        assert len(screen.exchanges) == 1
        assert any("Type a question first" in n.message for n in app._notifications)


async def test_after_picking_a_model_the_next_keys_type_a_question(tiny_model):
    store.copy(tiny_model, "second")
    async with model_loaded((80, 24)) as (app, pilot, screen):
        first = screen.oracle.name
        select = screen.query_one("#model-select", Select)
        assert select.query_one("SelectOverlay").option_count == 2  # the two models, no blank "no model"
        await pilot.press("ctrl+o")
        await wait_until(pilot, lambda: select.expanded, what="the model list")
        await pilot.press("down", "enter")
        await wait_until(pilot, lambda: screen.oracle.name != first, what="the switch")
        await pilot.pause()
        assert isinstance(app.focused, QuestionBox)
        await pilot.press(*"hello")
        assert screen.query_one("#ask", QuestionBox).text == "hello" and not select.expanded
        # Dismissing the list without a pick also hands the keys back to the question.
        await pilot.press("ctrl+o")
        await wait_until(pilot, lambda: select.expanded, what="the model list")
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.focused, QuestionBox), what="focus back")


async def test_help_opens_on_question_mark_and_esc_closes_it(tiny_model):
    app = make_app(pace=0)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")  # in the empty question box
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), what="the help")
        text = "\n".join(screen_lines(app))
        assert "Switch model" in text and "Export to Markdown" in text  # the keys the footer has no room for
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is app.oracle_screen, what="the help to close")
        await pilot.press("a", "question_mark")  # inside a question, ? is just a character
        assert app.oracle_screen.query_one("#ask", QuestionBox).text == "a?"
        await pilot.press("f2")
        await wait_until(pilot, lambda: app.screen is app.train_screen, what="Train")
        await pilot.press("question_mark")  # the Train form's fields hold no "?": it opens the help
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), what="the help on Train")
        assert "Start" in "\n".join(screen_lines(app))


async def test_page_up_scrolls_the_conversation_while_typing(tiny_model):
    record = ReadingRecord.read({"model": tiny_model, "seed": 1, "settings": {"temperature": 0.7}})
    history.save(tiny_model, [Exchange(f"question {i}", "a long answer " * 20, record) for i in range(12)])
    app = make_app(pace=0)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.oracle_screen
        await wait_until(pilot, lambda: len(screen.query(ExchangeView)) == 12, what="the conversation")
        transcript = screen.query_one("#transcript")
        await wait_until(pilot, lambda: transcript.scroll_y == transcript.max_scroll_y > 0, what="the end")
        await pilot.press(*"half a question", "pageup")
        await wait_until(pilot, lambda: transcript.scroll_y < transcript.max_scroll_y, what="scrolling up")
        assert screen.query_one("#ask", QuestionBox).text == "half a question"
        assert isinstance(app.focused, QuestionBox)


async def test_theme_and_reading_settings_are_remembered(tiny_model):
    app = make_app(pace=0)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        app.theme = "nord"
        await pilot.press("ctrl+up", "ctrl+up")  # two steps hotter than the default
        app.oracle_screen.action_toggle_settings()
        panel = app.oracle_screen.query_one("#settings")
        panel.query_one("#set-length").value = "123"
        panel.query_one("#set-stop", Select).value = "paragraph"
        await pilot.pause()
        await pilot.press("ctrl+q")  # quit as a reader does: the reading settings are kept on the way out
        await wait_until(pilot, lambda: not app.is_running, what="the app to quit")
    assert preferences.load().theme == "nord"
    again = make_app(pace=0)
    async with again.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert again.theme == "nord"
        screen = again.oracle_screen
        assert screen.temperature == pytest.approx(SampleSettings().temperature + 0.2)
        panel = screen.query_one("#settings")
        assert panel.settings.length == 123 and panel.settings.stop == "paragraph"
        assert panel.query_one("#set-length").value == "123"


async def test_the_name_check_is_redone_when_the_screen_shows_and_at_start(tiny_model, tiny_corpus):
    store.copy(tiny_model, "a")
    app = make_app(pace=0, start="train")
    async with app.run_test(size=(100, 30)) as pilot:
        screen, form = app.train_screen, app.train_screen.query_one("#train-form")
        assert form.query_one("#model-name").value == "my-oracle" and app.focused.id == "model-name"
        form.set_value("own-files", str(tiny_corpus))
        form.set_value("model-name", "a")
        await pilot.pause()
        assert "already exists" in form.error and screen.query_one("#start").disabled
        # Models: rename a to b, then delete b; back on Train, "a" is free again.
        await pilot.press("f3")
        await wait_until(pilot, lambda: app.screen is app.models_screen, what="Models")
        store.rename("a", "b")
        store.delete("b")
        await pilot.press("f2")
        await wait_until(pilot, lambda: app.screen is screen and form.plan is not None, what="the check redone")
        assert not screen.query_one("#start").disabled
        # Taken behind the screen's back while it shows: Start checks again and refuses.
        store.copy(tiny_model, "a")
        await pilot.press("f5")
        await pilot.pause()
        assert screen.state == "idle" and "already exists" in form.error
        assert any("already exists" in n.message for n in app._notifications)


async def test_a_resumed_run_shows_its_own_settings_locked(tiny_model):
    meta = store.find(tiny_model).meta
    app = make_app(pace=0, start="train")
    async with app.run_test(size=(100, 30)) as pilot:
        screen, form = app.train_screen, app.train_screen.query_one("#train-form")
        await pilot.pause()
        assert "Tick at least one corpus" in form.error  # a blank form to begin with
        screen.resume_run(tiny_model)
        # Checked before the run's first event comes back: what the reader sees the moment it starts.
        assert form.query_one("#model-name").value == tiny_model
        assert form.query_one("#field-hidden_size").value == str(meta["recipe"]["hidden_size"])
        assert meta["corpora"][0]["path"] in form.query_one("#own-files").value
        assert all(w.disabled for w in form.query("Input, Checkbox, Select"))
        assert f"settings of {tiny_model}" in str(form.query_one("#form-error").render())
        assert "Loading" in str(screen.query_one("#train-stats").render())
        await wait_until(pilot, lambda: screen.state == "idle", timeout=60, what="the resumed run to end")
        assert not any(w.disabled for w in form.query("Input, Checkbox, Select"))  # free again afterwards


async def test_enter_starts_training_locks_the_form_and_records_the_command(tiny_corpus, oracle_home):
    app = make_app(pace=0, start="train")
    async with app.run_test(size=(80, 24)) as pilot:
        screen, form = app.train_screen, app.train_screen.query_one("#train-form")
        await pilot.pause()
        form.set_value("own-files", str(tiny_corpus))
        for field, value in {**TINY, "epochs": "10000"}.items():  # a run that cannot end by itself during the test
            form.set_value(f"field-{field}", value)
        await pilot.pause()
        form.query_one("#model-name").focus()
        await pilot.press("enter")
        assert screen.state == "running" and all(w.disabled for w in form.query("Input, Checkbox, Select"))
        await pilot.press("ctrl+q")  # quitting mid-run asks first
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmModal), what="the question")
        await pilot.press("escape")
        await pilot.pause()
        assert app.is_running and screen.state in ("running", "stopping")
        screen.action_stop()
        await wait_until(pilot, lambda: screen.state == "idle", timeout=60, what="the stop")
        assert form.query_one("#model-name").value == "my-oracle-2" and form.plan is not None  # the next free name
    command = store.find("my-oracle").meta["command"]
    assert command == ["oracle", "train", str(tiny_corpus), "--name", "my-oracle", "--recipe", "quick",
                       "--hidden-size", "32", "--seq-len", "32", "--batch-size", "16", "--lr", "0.01", "--epochs", "10000"]
    assert free_name() == "my-oracle-2"


@pytest.mark.filterwarnings("ignore:The test <Function")  # the module's asyncio mark: this one needs no loop
def test_own_file_names_with_spaces_stay_whole(tmp_path):
    spaced = tmp_path / "my notes.txt"
    spaced.write_text("a few words of text\n" * 50, "utf-8")
    plain = tmp_path / "plain.txt"
    plain.write_text("more words\n" * 50, "utf-8")
    assert split_sources(f"{spaced}:2 {plain}") == [f"{spaced}:2", str(plain)]  # unquoted
    assert split_sources(f'"{spaced}" {plain}:0.5') == [str(spaced), f"{plain}:0.5"]  # quoted


async def test_screenshot_goes_to_the_working_folder_without_downloads(tiny_model, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home-without-downloads"))
    monkeypatch.chdir(tmp_path)
    app = make_app(pace=0)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.action_screenshot()
        await pilot.pause()
        shots = list(tmp_path.glob("*.svg"))
        assert len(shots) == 1 and any(str(shots[0]) in n.message for n in app._notifications)


async def test_resume_on_a_completed_run_says_there_is_nothing_to_resume(tiny_model):
    app = make_app(pace=0, start="models")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("t")
        await pilot.pause()
        assert app.screen is app.models_screen and app.train_screen.state == "idle"
        assert any("nothing to resume" in n.message for n in app._notifications)
