"""Text on the eye's colour scale, for the Eye screen and for answers coloured as they stream."""

from __future__ import annotations

from functools import lru_cache

from rich.text import Text

from oracle.engine.eye import Eye, check_unit
from oracle.engine.eye_page import hex_colour, ink, legend_stops

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
        style = _style(round(max(-1.0, min(1.0, value)) * STEPS) if value == value else 0)
        if ch == "\n":
            out.append(NEWLINE_MARK, style=style)
            out.append("\n")
        else:
            out.append(ch, style=style)
    return out


def legend() -> Text:
    out = Text("scale ")
    for value in legend_stops():
        out.append(f"{value:+.1f}", style=f"{ink(value)} on {hex_colour(value)}")
    return out


class AnswerPainter:
    """Colours one streaming answer by one unit: the eye reads the question once, then each new
    part of the answer as it arrives, carrying the model's state like the reading does.

    The few characters a reading reads but does not show before an answer starts (a line break
    after a question, say) are not seen here, so the colours are those of the answer read straight
    after the question.
    """

    def __init__(self, reading, layer: int, unit: int, kind: str):
        oracle = reading.oracle
        voice = getattr(reading, "voice", None)
        weights = oracle.voice_weights(voice) if voice and hasattr(oracle, "voice_weights") else None
        cfg = oracle.net.config
        check_unit(layer, unit, kind, cfg.num_layers, cfg.hidden_size)
        self.eye = Eye(oracle, weights)
        self.eye.read(reading.prompt)
        self.layer, self.unit, self.kind = layer, unit, kind
        self.read_text, self.values = "", []
        self._painted = Text()  # the answer so far, already coloured: each call colours only what is new

    @classmethod
    def for_reading(cls, reading, choice: tuple[str, int, int, str]) -> "AnswerPainter | None":
        """A painter for `reading` if `choice` (model, layer, unit, kind) is a unit of its model."""
        model, layer, unit, kind = choice
        if reading.oracle.name != model:
            return None
        return cls(reading, layer, unit, kind)

    def __call__(self, answer: str) -> Text:
        if not answer.startswith(self.read_text):
            return Text(answer)
        if len(answer) > len(self.read_text):
            acts = self.eye.read(answer[len(self.read_text):])
            new = acts.unit(self.layer, self.unit, self.kind).tolist()
            styled(acts.text, new, self._painted)
            self.values.extend(new)
            self.read_text += acts.text
        return self._painted.copy() + Text(answer[len(self.read_text):])
