"""Turning what a reading said into a verse: one line, cut at its last sentence, cased like a book.

The shipped default reads and writes lower case; a scripture capitalises each sentence's first
letter, "I", and the names its corpora spell with a capital ("israel" -> "Israel").
"""

from __future__ import annotations

import re

_SENTENCE_END = re.compile(r"[.!?]['\"’”)\]]*(?=\s|$)")
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
_STARTS = re.compile(r"(^|[.!?]['\"’”)\]]*\s+)(['\"“‘(\[]*)([^\W\d_])")
_HEADING = re.compile(r"^(?:chapter|book|psalm|canto|part)\s+(?:\d+|[ivxlc]+)\b\.?\s*", re.IGNORECASE)
HEADINGS = re.compile(r"^(?:chapter|book|psalm|canto|part)\s+(?:\d+|[ivxlc]+)\b\.?.*$", re.IGNORECASE | re.MULTILINE)
MIN_WORDS = 3  # fewer is a fragment ("and he.") rather than a verse
INDEX_SKIP = frozenset({"god", "lord"})  # on every page of a scripture: an index entry says nothing


def to_sentence(text: str) -> str | None:
    """The text's first line, up to its last sentence's end; None when no whole sentence is there."""
    line = " ".join(text.strip().split("\n", 1)[0].split())
    line = "".join(ch for ch in line if ch.isprintable())  # no control character reaches a book's XML
    # The corpora's own headings ("CHAPTER 13. THE WORLD" in the Dhammapada) come back as verses that
    # begin "chapter 13.": the code numbers the chapters, so the verse keeps only what follows.
    line = _HEADING.sub("", line)
    ends = list(_SENTENCE_END.finditer(line))
    if not ends:
        return None
    verse = line[:ends[-1].end()]
    if len(_WORD.findall(verse)) < MIN_WORDS:
        return None
    return verse


def truecase(text: str, names: dict[str, str], lowercase_model: bool) -> str:
    """Capitalise sentence starts, and (for a lower-case model) "I" and the corpora's names."""
    if lowercase_model:
        def word(match: re.Match) -> str:
            w = match.group()
            if w == "i" or w.startswith(("i'", "i’")):
                return "I" + w[1:]
            return names.get(w, w)
        text = _WORD.sub(word, text)
    return _STARTS.sub(lambda m: m.group(1) + m.group(2) + m.group(3).upper(), text)


def names_in(text: str, names: dict[str, str]) -> list[str]:
    """The names a verse uses, as the index lists them (a name whose word the corpora capitalise)."""
    found = []
    for w in _WORD.findall(text):
        spelled = names.get(w.lower())
        if spelled and w.lower() not in INDEX_SKIP and spelled not in found:
            found.append(spelled)
    return found


def book_name(candidates: list[str], names: dict[str, str], taken: set[str]) -> str | None:
    """A book's name from text the model wrote in the book's voice: its first name not yet used."""
    for text in candidates:
        for found in names_in(text, names):
            if found not in taken:
                return found
    return None


def fallback_name(candidates: list[str], taken: set[str]) -> str:
    """No name came up: the book is named after its longest word ("The Book of Righteousness")."""
    words = sorted({w.lower() for t in candidates for w in _WORD.findall(t) if len(w) >= 5}, key=lambda w: (-len(w), w))
    for w in words:
        if w.capitalize() not in taken:
            return w.capitalize()
    return f"Book {len(taken) + 1}"


def word_pairs(text: str) -> list[tuple[str, str]]:
    """The text's word bigrams, lower-cased, in order."""
    words = [w.lower() for w in _WORD.findall(text)]
    return list(zip(words, words[1:]))


def worn_share(text: str, recent: set[tuple[str, str]]) -> float:
    """The share of the text's word pairs that are worn: said in `recent` verses, or earlier in itself."""
    pairs = word_pairs(text)
    said, worn = set(recent), 0
    for pair in pairs:
        worn += pair in said
        said.add(pair)
    return worn / max(1, len(pairs))
