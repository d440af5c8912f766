"""A model's word list: the words of its corpora with their counts, kept beside its weights.

The word rule is the corpus's own: a word is a run of letters, joined by single apostrophes or
hyphens where the text joins them ("lord's", "well-beloved"), in the case the model keeps (a
lowercased model's corpora are counted lowercased). Digits, underscores and every other character
end a word. The list is written once per training run as `words-<sha>.txt` ("word<TAB>count" lines,
most frequent first); meta.json names the file and its sha256, exports carry it and imports check it.

From the counts alone (no hand-written stop list) come the "frequent" words, which never count as
what a question is about: a word is frequent when it makes up at least 1 in 2,000 of the corpora's
words (for the shipped default: the top ~200, from "the" down to "only"), capped at 1% of the list
so a tiny corpus still has words to heed.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Protocol

from oracle.engine.errors import CorruptModel
from oracle.engine.io.atomic import write_bytes_atomic
from oracle.engine.io.readers import ReadRefused, read_regular

JOINERS = "'’-"  # inside a word only, between two letters
WORD = re.compile(r"[^\W\d_]+(?:['’\-][^\W\d_]+)*")


def _possessive(pattern: str) -> re.Pattern:
    """`pattern` with its possessive quantifiers (*+, ++), or, before Python 3.11, greedy ones."""
    try:
        return re.compile(pattern)
    except re.error:
        return re.compile(pattern.replace("++", "+").replace("*+", "*"))


# What to_bytes writes: word<TAB>count lines. Possessive: a line can be read one way only, so giving
# nothing back changes no match, and the engine keeps no way back per line (a greedy * kept one for each
# of the default's 33,195 lines: 14 MB of fresh memory, most of the check's time).
_FILE = _possessive(r"(?:[^\W\d_]++(?:['’\-][^\W\d_]++)*+\t[1-9][0-9]*+\n)*+")
# _FILE for ASCII text, where [^\W\d_] is [A-Za-z]: twice as fast as asking Unicode of every character.
_ASCII_FILE = _possessive(r"(?:[A-Za-z]++(?:['\-][A-Za-z]++)*+\t[1-9][0-9]*+\n)*+")
_LETTER = re.compile(r"[^\W\d_]")
FREQUENT_SHARE = 1 / 2000  # a word this common says nothing about what a question asks
FREQUENT_CAP = 0.01  # ... but at most this share of the distinct words is ever set aside
MAX_FILE_BYTES = 64 << 20  # a word list larger than this is not one Oracle wrote
MAX_WORD_CHARS = 64  # a longer run of letters (DNA, unspaced Thai or Chinese) is not kept as a word
# The most frequent words kept: the file stays under MAX_FILE_BYTES even for 64-letter words of
# 4-byte characters (200,000 x ~280 bytes = 56 MB), and a corpus of any size gives a list of bounded size.
MAX_WORDS = 200_000
# The endings that make "raineth", "rains" or "rained" uses of "rain" (and "loved" of "love").
INFLECTIONS = ("", "s", "es", "ed", "d", "ing", "eth", "th", "est", "st", "er", "ers", "'s", "’s", "ly", "ness")


@lru_cache(maxsize=4096)  # asked once per character drawn by every candidate: a regex match each time was ~10 µs
def is_letter(ch: str) -> bool:
    return bool(_LETTER.fullmatch(ch))


def split_words(text: str) -> list[str]:
    return WORD.findall(text)


def count_words(chunks: Iterable[str]) -> Counter:
    """Count the words of a long text given in pieces: a word cut between two pieces is counted once."""
    counts: Counter = Counter()
    carry = ""
    for chunk in chunks:
        text = carry + chunk
        # Hold back everything after the last character that cannot be inside a word.
        cut = len(text)
        while cut and (is_letter(text[cut - 1]) or text[cut - 1] in JOINERS):
            cut -= 1
        counts.update(WORD.findall(text, 0, cut))
        carry = text[cut:]
    counts.update(WORD.findall(carry))
    return counts


def count_encoded(chars: str, texts: Iterable[tuple], chunk: int = 1 << 22) -> Counter:
    """Count the words of encoded texts, each given as consecutive id arrays over `chars` (a source's
    training and held-out parts), decoding a few MB at a time."""
    from oracle.engine.data.vocab import codepoints

    table = codepoints(chars)

    def pieces():
        for parts in texts:
            for ids in parts:
                for start in range(0, len(ids), chunk):
                    yield table[ids[start:start + chunk]].tobytes().decode("utf-32-le")
            yield "\n"  # one text never runs into the next

    return count_words(pieces())


def stem(word: str) -> str:
    """The word without one inflection ending, keeping at least three letters: 'raineth' -> 'rain'."""
    for ending in sorted(INFLECTIONS, key=len, reverse=True):
        if ending and word.endswith(ending) and len(word) - len(ending) >= 3:
            return word[: len(word) - len(ending)]
    return word


def uses(word: str, keyword: str) -> bool:
    """Whether `word` is `keyword` or an inflection of it (same stem plus an ending, 'e' and doubled
    final consonants allowed: 'rain'/'raineth', 'love'/'loved'/'loving', 'run'/'running')."""
    word, keyword = word.lower(), keyword.lower()
    if word == keyword:
        return True
    base = stem(keyword)
    if base.endswith("e") and len(base) > 3:
        base = base[:-1]
    if not word.startswith(base):
        return False
    rest = word[len(base):]
    if rest.startswith(base[-1]) and len(rest) > 1:  # a doubled consonant: run -> running
        rest = rest[1:]
    return rest in INFLECTIONS or (rest.startswith("e") and rest[1:] in INFLECTIONS)


@dataclass
class WordList:
    counts: dict[str, int]  # most frequent first
    frequent: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        least = sum(self.counts.values()) * FREQUENT_SHARE
        cap = int(len(self.counts) * FREQUENT_CAP)
        common = [w for w, n in self.counts.items() if n >= least]  # counts are in order
        self.frequent = frozenset(common[:cap])

    @classmethod
    def from_counts(cls, counts: Counter) -> WordList:
        """The list as it is written: words the reader accepts (no longer than MAX_WORD_CHARS), at most
        MAX_WORDS of them, most frequent first. The limits are applied here, where the words come in,
        so that no list Oracle writes is one its own reader refuses."""
        kept = sorted(((w, n) for w, n in counts.items() if len(w) <= MAX_WORD_CHARS and n > 0),
                      key=lambda item: (-item[1], item[0]))
        return cls(dict(kept[:MAX_WORDS]))

    def __contains__(self, word: str) -> bool:
        return word in self.counts

    def __len__(self) -> int:
        return len(self.counts)

    def content_words(self, text: str, limit: int = 8) -> list[str]:
        """The words of `text` this list knows and does not count as frequent, first seen first, one per
        stem; an unknown word counts through its stem ("raining" -> "rain") when the list knows that."""
        found: list[str] = []
        for word in split_words(text):
            if word not in self.counts and stem(word) in self.counts:
                word = stem(word)
            if word in self.counts and word not in self.frequent and len(word) >= 3 \
                    and not any(uses(word, k) or uses(k, word) for k in found):
                found.append(word)
        return found[:limit]

    def to_bytes(self) -> bytes:
        return "".join(f"{w}\t{n}\n" for w, n in self.counts.items()).encode("utf-8")

    @classmethod
    def from_bytes(cls, data: bytes, where: str) -> WordList:
        bad = CorruptModel(f"{where} is not a word list Oracle wrote (one 'word<TAB>count' per line): restore the model from an export.")
        if len(data) > MAX_FILE_BYTES:
            raise bad
        try:
            text = data.decode("utf-8").replace("\r\n", "\n")
            if text and not text.endswith("\n"):
                text += "\n"
            # One pass in the regex engine, not one match per word (~30 ms).
            if not (_ASCII_FILE if text.isascii() else _FILE).fullmatch(text):
                raise ValueError(where)
            counts = _read_counts(text)
        except ValueError:
            raise bad from None
        return cls(counts)


def _read_counts(text: str) -> dict[str, int]:
    """The counts of a file _FILE matched; ValueError for a word listed twice."""
    # Its words hold no white space (no letter is white space): words and counts alternate.
    tokens = text.split()
    words = tokens[0::2]
    if len(words) <= MAX_WORDS and max(map(len, words), default=0) <= MAX_WORD_CHARS:
        counts = dict(zip(words, map(int, tokens[1::2])))  # in C: a third of the loop below's time
        if len(counts) < len(words):
            raise ValueError("a word listed twice")
        return counts
    counts = {}
    for word, count in zip(words, tokens[1::2]):
        if len(word) > MAX_WORD_CHARS or len(counts) >= MAX_WORDS:
            continue  # written before these limits applied where words come in: the rest still spells
        if word in counts:
            raise ValueError(word)
        counts[word] = int(count)
    return counts


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write(folder: Path, words: WordList) -> dict:
    """Write the list under a name made from its content; return the meta.json entry that names it."""
    data = words.to_bytes()
    digest = sha256_bytes(data)
    name = f"words-{digest[:16]}.txt"
    write_bytes_atomic(Path(folder) / name, data)
    return {"file": name, "sha256": digest, "words": len(words), "tokens": sum(words.counts.values())}


class FileNamed(Protocol):
    """How meta.json names the word list (store.records.FileRef): the file beside the weights, and its sha256."""

    @property
    def file(self) -> str: ...

    @property
    def sha256(self) -> str: ...


WORDS_FILE = re.compile(r"words-[0-9a-f]{16}\.txt")


def _read_file(folder: Path, entry: FileNamed | None) -> tuple[bytes | None, str | None]:
    """The word list file's bytes, checked against meta.json's entry; or (None, why not)."""
    if entry is None:
        return None, ("This oracle has no word list (it was trained before Oracle kept one), "
                      "so it spells freely and does not heed the question's words")
    if not WORDS_FILE.fullmatch(entry.file):
        return None, "This oracle's word list entry in meta.json is damaged, so it spells freely and does not heed the question's words"
    path = Path(folder) / entry.file
    try:
        data = read_regular(path, MAX_FILE_BYTES)
    except (OSError, ReadRefused):
        return None, f"This oracle's word list {path} is missing or unreadable, so it spells freely and does not heed the question's words"
    if sha256_bytes(data) != entry.sha256:
        return None, (f"This oracle's word list {path} does not match the sha256 in its meta.json, "
                      "so it spells freely and does not heed the question's words")
    return data, None


def read(folder: Path, entry: FileNamed | None) -> tuple[WordList | None, str | None]:
    """The model's word list (`entry`: meta.json's `words`), or (None, why not) for a model that has
    none or whose file is damaged: such a model still answers, spelling freely."""
    data, why = _read_file(folder, entry)
    if data is None or entry is None:
        return None, why
    try:
        return WordList.from_bytes(data, str(Path(folder) / entry.file)), None
    except CorruptModel as err:
        return None, str(err).rstrip(".")


def read_bytes(folder: Path, entry: FileNamed | None) -> bytes | None:
    """The checked bytes of the model's word list, to copy it; None when it has none (or a damaged one)."""
    return _read_file(folder, entry)[0]


