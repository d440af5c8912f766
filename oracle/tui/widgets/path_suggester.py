"""Complete the last file path typed into an input (shown greyed; Right arrow accepts it)."""

from __future__ import annotations

import os
from pathlib import Path

from textual.suggester import Suggester


class PathSuggester(Suggester):
    def __init__(self) -> None:
        super().__init__(use_cache=False, case_sensitive=True)

    async def get_suggestion(self, value: str) -> str | None:
        # Several PATH[:WEIGHT] specs may share one input: complete only the last word.
        head, _, word = value.rpartition(" ")
        if not word or ":" in word.lstrip("~/"):
            return None
        folder, _, start = word.rpartition("/")
        base = Path(os.path.expanduser(folder or ".")) if folder or not word.startswith("/") else Path("/")
        try:
            names = sorted(n for n in os.listdir(base) if n.startswith(start) and not (n.startswith(".") and not start))
        except OSError:
            return None
        if not names:
            return None
        name = names[0] + ("/" if (base / names[0]).is_dir() else "")
        completed = f"{folder}/{name}" if folder or word.startswith("/") else name
        return f"{head} {completed}" if head else completed
