"""Which espeak-ng voice, pitch and speed each of the oracle's voices speaks in.

The bundled sources each get a fitting one: the King James Bible low and unhurried in Received
Pronunciation, Proverbs a little lighter, the Dhammapada slow and calm, Bierce's Devil's
Dictionary brisk and American, the hacker Jargon File quick. A user changes any of them (or adds
one for a corpus of their own) in ORACLE_HOME/settings.json:

    {"speech": {"kjv": {"voice": "en-gb-scotland", "pitch": 30, "speed": 130}}}

A field left out keeps the table's value; "default" is the voice of a reading in no particular voice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from oracle.engine.errors import OracleError
from oracle.engine.record import Record, RecordError, spec

KEY = "speech"  # settings.json's key for the table's overrides
PITCH = (0, 99)  # espeak-ng's own bounds (-p)
SPEED = (80, 450)  # words per minute (-s): below 80 espeak-ng refuses, above 450 nobody follows
_VOICE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_+/-]{0,63}$")  # never an option, never a path outside espeak's


@dataclass(frozen=True)
class SpeechVoice:
    voice: str = "en-gb"
    pitch: int = 50
    speed: int = 160

    def args(self) -> list[str]:
        return ["-v", self.voice, "-p", str(self.pitch), "-s", str(self.speed)]


@dataclass(frozen=True)
class SpeechEntry(Record):
    """One voice's changes in settings.json's "speech" (a field left out keeps the table's value)."""
    voice: str | None = spec(None, pattern=_VOICE_NAME.pattern)
    pitch: int | None = spec(None, low=PITCH[0], high=PITCH[1])
    speed: int | None = spec(None, low=SPEED[0], high=SPEED[1])


DEFAULT = "default"
TABLE: dict[str, SpeechVoice] = {
    DEFAULT: SpeechVoice("en-gb", 50, 160),
    "kjv": SpeechVoice("en-gb-x-rp", 32, 135),
    "proverbs": SpeechVoice("en-gb", 42, 145),
    "dhammapada": SpeechVoice("en-gb-x-rp", 45, 125),
    "devils-dictionary": SpeechVoice("en-us", 58, 175),
    "jargon": SpeechVoice("en-us", 62, 195),
}


def with_overrides(saved: object, where: str = "settings.json") -> dict[str, SpeechVoice]:
    """The table with the user's changes (`saved`: settings.json's "speech" value); a bad entry is
    one sentence naming it and what it may be."""
    table = dict(TABLE)
    if saved is None:
        return table
    if not isinstance(saved, dict):
        raise OracleError(f'"{KEY}" in {where} is not a table of voices: write {{"kjv": {{"voice": "en-gb", "pitch": 40, "speed": 140}}}}.')
    for name, raw in saved.items():
        try:
            entry = SpeechEntry.from_dict(raw, f"{KEY}.{name[:40]}")
        except RecordError as err:
            raise OracleError(f'In {where}, {err}: "voice" is an espeak-ng voice name (`espeak-ng --voices` lists them), '
                              f'"pitch" a whole number from {PITCH[0]} to {PITCH[1]}, "speed" from {SPEED[0]} to {SPEED[1]}.') from None
        base = table.get(name, table[DEFAULT])
        table[name] = replace(base, voice=entry.voice or base.voice, pitch=base.pitch if entry.pitch is None else entry.pitch,
                              speed=base.speed if entry.speed is None else entry.speed)
    return table


def load_table() -> dict[str, SpeechVoice]:
    """The table as this user has it (the defaults, changed by settings.json)."""
    # settings.json read here, not through the store, whose package brings torch in with it.
    from oracle.engine.io import paths
    from oracle.engine.io.readers import ReadRefused, read_json

    path = paths.home() / "settings.json"
    try:
        settings = read_json(path, 1 << 20)  # bounded and depth-checked, as the store reads it
    except (OSError, ReadRefused):
        return dict(TABLE)  # no settings file (or one the store would set aside): the table as shipped
    return with_overrides(settings.get(KEY) if isinstance(settings, dict) else None, str(path))


def voice_for(blend: dict[str, float] | None, table: dict[str, SpeechVoice]) -> SpeechVoice:
    """The speech voice of a reading's blend: its strongest voice's (the first listed on a tie)."""
    if blend:
        strongest = max(blend, key=lambda name: blend[name])
        if strongest in table:
            return table[strongest]
    return table[DEFAULT]
