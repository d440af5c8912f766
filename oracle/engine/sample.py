"""Streaming generation: prime with the question once, then one LSTM step per character.

`Reading` is an iterator of characters. Its `settings` may be changed between characters (the
app turns the temperature up while the answer streams); a seed makes the answer repeatable.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import torch

from .errors import OracleError
from .schema import check_all, setting
from .stream import LSTMStepper, blas_threads

LEADING_SPACE_LIMIT = 40  # whitespace and stray punctuation an answer may swallow before it starts
_OPENERS = "\"“‘(["  # punctuation that may open an answer: it opens something that follows


def can_open(ch: str) -> bool:
    """Whether an answer may start with `ch`: a letter or digit, or an opening quote or bracket,
    never a space or the tail of the model's last sentence (", when he ...")."""
    return ch.isalnum() or ch in _OPENERS
PRIME_LIMIT = 4096  # only the last chars of a huge prompt matter to an LSTM's state
STOP_RULES = ("sentence", "paragraph", "length")
_SENTENCE_END = ".!?"


@dataclass
class SampleSettings:
    """How to read an answer: every field is a user setting, declared once for the CLI and the app."""

    temperature: float = setting(0.7, "temperature", "randomness: near 0 is greedy, 1 samples the model as it is",
                                 low=0, high=100, short="-t")
    top_k: int = setting(0, "top-k", "sample among the k likeliest characters (0: all)", low=0, high=1_000_000)
    top_p: float = setting(1.0, "top-p", "nucleus sampling: keep the likeliest characters up to this mass",
                           low=0, high=1, above_low=True)
    length: int = setting(400, "length", "at most this many characters", low=1, high=1_000_000, short="-n")
    stop: str = setting("sentence", "stop at", "end at a sentence, a paragraph, or only at the length",
                        choices=STOP_RULES)
    min_length: int = setting(60, "min length", "the stop rule waits for at least this many characters",
                              low=0, high=1_000_000)

    def validate(self) -> "SampleSettings":
        check_all(self)
        return self

    def to_dict(self) -> dict:
        return asdict(self)


def choose(logits: np.ndarray, settings: SampleSettings, rng: np.random.Generator) -> int:
    """Pick the next character id from raw logits under the current settings."""
    if settings.temperature < 1e-3 or settings.top_k == 1:
        return int(np.argmax(logits))
    z = logits.astype(np.float64) / settings.temperature
    if 0 < settings.top_k < len(z):
        cutoff = np.partition(z, -settings.top_k)[-settings.top_k]
        z = np.where(z >= cutoff, z, -np.inf)
    probs = np.exp(z - z.max())
    probs /= probs.sum()
    if settings.top_p < 1.0:
        order = np.argsort(-probs)
        keep = np.cumsum(probs[order]) - probs[order] < settings.top_p  # always keeps the top one
        mask = np.zeros_like(probs, dtype=bool)
        mask[order[keep]] = True
        probs = np.where(mask, probs, 0.0)
        probs /= probs.sum()
    # One uniform draw against the cumulative sum: the same draw rng.choice(p=probs) makes, without
    # its per-call validation (tens of µs, a large share of a streamed character's cost).
    cdf = np.cumsum(probs)
    return int(min(np.searchsorted(cdf, rng.random() * cdf[-1], side="right"), len(cdf) - 1))


class Reading:
    """One answer, generated lazily. Iterate for characters; `notice` says what the prompt lost."""

    def __init__(self, oracle, prompt: str, settings: SampleSettings | None = None, seed: int | None = None):
        self.oracle = oracle
        self.settings = (settings or SampleSettings()).validate()
        self.seed = int(seed) if seed is not None else int(np.random.SeedSequence().entropy % (2**31))
        self.rng = np.random.default_rng(self.seed)
        usable, dropped = oracle.vocab.fit_prompt(prompt, oracle.lowercase)
        self.notice = None
        if dropped:
            shown = "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in dropped[:20])
            self.notice = f"Left out {len(dropped)} character(s) this oracle never saw: {shown}"
        usable = usable[-PRIME_LIMIT:]
        if not usable:
            usable = "\n" if "\n" in oracle.vocab.chars else oracle.vocab.chars[0]
        self.prompt = usable
        self.text = ""
        self._stopped = False

    def stop(self) -> None:
        self._stopped = True

    def __iter__(self):
        oracle, vocab = self.oracle, self.oracle.vocab
        logits, state = oracle.prime(self.prompt)
        cursor = oracle.stepper.cursor(state)  # the fast path: numpy buffers, one LSTM step per char
        with blas_threads(torch.get_num_threads()):  # the steps' products run in numpy's BLAS
            skipped = 0
            while not self._stopped and len(self.text) < self.settings.length:
                char_id = choose(logits, self.settings, self.rng)
                ch = vocab.chars[char_id]
                if not self.text and not can_open(ch) and skipped < LEADING_SPACE_LIMIT:
                    # A question ending in "?" is mostly followed by a line break in the corpora, so
                    # answers began with a blank line (or a comma going on from the question): the
                    # model still reads it, the answer omits it.
                    skipped += 1
                else:
                    self.text += ch
                    yield ch
                    if self._ends_here():
                        break
                logits = cursor.advance(char_id)

    def _ends_here(self) -> bool:
        s = self.settings
        if s.stop == "length" or len(self.text) < s.min_length:
            return False
        if s.stop == "paragraph":
            return self.text.endswith("\n\n")
        return self.text[-1] in _SENTENCE_END or self.text.endswith("\n\n")

    def record(self) -> dict:
        """What it takes to replay this reading exactly."""
        return {"model": self.oracle.name, "seed": self.seed, "settings": self.settings.to_dict()}


class Oracle:
    """A loaded model ready to answer: network, vocabulary, casing and a fast stepper."""

    def __init__(self, name: str, net, vocab, lowercase: bool, meta: dict | None = None):
        self.name = name
        self.net = net.eval()
        self.vocab = vocab
        self.lowercase = lowercase
        self.meta = meta or {}
        self.stepper = LSTMStepper(net)

    @torch.inference_mode()
    def prime(self, text: str) -> tuple[np.ndarray, tuple[torch.Tensor, torch.Tensor]]:
        """Feed the prompt once through the full-sequence LSTM; return the last logits and (h, c)."""
        ids = torch.from_numpy(self.vocab.encode(text).astype(np.int64))[None]
        logits, state = self.net(ids, last_only=True)
        return logits[0].float().numpy(), state

    def ask(self, prompt: str, settings: SampleSettings | None = None, seed: int | None = None) -> Reading:
        return Reading(self, prompt, settings, seed)
