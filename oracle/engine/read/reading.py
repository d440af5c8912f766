"""Streaming generation: prime with the question once, then one LSTM step per character.

`Reading` is an iterator of characters. Its `settings` may be changed between characters (the
app turns the temperature up while the answer streams); a seed makes the answer repeatable. Every
change a reading sees is recorded with the step it took effect at (`record().changes`), and
`Oracle.ask(..., changes=...)` applies them again at the same steps: replay is exact.

An answer is spoken in rounds (draw.py): `candidates` continuations drawn side by side from the
answer so far (batch.py), each to a sentence end, the best by rank.py spoken; one candidate is the
plain stream, a round per character. With `words="corpus"` a `Speller` (speller.py) keeps each to
the model's words; with `heed` > 0 the question's words are spoken whole where the network finds
them plausible (heed.py). Mid-answer changes take effect at the next round.

The prompt is read in numpy float32 (stepper.py's `prime`), as every answer step is: answering never
imports torch. A record from before that says "prime": "bf16" when its prompt was read in bf16
autocast (on a CPU with native bf16); such a replay reads it the same way, with torch.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from oracle.engine.data import words as wordrule
from oracle.engine.errors import OracleError
from oracle.engine.io.limits import MAX_QUESTION_CHARS
from oracle.engine.model import precision
from oracle.engine.model.config import Weights
from oracle.engine.model.precision import BF16, FLOAT32
from oracle.engine.model.stepper import LSTMStepper, blas_threads, read_threads
from oracle.engine.read.batch import Batch
from oracle.engine.read.draw import Round, can_open  # noqa: F401  (can_open: part of this module's face)
from oracle.engine.read.ending import Ending
from oracle.engine.read.guidance import Guided, unasked
from oracle.engine.read.record import Change, ReadingRecord, SettingsChange, VoiceChange

# The settings live in settings.py (no torch); their names stay this module's too, for its callers.
from oracle.engine.read.settings import (  # noqa: F401
    BEFORE_WORDS,
    DEFAULT_CANDIDATES,
    DEFAULT_HEED,
    STOP_RULES,
    WORD_MODES,
    SampleSettings,
    StopRule,
    WordMode,
)
from oracle.engine.read.speller import Lexicon, Speller
from oracle.engine.read.voices import normalise, row_weights

if TYPE_CHECKING:
    from oracle.engine.store.records import ModelMeta  # the store imports this module: for the checker only


PRIME_LIMIT = 4096  # only the last chars of a huge prompt matter to an LSTM's state


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

    def __init__(self, oracle, prompt: str, settings: SampleSettings | None = None, seed: int | None = None,
                 voice: dict[str, float] | None = None, changes: Sequence[Change] | None = None,
                 prime: str | None = None):
        self.oracle = oracle
        if len(prompt) > MAX_QUESTION_CHARS:
            raise OracleError(f"The question has {len(prompt):,} characters, more than the {MAX_QUESTION_CHARS:,} a question may have: "
                              "ask a shorter one (only its last few thousand characters are read).")
        # How the prompt is read: the oracle's choice for this machine, or what a replayed record says.
        self.prime_precision = prime or oracle.prime_precision
        if self.prime_precision not in (FLOAT32, BF16):
            raise OracleError(f"The recorded prime precision {prime!r} is not {FLOAT32!r} or {BF16!r}.")
        # A voiced model's blend (normalised; None: any voice); set_voice changes it mid-reading.
        self.voice = self._initial_voice = normalise(voice, oracle.voices)
        self._voice_weights = oracle.voice_weights(self.voice)
        self._voice_changed = False
        # Its own copy: changes (a replay's, or the app's while it speaks) never reach the caller's settings
        # or the record it replays.
        self.settings = replace(settings or SampleSettings()).validate()
        replayed = list(changes or ())  # a record's, typed and checked as it was read (ReadingRecord)
        self._schedule = deque(sorted((c for c in replayed if isinstance(c, SettingsChange)), key=lambda c: c.at))
        # Voice changes replay on their own schedule: they take effect where the next step is fed.
        self._voice_schedule = deque(sorted((c for c in replayed if isinstance(c, VoiceChange)), key=lambda c: c.at))
        self._initial = replace(self.settings)  # what the record names; mid-reading changes go in `changes`
        self.changes: list[Change] = []
        self._step = 0  # characters chosen so far, leading whitespace the answer omits included
        self.seed = int(seed) if seed is not None else int(np.random.SeedSequence().entropy) % (2**31)  # type: ignore[arg-type]
        self.rng = np.random.default_rng(self.seed)
        usable, dropped = oracle.vocab.fit_prompt(prompt, oracle.lowercase)
        self.notice = None
        if dropped:
            shown = "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in dropped[:20])
            self.notice = f"Left out {len(dropped)} character(s) this oracle never saw: {shown}"
        usable = usable[-PRIME_LIMIT:]
        if not usable:
            usable = unasked(oracle.vocab.chars)
        self.prompt = usable
        self.text = ""
        self.unshown = ""  # what the model read before the answer's first shown character (the eye re-reads it)
        self._stopped = False
        self._last = ""  # the last character chosen
        self._speller: Speller | None = None  # made when iteration starts: building the lexicon is the worker's job
        if self._wants_words(self._initial) and oracle.words is None:
            self.notice = "; ".join(filter(None, [self.notice, oracle.words_notice]))
        if self.prime_precision == BF16 and not precision.bf16_kernels_work():  # a record from a bf16 machine
            self.prime_precision = FLOAT32
            self._bf16_refused()
        # The question's words to heed, and how the vocabulary spells them (a word it cannot spell: none).
        self.keywords = oracle.words.content_words(self.prompt) if oracle.words is not None else []
        index = {ch: i for i, ch in enumerate(oracle.vocab.chars)}
        self.spellings = [[index[ch] for ch in k] if all(ch in index for ch in k) else [] for k in self.keywords]
        self.enders = np.array([not (wordrule.is_letter(ch) or ch in wordrule.JOINERS) for ch in oracle.vocab.chars])
        self.skipped = 0  # leading characters the answer omitted

    @property
    def last(self) -> str:
        return self._last

    @staticmethod
    def _wants_words(settings: SampleSettings) -> bool:
        return settings.words == "corpus" or settings.heed > 0

    def _make_speller(self, settings: SampleSettings) -> Speller | None:
        if settings.words != "corpus" or self.oracle.lexicon is None:
            return None
        return Speller(self.oracle.lexicon, after=self._last)

    def choose(self, logits: np.ndarray, settings: SampleSettings) -> int:
        return choose(logits, settings, self.rng)

    def _settle(self, active: SampleSettings) -> SampleSettings:
        """The settings for this round: a change made since the last one (by another thread, or due
        now in a replay) takes effect here and is recorded with this step's index."""
        while self._schedule and self._schedule[0].at <= self._step:
            for name, value in self._schedule.popleft().settings.items():
                setattr(self.settings, name, value)
        if self.settings == active:
            return active
        new = replace(self.settings)
        try:
            new.validate()
        except OracleError:
            return active  # a bad value is not taken up (the app's panel never sends one)
        old = active.to_dict()
        self.changes.append(SettingsChange(self._step, {k: v for k, v in new.to_dict().items() if v != old[k]}))
        if self._speller is None:
            self._speller = self._make_speller(new)
        return new

    def stop(self) -> None:
        self._stopped = True

    def set_voice(self, voice: dict[str, float] | None) -> None:
        """Speak on in another blend from the next round; a bad blend raises and changes nothing.
        The change is recorded with its step in `changes`, so a replay makes it at the same place."""
        blend = normalise(voice, self.oracle.voices)
        self._voice_weights = self.oracle.voice_weights(blend)
        self.voice = blend
        self._voice_changed = True

    def __iter__(self):
        oracle = self.oracle
        self._voice_changed, self._initial_voice = False, self.voice  # a change before the first step is the start
        with blas_threads(read_threads()):  # the prompt's products run in numpy's BLAS
            logits, state = self._read_prompt()
        batch: Batch | Guided = Batch.start(oracle.stepper, state, 1, self._voice_weights)  # numpy buffers, one LSTM step per char
        raw = logits  # the asked reading's own logits (guided ones are made from them where guidance is on)
        active = self._initial
        self._speller = self._make_speller(active)
        weights = [1.0] * len(self.keywords)  # each question word's pull, spent once used
        ending = Ending(marked=active.stop != "length")  # holds back what a cut at the length would take back (ending.py)
        with blas_threads(read_threads()):  # the steps' products run in numpy's BLAS
            while not self._stopped and len(self.text) < active.length:
                active = self._settle(active)
                while self._voice_schedule and self._voice_schedule[0].at <= self._step:  # a replay
                    self.set_voice(self._voice_schedule.popleft().voice)
                if self._voice_changed:  # set by another thread (the app) while this one speaks
                    self._voice_changed = False
                    batch.set_voice(self._voice_weights)
                    self.changes.append(VoiceChange(self._step, dict(self.voice or {})))
                batch, logits = self._guide(batch, raw if not isinstance(batch, Guided) else None, active)
                best = Round(self, active, batch, logits, self._speller, weights).run()
                batch, logits, self._speller, weights = best.state, best.logits, best.speller, best.weights
                raw = batch.last[0][0] if isinstance(batch, Guided) else logits
                for char_id, shown in zip(best.ids, best.shown):
                    self._step += 1
                    ch = self._last = oracle.vocab.chars[char_id]
                    if not shown:
                        # A question ending in "?" is mostly followed by a line break in the corpora, so
                        # answers began with a blank line (or a comma going on from the question): the
                        # model still reads it, the answer omits it.
                        self.skipped += 1
                        self.unshown += ch
                    else:
                        self.text += ch
                        yield from ending.take(ch, active.length - len(self.text))
                        if self._stopped:
                            return
                if best.ends_answer:
                    break
        said = self.text[:len(self.text) - len(ending.held)]
        tail = ending.cut(said) if len(self.text) >= active.length and not self._stopped else ending.flush()
        self.text = said + tail
        yield from tail

    def _guide(self, batch, raw: np.ndarray | None, active: SampleSettings):
        """The round's batch and first logits as `active.guidance` asks: guidance switched on starts
        the free twin (guidance.py) on a line break and the characters chosen so far (the last
        PRIME_LIMIT of a long answer: a late switch costs no more than a long question); switched
        off drops it; changed rescales it. (`raw`: the asked logits, where the batch is not guided.)"""
        if active.guidance <= 0:
            return (batch.asked, batch.last[0][0]) if isinstance(batch, Guided) else (batch, raw)
        if not isinstance(batch, Guided):
            with blas_threads(read_threads()):
                read = (unasked(self.oracle.vocab.chars) + self.unshown + self.text)[-PRIME_LIMIT:]
                free_logits, free_state = self.oracle.prime(read, None, FLOAT32)
            free = Batch.start(self.oracle.stepper, free_state, 1, None)
            batch = Guided(batch, free, active.guidance, (np.asarray(raw, np.float32)[None], free_logits[None]))
        batch.scale = active.guidance
        return batch, batch.logits()[0]

    def _read_prompt(self):
        """The prompt through the network once, in the recorded precision where this machine can: a bf16
        prompt whose logits overflow is read again in float32; a bf16 record on a CPU whose kernels refuse
        bf16 is read in float32, and the notice says the replay may differ (rarely: scripts/bf16_replay.py)."""
        oracle = self.oracle
        if self.prime_precision == BF16:
            try:
                logits, state = oracle.prime(self.prompt, self._voice_weights, BF16)
                if np.isfinite(logits).all():
                    return logits, state
            except RuntimeError as err:
                if not precision.is_bf16_refusal(err):
                    raise
                self._bf16_refused()
            self.prime_precision = FLOAT32  # bf16's range ran out, or its kernels refused: read it again
        return oracle.prime(self.prompt, self._voice_weights, FLOAT32)

    def _bf16_refused(self) -> None:
        said = "This answer was first read in bf16, which this CPU cannot run: it is replayed in float32 and may differ in rare characters"
        self.notice = "; ".join(filter(None, [self.notice, said]))

    def record(self) -> ReadingRecord:
        """What it takes to replay this reading exactly (`.to_dict()`: its JSON form)."""
        return ReadingRecord(self.oracle.name, self.seed, replace(self._initial), tuple(self.changes),
                             # the blend it began in (later ones are in changes); none: any voice
                             dict(self._initial_voice) if self._initial_voice else None,
                             # no "prime" (older records too): the prompt was read in float32
                             "bf16" if self.prime_precision == BF16 else None)


