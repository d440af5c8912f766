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
    for name, entry in saved.items():
        if not isinstance(entry, dict):
            raise OracleError(f'The speech entry {name!r} in {where} is not an object with "voice", "pitch" and "speed".')
        base = table.get(name, table[DEFAULT])
        voice = entry.get("voice", base.voice)
        pitch, speed = entry.get("pitch", base.pitch), entry.get("speed", base.speed)
        if not isinstance(voice, str) or not _VOICE_NAME.match(voice):
            raise OracleError(f"The speech voice {voice!r} for {name!r} in {where} is not an espeak-ng voice name "
                              "(`espeak-ng --voices` lists them).")
        for field, value, (low, high) in (("pitch", pitch, PITCH), ("speed", speed, SPEED)):
            if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
                raise OracleError(f"The speech {field} {value!r} for {name!r} in {where} must be a whole number from {low} to {high}.")
        table[name] = replace(base, voice=voice, pitch=pitch, speed=speed)
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
