"""Real-word decoding, one character at a time, at a small fixed cost.

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

Heeding the question's words is heed.py's: it speaks a question word whole where the network finds
it plausible. (This module used to add a bonus to a keyword's first letter at every word start:
that pull made 43% of answer words alliterate with the question and is gone.)
"""

from __future__ import annotations

import numpy as np

from oracle.engine.data import words as wordrule
from oracle.engine.data.vocab import Vocabulary

OUT, IN, AFTER_JOINER, UNKNOWN = range(4)  # where the answer stands relative to a word
# The trie's memory: each node costs its packed mask (one bit per character) and ~120 bytes of dict
# entry and flags. Words are added most frequent first until the budget is spent, so a corpus of
# thousands of scripts' characters or of millions of words still gives a trie of bounded size.
TRIE_BUDGET_BYTES = 32 << 20  # the shipped default takes 12 MB; 200,000 English words would take 96 MB and 7 s
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
        self.bytes, self.budget = self.masks.nbytes + self.nodes * NODE_OVERHEAD, TRIE_BUDGET_BYTES  # models show reports them
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
    """One answer's position in the lexicon.

    The state is kept as the key of the bias row the next character needs (2 * node + may_end),
    so shaping a step is one dict lookup and one vector add."""

    def __init__(self, lexicon: Lexicon, after: str = ""):
        self.lx = lexicon
        self.state, self.node, self.may_end, self.key = OUT, 0, False, 0
        if after and (wordrule.is_letter(after[-1]) or after[-1] in wordrule.JOINERS):
            self.state = UNKNOWN  # switched on mid-word: that word is let be
        self._buf = np.empty(lexicon.V, dtype=np.float32)

    def clone(self) -> Speller:
        """A copy at the same place (each candidate of a ranked answer spells on its own)."""
        twin = Speller.__new__(Speller)
        twin.lx, twin.state, twin.node, twin.may_end, twin.key = self.lx, self.state, self.node, self.may_end, self.key
        twin._buf = np.empty_like(self._buf)
        return twin

    def adjust(self, logits: np.ndarray, words_on: bool = True) -> np.ndarray:
        """The logits with every character that would leave the known words at -inf (a buffer the
        next call reuses); unchanged while spelling is free or the current word is not a known one."""
        if words_on and self.state != UNKNOWN:
            row = self.lx._bias.get(self.key)
            if row is None:
                row = self.lx.bias(self.key >> 1, bool(self.key & 1))
            return np.add(logits, row, out=self._buf)
        np.copyto(self._buf, logits)
        return self._buf

    def feed(self, char_id: int) -> None:
        lx, state = self.lx, self.state
        if lx._letter[char_id]:
            if state == OUT:
                node = lx.edges.get(char_id)  # the root is node 0
            elif state == UNKNOWN:
                node = None
            else:
                node = lx.edges.get(self.node * lx.V + char_id)
            if node is None:
                self.state, self.node = UNKNOWN, 0
            else:
                self.state, self.node, self.key = IN, node, 2 * node + lx._terminal[node]
        elif state == OUT:
            return
        elif lx._joiner[char_id] and state == IN:
            node = lx.edges.get(self.node * lx.V + char_id, lx.dead)
            # "lord" + "'" may still end as "lord" and a quote: a word ender may follow if "lord" is a word.
            self.may_end = lx._terminal[self.node]
            self.state, self.node, self.key = AFTER_JOINER, node, 2 * node + self.may_end
        elif lx._joiner[char_id] and state == UNKNOWN:
            return
        else:
            self.state, self.node, self.may_end, self.key = OUT, 0, False, 0