class Oracle:
    """A loaded model ready to answer: its weights laid out for numpy, vocabulary, casing, word list."""

    def __init__(self, name: str, net, vocab, lowercase: bool, meta: ModelMeta | None = None, words=None,
                 words_notice: str | None = None, voices: Sequence[str] | None = None):
        """`net`: the model's `Weights` (numpy arrays, as `store.load` reads them) or a torch CharLSTM
        (a model being trained); `meta`: its meta.json (None for a model being trained); `voices`:
        a voiced net's voice names when there is no `meta` to name them (benchmarks, tests)."""
        self.name = name
        self.weights = net if isinstance(net, Weights) else Weights.from_net(net)
        self._net = None if isinstance(net, Weights) else net.eval()
        self.config = self.weights.config
        self.vocab = vocab
        self.lowercase = lowercase
        self.meta = meta
        self.stepper = LSTMStepper(self.config, self.weights.arrays)
        self.prime_precision = FLOAT32  # how new readings read the prompt (records of old bf16 ones still replay)
        self.words = words  # its WordList (words.py), or None: it spells freely and heeds nothing
        self.words_notice = words_notice or "This oracle has no word list, so it spells freely and does not heed the question's words"
        self._lexicon: Lexicon | None = None
        # The names of a voiced model's voices, in voice-table order (row k + 1 is voices[k]).
        named = list(voices) if voices is not None else meta.voice_names if meta is not None else []
        self.voices = named if self.config.voices else []

    @property
    def net(self):
        """The torch CharLSTM (eye, training, tests), built from the weights on first use: imports torch."""
        if self._net is None:
            from oracle.engine.model.network import from_arrays

            self._net = from_arrays(self.config, self.weights.arrays)
        return self._net

    @property
    def lexicon(self) -> Lexicon | None:
        """The word list laid out for decoding, on first use: read from ORACLE_HOME/cache, else built
        (0.3-0.5 s for the shipped default) and kept there."""
        if self._lexicon is None and self.words is not None:
            from oracle.engine.read import lexicon_cache

            words_sha = self.meta.words.sha256 if self.meta is not None and self.meta.words is not None else None
            self._lexicon = lexicon_cache.lexicon(self.words.counts, self.vocab, words_sha)  # kept on disk between runs
        return self._lexicon

    def voice_weights(self, blend: dict[str, float] | None) -> np.ndarray | None:
        """A normalised blend as weights over the voice table (None for an unvoiced model)."""
        if not self.config.voices:
            return None
        return row_weights(blend, self.voices, self.config.voices + 1)

    def prime(self, text: str, voice: np.ndarray | None = None,
              read_in: str | None = None) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]:
        """Read the prompt once (in `voice`, blend weights over the voice table; None: any voice);
        return the last logits and (h, c), each (layers, 1, hidden), in float32. `read_in` float32 reads
        it in numpy; bf16 (an old record's) in torch's bf16 autocast, as that record was read."""
        ids = self.vocab.encode(text)
        if (read_in or self.prime_precision) != BF16:
            return self.stepper.prime(ids, voice)
        import torch

        weights = None if voice is None else torch.from_numpy(np.asarray(voice, dtype=np.float32))
        with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16):
            logits, (h, c) = self.net(torch.from_numpy(ids.astype(np.int64))[None], last_only=True, voice=weights)
        return logits[0].float().numpy(), (h.float().numpy(), c.float().numpy())

    def ask(self, prompt: str, settings: SampleSettings | None = None, seed: int | None = None,
            voice: dict[str, float] | None = None, changes: Sequence[Change] | None = None,
            prime: str | None = None) -> Reading:
        """`changes`: a record's mid-reading changes, to replay them at the steps they happened;
        `prime`: a record's prime precision (float32 or bf16; None: this machine's choice)."""
        return Reading(self, prompt, settings, seed, voice, changes, prime)
