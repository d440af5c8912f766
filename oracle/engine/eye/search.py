"""Feature search: which units track quotes, brackets, line position, word edges...

Each feature is one number per character, describing the state *after* that character is read
(an opening quote is already inside the quote; a closing one is outside again), so it lines up
with the activations. Units are ranked by the Pearson correlation of their activation with the
feature over the text; a strongly negative correlation is as telling as a positive one.

A correlation over too little says nothing: on one short line every unit whose state drifts as it
reads correlates with "position in line" at r = +1. So a text is searched only from MIN_CHARS
characters on, and a feature only if it comes and goes MIN_OCCURRENCES times in it (three lines,
three quotes, three capitals); `unsearched` says why a feature was not.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from oracle.engine.eye.activations import KINDS, Activations

_OPEN, _CLOSE = "([{", ")]}"
_VOWELS = set("aeiouAEIOU")
_SENTENCE_END = set(".!?")
# With thousands of units, the best |r| of pure chance is about sqrt(2 ln(units) / characters):
# 0.4 for 2,304 units over 100 characters, near 1 over 20. Below this a "find" is noise.
MIN_CHARS = 100
MIN_OCCURRENCES = 3


def _paragraph_start(text: str, t: int) -> bool:
    """A blank line ends every quote and bracket: one stray mark (5" for inches, a list's "1)")
    then flips the feature for one paragraph, not for the rest of the text."""
    return text[t] == "\n" and t > 0 and text[t - 1] == "\n"


def _inside_quotes(text: str) -> list[float]:
    inside, out = False, []
    for t, ch in enumerate(text):
        if ch == '"':
            inside = not inside
        elif _paragraph_start(text, t):
            inside = False
        out.append(float(inside))
    return out


def _inside_brackets(text: str) -> list[float]:
    depth, out = 0, []
    for t, ch in enumerate(text):
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth = max(0, depth - 1)
        elif _paragraph_start(text, t):
            depth = 0
        out.append(float(depth > 0))
    return out


def _position_in_line(text: str) -> list[float]:
    column, out = 0, []
    for ch in text:
        column = 0 if ch == "\n" else column + 1
        out.append(float(column))
    return out


def _distance_to_line_end(text: str) -> list[float]:
    """Characters still to come before the next line break (or the text's end)."""
    out, to_end = [0.0] * len(text), 0
    for t in range(len(text) - 1, -1, -1):
        out[t] = float(to_end)
        to_end = 0 if text[t] == "\n" else to_end + 1
    return out


def _after_sentence_end(text: str) -> list[float]:
    """From a sentence's closing . ! or ? through the spaces after it, until the next sentence starts."""
    ended, out = False, []
    for ch in text:
        if ch in _SENTENCE_END:
            ended = True
        elif not ch.isspace():
            ended = False
        out.append(float(ended))
    return out


def _letters(text: str) -> np.ndarray:
    return np.array([ch.isalpha() for ch in text], dtype=bool)


def _word_start(text: str) -> np.ndarray:
    letter = _letters(text)
    before = np.concatenate([[False], letter[:-1]])
    return letter & ~before


def _word_end(text: str) -> np.ndarray:
    letter = _letters(text)
    after = np.concatenate([letter[1:], [False]])
    return letter & ~after


FEATURES = {
    "inside quotes": _inside_quotes,
    "inside brackets": _inside_brackets,
    "position in line": _position_in_line,
    "distance to line end": _distance_to_line_end,
    "word start": _word_start,
    "word end": _word_end,
    "vowel": lambda text: [ch in _VOWELS for ch in text],
    "capital": lambda text: [ch.isupper() for ch in text],
    "digit": lambda text: [ch.isdigit() for ch in text],
    "after sentence end": _after_sentence_end,
}


def features(text: str) -> dict[str, np.ndarray]:
    """Every feature's value on every character, float32."""
    return {name: np.asarray(compute(text), dtype=np.float32).reshape(len(text)) for name, compute in FEATURES.items()}


def occurrences(values: np.ndarray) -> int:
    """How many times a feature comes and goes: a line of "position in line", a quoted span, a
    capital. Counted as rises and falls (monotone stretches), so a ramp over one line is once."""
    steps = np.diff(np.asarray(values, dtype=np.float64))
    signs = np.sign(steps[steps != 0])
    if not len(signs):
        return 0
    stretches = 1 + int(np.count_nonzero(signs[1:] != signs[:-1]))
    return (stretches + 1) // 2


def too_short(text: str) -> str | None:
    """One sentence when a text is too short for any feature to be found in it, else None."""
    if len(text) >= MIN_CHARS:
        return None
    return (f"The text is too short to find features in: {len(text)} characters, and the search needs at least "
            f"{MIN_CHARS} (a few lines); over fewer, any unit that drifts as it reads seems to track something.")


def unsearched(text: str) -> dict[str, str]:
    """For each feature the search leaves out on this text, why, in a few words."""
    if len(text) < MIN_CHARS:
        return {name: f"text too short (under {MIN_CHARS} characters)" for name in FEATURES}
    why = {}
    for name, values in features(text).items():
        n = occurrences(values)
        if n == 0:
            why[name] = "not in this text"
        elif n < MIN_OCCURRENCES:
            why[name] = f"only {n} time{'s' if n > 1 else ''} here: too few to tell"
    return why


@dataclass(frozen=True)
class Found:
    feature: str
    layer: int  # from 0
    unit: int  # from 0
    kind: str
    r: float  # Pearson correlation of the unit with the feature over the text

    def to_dict(self) -> dict:
        return {"feature": self.feature, "layer": self.layer + 1, "unit": self.unit, "kind": self.kind, "r": round(self.r, 4)}


def search(acts: Activations, top: int = 3, kinds=KINDS) -> dict[str, list[Found]]:
    """For each feature, the `top` units (over all layers and the given kinds) most correlated with it.

    A feature that never varies in the text (no digits at all, say), or too seldom to tell, gets an
    empty list, and so does every feature of a text too short to search (see `unsearched`). Only the
    features are centred: sum((x - mean x) * (f - mean f)) = sum(x * (f - mean f)), so the units'
    values go into one matrix product as they are, with no copy.
    """
    T, L, H = len(acts.text), acts.layers, acts.hidden
    found: dict[str, list[Found]] = {name: [] for name in FEATURES}
    if T < MIN_CHARS:
        return found
    feats = np.stack(list(features(acts.text).values()), axis=1).astype(np.float64)
    often = np.array([occurrences(feats[:, f]) >= MIN_OCCURRENCES for f in range(feats.shape[1])])
    feats -= feats.mean(axis=0)
    feat_spread = np.sqrt((feats * feats).mean(axis=0))
    present = (feat_spread > 1e-9) & often
    feats[:, present] /= feat_spread[present]
    feats = feats.astype(np.float32)
    scores = []  # per kind: (features, layers * hidden)
    for kind in kinds:
        units = acts.values[kind].transpose(1, 0, 2).reshape(T, L * H)
        spread = units.std(axis=0, dtype=np.float64)
        r = (feats.T @ units).astype(np.float64) / T
        scores.append(np.where(spread > 1e-9, r / np.maximum(spread, 1e-9), 0.0))
    r = np.stack(scores, axis=1)  # (features, kinds, layers * hidden)
    for f, name in enumerate(FEATURES):
        if not present[f]:
            continue
        flat = np.abs(r[f]).ravel()
        for index in np.argsort(-flat, kind="stable")[:top]:
            kind_index, rest = divmod(int(index), L * H)
            layer, unit = divmod(rest, H)
            found[name].append(Found(name, layer, unit, kinds[kind_index], float(r[f, kind_index, rest])))
    return found


def best(found: dict[str, list[Found]]) -> Found | None:
    """The single strongest unit over all features."""
    hits = [hits[0] for hits in found.values() if hits]
    return max(hits, key=lambda hit: abs(hit.r)) if hits else None
