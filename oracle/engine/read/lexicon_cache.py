"""A model's decoding trie (speller.Lexicon) kept on disk between runs.

Building the trie of the shipped default's word list is a pure-Python loop over every letter of
every word: 0.3-0.5 s, the largest single cost of a cold `oracle ask` once torch was gone. Read back
from ORACLE_HOME/cache it takes a few milliseconds. The file is named by what the trie depends on:
the word list's sha256 (from the model's metadata), the vocabulary, and the source of speller.py
itself, so a changed trie layout never reads an old file. It holds plain arrays (numpy's format,
never a pickle), is read to a bounded size, and anything unexpected in it means "build afresh": the
cache is a convenience, never a reason not to answer.
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import numpy as np

from oracle.engine.io import paths
from oracle.engine.io.atomic import write_bytes_atomic
from oracle.engine.io.readers import read_regular
from oracle.engine.read import speller
from oracle.engine.read.speller import Lexicon

MAX_CACHE_BYTES = 256 << 20
# How this module lays a trie out on disk, in the file's name with the speller's source: a file in
# an older layout is never read (format 2: the edges sorted by key).
FORMAT = 2
_SOURCE_DIGEST: str | None = None


def _source_digest() -> str:
    global _SOURCE_DIGEST
    if _SOURCE_DIGEST is None:
        _SOURCE_DIGEST = hashlib.sha256(Path(speller.__file__).read_bytes()).hexdigest()
    return _SOURCE_DIGEST


def cache_path(words_sha256: str, chars: str) -> Path:
    key = hashlib.sha256(f"{_source_digest()}\n{FORMAT}\n{words_sha256}\n{chars}".encode("utf-8", "surrogatepass")).hexdigest()[:32]
    return paths.home() / "cache" / f"lexicon-{key}.npz"


def lexicon(word_counts, vocab, words_sha256: str | None) -> Lexicon:
    """The trie for this word list and vocabulary: read from the cache, else built (and kept)."""
    if not words_sha256:
        return Lexicon(word_counts, vocab)
    try:
        path = cache_path(words_sha256, vocab.chars)
    except Exception:  # no writable home: build it each time
        return Lexicon(word_counts, vocab)
    try:
        return _restore(read_regular(path, MAX_CACHE_BYTES), vocab)
    except Exception:  # none yet, or one that cannot be read (not a zip, a missing entry...): build afresh
        pass
    built = Lexicon(word_counts, vocab)
    try:
        data = _pack(built)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_bytes_atomic(path, data)
    except (OSError, TypeError, ValueError):
        pass  # a read-only home, or a trie this format cannot hold: it is built again next time
    return built


def _pack(lex: Lexicon) -> bytes:
    arrays: dict[str, np.ndarray] = {}
    for name, value in vars(lex).items():
        if name in ("vocab", "_bias"):
            continue  # the vocabulary is the model's own; the bias rows are a per-run cache, empty when built
        if isinstance(value, np.ndarray):
            arrays[f"a.{name}"] = value
        elif isinstance(value, dict):
            keys = np.fromiter(value.keys(), dtype=np.int64, count=len(value))
            order = np.argsort(keys, kind="stable")  # sorted: the edges are read back a node at a time (_Edges)
            arrays[f"d.{name}.k"] = keys[order]
            arrays[f"d.{name}.v"] = np.fromiter(value.values(), dtype=np.int64, count=len(value))[order]
        elif isinstance(value, list) and all(isinstance(x, bool) for x in value):
            arrays[f"l.{name}"] = np.array(value, dtype=bool)
        elif isinstance(value, (bool, int, float)) and not isinstance(value, np.generic):
            arrays[f"s.{name}"] = np.array(value)
        else:
            raise TypeError(f"the trie's {name} is not something this cache keeps")
    if any(v.dtype == object for v in arrays.values()):
        raise TypeError("an object array")
    out = io.BytesIO()
    np.savez(out, **arrays)  # type: ignore[arg-type]  # numpy's stub reads **kwds as its allow_pickle
    return out.getvalue()


def _restore(data: bytes, vocab) -> Lexicon:
    lex = Lexicon.__new__(Lexicon)
    lex.vocab, lex._bias = vocab, {}
    edges: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    with np.load(io.BytesIO(data), allow_pickle=False) as stored:
        for key in stored.files:
            kind, _, name = key.partition(".")
            if kind == "a":
                setattr(lex, name, stored[key])
            elif kind == "d" and name.endswith(".k"):
                base = name[:-2]
                edges[base] = (stored[key], stored[f"d.{base}.v"])
            elif kind == "l":
                setattr(lex, name, stored[key].tolist())
            elif kind == "s":
                setattr(lex, name, stored[key].item())
            elif kind != "d":
                raise ValueError(f"unknown entry {key!r}")
    if getattr(lex, "V", None) != len(vocab.chars):
        raise ValueError("a trie for another vocabulary")
    for name, (keys, values) in edges.items():
        setattr(lex, name, _Edges(keys, values, lex.V))
    return lex


class _Edges:
    """The trie's edges read back (node * V + char id -> child node), with the `get` of the dict the
    speller built: each node's edges become a small dict when an answer first reaches that node. An
    answer reaches a few hundred of the default's 98,671 nodes; one dict of every edge took ~12 ms
    of each `oracle ask` to make."""

    def __init__(self, keys: np.ndarray, values: np.ndarray, V: int) -> None:
        if keys.shape != values.shape or keys.ndim != 1 or (len(keys) > 1 and not (keys[1:] > keys[:-1]).all()):
            raise ValueError("edges that are not sorted pairs")
        self.keys, self.values, self.V = keys, values, V
        self._nodes: dict[int, dict[int, int]] = {}

    def get(self, key: int, default: int | None = None) -> int | None:
        node = key // self.V
        edges = self._nodes.get(node)
        if edges is None:
            low, high = np.searchsorted(self.keys, (node * self.V, (node + 1) * self.V))
            edges = self._nodes[node] = dict(zip(self.keys[low:high].tolist(), self.values[low:high].tolist()))
        return edges.get(key, default)

    def __len__(self) -> int:
        return len(self.keys)
