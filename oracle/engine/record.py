"""One way to type, check and serialise what Oracle saves: a frozen dataclass built by `from_dict`.

Every saved thing (a model's meta.json, a run's checkpoint.json and run state, a reading's record, an
exchange, the preferences) is a `Record` subclass. `from_dict` is its one checked constructor: each
field's value is checked against the field's annotation (str, int, float, bool, `X | None`,
`tuple[X, ...]`, `dict[str, X]`, a `Literal`, a nested Record) and against the bounds given with
`spec(...)`; floats must be finite. A bad field is refused (`RecordError` naming the field, for
files that must be whole, such as a model's metadata) or, with `lenient=True`, read as its default
(for files that hold preferences or a history, where one bad value should cost only itself) and
flagged: kept under "flagged" and written back as it was, so nothing is lost. Fields this version
does not know are kept in `extra` and written back by `to_dict`, and `present` remembers which
fields the dict had, so reading and writing gives back the same document.
"""

from __future__ import annotations

import dataclasses
import math
import re
import types
import typing
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar, Literal, TypeVar, Union, get_args, get_origin

R = TypeVar("R", bound="Record")
_MISSING = dataclasses.MISSING
FLAGGED = "flagged"  # where a lenient read keeps the values it could not use, to write them back as they were


class RecordError(ValueError):
    """`str()` names the field (meta.config.dropout) and what it must be."""


def spec(default: Any = _MISSING, *, low: float | None = None, high: float | None = None, below_high: bool = False,
         max_len: int | None = None, pattern: str | None = None, factory: Any = _MISSING) -> Any:
    """A field with bounds: numbers within [low, high] (or [low, high) with below_high), text or
    lists of at most max_len items, text that fully matches pattern."""
    bounds = {"low": low, "high": high, "below_high": below_high, "max_len": max_len,
              "pattern": re.compile(pattern) if pattern else None}
    if factory is not _MISSING:
        return field(default_factory=factory, metadata=bounds)
    return field(default=default, metadata=bounds)


@dataclass(frozen=True)
class Record:
    """Subclass with @dataclass(frozen=True); declare fields in the order the file writes them."""

    extra: dict[str, Any] = field(default_factory=dict, compare=False, repr=False, kw_only=True)
    present: frozenset[str] = field(default=frozenset(), compare=False, repr=False, kw_only=True)
    # Fields left out of to_dict when they hold their default and the file never had them.
    _BOOKKEEPING: ClassVar[frozenset[str]] = frozenset({"extra", "present"})

    @classmethod
    def from_dict(cls: type[R], data: Any, at: str | None = None, *, lenient: bool = False) -> R:
        at = at or cls.__name__
        if not isinstance(data, dict):
            raise RecordError(f"{at} must be an object")
        values: dict[str, Any] = {}
        flagged: dict[str, Any] = {}
        hints = _hints(cls)
        for f in fields(cls):
            if f.name in cls._BOOKKEEPING:
                continue
            required = f.default is _MISSING and f.default_factory is _MISSING
            if f.name not in data:
                if required:
                    raise RecordError(f"{at}.{f.name} is missing")
                continue
            try:
                values[f.name] = _check(hints[f.name], data[f.name], f"{at}.{f.name}", f.metadata, lenient)
            except RecordError:
                if required or not lenient:
                    raise
                flagged[f.name] = data[f.name]
        known = {f.name for f in fields(cls)} - cls._BOOKKEEPING  # a file's own "extra" or "present" is data
        extra = {k: v for k, v in data.items() if k not in known}
        if flagged:
            extra[FLAGGED] = flag(extra.get(FLAGGED), flagged)
        made = cls(**values, extra=extra, present=frozenset(values))
        made.check(at)
        return made

    def check(self, at: str) -> None:
        """Checks across fields (override; raise RecordError)."""

    def to_dict(self) -> dict[str, Any]:
        """The JSON form: the fields that were read and those since given a value (a field left at
        None, or at an empty default, is left out, as a reader takes it to be), then the unknown
        fields as they were read."""
        out: dict[str, Any] = {}
        for f in fields(self):
            if f.name in self._BOOKKEEPING:
                continue
            value = getattr(self, f.name)
            empty = value is None or (value == () and f.default == ()) or (value == {} and f.default_factory is dict)
            if f.name in self.present or not empty:
                out[f.name] = plain(value)
        return {**out, **{k: v for k, v in self.extra.items() if k not in out}}


