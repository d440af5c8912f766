"""Text on the eye's colour scale, for the Eye screen and for answers coloured as they stream."""

from __future__ import annotations

import math
from functools import lru_cache

from rich.text import Text

from oracle.engine import Eye, OracleError, check_unit, hex_colour, ink, legend_stops
from oracle.visible import visible

NEWLINE_MARK = "↵"  # a line break has a value too: show it on its colour before breaking the line


STEPS = 128  # shades per half of the scale: finer than the eye can tell apart, and each style built once


@lru_cache(maxsize=2 * STEPS + 1)
def _style(step: int) -> str:
    value = step / STEPS
    return f"{ink(value)} on {hex_colour(value)}"


def styled(text: str, values, out: Text | None = None) -> Text:
    """Each character on the background of its value (-1 blue .. +1 red), appended to `out` if given."""
    out = Text() if out is None else out
    for ch, value in zip(text, values):
        value = float(value)
        style = _style(0 if math.isnan(value) else round(max(-1.0, min(1.0, value)) * STEPS))
        if ch == "\n":
            out.append(NEWLINE_MARK, style=style)
            out.append("\n")
        else:
            out.append(visible(ch), style=style)  # one stand-in per control character: values stay aligned
    return out


def legend() -> Text:
    out = Text("scale ")
    for value in legend_stops():
        out.append(f"{value:+.1f}", style=f"{ink(value)} on {hex_colour(value)}")
    return out


class AnswerPainter:
    """Colours one streaming answer by one unit: the eye reads the question once, then each new
    part of the answer as it arrives, carrying the model's state like the reading does.

    It reads what the reading read: the question, then the characters the model wrote but the
    answer does not show (a line break after a question, say), then the answer, each exactly. A
    voice blend changed while it speaks is not followed: the colours keep the blend it began with.
    """

    def __init__(self, reading, layer: int, unit: int, kind: str):
        oracle = reading.oracle
        voice = getattr(reading, "voice", None)
        weights = oracle.voice_weights(voice) if voice and hasattr(oracle, "voice_weights") else None
        cfg = oracle.config  # not .net: that builds the torch network
        check_unit(layer, unit, kind, cfg.num_layers, cfg.hidden_size)
        self.eye = Eye(oracle, weights)
        self.eye.read(reading.prompt, exact=True)
        self.reading, self.lead_read = reading, False
        self.layer, self.unit, self.kind = layer, unit, kind
        self.read_text, self.failed = "", False
        self.values: list[float] = []
        self._painted = Text()  # the answer so far, already coloured: each call colours only what is new

    @classmethod
    def for_reading(cls, reading, choice: tuple[str, int, int, str]) -> AnswerPainter | None:
        """A painter for `reading` if `choice` (model, layer, unit, kind) is a unit of its model."""
        model, layer, unit, kind = choice
        if reading.oracle.name != model:
            return None
        return cls(reading, layer, unit, kind)

    def __call__(self, shown: str) -> Text:
        """`shown`: the answer as displayed so far (control characters stand-ins, one for one); the
        eye reads the reading's own characters behind it."""
        done = len(self.read_text)
        real = self.reading.text[:len(shown)]
        if self.failed or len(real) < len(shown) or not real.startswith(self.read_text):
            return Text(shown)
        try:
            if real and not self.lead_read:  # complete once the first character is shown
                self.eye.read(getattr(self.reading, "unshown", ""), exact=True)
                self.lead_read = True
            if len(real) > done:
                new = self.eye.read(real[done:], exact=True).unit(self.layer, self.unit, self.kind).tolist()
                styled(shown[done:], new, self._painted)
                self.values.extend(new)
                self.read_text = real
        except OracleError:  # never break an answer over its colours
            self.failed = True
            return Text(shown)
        return self._painted.copy() + Text(shown[len(self.read_text):])
