"""One round of a reading: candidates drawn side by side from one state, the best one kept.

A ranked reading speaks in rounds. Each round draws `candidates` continuations of the answer so far
in one batched pass (batch.py), each with its own speller (real words) and its own question words
left to heed, until each ends a sentence (at least ROUND_MIN characters into the round), ends the
answer by the stop rule or its length, or runs to ROUND_CAP characters; once half of them have
ended, the others are cut and count as unfinished. rank.py scores them; the
reading speaks the winner and starts the next round from its state. With one candidate nothing is
ranked and a round ends as soon as no question word is being weighed: the plain stream, character
by character (word by word while heed weighs one). Settings changed mid-answer take effect at the
next round.

Heed (heed.py) weighs a question word at a candidate's word start with a *shadow*: a copy of the
candidate's state that is fed the word's letters, one a step, in the same batched product as the
candidates (8 candidates and their shadows cost little more than the 8: a separate lookahead
tripled the time). The candidate draws on meanwhile; when the shadow has read the word and a word
ender, its chance (the network's own probability of the whole word there, raised by e^heed,
capped) is drawn, and if it comes up the candidate goes back to that word start and takes the
shadow's state: the word spoken whole. Drawn then or at the word start, the chance is the same.

Every draw comes from the reading's one seeded generator in a fixed order (candidate by
candidate, step by step), so the seed, the settings and the question give the same answer again.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from oracle.engine.data import words as wordrule
from oracle.engine.read import heed as heeding
from oracle.engine.read import rank
from oracle.engine.read.batch import Batch
from oracle.engine.read.speller import Speller

ROUND_MIN = 60  # a candidate's round ends at its first sentence end after this many characters ...
ROUND_CAP = 240  # ... and at this many in any case (a candidate cut here counts as unfinished)
QUORUM = 0.5  # the round ends when this share of its candidates have ended: the rest are cut (unfinished)
LEADING_SPACE_LIMIT = 40  # whitespace and stray punctuation an answer may swallow before it starts
SENTENCE_END = ".!?"
_OPENERS = "\"“‘(["  # punctuation that may open an answer: it opens something that follows


def can_open(ch: str) -> bool:
    """Whether an answer may start with `ch`: a letter or digit, or an opening quote or bracket,
    never a space or the tail of the model's last sentence (", when he ...")."""
    return ch.isalnum() or ch in _OPENERS


def ends_here(text: str, settings) -> bool:
    """Whether the stop rule ends an answer that so far says `text`."""
    if settings.stop == "length" or len(text) < settings.min_length:
        return False
    if settings.stop == "paragraph":
        return text.endswith("\n\n")
    return text[-1] in SENTENCE_END or text.endswith("\n\n")


@dataclass
class Candidate:
    """One continuation: what it chose, and where it leaves the speller and the question words."""

    speller: Speller | None
    weights: list[float]  # each question word's pull still unspent (0: used)
    word: str = ""  # the word being spelled, lowercased (to notice a question word used unpulled)
    ids: list[int] = field(default_factory=list)  # every character chosen this round
    shown: list[bool] = field(default_factory=list)  # ... and whether the answer shows it
    logps: list[float] = field(default_factory=list)  # each shown character's log-likelihood under the network
    text: str = ""  # the shown characters
    word_ends: bool = False  # a question word was just spoken whole: the next character ends it
    done: bool = False
    finished: bool = True  # ended a sentence or the answer (not cut by ROUND_CAP)
    ends_answer: bool = False
    state: Batch | None = None  # its state after its last character, and the logits there
    logits: np.ndarray | None = None


@dataclass
class Shadow:
    """A question word being weighed at one of a candidate's word starts."""

    owner: int  # the candidate
    word: int  # which question word
    at: int  # the candidate's len(ids) at the word start
    speller: Speller | None  # the candidate's speller, fed the letters so far
    weights: list[float]  # ... its question words' pulls there
    logp: float  # log P(the letters fed so far), as the candidate would draw them (temperature, real words)
    raw: list[float]  # each letter's log-likelihood under the network (for the ranking)
    fed: int = 0  # letters fed so far


