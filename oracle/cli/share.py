"""`oracle ask --card FILE.svg|FILE.png`, `--say` and `--say-to FILE.wav`: keep an answer as a card
to share, hear it spoken as it streams, or write it spoken to a file.

Everything that can be refused (a card's suffix, a missing espeak-ng, a bad speech table in
settings.json) is refused before the model is read, so no answer is written for nothing.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from oracle.engine import OracleError
from oracle.visible import visible

if TYPE_CHECKING:
    from oracle.engine import Reading, speech


def _card():
    """The card module, imported only by an answer that makes a card (XML and fonts: no cost to the rest)."""
    from oracle.engine import card

    return card


def _speech():
    """The speech package, imported only by an answer spoken or written to a WAV file (a subprocess,
    queues and the voice table: ~4 ms of every other `oracle ask`)."""
    from oracle.engine import speech

    return speech


def add_share_flags(p) -> None:
    p.add_argument("--card", metavar="FILE.svg|FILE.png",
                   help="also save the question and answer as a 1200x675 card to share (model, voice, seed and date in its footer)")
    spoken = p.add_mutually_exclusive_group()
    spoken.add_argument("--say", action="store_true", help="speak the answer aloud as it streams, sentence by sentence (needs espeak-ng)")
    spoken.add_argument("--say-to", metavar="FILE.wav", help="write the answer, spoken, to a WAV file instead (needs espeak-ng)")


class Sharing:
    """What `ask` does with the answer besides printing it."""

    def __init__(self, args) -> None:
        self.card = Path(args.card).expanduser() if getattr(args, "card", None) else None
        if self.card is not None and self.card.suffix.lower() not in _card().SUFFIXES:
            raise OracleError(f"--card {args.card} must end in .svg or .png: name the card CARD.svg or CARD.png.")
        self.say, self.say_to = getattr(args, "say", False), getattr(args, "say_to", None)
        if self.say_to and Path(self.say_to).suffix.lower() != ".wav":
            raise OracleError(f"--say-to {self.say_to} must end in .wav: espeak-ng writes WAV files.")
        for flag, name in (("--card", args.card), ("--say-to", self.say_to)):
            folder = Path(name).expanduser().parent if name else None
            if folder is not None and not folder.is_dir():
                raise OracleError(f"{flag} {name}: the folder {folder} does not exist: create it, or name a file in another.")
        self.program: str | None = None
        self.table: dict | None = None
        self.sentences: speech.Sentences | None = None
        if self.say or self.say_to:
            spoken = _speech()
            self.program = spoken.espeak()
            self.table = spoken.load_table()
            self.sentences = spoken.Sentences()
        self.speaker: speech.Speaker | None = None
        self.reading: Reading | None = None

    def begin(self, reading) -> None:
        self.reading = reading
        if self.say:
            self.speaker = _speech().Speaker(self.program)

    def heard(self, ch: str) -> None:
        """One more character of the answer: a finished sentence goes to the speaker (which never blocks)."""
        if self.speaker is not None and self.reading is not None and self.sentences is not None:
            for sentence in self.sentences.feed(ch):
                self.speaker.say(sentence, _speech().voice_for(self.reading.voice, self.table or {}))

    def finish(self, question: str) -> None:
        reading = self.reading
        assert reading is not None  # begin() came first
        if self.speaker is not None and self.sentences is not None:
            try:
                for sentence in self.sentences.flush():
                    self.speaker.say(sentence, _speech().voice_for(reading.voice, self.table or {}))
                self.speaker.wait()  # the answer is printed; its last sentences may still be spoken
            finally:
                self.speaker.close()  # Ctrl-C while it speaks silences it
            if self.speaker.trouble:
                sys.stderr.write(f"oracle: espeak-ng could not speak ({visible(self.speaker.trouble)}): is there a sound device? "
                                 "--say-to FILE.wav writes the speech to a file instead.\n")
        if self.say_to:
            spoken = _speech()
            voice = spoken.voice_for(reading.record().voice, self.table or {})
            written = spoken.write_wav(spoken.speakable(reading.text), voice, Path(self.say_to), self.program)
            sys.stderr.write(f"oracle: speech written to {visible(str(written))}.\n")
        if self.card is not None:
            card = _card()
            made = card.Card.from_record(question, reading.text, reading.record(), asked=asked_day())
            sys.stderr.write(f"oracle: card saved to {visible(str(card.save_card(made, self.card)))}.\n")


def asked_day() -> str:
    """Today, or the day SOURCE_DATE_EPOCH names (the reproducible-builds convention), so that a
    script can make the same card twice, byte for byte."""
    from datetime import date

    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return _card().day_of(int(epoch))
    return date.today().isoformat()
