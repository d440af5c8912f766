"""Conversations with an oracle: a list of them, each in its own folder under `paths.conversations_dir()`.

Format 2 (this one):
    conversations/current.json          which conversation each model is in (model -> id)
    conversations/ID/conversation.json  the conversation's card: model, title, created, updated, count
    conversations/ID/part-000000.json   exchanges 0-99, part-000001.json exchanges 100-199, ...
    conversations/ID/part-000000-1.json the rest of part 0 when its first file reached PIECE_BYTES
A part whose exchanges are long (a pasted book as a question) goes on in pieces (part-K-1.json,
part-K-2.json, ...), each kept under PIECE_BYTES when written, so that no file Oracle writes is one
its own reader (MAX_PART_BYTES) refuses. Every file is written atomically (temp file, fsync, rename). Asking one more question rewrites only
the last part (at most PART exchanges) and the card, so the cost of saving, opening (the last
part) and paging back (one part) never grows with the length of a conversation or with the number
of other conversations. Listing reads each conversation's card; searching reads everything.

Every file is read into a typed record (Exchange, its ReadingRecord, the part, current.json, the
card): fields this module does not know (newer versions, other features) are kept as they are.

Format 1 (one `conversations/MODEL.json` with every exchange) is migrated on first use into a
format-2 conversation; the old file is kept as `MODEL.json.v1-migrated`. A file that cannot be read
is set aside as `NAME.corrupt-TIMESTAMP` (never deleted) with a notice saying where it went.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from oracle.engine import OracleError, ReadingRecord, ReadRefused, Record, paths, read_json, spec, write_json_atomic, write_remedy
from oracle.tui.exchange_text import export_markdown, markdown_lines, to_markdown  # noqa: F401  (callers find them here)

FORMAT = "oracle-conversation"
FORMAT_VERSION = 2
PART_FORMAT = "oracle-conversation-part"
CURRENT_FORMAT = "oracle-conversations-current"
PART = 100  # exchanges per part file: ~40 KB of typical answers, rewritten once per answer
MAX_PART_BYTES = 64 << 20  # what a part's reader accepts
PIECE_BYTES = 16 << 20  # a part file written past this goes on in the next piece (one exchange is at most ~14 MB)
MAX_CARD_BYTES = 1 << 20
MAX_LEGACY_BYTES = 1 << 30  # a format-1 file held a whole history
ID_PATTERN = re.compile(r"^\d{8}-\d{6}-[0-9a-f]{6}$")


@dataclass(frozen=True)
class Exchange(Record):
    """One question and its answer, as a conversation file keeps it (fields of a newer format kept too)."""
    question: str
    answer: str
    record: ReadingRecord = field(default_factory=ReadingRecord)  # Reading.record(): what replays the answer
    stopped: bool = False  # the reader stopped it before the stop rule did
    notice: str | None = None  # what the prompt lost (characters the model never saw)
    replay: bool = False  # asked again with an earlier answer's seed and settings (the same answer)
    context: str = ""  # a remembered conversation: the exchange before, read by the oracle ahead of the question
    asked: str | None = spec(None, max_len=100)  # when it was asked (an ISO time; its card's date); last, as older files wrote it

    @classmethod
    def read(cls, data: Any) -> Exchange:
        """An exchange from a file: RecordError (a ValueError) without a question and an answer; any
        other bad field, the reading's record's included, is flagged (kept and saved back, not used)."""
        return cls.from_dict(data, "exchange", lenient=True)

    @classmethod
    def from_dict(cls, data: Any, at: str | None = None, *, lenient: bool = False) -> Exchange:
        if not isinstance(data, dict):
            return super().from_dict(data, at, lenient=lenient)  # refused, by name
        # The record on its own, never refused: what it cannot use is flagged inside it, as before it was typed.
        made = super().from_dict({k: v for k, v in data.items() if k != "record"}, at, lenient=lenient)
        return replace(made, record=ReadingRecord.read(data.get("record")), present=made.present | {"record"})


@dataclass(frozen=True)
class Header(Record):  # what every conversation file begins with (read leniently: a bad value reads as None)
    format: str | None = None
    format_version: int | None = None


@dataclass(frozen=True)
class PartFile(Record):  # one exchange without a question or an answer makes the whole piece damaged
    exchanges: tuple[Exchange, ...] = spec(max_len=PART)


@dataclass(frozen=True)
class CurrentFile(Record):  # current.json: model -> the id of the conversation it reopens in (each entry checked alone)
    current: dict[str, Any] = spec(factory=dict)


def _root() -> Path:
    try:
        return paths.conversations_dir()
    except OSError as err:
        raise OracleError(f"Cannot create the conversations folder ({err.strerror}): set ORACLE_HOME to a writable folder.") from None


def now() -> str:
    # Milliseconds: two answers in one second must still list in the order they were given.
    return datetime.now().astimezone().isoformat(timespec="milliseconds")


def _title(question: str) -> str:
    return " ".join(question.split())[:80] or "(silence)"


def _read(path: Path, max_bytes: int, fmt: str) -> dict:
    """A format-2 JSON object of kind `fmt`, or ValueError saying why not (FileNotFoundError passes)."""
    try:
        data = read_json(path, max_bytes)
    except ReadRefused as err:
        raise ValueError(f"{path.name} {err}") from None
    head = Header.from_dict(data, path.name, lenient=True) if isinstance(data, dict) else Header()
    if head.format != fmt:
        raise ValueError(f"{path.name} is not an Oracle {fmt.replace('oracle-', '').replace('-', ' ')} file")
    if head.format_version is None or head.format_version > FORMAT_VERSION:
        raise ValueError(f"{path.name} was written by a newer Oracle (format {head.format_version or 'unknown'})")
    return data


def set_aside(path: Path) -> Path:
    """Move a file we cannot read out of the way, keeping its bytes: NAME.corrupt-TIMESTAMP."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    aside, n = path.with_name(f"{path.name}.corrupt-{stamp}"), 1
    while aside.exists():
        aside, n = path.with_name(f"{path.name}.corrupt-{stamp}-{n}"), n + 1
    os.replace(path, aside)
    return aside