def flag(earlier: Any, bad: dict[str, Any]) -> dict[str, Any]:
    """`FLAGGED`'s new value: what an earlier read flagged (if it is an object) with `bad` added."""
    return {**(earlier if isinstance(earlier, dict) else {}), **bad}


def plain(value: Any) -> Any:
    """JSON's types for a value built from records, tuples and dicts."""
    if isinstance(value, Record):
        return value.to_dict()
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    """The class's resolved annotations, worked out once per class."""
    if cls not in _HINTS:
        _HINTS[cls] = typing.get_type_hints(cls)
    return _HINTS[cls]


def _check(kind: Any, value: Any, at: str, bounds: Any, lenient: bool) -> Any:
    """`value` as the annotation `kind` wants it (tuples for lists, records for objects), or RecordError."""
    origin, args = get_origin(kind), get_args(kind)
    if origin in (Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        inner = [a for a in args if a is not type(None)]
        if len(inner) == 1:
            return _check(inner[0], value, at, bounds, lenient)
        for option in inner:
            try:
                return _check(option, value, at, bounds, lenient)
            except RecordError:
                continue
        raise RecordError(f"{at} is not a valid value")
    if origin is Literal:
        if value not in args or type(value) is not type(args[args.index(value)]):
            raise RecordError(f"{at} must be one of {', '.join(map(repr, args))}")
        return value
    if kind is Any:
        return value
    if isinstance(kind, type) and issubclass(kind, Record):
        return kind.from_dict(value, at, lenient=lenient)
    if origin in (tuple, list):
        if not isinstance(value, list):
            raise RecordError(f"{at} must be a list")
        _length(value, at, bounds)
        item = args[0] if args else Any
        return tuple(_check(item, v, f"{at}[{i}]", _each(bounds), lenient) for i, v in enumerate(value))
    if origin is dict or kind is dict:
        if not isinstance(value, dict):
            raise RecordError(f"{at} must be an object")
        _length(value, at, bounds)
        item = args[1] if len(args) == 2 else Any
        return {k: _check(item, v, f"{at}.{str(k)[:40]}", _each(bounds), lenient) for k, v in value.items()}
    if kind is bool:
        if not isinstance(value, bool):
            raise RecordError(f"{at} must be true or false")
        return value
    if kind is str:
        if not isinstance(value, str):
            raise RecordError(f"{at} must be text")
        _length(value, at, bounds)
        pattern = bounds.get("pattern") if bounds else None
        if pattern is not None and not pattern.fullmatch(value):
            raise RecordError(f"{at} is not a valid value")
        return value
    if kind in (int, float):
        whole = kind is int
        if isinstance(value, bool) or not isinstance(value, int if whole else (int, float)) \
                or (not whole and not math.isfinite(value)):
            raise RecordError(f"{at} must be a {'whole' if whole else 'finite'} number")
        _range(value, at, bounds)
        return value
    raise TypeError(f"a Record field cannot be {kind!r} ({at})")  # a programming error, not a bad file


def _each(bounds: Any) -> dict[str, Any]:
    """A list's or an object's bounds as they apply to each item (the count is the whole's)."""
    return {k: v for k, v in (bounds or {}).items() if k != "max_len"}


def _length(value: Any, at: str, bounds: Any) -> None:
    most = bounds.get("max_len") if bounds else None
    if most is not None and len(value) > most:
        raise RecordError(f"{at} must hold at most {most:,} {'characters' if isinstance(value, str) else 'items'}")


def _range(value: float, at: str, bounds: Any) -> None:
    if not bounds:
        return
    low, high = bounds.get("low"), bounds.get("high")
    if (low is not None and value < low) or (high is not None and (value > high or (bounds.get("below_high") and value == high))):
        shown = f"from {low if low is not None else '-inf'} to {high if high is not None else 'inf'}"
        raise RecordError(f"{at} must be {shown}" + (f" (below {high})" if bounds.get("below_high") else ""))
