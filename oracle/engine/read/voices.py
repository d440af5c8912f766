"""Voices: which learned source vectors a reading speaks with, and in what proportions.

A voiced model (trained on two or more sources) names its voices after its sources, in
its metadata (`ModelMeta.voices`); row k of the model's voice table (k = 1..n) is the k-th name, row 0 the
"any voice" vector. A blend is {name: weight}; weights are normalised to sum to 1. No blend (None
or empty) means "any voice".
"""

from __future__ import annotations

import math

import numpy as np

from oracle.engine.errors import OracleError


def parse_blend(text: str) -> dict[str, float]:
    """'kjv:0.7,devils-dictionary:0.3' -> {'kjv': 0.7, 'devils-dictionary': 0.3}; a bare name weighs 1."""
    blend: dict[str, float] = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        name, sep, tail = part.rpartition(":")
        if not sep:
            name, weight = part, 1.0
        else:
            try:
                weight = float(tail)
            except ValueError:
                raise OracleError(f"Voice weight {tail!r} in {part!r} is not a number: write NAME:WEIGHT, e.g. kjv:0.7.") from None
        name = name.strip()
        if not name:
            raise OracleError(f"Voice {part!r} has no name: write NAME:WEIGHT, e.g. kjv:0.7.")
        blend[name] = blend.get(name, 0.0) + weight
    if not blend:
        raise OracleError(f"Voice {text!r} names no voice: write NAME:WEIGHT pairs separated by commas, e.g. kjv:0.7,jargon:0.3.")
    return blend


def format_blend(blend: dict[str, float] | None) -> str:
    """The blend as people read it (and as parse_blend reads it back): 'kjv 0.70 · jargon 0.30'."""
    if not blend:
        return "any voice"
    return " · ".join(f"{name} {weight:.2f}" for name, weight in blend.items())


def normalise(blend: dict[str, float] | None, names: list[str]) -> dict[str, float] | None:
    """Check a blend against a model's voices; return it with weights summing to 1 (None: any voice)."""
    if not blend:
        return None
    if not isinstance(blend, dict):  # e.g. from a damaged conversation file being replayed
        raise OracleError(f"The voice {blend!r} is not a blend of named voices with weights.")
    if not names:
        raise OracleError("This oracle has no voices (it was trained on a single source, or without voices): ask it without a voice.")
    listed = ", ".join(names)
    for name, weight in blend.items():
        if not isinstance(name, str) or name not in names:
            raise OracleError(f"Unknown voice {name!r}: this oracle's voices are {listed}.")
        if not isinstance(weight, (int, float)) or isinstance(weight, bool) or not math.isfinite(weight) or weight < 0:
            raise OracleError(f"Voice weight {weight!r} for {name!r} must be a number of at least 0.")
    total = float(sum(blend.values()))
    if total <= 0:
        raise OracleError(f"The voice weights add up to 0: give at least one of {listed} a weight above 0.")
    return {name: blend[name] / total for name in names if blend.get(name, 0) > 0}


def row_weights(blend: dict[str, float] | None, names: list[str], rows: int) -> np.ndarray:
    """Weights over a voice table of `rows` rows (row 0: any voice) for a normalised blend."""
    weights = np.zeros(rows, dtype=np.float32)
    if not blend:
        weights[0] = 1.0
        return weights
    for name, weight in blend.items():
        weights[1 + names.index(name)] = weight
    return weights


def voice_names(corpora_names: list[str]) -> list[str]:
    """One distinct name per source (a second 'notes' becomes 'notes-2'), in source order."""
    seen: set[str] = set()
    names = []
    for name in corpora_names:
        unique, n = name, 2
        while unique in seen:
            unique, n = f"{name}-{n}", n + 1
        seen.add(unique)
        names.append(unique)
    return names
