"""Reading the JSON files Oracle keeps: bounded, parsed, then checked into typed records.

`meta.json` (a finished model) and `checkpoint.json` (a resumable run) are read through
`read_meta` and `read_checkpoint_pointer`, an import's metadata through `check_meta`; each file
is bounded in size and depth before it is parsed (readers.py), then built into its record
(records.py), which checks every field's type, range and finiteness, so code reading
`meta.best.val_loss` can trust what it gets. `settings.json` (the active model) is read by
`read_settings`. Fields this version does not know are kept and not checked (a newer Oracle may
add some); everything is bounded in size, so they cannot cost more than the cap.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from oracle.engine.errors import CorruptModel, OracleError
from oracle.engine.io.readers import ReadRefused, parse_json, read_json
from oracle.engine.record import Record, RecordError
from oracle.engine.store.records import FORMAT, FORMAT_VERSION, CheckpointPointer, ModelMeta, finite_or_none

__all__ = ["FORMAT", "FORMAT_VERSION", "MAX_META_BYTES", "check_checkpoint", "check_meta", "encode_checked", "file_refs", "finite_or_none",
           "read_checkpoint_pointer", "record_to_write", "read_meta", "read_settings"]

MAX_META_BYTES = 4 << 20  # the default model's is 7 kB; a thousand epochs of metrics is ~1 MB
MAX_SETTINGS_BYTES = 1 << 20
R = TypeVar("R", bound=Record)


def check_meta(meta: Any, where: str) -> ModelMeta:
    """A model's metadata (from a folder or an import) as its record; CorruptModel names `where` and the field."""
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise CorruptModel(f"{where} is not an Oracle model file: export models from Oracle to move them.")
    version = meta.get("format_version")
    if version != FORMAT_VERSION:
        shown = version if isinstance(version, int) else repr(version)[:20]
        raise CorruptModel(f"{where} was written in model format {shown}, but this Oracle reads "
                           f"format {FORMAT_VERSION}: use a matching Oracle version or retrain.")
    try:
        return ModelMeta.from_dict(meta, "meta")
    except RecordError as err:
        raise CorruptModel(f"{where} is damaged ({err}): it cannot be loaded; restore the model from an export or delete it.") from None


def check_checkpoint(pointer: Any, where: str) -> CheckpointPointer:
    if not isinstance(pointer, dict) or pointer.get("format_version") != FORMAT_VERSION:
        raise CorruptModel(f"{where} comes from an incompatible Oracle version: it cannot be resumed.")
    try:
        return CheckpointPointer.from_dict(pointer, "checkpoint")
    except RecordError as err:
        raise CorruptModel(f"{where} is damaged ({err}): the run cannot be resumed, but a saved model still loads.") from None


def _load(path: Path, max_bytes: int, damaged: str):
    try:
        return read_json(path, max_bytes)
    except ReadRefused as why:
        raise CorruptModel(f"{path} is corrupted: it {why}; {damaged}") from None
    except (PermissionError, IsADirectoryError) as err:
        raise CorruptModel(f"Cannot read {path} ({err.strerror}): {damaged}") from None


def read_meta(folder: Path) -> ModelMeta:
    path = folder / "meta.json"
    try:
        data = _load(path, MAX_META_BYTES, "restore the model from an export or delete it.")
    except FileNotFoundError:
        raise CorruptModel(f"{folder} has no meta.json: it is not a finished Oracle model; delete it or resume its training.") from None
    except OSError as err:
        raise CorruptModel(f"Cannot read {path} ({err.strerror}): restore the model from an export or delete it.") from None
    return check_meta(data, str(path))


def read_checkpoint_pointer(folder: Path) -> CheckpointPointer:
    """checkpoint.json, checked; FileNotFoundError passes through (the caller says what that means)."""
    path = folder / "checkpoint.json"
    try:
        data = _load(path, MAX_META_BYTES, "the run cannot be resumed, but a saved model still loads.")
    except FileNotFoundError:
        raise
    except OSError as err:
        raise CorruptModel(f"Cannot read {path} ({err.strerror}): the run cannot be resumed.") from None
    return check_checkpoint(data, str(path))


def file_refs(folder: Path) -> set[str]:
    """Every file name a committed meta.json or checkpoint.json in `folder` points at (for pruning).

    A pointer that cannot be read keeps nothing alive, but a folder whose pointers are all
    unreadable is never pruned at all (the caller checks `readable`)."""
    keep: set[str] = set()
    for pointer in ("meta.json", "checkpoint.json"):
        try:
            data = read_json(folder / pointer, MAX_META_BYTES)
        except (OSError, ReadRefused):
            continue
        if not isinstance(data, dict):
            continue
        for ref in (data.get("weights"), data.get("state"), data.get("words"), (data.get("best") or {}).get("weights")
                    if isinstance(data.get("best"), dict) else None):
            if isinstance(ref, dict) and isinstance(ref.get("file"), str):
                keep.add(ref["file"])
    return keep


def encode_checked(data: dict, path: Path, check: Callable[[Any, str], object]) -> bytes:
    """The bytes of meta.json or checkpoint.json as write_json_atomic writes them, read back first by
    the reader's own checks (size, depth, schema): Oracle never writes a file it would then refuse.
    OracleError (nothing written, the previous file kept) names the field that would not read back."""
    raw = (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8", "backslashreplace")
    try:
        check(parse_json(raw, MAX_META_BYTES), str(path))
    except (ReadRefused, CorruptModel) as err:
        why = str(err).split(" is damaged (", 1)[-1].split("): ", 1)[0] if isinstance(err, CorruptModel) else f"it {err}"
        raise OracleError(f"{path} was not written: Oracle could not read it back ({why}); "
                          "the previous one is kept. Report this with the command that trained the model.") from None
    return raw


def record_to_write(kind: type[R], data: dict, path: Path) -> R:
    """A record about to be written, built through its reader's checks; OracleError (nothing
    written) names the field that would not read back, as encode_checked does."""
    try:
        return kind.from_dict(data, path.stem)
    except RecordError as err:
        raise OracleError(f"{path} was not written: Oracle could not read it back ({err}); "
                          "the previous one is kept. Report this with the command that trained the model.") from None


def read_settings(path: Path) -> dict:
    """settings.json as a dict; a missing, damaged or hostile one reads as empty (it holds only preferences)."""
    try:
        data = read_json(path, MAX_SETTINGS_BYTES)
    except (OSError, ReadRefused):
        return {}
    return data if isinstance(data, dict) else {}
