"""A reading's record read back from a conversation file, made safe for the app to use.

A conversation file may have been edited by hand, written by a newer Oracle or damaged: its record
can hold `"top_p": "x"`, settings as a list, no settings, a voice of strings. Everything that reads a
record (the transcript's line, Replay, the Markdown export, a card) trusted its kinds and crashed,
at every launch for the last exchange. Here each known field is checked once, where the file is
read: a value of the wrong kind or out of bounds is moved under "flagged" (kept, and saved back as
it was, so nothing is lost) and the reading falls back to what a missing value means. Settings this
version does not know (a newer Oracle's) stay where they are; Replay leaves them out.
"""

from __future__ import annotations

import math
from dataclasses import fields

from oracle.engine import OracleError, SampleSettings

FLAGGED = "flagged"
KNOWN_SETTINGS = frozenset(f.name for f in fields(SampleSettings))


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _setting_ok(name: str, value) -> bool:
    try:
        SampleSettings(**{name: value}).validate()
    except (OracleError, TypeError, ValueError):
        return False
    kind = type(getattr(SampleSettings(), name))
    return isinstance(value, kind) and not isinstance(value, bool) if kind is not float else _number(value)


def _settings(value) -> tuple[dict | None, dict]:
    """(the settings that check, those that do not); None when `value` is no object at all."""
    if not isinstance(value, dict):
        return None, {}
    good = {k: v for k, v in value.items() if k not in KNOWN_SETTINGS or _setting_ok(k, v)}
    return good, {k: v for k, v in value.items() if k not in good}


def _blend(value) -> bool:
    return isinstance(value, dict) and all(isinstance(k, str) and _number(v) and v >= 0 for k, v in value.items())


def _change(value) -> bool:
    if not isinstance(value, dict) or not isinstance(value.get("at"), int) or isinstance(value["at"], bool) or value["at"] < 0:
        return False
    if "settings" in value:  # replayed at its step: every setting must be one this version can apply
        good, bad = _settings(value["settings"])
        if good is None or bad or not all(k in KNOWN_SETTINGS for k in good):
            return False
    return "voice" not in value or value["voice"] is None or _blend(value["voice"])


CHECKS = {
    "model": lambda v: isinstance(v, str),
    "seed": lambda v: isinstance(v, int) and not isinstance(v, bool) and 0 <= v < 2**63,
    "voice": lambda v: v is None or _blend(v),
    "changes": lambda v: isinstance(v, list) and all(_change(c) for c in v),
    "prime": lambda v: isinstance(v, str),
}


def checked(record) -> dict:
    """`record` with every field the app reads of the kind it expects; the rest under "flagged"."""
    if not isinstance(record, dict):
        return {FLAGGED: {"record": record}} if record is not None else {}
    out, flagged = {}, dict(record.get(FLAGGED)) if isinstance(record.get(FLAGGED), dict) else {}
    for key, value in record.items():
        if key == FLAGGED:
            continue
        if key == "settings":
            good, bad = _settings(value)
            if good is None:
                flagged["settings"] = value
                continue
            out["settings"] = good
            if bad:
                flagged["settings"] = {**(flagged.get("settings") if isinstance(flagged.get("settings"), dict) else {}), **bad}
        elif key in CHECKS and not CHECKS[key](value):
            flagged[key] = value
        else:
            out[key] = value
    if flagged:
        out[FLAGGED] = flagged
    return out


def replay_settings(record: dict) -> SampleSettings:
    """The settings Replay reads an answer with: the known ones the record holds (checked above)."""
    settings = record.get("settings") if isinstance(record.get("settings"), dict) else {}
    return SampleSettings.from_record({k: v for k, v in settings.items() if k in KNOWN_SETTINGS})
