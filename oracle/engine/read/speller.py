"""Real-word decoding and heeding the question, one character at a time, at a small fixed cost.

`Lexicon` lays a word list out for one vocabulary once (per loaded model): a trie numbered
breadth-first, with per node a packed bit mask (numpy) of the characters that continue a known
word and a flag saying whether a known word ends there. `Speller` follows one answer through it:

- outside a word, any character may come, but a letter only if some known word starts with it;
- inside a word, only a character that keeps it a prefix of a known word, and a character that
  ends the word (space, punctuation, digit) only where a known word is complete;
- an apostrophe or hyphen after a complete word may also be punctuation ("the lords'", "him -"),
  so after one the word may end or go on ("lord's"); a letter right after it would join the word
  ("her's"), so it must continue a known word: exactly as the word rule splits text.

Each step costs a dict lookup and one vector add: the allowed characters of a node are cached as
an additive bias (0 or -inf per character), made once from the node's mask when first visited.

Heeding: the question's content words get `heed` added to the logit of their next letter while
the answer could still be spelling them (at a word start their first letter). Each time the answer
uses one (its stem counts: "raineth" uses "rain"), its bonus is multiplied by DECAY, so an answer
names the question's things without looping on them. A pull the model keeps turning aside is
spent too: a word that followed a keyword for three letters or more and then became another word
("foretell" -> "forest", "forth") multiplies its bonus by MISS; without that, such near misses
looped ("for forethought forth for forest").
"""

from __future__ import annotations

import numpy as np

from oracle.engine.data import words as wordrule
from oracle.engine.data.vocab import Vocabulary

OUT, IN, AFTER_JOINER, UNKNOWN = range(4)  # where the answer stands relative to a word
DECAY = 0.2  # a keyword's bonus is multiplied by this after each use (measured: bench/prophecy.py)
MISS = 0.7  # ... and by this when a word followed it for MISS_PREFIX letters or more, then became another word
MISS_PREFIX = 3
# The trie's memory: each node costs its packed mask (one bit per character) and ~120 bytes of dict
# entry and flags. Words are added most frequent first until the budget is spent, so a corpus of
# thousands of scripts' characters or of millions of words still gives a trie of bounded size.
TRIE_BUDGET_BYTES = 96 << 20
NODE_OVERHEAD = 120
BIAS_CACHE_LIMIT = 50_000  # cached bias rows (4 bytes per character each: 14 MB at most for 69 characters)


