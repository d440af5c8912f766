"""A reading's record: what it takes to replay an answer exactly, as one typed record.

`model`, `seed`, the `settings` it began with, the `voice` blend it began in, how its prompt was
read (`prime`) and the `changes` made while it spoke, each of one of two kinds: a `SettingsChange`
(some settings took new values at step `at`) or a `VoiceChange` (the blend changed at step `at`).
`ReadingRecord.read` reads one from a conversation file, where a hand edit, a newer Oracle or
damage may have left anything: a field it cannot use is flagged (kept under "flagged" and written
back as it was) and reads as absent, and so is each setting that does not check.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any, Literal

from oracle.engine.errors import OracleError
from oracle.engine.read.settings import SampleSettings
from oracle.engine.record import FLAGGED, Record, RecordError, flag, spec

Prime = Literal["float32", "bf16"]


def known_settings() -> frozenset[str]:
    return frozenset(f.name for f in fields(SampleSettings))


def setting_ok(name: str, value: Any) -> bool:
    """Whether `value` is one this version can read `name` with (its kind and its bounds)."""
    if name not in known_settings():
        return False
    kind = type(getattr(SampleSettings(), name))
    if isinstance(value, bool) is not (kind is bool) or not isinstance(value, (int, float) if kind is float else kind):
        return False
    try:
        SampleSettings(**{name: value}).validate()  # type: ignore[arg-type]  # checking is the point
    except (OracleError, TypeError, ValueError):
        return False
    return True


@dataclass(frozen=True)
class SettingsChange(Record):
    at: int = spec(low=0)  # the step (characters chosen, leading whitespace included) it took effect at
    settings: dict[str, Any] = spec()  # the settings that changed, with their new values

    def check(self, at: str) -> None:
        bad = [k for k, v in self.settings.items() if not setting_ok(k, v)]
        if bad:  # a replay must apply every one of them, at its step
            raise RecordError(f"{at}.settings.{bad[0][:40]} is not a setting this Oracle can apply")


@dataclass(frozen=True)
class VoiceChange(Record):
    at: int = spec(low=0)
    voice: dict[str, float] | None = spec(None, low=0)  # the blend spoken from then on ({} or None: any voice)


Change = SettingsChange | VoiceChange


@dataclass(frozen=True)
class ReadingRecord(Record):
    model: str | None = None
    seed: int | None = spec(None, low=0, high=2**63 - 1)
    settings: dict[str, Any] | None = None  # SampleSettings.to_dict() as it began
    changes: tuple[Change, ...] = ()
    voice: dict[str, float] | None = spec(None, low=0)
    prime: Prime | None = None  # absent: the prompt was read in float32

    @classmethod
    def read(cls, data: Any) -> ReadingRecord:
        """A record from a file, never refused: what cannot be used is flagged (see the module's note)."""
        if not isinstance(data, dict):
            return cls(extra={FLAGGED: {"record": data}} if data is not None else {})
        made = cls.from_dict(data, "record", lenient=True)
        if made.settings is None:
            return made
        # Each setting on its own: a bad one costs only itself; a newer Oracle's unknown ones stay.
        known = known_settings()
        bad = {k: v for k, v in made.settings.items() if k in known and not setting_ok(k, v)}
        if not bad:
            return made
        earlier = made.extra.get(FLAGGED)
        before = earlier.get("settings") if isinstance(earlier, dict) else None
        settings_flagged = {**(before if isinstance(before, dict) else {}), **bad}
        return replace(made, settings={k: v for k, v in made.settings.items() if k not in bad},
                       extra={**made.extra, FLAGGED: flag(earlier, {"settings": settings_flagged})})

    def replay_settings(self) -> dict[str, Any]:
        """The settings Replay reads the answer with: the known ones (a newer Oracle's are left out)."""
        known = known_settings()
        return {k: v for k, v in (self.settings or {}).items() if k in known}


def parse_changes(changes: list[Any] | tuple[Any, ...] | None) -> list[Change]:
    """A record's changes for a replay, each checked; OracleError names the first that cannot be applied."""
    out: list[Change] = []
    for i, change in enumerate(changes or ()):
        if isinstance(change, (SettingsChange, VoiceChange)):
            out.append(change)
            continue
        kind = VoiceChange if isinstance(change, dict) and "voice" in change else SettingsChange
        try:
            out.append(kind.from_dict(change, f"changes[{i}]"))
        except RecordError as err:
            raise OracleError(f"The record's change {i + 1} cannot be replayed ({err}).") from None
    return out
