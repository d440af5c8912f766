"""A reading's record: what it takes to replay an answer exactly, as one typed record.

`model`, `seed`, the `settings` it began with, the `voice` blend it began in, how its prompt was
read (`prime`) and the `changes` made while it spoke, each of one of two kinds: a `SettingsChange`
(some settings took new values at step `at`) or a `VoiceChange` (the blend changed at step `at`).
`ReadingRecord.read` reads one from a conversation file, where a hand edit, a newer Oracle or
damage may have left anything: a field it cannot use is flagged (kept under "flagged" and written
back as it was) and reads as absent, and so is each setting that does not check.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
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
    # The settings it began with, as a replay reads them: SampleSettings.from_record gives a record from
    # before a setting existed the value that replays it. None: the record names none (or none usable).
    settings: SampleSettings | None = None
    changes: tuple[Change, ...] = ()
    voice: dict[str, float] | None = spec(None, low=0)
    prime: Prime | None = None  # absent: the prompt was read in float32
    # The settings as the file has them, written back as they were: an old record's lacks the settings
    # added since, a newer Oracle's has more (None: a new record, written as `settings` is).
    written: dict[str, Any] | None = field(default=None, compare=False, repr=False, kw_only=True)
    _BOOKKEEPING = Record._BOOKKEEPING | {"written"}

    @classmethod
    def read(cls, data: Any) -> ReadingRecord:
        """A record from a file, never refused: what cannot be used is flagged (see the module's note)."""
        if not isinstance(data, dict):
            return cls(extra={FLAGGED: {"record": data}} if data is not None else {})
        return cls.from_dict(data, "record", lenient=True)

    @classmethod
    def from_dict(cls, data: Any, at: str | None = None, *, lenient: bool = False) -> ReadingRecord:
        """Record.from_dict, with `settings` read on its own: each setting checked by itself, so that
        (lenient) a bad one costs only itself, and a newer Oracle's unknown ones stay."""
        if not isinstance(data, dict) or "settings" not in data:
            return super().from_dict(data, at, lenient=lenient)
        at = at or "record"
        made = super().from_dict({k: v for k, v in data.items() if k != "settings"}, at, lenient=lenient)
        raw, flagged = data["settings"], {}
        if raw is not None and not isinstance(raw, dict):
            if not lenient:
                raise RecordError(f"{at}.settings must be an object")
            return replace(made, extra={**made.extra, FLAGGED: flag(made.extra.get(FLAGGED), {"settings": raw})})
        written = None if raw is None else {k: v for k, v in raw.items() if k not in known_settings() or setting_ok(k, v)}
        if raw is not None and len(written or {}) < len(raw):
            bad = {k: v for k, v in raw.items() if k not in (written or {})}
            if not lenient:
                raise RecordError(f"{at}.settings.{next(iter(bad))[:40]} is not a setting this Oracle can apply")
            earlier = made.extra.get(FLAGGED)
            before = earlier.get("settings") if isinstance(earlier, dict) else None
            flagged = {FLAGGED: flag(earlier, {"settings": flag(before, bad)})}
        return replace(made, settings=_usable(written), written=written, present=made.present | {"settings"},
                       extra={**made.extra, **flagged})

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        if "settings" in out:  # in its place among the fields: as it was read, or as a new record's settings are
            out["settings"] = dict(self.written) if self.written is not None else \
                self.settings.to_dict() if self.settings is not None else None
        return out


def _usable(written: dict[str, Any] | None) -> SampleSettings | None:
    """The settings a replay reads with: the known ones of those written (each already checked), the
    settings they lack at the values that replay an old record; None if together they do not check."""
    if written is None:
        return None
    known = known_settings()
    try:
        return SampleSettings.from_record({k: v for k, v in written.items() if k in known}).validate()
    except (OracleError, TypeError, ValueError):
        return None

