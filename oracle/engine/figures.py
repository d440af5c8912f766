"""How figures read, in the app and on the command line alike: one convention, written once.

Counts and sizes use decimal (SI) units, as disk tools and file managers do: 1.6 MB is
1,600,000 bytes. Durations read 18s, 2m05s, 1h02m. Missing figures read "–".
"""

from __future__ import annotations

MISSING = "–"


def count(n: int | None) -> str:
    """A short count for tables: 951, 97.0k, 1.25M."""
    if n is None:
        return MISSING
    if n >= 1_000_000:
        return f"{n / 1e6:.2f}M"
    return f"{n / 1e3:.1f}k" if n >= 1_000 else str(n)


def count_exact(n: int | None) -> str:
    """A count for a details view: the short form and the exact one, 97.0k (96,951)."""
    if n is None:
        return MISSING
    return count(n) if n < 1_000 else f"{count(n)} ({n:,})"


def size(n_bytes: float | None) -> str:
    """A file size: 512 B, 383 kB, 1.6 MB, 2.10 GB."""
    if n_bytes is None:
        return MISSING
    if n_bytes < 1_000:
        return f"{n_bytes:.0f} B"
    if n_bytes < 1_000_000:
        return f"{n_bytes / 1e3:.0f} kB"
    if n_bytes < 1_000_000_000:
        return f"{n_bytes / 1e6:.1f} MB"
    return f"{n_bytes / 1e9:.2f} GB"


def duration(seconds: float | None) -> str:
    """A length of time: 18s, 2m05s, 1h02m."""
    if seconds is None:
        return MISSING
    seconds = int(seconds)
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


def bpc(value: float | None) -> str:
    """Bits per character, three decimals."""
    return MISSING if value is None else f"{value:.3f}"


def chars(n: int) -> str:
    """A corpus length in characters, short: 950k, 4.3M."""
    return f"{n / 1e6:.1f}M" if n >= 1_000_000 else f"{n / 1e3:.0f}k"


def created(stamp: str | None) -> str:
    """An ISO timestamp as a date: 2026-01-02."""
    return (stamp or "")[:10] or MISSING


SAMPLE_WORDS = 3  # a sample of fewer words says it is short, so "a" is not mistaken for the model's best


def sample(text: str | None) -> str:
    """A training sample on one line; one made only of spaces says so rather than showing nothing."""
    if not text:
        return "(no sample)"
    if not text.strip():
        return f"({len(text)} blank characters: the model has not learnt words yet)"
    shown = text.strip().replace("\n", " ⏎ ")
    if len(shown.split()) < SAMPLE_WORDS:  # "a" and 199 blanks: what there is, and why it is so little
        return f"{shown} (only {len(shown.split())} word(s) in {len(text)} characters: the model has not learnt to write on yet)"
    return shown