class Lexicon:
    def __init__(self, word_list, vocab: Vocabulary):
        self.vocab = vocab
        chars = vocab.chars
        V = len(chars)
        index = {ch: i for i, ch in enumerate(chars)}
        self.is_letter = np.array([wordrule.is_letter(ch) for ch in chars])
        self.is_joiner = np.array([ch in wordrule.JOINERS for ch in chars])
        self._letter = self.is_letter.tolist()
        self._joiner = self.is_joiner.tolist()
        edges: dict[int, int] = {}  # node * V + char id -> child node
        terminal = [False]
        max_nodes = TRIE_BUDGET_BYTES // ((V + 7) // 8 + NODE_OVERHEAD)
        self.kept = 0  # words of the list in the trie (the most frequent, as the budget allows)
        for word in word_list:
            node = 0
            try:
                ids = [index[ch] for ch in word]
            except KeyError:
                continue  # a word this model cannot spell (its vocabulary was fixed by another corpus)
            if len(terminal) + len(ids) >= max_nodes:
                break  # the budget is spent: rarer words are spelled freely
            self.kept += 1
            for cid in ids:
                key = node * V + cid
                child = edges.get(key)
                if child is None:
                    child = edges[key] = len(terminal)
                    terminal.append(False)
                node = child
            terminal[node] = True
        # One more node with no way on: where a joiner that continues no known word leaves a word
        # ("her" + "'"). Only a word ender may follow it, as the word rule would glue a letter on.
        self.dead = len(terminal)
        terminal.append(False)
        self.edges = edges
        self.terminal = np.array(terminal)
        self._terminal = terminal
        self.nodes = len(terminal)
        keys = np.fromiter(edges.keys(), dtype=np.int64, count=len(edges))
        # (nodes, ceil(V / 8)) bits, as np.packbits lays them: what continues each node's prefix. Set
        # bit by bit, never as a (nodes, V) array of bools (eight times the size).
        self.masks = np.zeros((self.nodes, (V + 7) // 8), dtype=np.uint8)
        np.bitwise_or.at(self.masks, (keys // V, (keys % V) // 8), (0x80 >> (keys % V % 8)).astype(np.uint8))
        self.bytes = self.masks.nbytes + self.nodes * NODE_OVERHEAD
        self.enders = ~self.is_letter  # characters that end a word: joiners too, as punctuation
        self._bias: dict[int, np.ndarray] = {}
        self.V = V

    def allowed(self, node: int, may_end: bool) -> np.ndarray:
        """Boolean mask: the characters that continue a word at `node`, plus word enders if it may end there."""
        ok = np.unpackbits(self.masks[node], count=self.V).astype(bool)
        if may_end:
            ok |= self.enders
        return ok

    def bias(self, node: int, may_end: bool) -> np.ndarray:
        key = 2 * node + may_end
        row = self._bias.get(key)
        if row is None:
            ok = self.allowed(node, may_end)
            if node == 0:
                ok |= self.enders  # outside a word anything but an unknown word start may come
            # A dead end (nothing allowed: a vocabulary without spaces) leaves the model free.
            row = np.where(ok, 0.0, -np.inf).astype(np.float32) if ok.any() else np.zeros(self.V, np.float32)
            if len(self._bias) >= BIAS_CACHE_LIMIT:
                self._bias.clear()
            self._bias[key] = row
        return row

    def child(self, node: int, char_id: int) -> int | None:
        return self.edges.get(node * self.V + char_id)


class Speller:
    """One answer's position in the lexicon, and its keywords' bonuses.

    The state is kept as the key of the bias row the next character needs (2 * node + may_end),
    so shaping a step is one dict lookup and one vector add. The word being spelled is tracked
    only while heed is on (it is what keywords are matched against)."""

    def __init__(self, lexicon: Lexicon, keywords: list[str] = (), after: str = ""):
        self.lx = lexicon
        self.state, self.node, self.may_end, self.key = OUT, 0, False, 0
        self.word = ""  # the word being spelled (lowercase), while heed is on
        self.tracking = False  # heed has been on: follow words for keywords and their decay
        if after and (wordrule.is_letter(after[-1]) or after[-1] in wordrule.JOINERS):
            self.state = UNKNOWN  # switched on mid-word: that word is let be
        chars = lexicon.vocab.chars
        self.index = {ch: i for i, ch in enumerate(chars)}
        self.lower = [ch.lower() for ch in chars]
        self.keywords = [k.lower() for k in keywords]
        self.weights = [1.0] * len(self.keywords)
        self.uses = [0] * len(self.keywords)
        self.candidates: list[int] = []  # keywords the current word is still a prefix of
        self._all = list(range(len(self.keywords)))
        self._start = np.zeros(len(chars), dtype=np.float32)
        self._start_heed = None
        self._buf = np.empty(len(chars), dtype=np.float32)

    # ---- shaping the next character's logits ----------------------------------------------

    def adjust(self, logits: np.ndarray, words_on: bool, heed: float) -> np.ndarray:
        buf, state = self._buf, self.state
        if words_on and state != UNKNOWN:
            row = self.lx._bias.get(self.key)
            if row is None:
                row = self.lx.bias(self.key >> 1, bool(self.key & 1))
            np.add(logits, row, out=buf)
        else:
            np.copyto(buf, logits)
        if heed and self.keywords:
            self.tracking = True
            if state == OUT:
                if self._start_heed != heed:
                    self._rebuild_start(heed)
                buf += self._start
            elif self.candidates:
                at = len(self.word)
                for i in self.candidates:
                    k = self.keywords[i]
                    if len(k) > at:
                        cid = self.index.get(k[at])
                        if cid is not None:
                            buf[cid] += heed * self.weights[i]
        return buf

    def _rebuild_start(self, heed: float) -> None:
        start = self._start
        start[:] = 0.0
        for k, w in zip(self.keywords, self.weights):
            for first in {k[0], k[0].upper()}:
                cid = self.index.get(first)
                if cid is not None:
                    start[cid] += heed * w
        self._start_heed = heed

    # ---- following the chosen character ----------------------------------------------------

    def feed(self, char_id: int) -> None:
        lx, state = self.lx, self.state
        if lx._letter[char_id]:
            if state == OUT:
                node = lx.edges.get(char_id)  # the root is node 0
                if self.tracking:
                    self.word, self.candidates = "", self._all
            elif state == UNKNOWN:
                node = None
            else:
                node = lx.edges.get(self.node * lx.V + char_id)
            if node is None:
                self.state, self.node = UNKNOWN, 0
            else:
                self.state, self.node, self.key = IN, node, 2 * node + lx._terminal[node]
            if self.tracking:
                self._extend(self.lower[char_id])
        elif state == OUT:
            return
        elif lx._joiner[char_id] and state == IN:
            node = lx.edges.get(self.node * lx.V + char_id, lx.dead)
            # "lord" + "'" may still end as "lord" and a quote: a word ender may follow if "lord" is a word.
            self.may_end = lx._terminal[self.node]
            self.state, self.node, self.key = AFTER_JOINER, node, 2 * node + self.may_end
            if self.tracking:
                self._extend(self.lower[char_id])
        elif lx._joiner[char_id] and state == UNKNOWN:
            if self.tracking:
                self._extend(self.lower[char_id])
        else:
            self._word_ends()

    def _extend(self, ch: str) -> None:
        at = len(self.word)
        self.word += ch
        if self.candidates:
            self.candidates = [i for i in self.candidates if len(self.keywords[i]) > at and self.keywords[i][at] == ch]

    def _word_ends(self) -> None:
        finished = self.word.rstrip(wordrule.JOINERS)
        self.state, self.node, self.may_end, self.key, self.word, self.candidates = OUT, 0, False, 0, "", []
        if finished and self.keywords:
            lowered = finished.lower()
            for i, k in enumerate(self.keywords):
                if wordrule.uses(lowered, k):
                    self.weights[i] *= DECAY
                    self.uses[i] += 1
                elif len(lowered) >= MISS_PREFIX and k[:MISS_PREFIX] == lowered[:MISS_PREFIX]:
                    self.weights[i] *= MISS
                else:
                    continue
                self._start_heed = None  # the start bonuses change with the weights
