"""What a scripture knows of its model's corpora: every run of ten words (to redraw a verse that
copies one) and the names (to spell them with capitals and list them in the index).

Built once per set of corpora and kept for the process: the shipped default's 5.9 MB of text take
about 2 s on one core. The ten-word runs are 64-bit hashes in a sorted numpy array (8 bytes each,
not a Python set's ~70): a membership test is one `searchsorted`.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from oracle.engine.data.corpus import SourceSpec, bundled_corpus, load_source_text
from oracle.engine.errors import OracleError
from oracle.engine.io import paths

if TYPE_CHECKING:
    from oracle.engine.store.records import ModelMeta

RUN = 10  # words copied verbatim that make a verse a copy
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
_SENTENCE_START = re.compile(r"(?:^|[.!?:;]['\"’”)]*\s+|\n\s*)$")
NAME_SHARE = 0.9  # a word written with a capital this often (not at a sentence's start) is a name
NAME_MIN = 3  # ... seen at least this often that way
_MULT = np.uint64(1_000_003)


@dataclass
class Sources:
    runs: np.ndarray  # sorted uint64 hashes of every RUN-word window of the corpora
    names: dict[str, str]  # lower-case word -> how the corpora spell the name ("israel" -> "Israel")
    unchecked: list[str]  # corpora that could not be read

    def copies(self, text: str) -> bool:
        """Whether `text` holds RUN words in a row exactly as some corpus has them."""
        hashes = run_hashes(_ids(words(text)))
        if not len(hashes) or not len(self.runs):
            return False
        at = np.searchsorted(self.runs, hashes)
        at = np.minimum(at, len(self.runs) - 1)
        return bool((self.runs[at] == hashes).any())


def words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


_WORD_IDS: dict[str, int] = {}


def _ids(tokens: list[str]) -> np.ndarray:
    """Word ids that do not depend on the order words were first met: a hash of the word itself
    (blake2b, the same in every process, where str's own hash is salted), remembered per word."""
    ids = _WORD_IDS
    for t in set(tokens).difference(ids):
        ids[t] = int.from_bytes(hashlib.blake2b(t.encode("utf-8"), digest_size=8).digest(), "little")
    return np.array([ids[t] for t in tokens], dtype=np.uint64)


def run_hashes(ids: np.ndarray) -> np.ndarray:
    """A polynomial hash of every window of RUN ids (uint64 arithmetic wraps, as a hash may)."""
    if len(ids) < RUN:
        return np.zeros(0, dtype=np.uint64)
    out = np.zeros(len(ids) - RUN + 1, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for k in range(RUN):
            out = out * _MULT + ids[k:len(ids) - RUN + 1 + k]
    return out


def _names(text: str) -> dict[str, str]:
    capital: dict[str, int] = {}
    lower: dict[str, int] = {}
    spelled: dict[str, str] = {}
    for match in _WORD.finditer(text):
        word = match.group()
        key = word.lower()
        if word[0].isupper():
            if len(word) < 2 or _SENTENCE_START.search(text, max(0, match.start() - 4), match.start()) \
                    or (word.isupper() and key not in spelled):
                continue  # a sentence's first word, or a heading's ("CHAPTER"), says nothing about being a name
            capital[key] = capital.get(key, 0) + 1
            spelled.setdefault(key, word[0] + word[1:].lower())  # "LORD" -> "Lord"
        else:
            lower[key] = lower.get(key, 0) + 1
    return {k: spelled[k] for k, n in capital.items() if n >= NAME_MIN and n >= NAME_SHARE * (n + lower.get(k, 0))}


def corpus_paths(meta: ModelMeta | None) -> list[tuple[str, Path | None]]:
    """The model's corpora as its meta names them: where each is now (None when it cannot be found)."""
    found = []
    for entry in meta.corpora if meta is not None else ():
        name = entry.name
        where = Path(entry.path or "")
        candidates = [where, paths.bundled_corpora_dir() / where.name, bundled_corpus(name)]
        found.append((name, next((p for p in candidates if p is not None and str(p) not in ("", ".") and p.exists()), None)))
    return found


_CACHE: dict[tuple, Sources] = {}


def sources_for(meta: ModelMeta | None) -> Sources:
    """The Sources of a model's corpora, built on first use in this process."""
    located = corpus_paths(meta)
    key = tuple((name, str(p), p.stat().st_mtime_ns if p else 0) for name, p in located)
    if key not in _CACHE:
        chunks: list = []
        unchecked: list[str] = []
        names: dict = {}
        for name, path in located:
            try:
                if path is None:
                    raise OracleError("missing")
                text = load_source_text(SourceSpec(path, 1.0, name))
            except (OracleError, OSError):
                unchecked.append(name)
                continue
            chunks.append(run_hashes(_ids(words(text))))
            for key_word, spelling in _names(text).items():
                names.setdefault(key_word, spelling)
        runs = np.unique(np.concatenate(chunks)) if chunks else np.zeros(0, dtype=np.uint64)
        _CACHE[key] = Sources(runs, names, unchecked)
    return _CACHE[key]
