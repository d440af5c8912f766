"""The Eye screen: it shows a passage coloured by the most telling unit, its keys step through units,
layers and kinds, the feature list chooses a unit, a typed text is read, and the Oracle screen
colours a streaming answer by the chosen unit."""

from __future__ import annotations

import numpy as np
import pytest
from textual.widgets import Input, OptionList, Select, Sparkline, Static

from oracle.engine import store
from oracle.engine.eye.activations import Eye, look
from oracle.tui.app import make_app
from oracle.tui.screens import eye as eye_screen
from oracle.tui.widgets.eye_colours import NEWLINE_MARK
from oracle.tui.widgets.transcript import ExchangeView

from .conftest import wait_until
from .test_everywhere import palette_settles_on
from .test_snapshots import settled


def _looked(app) -> bool:
    screen = app.screen
    return screen.id == "eye-screen" and screen.acts is not None and screen.query_one(OptionList).option_count > 0


def _backgrounds(screen) -> list:
    """The background colour of every character shown (line-break marks included), as displayed."""
    content = screen.query_one("#eye-text", Static).visual
    colours = [None] * len(content.plain)
    for span in content.spans:
        for i in range(span.start, span.end):
            colours[i] = span.style.background
    return [c for ch, c in zip(content.plain, colours) if ch != "\n"]


@pytest.mark.asyncio  # Textual's Pilot is async
async def test_eye_screen_shows_a_passage_and_follows_its_keys(frozen_model):
    app = make_app(pace=0)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("f9")
        await wait_until(pilot, lambda: _looked(app), what="the first passage read")
        screen = app.screen
        acts = screen.acts
        assert acts.text and len(acts.text) <= 1200
        # Every character read is shown on its unit's colour; the sparkline carries the same values.
        values = acts.unit(screen.lstm_layer, screen.unit, screen.kind)
        shown = _backgrounds(screen)
        assert len(shown) == len(acts.text) and None not in shown
        assert len(set(map(str, shown))) > 10  # not one flat colour
        assert screen.query_one(Sparkline).data == values.tolist()
        # Unchosen, it shows the unit the search ranked first over all features.
        top = max((hits[0] for hits in screen.found.values() if hits), key=lambda hit: abs(hit.r))
        assert (screen.lstm_layer, screen.unit, screen.kind) == (top.layer, top.unit, top.kind)

        first = (screen.lstm_layer, screen.unit, screen.kind)
        before = _backgrounds(screen)
        await pilot.press("right")
        assert screen.unit == (first[1] + 1) % acts.hidden
        assert _backgrounds(screen) != before  # another unit, other colours
        await pilot.press("left", "left")
        assert screen.unit == (first[1] - 1) % acts.hidden
        await pilot.press("k")
        assert screen.kind != first[2]
        await pilot.press("right_square_bracket")
        assert screen.lstm_layer == (first[0] + 1) % acts.layers  # the tiny model has one layer: it wraps
        assert "layer" in str(screen.query_one("#eye-unit", Static).visual)

        # Choosing a feature in the list shows its unit.
        found = screen.query_one(OptionList)
        found.focus()
        found.highlighted = list(screen.found).index("word start")
        await pilot.press("enter")
        hit = screen.found["word start"][0]
        assert (screen.lstm_layer, screen.unit, screen.kind) == (hit.layer, hit.unit, hit.kind)
        assert "word start" in str(screen.query_one("#eye-unit", Static).visual)

        # A typed text: read and shown, a line break written as \n included.
        await pilot.press("t")
        await wait_until(pilot, lambda: app.screen.query(Input), what="the text dialog")
        app.screen.query_one(Input).value = "the fear of the lord\\nis wisdom"
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.screen is screen and screen.acts.text == "the fear of the lord\nis wisdom",
                         what="the typed text read")
        assert NEWLINE_MARK in str(screen.query_one("#eye-text", Static).visual)
        expected = look(store.load(frozen_model), "the fear of the lord\nis wisdom").unit(hit.layer, hit.unit, hit.kind)
        assert screen.query_one(Sparkline).data == pytest.approx(expected.tolist(), abs=1e-6)  # the chosen unit stays chosen