class Round:
    def __init__(self, reading, settings, batch: Batch, logits: np.ndarray, speller: Speller | None,
                 weights: list[float]):
        self.r, self.s = reading, settings
        n = settings.candidates
        self.single = n == 1
        if self.single:  # the plain stream: nothing to copy, the one candidate goes on as the reading
            self.rows = [Candidate(speller, weights)]
        else:
            self.rows = [Candidate(speller.clone() if speller else None, list(weights)) for _ in range(n)]
            batch = batch.take(np.zeros(n, dtype=np.int64))
        self.batch, self.logits = batch, np.repeat(np.asarray(logits)[None], n, axis=0)
        self.live = list(range(n))  # the batch's first columns: the candidates still drawing
        self.shadows: list[Shadow] = []  # the batch's other columns, in this order
        self.heed = settings.heed if reading.keywords else 0.0
        self.T = max(settings.temperature, 1e-3)

    def run(self) -> Candidate:
        quorum = max(1, int(np.ceil(QUORUM * len(self.rows))))
        while self.live:
            self._step()
            if self.single and not self.shadows:
                break  # nothing being weighed: what was drawn stands, and the reading may speak it
            if not self.single and len(self.rows) - len(self.live) >= quorum:
                self._cut()  # waiting for the longest would double the time to the first character
        if self.single:
            c = self.rows[0]
            if c.state is None:
                c.state, c.logits = self.batch.take([0]) if len(self.batch) > 1 else self.batch, self.logits[0]
            return c
        r, keywords = self.r, self.r.keywords
        scores = [rank.score(c.text, sum(c.logps) / max(1, len(c.logps)), keywords, r.text, c.finished) for c in self.rows]
        return self.rows[int(np.argmax(scores))]

    def _cut(self) -> None:
        for col, i in enumerate(self.live):
            c = self.rows[i]
            c.done, c.finished = True, False
            c.state, c.logits = self.batch.take([col]), self.logits[col].copy()
        self.live, self.shadows = [], []

    # ---- one character for every live candidate, one letter for every shadow ---------------

    def _step(self) -> None:
        chars = self.r.oracle.vocab.chars
        n_live = len(self.live)
        raw = self.logits
        words_on = self.s.words == "corpus"
        lsm = heeding.log_softmax(raw[:n_live].astype(np.float64))
        born: list[tuple[int, Shadow]] = []  # (candidate column, new shadow)
        ids = np.empty(n_live + len(self.shadows), dtype=np.int64)
        rows = [self.rows[i] for i in self.live]
        shaped = np.array([c.speller.adjust(raw[col], words_on) if c.speller is not None else raw[col]
                           for col, c in enumerate(rows)])
        starts = [bool(self.heed) and self._at_word_start(c) for c in rows]
        drawn = self._words_end(rows, shaped, raw)  # what each candidate draws from
        probs = self._probabilities(drawn)
        for col, c in enumerate(rows):
            if starts[col]:
                born += [(col, sh) for sh in self._weigh(c, self.live[col], shaped[col], lsm[col],
                                                         None if probs is None else probs[col])]
        ids[:n_live] = self._choose_all(drawn, probs)
        for col, c in enumerate(rows):
            self._take(c, int(ids[col]), chars, float(lsm[col, ids[col]]))
        for k, sh in enumerate(self.shadows):
            ids[n_live + k] = self.r.spellings[sh.word][sh.fed]
        if born:
            self.batch = self.batch.take(np.concatenate([np.arange(len(self.batch)), [col for col, _ in born]]))
            ids = np.concatenate([ids, [self.r.spellings[sh.word][0] for _, sh in born]])
            self.shadows += [sh for _, sh in born]
        self.logits = self.batch.advance(ids)
        kept, fired = self._read_shadows(n_live)
        self._arrange(n_live, kept, fired)

    def _weigh(self, c: Candidate, i: int, shaped: np.ndarray, lsm: np.ndarray, p: np.ndarray | None) -> list[Shadow]:
        """Shadows for the question words worth weighing at this word start (`p`: the candidate's
        probabilities at the temperature, where _probabilities made them)."""
        if p is None:
            z = shaped.astype(np.float64) / self.T
            p = np.exp(z - z.max())
            p /= p.sum()
        out = []
        for j, spelling in enumerate(self.r.spellings):
            w = c.weights[j]
            if spelling and w > 0 and p[spelling[0]] * np.exp(self.heed) * w > heeding.PULL_FLOOR:
                speller = c.speller.clone() if c.speller is not None else None
                if speller is not None:
                    speller.feed(spelling[0])
                out.append(Shadow(i, j, len(c.ids), speller, list(c.weights), float(np.log(p[spelling[0]])),
                                  [float(lsm[spelling[0]])]))
        return out

    def _read_shadows(self, n_live: int) -> tuple[list[int], list[tuple[int, Shadow]]]:
        """Each shadow reads the probability of its next letter (after the last, of a word ender);
        one that can no longer matter is dropped; one whose word is complete draws its chance.
        Returns the indices of the shadows that go on, and those that came up with their columns."""
        floor = np.log(heeding.PULL_FLOOR)
        words_on = self.s.words == "corpus"
        kept, fired = [], []
        for k, sh in enumerate(self.shadows):
            c = self.rows[sh.owner]
            if c.done:
                continue  # its candidate has ended the round: too late to go back
            spelling = self.r.spellings[sh.word]
            z = self.logits[n_live + k]
            # As the candidate would draw it: among real words when it spells them.
            shaped = sh.speller.adjust(z, words_on) if sh.speller is not None else z
            t = heeding.log_softmax(shaped.astype(np.float64) / self.T)
            sh.fed += 1
            if sh.fed < len(spelling):
                sh.logp += float(t[spelling[sh.fed]])
                sh.raw.append(float(heeding.log_softmax(z.astype(np.float64))[spelling[sh.fed]]))
                if sh.speller is not None:
                    sh.speller.feed(spelling[sh.fed])
                if sh.logp + self.heed + np.log(sh.weights[sh.word]) > floor:
                    kept.append(k)
                continue
            sh.logp += float(np.log(max(np.exp(t[self.r.enders]).sum(), 1e-300)))
            chance = float(heeding.chances(np.array([sh.logp]), self.heed, [sh.weights[sh.word]])[0])
            if chance > heeding.PULL_FLOOR and self.r.rng.random() < chance:
                fired.append((n_live + k, sh))
                c.done = True  # for this step: its other shadows are void (it goes back below)
        return kept, fired

    def _arrange(self, n_live: int, kept: list[int], fired: list[tuple[int, Shadow]]) -> None:
        """Send the candidates whose word came up back to their word start, onto the shadow's state;
        set aside the candidates that are done (their state kept); the batch's columns are then the
        live candidates and the shadows that go on."""
        chars = self.r.oracle.vocab.chars
        columns = list(range(n_live))  # each live candidate's column now
        for col, sh in fired:
            c = self.rows[sh.owner]
            columns[self.live.index(sh.owner)] = col
            del c.ids[sh.at:], c.shown[sh.at:]
            c.logps = c.logps[:sum(c.shown)]
            c.text = "".join(chars[i] for i, shown in zip(c.ids, c.shown) if shown)
            c.speller, c.weights, c.word = sh.speller, sh.weights, ""
            c.weights[sh.word] = 0.0  # spoken once, its pull is spent
            c.done, c.finished, c.ends_answer = False, True, False
            for letter, logp in zip(self.r.spellings[sh.word], sh.raw):
                self._take(c, letter, chars, logp, fed=True)  # the shadow's speller has read them
            c.word_ends = not c.done
        kept = [k for k in kept if not self.rows[self.shadows[k].owner].done
                and all(sh.owner != self.shadows[k].owner for _, sh in fired)]
        for k, i in enumerate(self.live):
            c = self.rows[i]
            if c.done:
                if len(self.batch) == 1:
                    c.state, c.logits = self.batch, self.logits[0]
                else:
                    c.state, c.logits = self.batch.take([columns[k]]), self.logits[columns[k]].copy()
        still = [k for k, i in enumerate(self.live) if not self.rows[i].done]
        order = [columns[k] for k in still] + [n_live + k for k in kept]
        if order != list(range(len(self.batch))):
            self.batch, self.logits = self.batch.take(order), self.logits[order]
        self.live = [self.live[k] for k in still]
        self.shadows = [self.shadows[k] for k in kept]

    def _at_word_start(self, c: Candidate) -> bool:
        last = self.r.oracle.vocab.chars[c.ids[-1]] if c.ids else self.r.last
        return not c.word_ends and not (last and (wordrule.is_letter(last) or last in wordrule.JOINERS))

    def _words_end(self, rows: list[Candidate], shaped: np.ndarray, raw: np.ndarray) -> np.ndarray:
        """The logits each candidate draws from (`shaped`, changed in place): a question word spoken
        whole ends with a word ender."""
        for col, c in enumerate(rows):
            if c.word_ends:
                c.word_ends = False
                ended = np.where(self.r.enders, shaped[col], -np.inf)
                shaped[col] = ended if np.isfinite(ended).any() else raw[col]
        return shaped

    def _probabilities(self, drawn: np.ndarray) -> np.ndarray | None:
        """Each candidate's probabilities at the temperature, all in one pass: row by row the same
        numbers reading.choose makes (tests/test_answers.py checks it). None where top-k, top-p or a
        near-zero temperature make choose draw otherwise."""
        s = self.s
        if s.temperature < 1e-3 or 0 < s.top_k < drawn.shape[1] or s.top_k == 1 or s.top_p < 1.0:
            return None
        z = drawn.astype(np.float64) / s.temperature
        p = np.exp(z - z.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        return p

    def _choose_all(self, drawn: np.ndarray, probs: np.ndarray | None) -> np.ndarray:
        """One character for each candidate, drawn in column order from the reading's generator: one
        uniform draw each against its cumulative probabilities, as reading.choose draws. Drawing them
        together took a 60-character default answer from 150-163 to 130-136 ms of CPU (alternated runs)."""
        if probs is None:
            return np.array([self.r.choose(row, self.s) for row in drawn], dtype=np.int64)
        cdf = np.cumsum(probs, axis=1)
        u = self.r.rng.random(len(cdf)) * cdf[:, -1]
        return np.minimum((cdf <= u[:, None]).sum(axis=1), cdf.shape[1] - 1)

    def _take(self, c: Candidate, char_id: int, chars: str, logp: float, fed: bool = False) -> None:
        """Add a chosen character to a candidate; mark it done where its round ends. (`fed`: the
        speller has read it already.)"""
        r, s = self.r, self.s
        if c.speller is not None and not fed:
            c.speller.feed(char_id)
        ch = chars[char_id]
        c.ids.append(char_id)
        if wordrule.is_letter(ch) or (ch in wordrule.JOINERS and c.word):
            c.word += ch.lower()
        elif c.word:
            said = c.word.rstrip(wordrule.JOINERS)
            for j, k in enumerate(r.keywords):
                if c.weights[j] and wordrule.uses(said, k):
                    c.weights[j] = 0.0  # used unpulled: spent too
            c.word = ""
        before = r.text
        if not before and not c.text and not can_open(ch) and r.skipped + len(c.ids) - 1 < LEADING_SPACE_LIMIT:
            c.shown.append(False)
            return
        c.shown.append(True)
        c.text += ch
        c.logps.append(logp)
        if len(before) + len(c.text) >= s.length or ends_here(before + c.text, s):
            c.done = c.ends_answer = True
        elif self.single:
            return
        elif len(c.text) >= ROUND_MIN and (ch in SENTENCE_END or c.text.endswith("\n\n")):
            c.done = True
        elif len(c.ids) >= ROUND_CAP:
            c.done, c.finished = True, False
