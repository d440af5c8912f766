"""The way back to the question (#27.5-8): Esc from any panel returns to the question box, few Tab
stops, text typed on a list goes to the question, the conversation list's search has the focus,
dialogs show all their text at 80x24, and the side panels leave the conversation its width."""

from __future__ import annotations

import pytest
from conftest import train_sources
from textual.widgets import Input

from oracle.tui.app import make_app
from oracle.tui.screens.help import HelpScreen
from oracle.tui.screens.modals import ConfirmModal
from oracle.tui.widgets.question_box import QuestionBox

from .conftest import model_loaded, wait_until

pytestmark = pytest.mark.asyncio  # Textual's Pilot is async

VOICED = dict(hidden_size=16, num_layers=1, embed_dim=8, voice_dim=4, dropout=0.0, seq_len=16, batch_size=8, lr=0.01,
              epochs=1, warmup_steps=2, sample_length=10, val_fraction=0.1, max_val_chars=500, seed=7)


@pytest.fixture(scope="module")
def _voiced_home(tmp_path_factory, corpus_text):
    folder = tmp_path_factory.mktemp("voices")
    sources = []
    for name, part in (("first", corpus_text[:6000]), ("second", corpus_text[6000:12000]), ("third", corpus_text[12000:18000])):
        (folder / f"{name}.txt").write_text(part, "utf-8")
        sources.append(str(folder / f"{name}.txt"))
    return train_sources(folder / "home", "voiced", sources, **VOICED)


@pytest.fixture
def voiced(_voiced_home, oracle_home):
    import shutil

    shutil.copytree(_voiced_home / "models" / "voiced", oracle_home / "models" / "voiced")
    return "voiced"


async def test_esc_from_any_panel_returns_to_the_question_and_typing_there_is_not_lost(voiced):
    app = make_app(pace=0)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.oracle_screen
        await wait_until(pilot, lambda: screen.oracle is not None and screen.query("#voice-0"), what="the voices")
        box = screen.query_one(QuestionBox)
        await pilot.press("f4")
        for target in ("#voice-1", "#set-length", "#set-stop", "#model-select"):
            screen.query_one(target).focus()
            await pilot.pause()
            await pilot.press("escape")
            assert app.focused is box, f"Esc on {target} left the focus on {app.focused}"
        # Typed while a list has the focus: the text, "?" included, goes into the question box.
        screen.query_one("#set-stop").focus()
        await pilot.press(*"who?")
        assert box.text == "who?" and app.focused is box and not isinstance(app.screen, HelpScreen)
        # Typed in a number field: what can be part of a number stays there, the rest is the question's.
        box.clear()
        top_k = screen.query_one("#set-top_k", Input)
        top_k.focus()
        top_k.value = ""
        await pilot.press("1", "2")
        assert top_k.value == "12" and app.focused is top_k
        await pilot.press(*"who?")
        assert top_k.value == "12" and box.text == "who?" and not isinstance(app.screen, HelpScreen)
        # Few Tab stops: the model list, the transcript, one field per setting and voice, the question.
        stops = set()
        for _ in range(40):
            await pilot.press("tab")
            stops.add(app.focused)
        fields = len(screen.query("#settings Input, #settings Select, #settings Switch"))
        assert len(stops) == 1 + 1 + fields + 3 + 1, sorted(str(s) for s in stops)
        await pilot.press("f4")  # settings hidden: their fields are no stops
        stops.clear()
        for _ in range(20):
            await pilot.press("tab")
            stops.add(app.focused)
        assert len(stops) == 1 + 1 + 3 + 1


async def test_the_focused_field_is_lit_plainly(voiced):
    app = make_app(pace=0)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.oracle_screen
        await wait_until(pilot, lambda: screen.query("#voice-1"), what="the voices")
        first, second = screen.query_one("#voice-0"), screen.query_one("#voice-1")
        first.focus()
        await pilot.pause()
        lit, plain = first.styles.background, second.styles.background
        assert lit != plain and abs(lit.brightness - plain.brightness) > 0.2


async def test_side_panels_leave_the_conversation_its_width_at_80x24(voiced):
    app = make_app(pace=0)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.oracle_screen
        await wait_until(pilot, lambda: screen.query_one("#voices").display, what="the voices")
        await pilot.press("f4")
        await pilot.pause()
        assert screen.query_one("#settings").region.width > 0
        assert screen.query_one("#conversation").region.width >= 50


async def test_the_search_box_has_the_focus_in_the_conversation_list(tiny_model):
    async with model_loaded((80, 24)) as (app, pilot, screen):
        await pilot.press(*"wisdom", "enter")
        await wait_until(pilot, lambda: not screen.speaking and screen.exchanges, what="an answer")
        await pilot.press("ctrl+l")
        await wait_until(pilot, lambda: app.screen.id == "conversations-screen", what="the list")
        await pilot.press(*"lord o")  # letters that are keys on the table: here they search
        assert app.screen.id == "conversations-screen"
        assert app.screen.query_one("#conversation-search").value == "lord o"
        await pilot.press("down")  # down to the list, where the keys act
        assert app.focused.id == "conversation-table"


@pytest.mark.parametrize("size", [(80, 24), (100, 30)])
async def test_a_dialog_shows_all_its_text(tiny_model, size):
    question = ("tiny-run is still training. Quit? Its last checkpoint is saved first, and Resume on the "
                "Models screen (t) continues it.")
    app = make_app(pace=0)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        app.push_screen(ConfirmModal(question, yes="Quit"))
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmModal), what="the dialog")
        await pilot.pause()
        label, dialog = app.screen.query_one(".dialog-title"), app.screen.query_one(".dialog")
        # Wrapped to as many lines as the text needs, inside a dialog inside the window.
        lines = label.get_content_height(label.size, app.size, label.size.width)
        assert lines >= 2 and label.size.height == lines
        assert app.screen.region.contains_region(dialog.region)


async def test_notices_keep_clear_of_the_question_box(tiny_model):
    app = make_app(pace=0)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.pause()
        app.notify("A notice long enough to take a few lines of the screen, as an error sentence does.")
        await pilot.pause(0.3)
        box = app.oracle_screen.query_one(QuestionBox).region
        toasts = [t.region for t in app.screen.query("Toast")]
        assert toasts and not any(t.overlaps(box) for t in toasts)
