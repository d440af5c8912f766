"""How likely the network finds a text after another: the measure guidance amplifies.

`question_gain` is log P(answer | question) - log P(answer | nothing asked) per character, the
mutual information of Li et al. 2016: what reading the question added to the answer. Used by the
guidance benchmark and its tests; numpy alone, like every answer step.
"""

from __future__ import annotations

import numpy as np

from oracle.engine.read.guidance import unasked


def mean_logp(oracle, read: str, text: str) -> float:
    """Mean log-likelihood per character of `text` (in the vocabulary) under the network, after it read `read`."""
    logits, state = oracle.prime(read, None, "float32")
    cursor, total = oracle.stepper.cursor(state), 0.0
    for i in oracle.vocab.encode(text).tolist():
        z = logits.astype(np.float64)
        total += z[i] - z.max() - np.log(np.exp(z - z.max()).sum())
        logits = cursor.advance(i)
    return total / max(1, len(text))


def question_gain(oracle, reading) -> float:
    """What the question a finished reading read added to the likelihood of the answer it showed. Both
    sides read what the answer left unshown first (the line break after a question), as the reading did."""
    before = reading.unshown
    return (mean_logp(oracle, reading.prompt + before, reading.text)
            - mean_logp(oracle, unasked(oracle.vocab.chars) + before, reading.text))
