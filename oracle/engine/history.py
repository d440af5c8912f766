"""Conversations with an oracle, kept per model in `paths.conversations_dir()`.

Each model has one JSON file: a list of exchanges (question, answer, and the reading's record of
model, seed and settings, so any answer can be replayed exactly). Writes are atomic. A file that
cannot be read is set aside as `NAME.json.corrupt-TIMESTAMP` (never deleted) and the conversation
starts afresh with a notice saying where the old file went.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from . import paths
from .atomic import write_bytes_atomic, write_json_atomic
from .errors import OracleError

FORMAT = "oracle-conversation"
FORMAT_VERSION = 1


@dataclass
class Exchange:
    question: str
    answer: str
    record: dict = field(default_factory=dict)  # Reading.record(): model, seed, settings
    stopped: bool = False  # the reader stopped it before the stop rule did
    notice: str | None = None  # what the prompt lost (characters the model never saw)

    @classmethod
    def from_dict(cls, data: dict) -> "Exchange":
        if not isinstance(data.get("question"), str) or not isinstance(data.get("answer"), str):
            raise ValueError("an exchange needs a question and an answer")
        record = data.get("record") if isinstance(data.get("record"), dict) else {}
        return cls(data["question"], data["answer"], record, bool(data.get("stopped")), data.get("notice"))


def conversation_path(model: str) -> Path:
    # Model names are already restricted to [A-Za-z0-9._-], so they are safe file names.
    return paths.conversations_dir() / f"{model}.json"


def load(model: str) -> tuple[list[Exchange], str | None]:
    """The saved conversation with `model`, and a notice if a damaged file had to be set aside."""
    path = conversation_path(model)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return [], None
    except OSError as err:
        return [], f"Could not read the conversation {path} ({err.strerror}); starting a fresh one."
    try:
        data = json.loads(raw.decode("utf-8"))
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValueError("not an Oracle conversation")
        return [Exchange.from_dict(item) for item in data["exchanges"]], None
    except (ValueError, KeyError, TypeError, AttributeError):
        aside = set_aside(path)
        return [], f"The conversation file {path.name} was damaged: it was kept as {aside.name} and a fresh one begins."


def set_aside(path: Path) -> Path:
    aside = path.with_name(f"{path.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}")
    n = 1
    while aside.exists():
        aside = aside.with_name(f"{path.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}-{n}")
        n += 1
    os.replace(path, aside)
    return aside


def save(model: str, exchanges: list[Exchange]) -> None:
    path = conversation_path(model)
    try:
        write_json_atomic(path, {"format": FORMAT, "format_version": FORMAT_VERSION, "model": model,
                                 "exchanges": [asdict(e) for e in exchanges]})
    except OSError as err:
        raise OracleError(f"Could not save the conversation to {path} ({err.strerror}): free some space or make the folder writable.") from None


def to_markdown(model: str, exchanges: list[Exchange]) -> str:
    """A readable transcript that still says how to replay each answer (model, seed, settings)."""
    lines = [f"# A conversation with the oracle `{model}`", ""]
    for i, ex in enumerate(exchanges, 1):
        record = ex.record or {}
        settings = record.get("settings") or {}
        shown = ", ".join(f"{k.replace('_', '-')} {v}" for k, v in settings.items())
        for change in record.get("changes") or []:  # made while it spoke: replay applies them at the same step
            shown += f"; from character {change.get('at')}: " + ", ".join(
                f"{k.replace('_', '-')} {v}" for k, v in (change.get("settings") or {}).items())
        lines += [f"## {i}. {ex.question.strip() or '(silence)'}", ""]
        lines += [f"> {line}" if line else ">" for line in ex.answer.rstrip("\n").split("\n")]
        lines += ["", f"*model `{record.get('model', model)}`, seed {record.get('seed', '?')}; {shown}"
                      f"{'; stopped by the reader' if ex.stopped else ''}*", ""]
    return "\n".join(lines)


def export_markdown(model: str, exchanges: list[Exchange], dest: Path) -> Path:
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
