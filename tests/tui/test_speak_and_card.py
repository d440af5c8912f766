"""Issue 29 in the app: "speak answers" (F8, the palette, the F4 panel's switch) speaks each
sentence as it streams and Esc silences it; F7 saves the clicked exchange, else the last answer,
as a card whose date is the exchange's own."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from oracle.engine import card
from oracle.tui import preferences
from oracle.tui.app import make_app
from oracle.tui.speaking import SpeechControl
from oracle.tui.widgets.settings_panel import SettingsPanel
from oracle.tui.widgets.transcript import ExchangeView

from .conftest import ask, wait_until

pytestmark = pytest.mark.asyncio


class FakeSpeaker:
    """Records what it is asked to say and when it is silenced (no espeak-ng, no sound)."""

    made: list[FakeSpeaker] = []

    def __init__(self) -> None:
        self.said: list[str] = []
        self.stops = 0
        self.closed = False
        self.trouble = None  # what espeak-ng said when it could not play
        FakeSpeaker.made.append(self)

    def say(self, sentence, voice) -> None:
        self.said.append(sentence)

    def stop(self) -> None:
        self.stops += 1

    def close(self) -> None:
        self.closed = True


@pytest.fixture
def fake_speaker(monkeypatch):
    FakeSpeaker.made = []
    monkeypatch.setattr(SpeechControl, "make_speaker", staticmethod(FakeSpeaker))
    return FakeSpeaker


async def test_toggle_speaks_each_sentence_and_esc_stops_it(tiny_model, fake_speaker):
    app = make_app(pace=0)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.oracle_screen
        await pilot.press("f8")
        assert screen.speech.on and screen.query_one("#set-speak").value is True  # the F4 panel's switch follows
        speaker = fake_speaker.made[0]
        panel = screen.query_one(SettingsPanel)
        panel.settings.stop, panel.settings.length = "length", 300
        await pilot.press(*"wisdom", "enter")
        await wait_until(pilot, lambda: not screen.speaking and screen.exchanges[-1].answer, what="the answer")
        answer = screen.exchanges[-1].answer
        assert speaker.said and " ".join(speaker.said) == " ".join(answer.split())  # all of it, in order
        stops = speaker.stops
        await pilot.press("escape")  # the voice may still be going after the text is written: Esc silences it
        assert speaker.stops > stops
        # A new question stops the old voice too, and its own sentences follow.
        screen.stream.pace = 30  # slow enough that Esc comes mid-answer
        await pilot.press(*"again", "enter")
        await wait_until(pilot, lambda: screen.speaking and len(screen.reading.text) > 5, what="speaking")
        stops, said = speaker.stops, len(speaker.said)
        await pilot.press("escape")
        await wait_until(pilot, lambda: not screen.speaking, what="the stop")
        assert speaker.stops > stops
        await pilot.pause(0.3)
        assert len(speaker.said) == said  # nothing more said after Esc
        # Off again from the F4 panel's switch; the choice is kept for the next launch.
        assert preferences.load().speak is True
        await pilot.press("f8")
        assert not screen.speech.on and screen.query_one("#set-speak").value is False
        assert preferences.load().speak is False


async def test_missing_espeak_leaves_the_toggle_off_with_one_sentence(tiny_model, monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    app = make_app(pace=0)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.oracle_screen
        await pilot.press("f8")
        await pilot.pause()
        assert not screen.speech.on
        shown = [n.message for n in app._notifications]
        assert any("espeak-ng package" in m for m in shown)


async def save_card(pilot, app, dest) -> None:
    """F7 on the Oracle screen, the card's file named `dest` in its dialog: wait until it is written."""
    screen = app.screen
    await pilot.press("f7")
    await wait_until(pilot, lambda: app.screen is not screen, what="the dialog")
    app.screen.query_one("#prompt-input").value = str(dest)
    await pilot.press("enter")
    await wait_until(pilot, dest.exists, what="the card")


async def test_f7_saves_the_last_or_the_clicked_exchange(tiny_model, tmp_path):
    app = make_app(pace=0)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.oracle_screen
        for question in ("first", "second"):
            await ask(pilot, screen, question)
        await wait_until(pilot, lambda: screen.exchanges[-1].asked is not None, what="the answer filed")
        dest = tmp_path / "last.png"
        await save_card(pilot, app, dest)
        image = Image.open(io.BytesIO(dest.read_bytes()))
        assert image.size == (card.WIDTH, card.HEIGHT)
        last = screen.exchanges[-1]
        expected = card.Card.from_record(last.question, last.answer, last.record, asked=last.asked)
        assert dest.read_bytes() == card.card_png(expected) and last.asked and expected.date == last.asked[:10]
        # Click the first exchange: F7 now makes its card.
        first = [v for v in screen.query(ExchangeView) if v.exchange.question == "first"][0]
        await pilot.click(first)
        assert first.has_class("selected")
        dest = tmp_path / "first.svg"
        await save_card(pilot, app, dest)
        assert "\u201cfirst\u201d" in dest.read_text("utf-8")


async def test_served_app_delivers_the_card_to_the_browser(tiny_model, monkeypatch):
    """Under `oracle serve` a path on the server means nothing to the reader: the PNG goes to the
    browser through Textual's delivery (textual-serve turns it into a download), and speech is refused."""
    from oracle.tui.app import OracleApp

    monkeypatch.setattr(OracleApp, "is_web", property(lambda self: True))
    delivered = []
    monkeypatch.setattr(OracleApp, "deliver_binary", lambda self, f, **kw: delivered.append((f.read(), kw)))
    app = make_app(pace=0)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.oracle_screen
        await pilot.press(*"wisdom", "enter")
        await wait_until(pilot, lambda: not screen.speaking and screen.exchanges[-1].answer, what="the answer")
        await pilot.press("f7")
        await wait_until(pilot, lambda: delivered, what="the delivery")
        data, options = delivered[0]
        last = screen.exchanges[-1]
        assert app.screen is screen  # no dialog asking for a path on the server
        assert options["mime_type"] == "image/png" and options["save_filename"] == f"oracle-card-{last.record.seed}.png"
        assert Image.open(io.BytesIO(data)).size == (card.WIDTH, card.HEIGHT)
        await pilot.press("f8")
        assert not screen.speech.on


async def test_a_voice_without_a_sound_device_is_said_once(tiny_model, fake_speaker):
    app = make_app(pace=0)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.oracle_screen
        await pilot.press("f8")
        fake_speaker.made[0].trouble = "error: No such file or directory"  # what espeak-ng says with no sound card
        for question in ("one", "two"):
            await pilot.press(*question, "enter")
            await wait_until(pilot, lambda: not screen.speaking and screen.exchanges[-1].answer, what="the answer")
        await pilot.pause()
        told = [n.message for n in app._notifications if "could not speak" in n.message]
        assert len(told) == 1 and "sound device" in told[0]
