"""The conversations as a whole: opening one, which one each model is in, the list, search, delete, format 1.

history.py keeps one conversation (its card, its parts, its exchanges); this module works across
them. Everything of history's is reached through the module (`history.X`), so a test that changes
one of its limits or writers changes it here too. history.py re-exports these names: callers use
`history.current(...)`, `history.search(...)` as before.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from oracle.engine import OracleError, ReadRefused, Record, read_json, spec
from oracle.tui import history

Conversation = history.Conversation  # the annotations' name


def new(model: str) -> Conversation:
    """A fresh, empty conversation with `model` (written, and made current, by its first exchange)."""
    return Conversation(history._new_id(), model)


def open_conversation(ident: str) -> Conversation:
    """The conversation with this id, its count taken from its parts; OracleError if it is gone or damaged."""
    if not history.ID_PATTERN.match(ident):
        raise OracleError(f"There is no conversation {ident!r}.")
    card = history._root() / ident / "conversation.json"
    try:
        data = history._read(card, history.MAX_CARD_BYTES, history.FORMAT)
    except FileNotFoundError:
        raise OracleError(f"The conversation {ident} is gone (deleted?).") from None
    except (ValueError, OSError) as err:
        raise OracleError(f"The conversation file {card} cannot be read ({err}).") from None
    conversation = _from_card(ident, data)
    conversation.refresh_count()
    return conversation


@dataclass(frozen=True)
class ConversationCard(Record):
    """conversation.json: what the list shows of a conversation without reading its parts. Read
    leniently: a field that cannot be used reads as its default (the count is corrected from the parts)."""
    model: str = ""
    title: str = ""
    created: str = ""
    updated: str = ""
    count: int = spec(0, low=0)


def _from_card(ident: str, data: dict) -> Conversation:
    card = ConversationCard.from_dict(data, "conversation", lenient=True)
    return Conversation(ident, card.model or "?", card.title, card.created, card.updated, card.count)


def make_current(conversation: Conversation) -> None:
    """Reopening a conversation makes it the one its model starts in next time (once it has exchanges)."""
    if conversation.exists():
        try:
            history._set_current(conversation.model, conversation.id)
        except OSError:
            pass  # a read-only home costs the pointer, not the conversation


_unsaid: list[str] = []  # notices of files set aside where no one could be told yet


def current(model: str) -> tuple[Conversation, list[str]]:
    """The conversation `model` was last in (a new empty one if none), and notices to show."""
    notices = _unsaid + migrate_legacy()
    _unsaid.clear()
    ident = history._read_current().get(model)
    if ident:
        try:
            return open_conversation(ident), notices
        except OracleError as err:
            if (history._root() / ident).exists():
                notices.append(str(err) + " A new conversation begins.")
    return new(model), notices


# ---- the list: find, search, delete ------------------------------------------------------------

def list_conversations() -> list[Conversation]:
    """Every conversation that has exchanges, most recently updated first (their cards only)."""
    _unsaid.extend(migrate_legacy())  # a file set aside here is said by the next `current`, never silently
    found = []
    for folder in history._root().iterdir():
        if not history.ID_PATTERN.match(folder.name):
            continue
        try:
            found.append(_from_card(folder.name, history._read(folder / "conversation.json", history.MAX_CARD_BYTES, history.FORMAT)))
        except (ValueError, OSError):
            continue  # a folder without a readable card is not ours to show (or delete)
    return sorted(found, key=lambda c: (c.updated, c.id), reverse=True)


def search(text: str, conversations: list[Conversation] | None = None,
           should_stop: Callable[[], bool] = lambda: False) -> list[tuple[Conversation, str]]:
    """Conversations whose title, questions or answers contain `text` (any case), each with a snippet."""
    needle = text.casefold().strip()
    hits = []
    for conversation in list_conversations() if conversations is None else conversations:
        if should_stop():
            break
        if needle in conversation.title.casefold():
            hits.append((conversation, conversation.title))
            continue
        for exchange in conversation:
            where = next((s for s in (exchange.question, exchange.answer) if needle in s.casefold()), None)
            if where is not None:
                at = where.casefold().index(needle)
                start = max(0, at - 10)  # a little context before the words found, so they show in a narrow column
                hits.append((conversation, ("…" if start else "") + " ".join(where[start:at + len(needle) + 60].split())))
                break
    return hits


def delete(conversation: Conversation) -> None:
    """Remove a conversation for good: first renamed out of sight (atomic), then its files deleted."""
    folder = conversation.folder
    if not folder.is_dir():
        return
    gone = folder.with_name(f".deleted-{folder.name}")
    try:
        os.replace(folder, gone)
        if history._read_current().get(conversation.model) == conversation.id:
            history._set_current(conversation.model, None)
    except OSError as err:
        raise OracleError(f"Could not delete the conversation {folder} ({err.strerror}).") from None
    shutil.rmtree(gone, ignore_errors=True)


# ---- format 1 ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class LegacyFile(Record):
    """A format-1 MODEL.json: every exchange of the model's one conversation (read leniently, but one
    exchange without a question or an answer makes the file damaged, to be set aside whole)."""
    exchanges: tuple[history.Exchange, ...]
    model: str = ""  # absent or unusable: the file's name says it


def migrate_legacy() -> list[str]:
    """Turn every format-1 `MODEL.json` into a format-2 conversation; notices for files set aside."""
    notices = []
    folder = history._root()
    for path in sorted(folder.glob("*.json")):
        if path.name == "current.json" or not path.is_file():
            continue
        try:
            data = read_json(path, history.MAX_LEGACY_BYTES)
            if not isinstance(data, dict) or history.Header.from_dict(data, path.name, lenient=True).format != history.FORMAT:
                raise ValueError("not an Oracle conversation")
            legacy = LegacyFile.from_dict(data, path.name, lenient=True)
        except OSError:
            continue  # unreadable now (permissions?): left where it is, tried again next time
        except (ValueError, ReadRefused):
            aside = history.set_aside(path)
            notices.append(f"The conversation file {path.name} was damaged: it was kept as {aside.name} and a fresh one begins.")
            continue
        model, exchanges = legacy.model or path.stem, list(legacy.exchanges)
        stamp = datetime.fromtimestamp(path.stat().st_mtime).astimezone().isoformat(timespec="milliseconds")
        conversation = Conversation(history._new_id(), model, created=stamp, updated=stamp)
        if exchanges:
            conversation.extend(exchanges)
            conversation.updated = stamp  # it was last spoken in then, not now
            conversation.write_card()
        os.replace(path, path.with_name(path.name + ".v1-migrated"))
    return notices


# ---- for the tests and the benchmark: a model's current conversation as a plain list ----------

def load(model: str) -> tuple[list[history.Exchange], str | None]:
    """Every exchange of the conversation `model` is in, and a notice if something was set aside."""
    conversation, notices = current(model)
    exchanges = list(conversation)
    return exchanges, (" ".join(notices) or None)


def save(model: str, exchanges: list[history.Exchange]) -> Conversation:
    """Start a new conversation with `model` holding these exchanges (it becomes the current one)."""
    conversation = new(model)
    if exchanges:
        conversation.extend(exchanges)
    return conversation
