"""Heeding the question on whole words: at a word start, a question word may be spoken whole.

At each word start of each candidate, for each of the question's content words not yet used, the
network's own probability of spelling that word whole there (its letters, then a character that
ends a word, each as the answer would draw it: at its temperature, among real words) is found by
stepping a copy of the state through the letters (draw.py's shadows, each dropped as soon as its
bound falls under PULL_FLOOR). That probability is raised by e^heed and capped at CAP; with that
chance the word is spoken whole, else the answer goes on as drawn.
A word is pulled only where the network already finds it plausible, so "rain" comes where a noun
fits, never a bare "r" that the network then finishes as "righteous": the first-letter pull this
replaces made 43% of answer words begin with a question word's letter (heed off: 12%). A word's
pull is spent once the answer uses it (an inflection counts: "raineth" uses "rain").

Measured on the shipped default, 24 unseen questions (issue #25, README "Answers"): e^6 names a
question word whole in 71-75% of first draws, e^8 in 88-92%, alliteration 15-17%.
"""

from __future__ import annotations

import numpy as np

CAP = 0.9  # the most a pull may take of a word start: the network keeps a say
PULL_FLOOR = 0.01  # a pull smaller than this is not worth its lookahead


def log_softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


def chances(logp: np.ndarray, heed: float, weights: list[float]) -> np.ndarray:
    """Each word's chance of being spoken whole: its probability (log) raised by e^heed, capped."""
    return np.minimum(CAP, np.exp(np.asarray(logp) + heed) * np.asarray(weights))
