"""How to read an answer: the reading settings, each declared once for the command line and the app.

Apart from reading.py so that checking a record's settings, or offering them in a form, needs no torch.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal, get_args

from oracle.engine.schema import check_all, setting

StopRule = Literal["sentence", "paragraph", "length"]
WordMode = Literal["corpus", "free"]
STOP_RULES, WORD_MODES = get_args(StopRule), get_args(WordMode)
# How every reading was decoded before these settings existed: free spelling, no heed, one candidate.
BEFORE_WORDS = {"words": "free", "heed": 0.0, "candidates": 1, "guidance": 0.0}
DEFAULT_HEED = 8.0  # whole words, e^8: measured with `python -m bench --only prophecy` (docs/benchmarks.md: "Answers")
# An answer is one sentence of at least DEFAULT_MIN_LENGTH characters, the best of DEFAULT_CANDIDATES drawn
# at DEFAULT_TEMPERATURE. Blind readers (bench/blind_results/round2) rated such answers fluency 2.7 and
# accepted 8 of 48, where 8 candidates at 0.7 to a 60-character minimum got 1.5 and 1 of 48: a short
# sentence chosen from many reads as a reply; a long one drifts into word salad. It costs time: see
# docs/answers.md ("Speed").
DEFAULT_CANDIDATES = 32
DEFAULT_TEMPERATURE = 0.5
DEFAULT_MIN_LENGTH = 15


@dataclass
class SampleSettings:
    """How to read an answer: every field is a user setting, declared once for the CLI and the app."""

    temperature: float = setting(DEFAULT_TEMPERATURE, "temperature", "randomness: near 0 is greedy, 1 samples the model as it is",
                                 low=0, high=100, short="-t")
    top_k: int = setting(0, "top-k", "sample among the k likeliest characters (0: all)", low=0, high=1_000_000)
    top_p: float = setting(1.0, "top-p", "nucleus sampling: keep the likeliest characters up to this mass",
                           low=0, high=1, above_low=True)
    length: int = setting(400, "length", "at most this many characters", low=1, high=1_000_000, short="-n")
    stop: StopRule = setting("sentence", "stop at", "end at a sentence, a paragraph, or only at the length",
                        choices=STOP_RULES)
    min_length: int = setting(DEFAULT_MIN_LENGTH, "min length", "the stop rule waits for at least this many characters",
                              low=0, high=1_000_000)
    words: WordMode = setting("corpus", "words", "corpus: spell only words of the model's corpora; free: any spelling",
                         choices=WORD_MODES)
    heed: float = setting(DEFAULT_HEED, "heed", "speak the question's words whole where the network finds them "
                          "plausible, their chance raised e^heed (0: off); each is spent once used", low=0, high=20)
    candidates: int = setting(DEFAULT_CANDIDATES, "candidates", "answers drawn side by side for each sentence; the best "
                              "by likelihood and use of the question's words is spoken (1: the first draw)", low=1, high=64)
    guidance: float = setting(0.0, "guidance", "lean harder on the question and the voice: each character is drawn "
                              "from asked + g x (asked - unasked) logits (0: off; doubles each step's cost)", low=0, high=10)

    def validate(self) -> SampleSettings:
        check_all(self)
        return self

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_record(cls, recorded: dict) -> SampleSettings:
        """The settings a reading's record names. A record from before a setting existed replays with
        the value that reproduces what it did then (no real-word decoding, no heed, one candidate).
        A record from before ranking (no "candidates") that heeded the question was read with the
        first-letter pull, which is gone: it replays with whole-word heed, and reads differently. A record
        from before guidance existed was read without it."""
        return cls(**{**BEFORE_WORDS, **recorded})