def _unwritable(path: Path, err: OSError) -> OracleError:
    return OracleError(f"Could not save the conversation to {path} ({err.strerror}): {write_remedy(err)}.")


class Conversation:
    """One conversation on disk. Its folder is created by the first exchange, so an unused new
    conversation leaves nothing behind."""

    def __init__(self, ident: str, model: str, title: str = "", created: str = "", updated: str = "", count: int = 0) -> None:
        self.id, self.model, self.title = ident, model, title
        self.created, self.updated = created or now(), updated or created or now()
        self.count = count  # as the card says; `open` corrects it from the parts

    @property
    def folder(self) -> Path:
        return _root() / self.id

    def exists(self) -> bool:
        return (self.folder / "conversation.json").is_file()

    def _part_path(self, k: int) -> Path:
        return self.folder / f"part-{k:06d}.json"

    def _last_part(self) -> int:
        numbers = [int(p.name[5:11]) for p in self.folder.glob("part-??????.json") if p.name[5:11].isdigit()]
        return max(numbers, default=0)

    def _piece_path(self, k: int, j: int) -> Path:
        return self._part_path(k) if j == 0 else self.folder / f"part-{k:06d}-{j}.json"

    def _read_piece(self, path: Path) -> list[Exchange]:
        return list(PartFile.from_dict(_read(path, MAX_PART_BYTES, PART_FORMAT), path.name, lenient=True).exchanges)

    def _read_pieces(self, k: int, keep_damaged: bool = False) -> tuple[list[list[Exchange]], str | None]:
        """Part k's pieces (each a list of exchanges), and a notice if one could not be read.

        A damaged piece is set aside (kept, renamed) with a notice; with `keep_damaged` (while
        appending, where no one would see a notice) it is left in place and ValueError raised."""
        pieces: list[list[Exchange]] = []
        j = 0
        while True:
            path = self._piece_path(k, j)
            try:
                pieces.append(self._read_piece(path))
            except FileNotFoundError:
                return pieces, None
            except OSError as err:
                return pieces, f"Could not read {path} ({err.strerror}): some exchanges of this conversation are not shown."
            except ValueError as err:
                if keep_damaged:
                    raise
                aside = set_aside(path)
                return pieces, f"Part of this conversation was damaged ({err}): it was kept as {aside.name}, and the rest is shown."
            j += 1
            if sum(map(len, pieces)) >= PART:
                return pieces, None

    def read_part(self, k: int) -> tuple[list[Exchange], str | None]:
        """Exchanges k*PART ... of this conversation, and a notice if the part had to be set aside."""
        pieces, notice = self._read_pieces(k)
        return [e for piece in pieces for e in piece], notice

    def refresh_count(self) -> str | None:
        """Count the exchanges from the parts themselves (the card may lag one answer after a crash)."""
        if not self.folder.is_dir():
            return None
        last = self._last_part()
        tail, notice = self.read_part(last)
        self.count = last * PART + len(tail)
        return notice

    def page(self, end: int, n: int) -> tuple[list[Exchange], list[str]]:
        """Up to `n` exchanges just before index `end` (oldest first), reading only the parts they lie in."""
        start, found, notices = max(0, end - n), [], []
        for k in range(start // PART, (end - 1) // PART + 1 if end > 0 else 0):
            items, notice = self.read_part(k)
            if notice:
                notices.append(notice)
            lo, hi = max(start, k * PART) - k * PART, min(end, (k + 1) * PART) - k * PART
            found += items[lo:hi]
        return found, notices

    def __iter__(self) -> Iterator[Exchange]:
        """Every exchange, oldest first, one part in memory at a time."""
        if not self.folder.is_dir():
            return
        for k in range(self._last_part() + 1):
            try:  # searching and exporting read every part: a damaged one is left where it is (and
                pieces, _ = self._read_pieces(k, keep_damaged=True)  # said when that page is opened)
            except ValueError:
                continue
            for piece in pieces:
                yield from piece

    def append(self, exchange: Exchange, make_current: bool = True) -> None:
        """Add an exchange at the end: rewrites the last part (read fresh from disk) and the card.

        With `make_current`, the conversation is also the one its model reopens in next time.
        An exchange not yet stamped with when it was asked (its card's date) is filed stamped now.
        """
        self.extend([exchange if exchange.asked else replace(exchange, asked=now())], make_current)

    def extend(self, exchanges: Iterable[Exchange], make_current: bool = True) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            k = self._last_part()
            try:
                pieces, _ = self._read_pieces(k, keep_damaged=True)
            except ValueError:
                # The last part cannot be read: it stays as it is (opening the conversation shows why)
                # and the new exchanges begin the next part, so nothing in it is lost or overwritten.
                k, pieces = k + 1, []
            pieces = pieces or [[]]
            size = sum(map(_size, pieces[-1]))
            changed = False  # a full piece read from disk is not written again
            for exchange in exchanges:
                grows = _size(exchange)
                if sum(map(len, pieces)) == PART:
                    if changed:
                        self._write_piece(k, len(pieces) - 1, pieces[-1])
                    k, pieces, size, changed = k + 1, [[]], 0, False
                elif pieces[-1] and size + grows > PIECE_BYTES:
                    if changed:
                        self._write_piece(k, len(pieces) - 1, pieces[-1])
                    pieces, size, changed = pieces + [[]], 0, False
                pieces[-1].append(exchange)
                size += grows
                changed = True
                if not self.title:
                    self.title = _title(exchange.question)
            if changed:
                self._write_piece(k, len(pieces) - 1, pieces[-1])
            self.count, self.updated = k * PART + sum(map(len, pieces)), now()
            self.write_card()
            if make_current:
                _set_current(self.model, self.id)
        except OSError as err:
            raise _unwritable(self.folder, err) from None

    def _write_piece(self, k: int, j: int, exchanges: list[Exchange]) -> None:
        write_json_atomic(self._piece_path(k, j), {"format": PART_FORMAT, "format_version": FORMAT_VERSION,
                                                   "exchanges": [e.to_dict() for e in exchanges]})

    def rename(self, title: str) -> None:
        """Give the conversation a title of the reader's own (one line, at most 80 characters)."""
        title = _title(title)
        if title == "(silence)":
            raise OracleError("A conversation's name needs at least one letter or number: type one, or press Esc.")
        self.title = title
        try:
            self.write_card()
        except OSError as err:
            raise OracleError(f"Cannot rename the conversation in {self.folder} ({err.strerror}): "
                              "make that folder writable.") from None

    def write_card(self) -> None:
        write_json_atomic(self.folder / "conversation.json", {
            "format": FORMAT, "format_version": FORMAT_VERSION, "id": self.id, "model": self.model, "title": self.title,
            "created": self.created, "updated": self.updated, "count": self.count, "part_size": PART})


def _size(exchange: Exchange) -> int:
    """Bytes the exchange takes in a part file, as write_json_atomic writes it (at the depth of its list)."""
    return len(json.dumps({"exchanges": [exchange.to_dict()]}, indent=2, ensure_ascii=False).encode("utf-8", "backslashreplace"))


def _new_id() -> str:
    return f"{time.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(3)}"


# ---- which conversation each model is in -------------------------------------------------------

def _current_path() -> Path:
    return _root() / "current.json"


def _read_current() -> dict[str, str]:
    try:
        data = _read(_current_path(), MAX_CARD_BYTES, CURRENT_FORMAT)
    except FileNotFoundError:
        return {}
    except (ValueError, OSError):
        return {}  # only a pointer: the conversations themselves are untouched, and listed
    current = CurrentFile.from_dict(data, "current.json", lenient=True).current  # not an object: none
    return {m: i for m, i in current.items() if isinstance(i, str) and ID_PATTERN.match(i)}


def _set_current(model: str, ident: str | None) -> None:
    current = _read_current()
    if current.get(model) == ident:
        return
    if ident is None:
        current.pop(model, None)
    else:
        current[model] = ident
    write_json_atomic(_current_path(), {"format": CURRENT_FORMAT, "format_version": FORMAT_VERSION, "current": current})


# The conversations as a whole live in conversation_index.py (this module was over 350 lines); they
# are this module's names too, for the callers (imported last: that module reads this one's names).
from oracle.tui.conversation_index import (  # noqa: E402
    current,
    delete,
    list_conversations,
    load,
    make_current,
    migrate_legacy,
    new,
    open_conversation,
    save,
    search,
)

__all__ = ["PART", "Conversation", "Exchange", "current", "delete", "export_markdown", "list_conversations", "load",
           "make_current", "markdown_lines", "migrate_legacy", "new", "open_conversation", "save", "search", "set_aside",
           "to_markdown"]
