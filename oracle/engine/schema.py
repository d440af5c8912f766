"""Every user setting declared once: its label, help, kind and bounds live on the dataclass field.

`Recipe` (training) and `SampleSettings` (reading) declare their fields with `setting(...)`. From
that one declaration:
- the engine validates (`check_all`) and raises `SettingError(name, value, rule)`, worded with the
  setting's label ("Hidden units 0 must be at least 1.");
- the command line builds its flags, their help and their parsing (`oracle/cli/flags.py`) and
  words the same error with the flag ("--hidden-size 0 must be at least 1.");
- the app builds its form fields (label, help as tooltip) and shows the label's wording.
So adding a setting is one line here, in the dataclass, and every face picks it up.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields

from oracle.engine.errors import OracleError


@dataclass(frozen=True)
class Spec:
    label: str  # the app's words for it, e.g. "hidden units"
    help: str  # one line, shown as CLI help and app tooltip
    kind: type  # int | float | bool | str
    low: float | None = None
    high: float | None = None
    above_low: bool = False  # the value must be strictly above `low` (e.g. a learning rate)
    below_high: bool = False  # the value must be strictly below `high` (e.g. dropout)
    choices: tuple[str, ...] = ()
    flag: str = ""  # the CLI flag when it is not the field name with dashes, e.g. "--layers"
    short: str = ""  # a one-letter CLI alias, e.g. "-t"

    def rule(self) -> str:
        """The rule in words, as it follows a value: 'must be a whole number from 1 to 64'."""
        if self.choices:
            return f"must be one of: {', '.join(self.choices)}"
        if self.kind is bool:
            return "must be true or false"
        noun = "a whole number" if self.kind is int else "a number"
        low = None if self.low is None else _plain(self.low)
        high = None if self.high is None else _plain(self.high)
        if low is not None and high is not None and not self.above_low and not self.below_high:
            return f"must be {noun} from {low} to {high}"
        parts = []
        if low is not None:
            parts.append(f"above {low}" if self.above_low else f"at least {low}")
        if high is not None:
            parts.append(f"below {high}" if self.below_high else f"at most {high}")
        return f"must be {noun} " + " and ".join(parts) if parts else f"must be {noun}"

    def check(self, name: str, value) -> None:
        """Raise SettingError unless `value` has this setting's kind and lies within its bounds."""
        if self.kind is bool:
            ok = isinstance(value, bool)
        elif self.kind is str:
            ok = isinstance(value, str) and (not self.choices or value in self.choices)
        elif self.kind is int:
            ok = isinstance(value, int) and not isinstance(value, bool) and self._within(value)
        else:
            ok = (isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
                  and self._within(value))
        if not ok:
            raise SettingError(name, self, value)

    def parse(self, name: str, text: str):
        """A typed value from what a person typed, checked; SettingError names what is wrong."""
        text = text.strip()
        value: object
        try:
            if self.kind is int:
                value = int(text)
            elif self.kind is float:
                value = float(text)
                if not math.isfinite(value):
                    raise ValueError(text)  # "nan", "inf": say what was typed, not what it became
            elif self.kind is bool:
                value = {"true": True, "yes": True, "on": True, "1": True,
                         "false": False, "no": False, "off": False, "0": False}[text.lower()]
            else:
                value = text
        except (ValueError, KeyError):
            raise SettingError(name, self, text, typed=False) from None
        self.check(name, value)
        return value

    def _within(self, value: float) -> bool:
        if self.low is not None and (value <= self.low if self.above_low else value < self.low):
            return False
        if self.high is not None and (value >= self.high if self.below_high else value > self.high):
            return False
        return True


class SettingError(OracleError):
    """A setting's value breaks its rule. Each face words it with its own name for the setting."""

    def __init__(self, name: str, spec: Spec, value, typed: bool = True) -> None:
        self.name, self.spec, self.value, self.typed = name, spec, value, typed
        super().__init__(self.naming(spec.label[:1].upper() + spec.label[1:]))

    def naming(self, called: str) -> str:
        """The sentence, with the setting called `called` (a label, or a CLI flag)."""
        if not self.typed:
            noun = "a whole number" if self.spec.kind is int else "a number" if self.spec.kind is float else "allowed"
            what = f"is not {noun}" if self.spec.kind in (int, float) else f"is not {noun}: it {self.spec.rule()}"
            return f"{called} {self.value!r} {what}."
        shown = repr(self.value) if isinstance(self.value, str) else self.value
        return f"{called} {shown} {self.spec.rule()}."


def setting(default, label: str, help: str, kind: type | None = None, **bounds):
    """A dataclass field carrying its Spec: `hidden_size: int = setting(512, "hidden units", ...)`."""
    spec = Spec(label=label, help=help, kind=kind or type(default), **bounds)
    return field(default=default, metadata={"spec": spec})


def specs(settings_class) -> dict[str, Spec]:
    """The declared settings of a dataclass (class or instance), in declaration order."""
    return {f.name: f.metadata["spec"] for f in fields(settings_class) if "spec" in f.metadata}


def check_all(settings) -> None:
    for name, spec in specs(settings).items():
        spec.check(name, getattr(settings, name))


def cli_flag(name: str, spec: Spec) -> str:
    return spec.flag or "--" + name.replace("_", "-")


def _plain(number: float) -> str:
    if float(number).is_integer() and abs(number) < 1e15:
        return f"{int(number):,}" if abs(number) >= 10_000 else str(int(number))
    return f"{number:g}"
