"""The texts the benchmark trains on: a fixed slice of the bundled KJV, and big corpora for the memory test."""

from __future__ import annotations

import tempfile
from pathlib import Path

from oracle.engine import bundled_corpora
from oracle.engine.io.paths import bundled_corpora_dir

CACHE = Path(tempfile.gettempdir()) / "oracle-bench"


def kjv_slice(chars: int) -> Path:
    """The first `chars` characters of the bundled KJV, lowercased, as a file the trainer can read."""
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"kjv_{chars}.txt"
    if not path.is_file():
        text = (bundled_corpora_dir() / "kjv.txt").read_text("utf-8")[:chars].lower()
        path.write_text(text, "utf-8")
    return path


def big_corpus(megabytes: int) -> Path:
    """About `megabytes` MB of real text: the bundled corpora one after another, repeated as needed."""
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"mixed_{megabytes}mb.txt"
    if path.is_file():
        return path
    size = megabytes * 1_000_000
    block = "\n\n".join(Path(c.path).read_text("utf-8") for c in bundled_corpora()).encode("utf-8") + b"\n\n"
    partial = path.with_suffix(".part")
    with open(partial, "wb") as out:
        written = 0
        while written < size:
            piece = block[: size - written]
            if len(piece) < len(block):  # the last, partial copy: end on a whole line, never mid-character
                piece = piece[: piece.rfind(b"\n") + 1] or b"\n"
            out.write(piece)
            written += len(piece)
    partial.replace(path)
    return path
