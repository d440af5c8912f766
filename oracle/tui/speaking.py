"""The app's "speak answers" toggle and its prophecy cards, kept out of the Oracle screen's file.

Speech: the answer's text is fed here as it reaches the screen; each finished sentence goes to a
`speech.Speaker`, which speaks it in an espeak-ng process of its own, so neither the stream nor
the screen ever waits for a voice. Esc or a new question stops it at once.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING

from oracle.engine import OracleError, speech
from oracle.tui import preferences
from oracle.visible import visible

if TYPE_CHECKING:
    from oracle.engine import card


class SpeechControl:
    """Speaks the answer on screen when "speak answers" is on: fed by the answer stream, silenced by Esc."""

    make_speaker = staticmethod(speech.Speaker)  # the tests put a fake speaker here

    def __init__(self) -> None:
        self.on = False
        self.speaker: speech.Speaker | None = None
        self.sentences = speech.Sentences()
        self.voice = speech.voice_for(None, speech.TABLE)
        self.table = dict(speech.TABLE)
        self.told = False  # the reader has been told espeak-ng could not play

    def enable(self, on: bool) -> str | None:
        """Turn speaking on or off; the sentence saying why it cannot be turned on, if it cannot."""
        if on:
            try:
                self.table = speech.load_table()
                self.speaker = self.speaker or self.make_speaker()
            except OracleError as err:  # espeak-ng missing, or a bad speech table in settings.json
                self.on = False
                return str(err)
        else:
            self.stop()
        self.on = on
        try:
            preferences.save(speak=on)
        except (OracleError, OSError):
            pass  # a read-only home costs the preference, never the toggle
        return None

    def begin(self, blend: dict | None) -> None:
        """A new answer begins, in `blend`: what was being said stops."""
        self.stop()
        self.voice = speech.voice_for(blend, self.table)

    def follow(self, blend: dict | None) -> None:
        """The reader changed the blend mid-answer: the sentences still to come take its voice."""
        self.voice = speech.voice_for(blend, self.table)

    def heard(self, text: str) -> None:
        if self.on and self.speaker is not None:
            for sentence in self.sentences.feed(text):
                self.speaker.say(sentence, self.voice)

    def finish(self) -> None:
        if self.on and self.speaker is not None:
            for sentence in self.sentences.flush():
                self.speaker.say(sentence, self.voice)

    def problem(self) -> str | None:
        """Once: the sentence saying espeak-ng could not play (no sound device...), if it could not."""
        trouble = getattr(self.speaker, "trouble", None)
        if not trouble or self.told:
            return None
        self.told = True
        return f"espeak-ng could not speak ({visible(trouble)}): is there a sound device? F8 turns speaking off."

    def stop(self) -> None:
        self.sentences = speech.Sentences()
        if self.speaker is not None:
            self.speaker.stop()

    def close(self) -> None:
        if self.speaker is not None:
            self.speaker.close()


def toggle_speech(screen, quiet: bool = False) -> None:
    """F8 on the Oracle screen: speak answers, or stop; the F4 panel's switch follows."""
    from textual.widgets import Switch

    on = not screen.speech.on
    if on and screen.app.is_web:  # espeak-ng would speak in the server's room, not the browser's
        screen.notify("Answers cannot be spoken in a browser: the voice would play on the machine running `oracle serve`.",
                      severity="warning", timeout=8)
        return
    problem = screen.speech.enable(on)
    if problem:
        screen.notify(problem, severity="warning", timeout=8)
    elif not quiet:
        screen.notify("Answers are spoken aloud (Esc silences one, F8 stops)." if on else "Answers are no longer spoken.", timeout=3)
    with screen.prevent(Switch.Changed):
        for switch in screen.query("#set-speak").results(Switch):  # none before the settings panel is mounted
            switch.value = screen.speech.on


def save_card(screen) -> None:
    """F7 on the Oracle screen: the clicked exchange (else the last answer) as a card, where the reader says."""
    from oracle.tui.screens.modals import PromptModal
    from oracle.tui.widgets.transcript import ExchangeView

    chosen = next(iter(screen.query("ExchangeView.selected").results(ExchangeView)), None)
    exchange = chosen.exchange if chosen is not None else next((e for e in reversed(screen.exchanges) if e.answer), None)
    if exchange is None or not exchange.answer:
        screen.notify("There is no answer to make a card of yet: ask something first.", severity="warning")
        return

    if screen.app.is_web:  # under `oracle serve`: the browser downloads it (Textual's delivery), no server path asked
        from oracle.engine import card

        data = card.card_png(_card_of(exchange))
        screen.app.deliver_binary(io.BytesIO(data), save_filename=card_path(Path("."), exchange).name, mime_type="image/png")
        screen.notify("The card is on its way to your browser's downloads.")
        return
    saved: list[Path] = []

    def act(dest: str) -> None:  # an OracleError here shows in the dialog, which stays open to correct the name
        saved.append(save_exchange_card(exchange, dest))

    def done(dest: str | None) -> None:
        if dest and saved:
            screen.notify(f"Card saved to {visible(str(saved[-1]))}.")

    default = str(card_path(Path.cwd(), exchange))
    screen.app.push_screen(PromptModal("Save the card (.png or .svg) to:", default, paths=True, act=act), done)


def card_path(folder: Path, exchange) -> Path:
    """Where a card goes unless the reader says otherwise: the current folder, named by its seed."""
    seed = exchange.record.seed
    return folder / (f"oracle-card-{seed}.png" if seed is not None else "oracle-card.png")


def save_exchange_card(exchange, dest: str) -> Path:
    """Write the card of `exchange` to `dest` (.svg or .png); OracleError says why not."""
    from oracle.engine import card

    return card.save_card(_card_of(exchange), Path(dest))


def _card_of(exchange) -> card.Card:
    from oracle.engine import card  # imported with the first card (its SVG writer brings xml and urllib: ~10 ms)

    return card.Card.from_record(exchange.question, exchange.answer, exchange.record, asked=exchange.asked)