def export_text(folder: Path, entry: FileNamed | None) -> str:
    """The word list as it goes into an export; a damaged one stops the export (like damaged weights)."""
    data, why = _read_file(folder, entry)
    if data is None:
        why = why or "the word list cannot be read"
        raise CorruptModel(f"{why.split(', so')[0]}: restore the model from an export, or copy it (the copy drops the word list).")
    return data.decode("utf-8")


def from_export(data: bytes, entry: FileNamed | None, src: str) -> bytes | None:
    """The word list an export carries, checked against the sha256 its metadata records (`entry`)."""
    if entry is None:
        return None
    header_len = int.from_bytes(data[:8], "little")  # already bounded and parsed once by the caller
    carried = json.loads(data[8:8 + header_len]).get("__metadata__", {}).get("oracle_words")
    if not WORDS_FILE.fullmatch(entry.file) or not isinstance(carried, str):
        raise CorruptModel(f"{src} names a word list but does not carry it (truncated or altered): export the model again.")
    words = carried.encode("utf-8")
    if sha256_bytes(words) != entry.sha256:
        raise CorruptModel(f"{src} carries a word list that does not match the sha256 in its metadata (altered or damaged): "
                           "export the model again.")
    WordList.from_bytes(words, f"The word list in {src}")
    return words
