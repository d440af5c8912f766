"""Classifier-free guidance: the answer drawn from logits(x | asked) + g * (logits(x | asked) - logits(x | free)).

"Asked" is the reading as it is: the question read, in the chosen voice. "Free" is a twin that read
nothing in particular (a line break, as an empty question is read) in any voice, and has since been
fed every character the answer chose. Where the question or the voice moves the network, guidance
amplifies the move (Sanchez et al. 2023, "Stay on topic with Classifier-Free Guidance"); where it
does not, it changes nothing. A voiced model is trained with an any-voice share (the unconditional
voice), so guidance makes a voice lean to its corpus even on a model trained for minutes.

`Guided` steps the two as one batch to the ranked draw (draw.py): every column of the asked batch has
its free twin in the same column of the other, so taking, cutting and advancing columns keeps them
paired. It keeps each column's last pair of logits too, so a guidance changed between rounds
applies to the next character, not one later. Stepping the twin doubles the cost of a step.
"""

from __future__ import annotations

import numpy as np

from oracle.engine.read.batch import Batch


def unasked(chars: str) -> str:
    """What an empty question is read as, and what the free twin reads before the answer: a line break
    (the first character of the vocabulary where it has none)."""
    return "\n" if "\n" in chars else chars[0]


def guide(asked: np.ndarray, free: np.ndarray, scale: float) -> np.ndarray:
    return asked + scale * (asked - free)


class Guided:
    def __init__(self, asked: Batch, free: Batch, scale: float, last: tuple[np.ndarray, np.ndarray]):
        self.asked, self.free, self.scale = asked, free, scale
        self.last = last  # each column's last logits, asked and free: (N, vocab) each

    @classmethod
    def start(cls, stepper, asked_state, asked_logits: np.ndarray, free_state, free_logits: np.ndarray,
              voice: np.ndarray | None, scale: float) -> Guided:
        """Both readings as one-column batches ((h, c) as the stepper's prime returns them)."""
        return cls(Batch.start(stepper, asked_state, 1, voice), Batch.start(stepper, free_state, 1, None), scale,
                   (np.asarray(asked_logits, np.float32)[None], np.asarray(free_logits, np.float32)[None]))

    def logits(self) -> np.ndarray:
        """The guided logits of the last step, one row per column, at the present scale."""
        return guide(self.last[0], self.last[1], self.scale)

    def __len__(self) -> int:
        return len(self.asked)

    def take(self, columns) -> Guided:
        return Guided(self.asked.take(columns), self.free.take(columns), self.scale,
                      (self.last[0][columns], self.last[1][columns]))

    def set_voice(self, voice: np.ndarray | None) -> None:
        self.asked.set_voice(voice)  # the free twin reads in any voice throughout

    def state(self, column: int) -> tuple[np.ndarray, np.ndarray]:
        return self.asked.state(column)

    def advance(self, ids) -> np.ndarray:
        self.last = (self.asked.advance(ids), self.free.advance(ids))
        return self.logits()
