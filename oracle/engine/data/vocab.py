"""The character vocabulary: text <-> compact integer arrays, and the unknown-character policy."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import numpy as np

_CHUNK = 1 << 22  # chars per encode step: bounds the temporary UTF-32 buffer to 16 MB

# Typographic characters a model is likely to know in their plain ASCII form.
_PLAIN = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-",
                        "\u2014": "-", "\u2026": "...", "\u00a0": " ", "\r": "\n", "\t": " "})


def codepoints(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


@dataclass(frozen=True)
class Vocabulary:
    chars: str  # sorted, distinct; id i <-> chars[i]

    @classmethod
    def from_texts(cls, texts) -> Vocabulary:
        seen: set[str] = set()
        for text in texts:
            for start in range(0, len(text), _CHUNK):
                seen.update(text[start:start + _CHUNK])
        return cls("".join(sorted(seen)))

    def __len__(self) -> int:
        return len(self.chars)

    @property
    def dtype(self):
        """The smallest unsigned type that holds every id: uint8 for nearly every text."""
        return np.uint8 if len(self.chars) <= 256 else np.uint16 if len(self.chars) <= 65536 else np.uint32

    def encode(self, text: str) -> np.ndarray:
        """Encode text whose characters are all in the vocabulary, in bounded memory."""
        table = codepoints(self.chars)
        out = np.empty(len(text), dtype=self.dtype)
        for start in range(0, len(text), _CHUNK):
            cps = codepoints(text[start:start + _CHUNK])
            ids = np.searchsorted(table, cps)
            if len(cps) and (ids.max() >= len(table) or not np.array_equal(table[ids], cps)):
                raise ValueError("text holds characters outside the vocabulary")
            out[start:start + len(cps)] = ids
        return out

    def decode(self, ids) -> str:
        return "".join(self.chars[int(i)] for i in ids)

    def fit_prompt(self, text: str, lowercase: bool) -> tuple[str, str]:
        """Map a prompt onto what the model knows.

        Case-folds for a lowercased model, turns typographic quotes and dashes into plain ones,
        strips accents where the bare letter is known, and drops the rest. Returns (usable text,
        the distinct characters dropped) so the caller can say what it left out.
        """
        known = set(self.chars)
        if lowercase:
            text = text.lower()
        text = text.translate(_PLAIN)
        kept: list[str] = []
        dropped: dict[str, None] = {}  # ordered and distinct
        for ch in text:
            if ch not in known:
                bare = unicodedata.normalize("NFKD", ch)[:1]
                if bare in known:
                    ch = bare
                elif ch.lower() in known:
                    ch = ch.lower()
                elif ch.upper() in known:
                    ch = ch.upper()
                else:
                    dropped[ch] = None
                    continue
            kept.append(ch)
        return "".join(kept), "".join(dropped)
