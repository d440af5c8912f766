"""Cutting a streamed answer into sentences, so speech can begin while the oracle still writes."""

from __future__ import annotations

import re

LONGEST = 240  # a "sentence" that never ends is spoken in pieces of about this many characters
_END = re.compile(r"[.!?;:](?=[\"'\u201d\u2019)\]]*\s)|\n")


class Sentences:
    """Feed characters as they come; get back each sentence once it is complete."""

    def __init__(self) -> None:
        self._buffer = ""

    def feed(self, text: str) -> list[str]:
        self._buffer += text
        done: list[str] = []
        while True:
            match = _END.search(self._buffer)
            if match is None:  # (a mark counts once the space after it has come: "Lo!" may yet be "Lo!\u201d")
                break
            cut = match.end()
            done.append(self._buffer[:cut])
            self._buffer = self._buffer[cut:]
        if len(self._buffer) > LONGEST:
            space = self._buffer.rfind(" ", 0, LONGEST)
            cut = space if space > 0 else LONGEST
            done.append(self._buffer[:cut])
            self._buffer = self._buffer[cut:]
        return [s for s in (speakable(d) for d in done) if s]

    def flush(self) -> list[str]:
        """What is left when the answer ends."""
        rest, self._buffer = speakable(self._buffer), ""
        return [rest] if rest else []


def speakable(text: str) -> str:
    """`text` for the synthesiser: control characters as spaces, whitespace runs as one space."""
    return " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())
