"""An exchange in words: the line under each answer on screen, and the Markdown of an export.

Both say how to replay the answer: model, seed, settings, the voice, and each change made while it
spoke with its value and the character it took effect at; a replay says it is one.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from oracle.engine import OracleError, ReadingRecord, VoiceChange, format_blend, write_bytes_atomic

if TYPE_CHECKING:
    from oracle.tui.history import Exchange

REPLAY = "a replay (same seed and settings as an earlier answer)"


def describe_changes(record: ReadingRecord) -> list[str]:
    """Each change made while it spoke: "from character 12: temperature 0.9"."""
    return [f"from character {change.at}: " + (
        f"voice {format_blend(change.voice)}" if isinstance(change, VoiceChange)
        else ", ".join(f"{k.replace('_', '-')} {v}" for k, v in change.settings.items()))
        for change in record.changes]


REMEMBERED = "remembering the exchange before"


def describe_record(record: ReadingRecord, stopped: bool = False, replay: bool = False, context: str = "") -> str:
    s = record.settings  # as a replay reads them (None: the record names none)
    parts = [f"seed {_or_unknown(record.seed)}", f"temperature {_or_unknown(s and s.temperature)}"]
    if s and s.top_k:
        parts.append(f"top-k {s.top_k}")
    if s and s.top_p < 1.0:
        parts.append(f"top-p {s.top_p}")
    parts.append(f"stop: {_or_unknown(s and s.stop)}")
    if s and s.words == "corpus":
        parts.append("real words")
    if s and s.heed:
        parts.append(f"heed {s.heed}")
    if record.voice:
        parts.append(f"voice {format_blend(record.voice)}")
    parts += describe_changes(record)
    if stopped:
        parts.append("stopped")
    if replay:
        parts.append(REPLAY)
    if context:
        parts.append(REMEMBERED)
    return f"{_or_unknown(record.model)} · " + " · ".join(parts)


def _or_unknown(value: object) -> str:
    """A recorded value, or '?' for one the record does not have (or could not use)."""
    return "?" if value is None else str(value)


def markdown_lines(model: str, exchanges: Iterable[Exchange]) -> Iterator[str]:
    """A readable transcript that still says how to replay each answer (model, seed, settings)."""
    yield f"# A conversation with the oracle `{model}`\n\n"
    for i, ex in enumerate(exchanges, 1):
        record = ex.record
        settings = record.settings.to_dict() if record.settings is not None else {}  # as a replay reads them
        shown = ", ".join(f"{k.replace('_', '-')} {v}" for k, v in settings.items())
        if record.voice:  # a voiced model's blend (none: any voice)
            shown += f"; voice {format_blend(record.voice)}"
        for change in describe_changes(record):  # made while it spoke: replay applies them at the same step
            shown += f"; {change}"
        lines = [f"## {i}. {ex.question.strip() or '(silence)'}", ""]
        lines += [f"> {line}" if line else ">" for line in ex.answer.rstrip("\n").split("\n")]
        lines += ["", (f"*model `{record.model or model}`, seed {_or_unknown(record.seed)}; {shown}"
                       f"{'; stopped by the reader' if ex.stopped else ''}{'; ' + REPLAY if ex.replay else ''}"
                       f"{'; ' + REMEMBERED if ex.context else ''}*"), "", ""]
        yield "\n".join(lines)


def to_markdown(model: str, exchanges: Iterable[Exchange]) -> str:
    return "".join(markdown_lines(model, exchanges)).rstrip("\n") + "\n"


def export_markdown(model: str, exchanges: Iterable[Exchange], dest: Path) -> Path:
    dest = Path(dest).expanduser()
    if dest.is_dir():
        dest = dest / f"{model}-conversation.md"
    if not dest.parent.is_dir():
        raise OracleError(f"Cannot export to {dest}: the folder {dest.parent} does not exist.")
    try:
        write_bytes_atomic(dest, to_markdown(model, exchanges).encode("utf-8"))
    except OSError as err:
        raise OracleError(f"Cannot write {dest} ({err.strerror}): choose another file.") from None
    return dest