@pytest.mark.asyncio  # Textual's Pilot is async
async def test_an_answer_streams_coloured_by_the_chosen_unit(frozen_model):
    app = make_app(pace=0)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("f9")
        await wait_until(pilot, lambda: _looked(app), what="the first passage read")
        eye = app.screen
        await pilot.press("s")
        assert app.oracle_screen.eye_unit == (frozen_model, eye.lstm_layer, eye.unit, eye.kind)
        await pilot.press("f1")
        app.oracle_screen.ask("What is wisdom?", seed=3)
        await wait_until(pilot, lambda: not app.oracle_screen.speaking, what="the answer")
        view = app.oracle_screen.query(ExchangeView).last()
        shown = view.query_one(".answer", Static).visual
        backgrounds = [span.style.background for span in shown.spans if span.end - span.start == 1]
        assert len(backgrounds) >= len(view.answer.strip()) and None not in backgrounds  # every character on its colour
        assert len(set(map(str, backgrounds))) > 3
        # The colours are the unit's values on what the model read: the question, the characters
        # it wrote but the answer does not show (a line break, say), then the answer.
        reading = view.painter.reading
        answer = reading.text
        read = reading.prompt + reading.unshown + answer
        # (Whether the model wrote such characters first depends on its last bits, so on the CPU that
        # trained it: the values below must match either way, with or without them.)
        values = look(store.load(frozen_model), read).unit(eye.lstm_layer, eye.unit, eye.kind)[-len(answer):]
        assert view.painter.values == pytest.approx(values.tolist(), abs=1e-5)  # read in parts as it streamed
        # Pressing s again on the Eye screen stops the colouring.
        await pilot.press("f9")
        await pilot.press("s")
        assert app.oracle_screen.eye_unit is None
        # The answer is one of the texts the Eye can look at: read after its question, as it was spoken.
        source = eye.query_one("#eye-source", Select)
        await wait_until(pilot, lambda: eye._answers(), what="the answer listed")
        source.value = "answer:0"
        await wait_until(pilot, lambda: eye.acts.text == answer, what="the answer read")
        after_question = Eye(store.load(frozen_model))
        after_question.read(app.oracle_screen.exchanges[-1].question)
        expected = after_question.read(answer).unit(eye.lstm_layer, eye.unit, eye.kind)
        assert eye.query_one(Sparkline).data == pytest.approx(expected.tolist(), abs=1e-5)


@pytest.mark.asyncio
async def test_the_palette_opens_the_eye_which_says_when_there_is_no_model():
    app = make_app(pace=0)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.screen is app.oracle_screen)
        await pilot.press("ctrl+p", *"look inside")
        await palette_settles_on(pilot, app, "look inside the model")
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.screen.id == "eye-screen", what="the Eye screen")
        await wait_until(pilot, lambda: "no model" in str(app.screen.query_one("#eye-text", Static).visual), what="the notice")
        await pilot.press("right", "k", "s", "c")  # nothing to step through: no error either
        assert app.screen.acts is None


def _pinned_look(oracle, text, voice=None):
    """The real reading, with every value replaced by a fixed pattern of the same shape: a unit's value
    differs in its last bits from one CPU's kernels to another's, and a value near a colour step then
    draws another colour. The snapshot checks the drawing, so it draws values that no CPU changes."""
    acts = look(oracle, text, voice)
    for k, (kind, values) in enumerate(acts.values.items()):
        layer, position, unit = np.indices(values.shape)
        wave = (position * 3 + unit * 11 + layer * 5 + k * 7) % 40  # integers: exact on every CPU
        acts.values[kind] = (np.abs(wave - 20) / 10 - 1).astype(np.float32)  # a triangle wave, -1 .. +1
    return acts


@pytest.mark.precision  # rerun by .ci/run with oneDNN's bf16 kernels off: it must draw the same
def test_eye_screen_snapshot(snap_compare, frozen_model, monkeypatch):
    monkeypatch.setattr(eye_screen, "look", _pinned_look)

    async def looked(pilot) -> None:
        await wait_until(pilot, lambda: _looked(pilot.app), what="the first passage read")

    assert snap_compare(make_app(pace=0, start="eye"), terminal_size=(100, 30), run_before=settled("eye", looked))
