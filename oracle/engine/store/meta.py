"""The schemas of the JSON files Oracle keeps, and the one place they are read and checked.

`meta.json` (a finished model), `checkpoint.json` (a resumable run) and `settings.json` (the
active model) are read through `read_meta`, `read_checkpoint_pointer` and `read_settings`; an
import's metadata goes through `check_meta` too. Each file is bounded in size and depth before it
is parsed (readers.py), then every field a reader uses is checked for its type, its range and
finiteness, so that code reading `meta["best"]["val_loss"]` can trust what it gets. Fields this
version does not know are kept and not checked (a newer Oracle may add some); everything is
bounded in size, so they cannot cost more than the cap.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from oracle.engine.errors import CorruptModel, OracleError
from oracle.engine.io.limits import MAX_VOCAB
from oracle.engine.io.readers import ReadRefused, parse_json, read_json

FORMAT = "oracle-model"
FORMAT_VERSION = 1
MAX_META_BYTES = 4 << 20  # the default model's is 7 kB; a thousand epochs of metrics is ~1 MB
MAX_SETTINGS_BYTES = 1 << 20
MAX_NAME_CHARS = 1000  # corpus and voice names, paths, samples: anything longer is not ours
_FILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,200}")
_SHA256 = re.compile(r"[0-9a-f]{64}")

Check = Callable[[Any, str], None]


class SchemaError(Exception):
    """`at` names the field (config.dropout), the message says what it must be."""


# ---- the building blocks: each returns a check(value, at) that raises SchemaError ------------------

def text(max_chars: int = MAX_NAME_CHARS, pattern: re.Pattern | None = None) -> Check:
    def check(value, at):
        if not isinstance(value, str) or len(value) > max_chars:
            raise SchemaError(f"{at} must be text of at most {max_chars:,} characters")
        if pattern is not None and not pattern.fullmatch(value):
            raise SchemaError(f"{at} is not a valid value")
    return check


def integer(low: int = 0, high: int = 2**53) -> Check:
    def check(value, at):
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise SchemaError(f"{at} must be a whole number from {low} to {high}")
    return check


def number(low: float = -math.inf, high: float = math.inf, below_high: bool = False) -> Check:
    def check(value, at):
        if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value) \
                or not low <= value <= high or (below_high and value == high):
            raise SchemaError(f"{at} must be a finite number from {low} to {high}")
    return check


def boolean(value, at) -> None:
    if not isinstance(value, bool):
        raise SchemaError(f"{at} must be true or false")


def optional(inner: Check) -> Check:
    def check(value, at):
        if value is not None:
            inner(value, at)
    return check


def list_of(item: Check, max_items: int = 100_000) -> Check:
    def check(value, at):
        if not isinstance(value, list) or len(value) > max_items:
            raise SchemaError(f"{at} must be a list of at most {max_items:,} items")
        for i, v in enumerate(value):
            item(v, f"{at}[{i}]")
    return check


def mapping(item: Check, max_items: int = 10_000) -> Check:
    def check(value, at):
        if not isinstance(value, dict) or len(value) > max_items:
            raise SchemaError(f"{at} must be an object of at most {max_items:,} entries")
        for k, v in value.items():
            item(v, f"{at}.{k[:40]}")
    return check


def record(required: dict[str, Check], optional_fields: dict[str, Check] | None = None) -> Check:
    """An object with these fields (unknown fields are allowed and left alone)."""
    def check(value, at):
        if not isinstance(value, dict):
            raise SchemaError(f"{at} must be an object")
        for key, field_check in required.items():
            if key not in value:
                raise SchemaError(f"{at}.{key} is missing")
            field_check(value[key], f"{at}.{key}")
        for key, field_check in (optional_fields or {}).items():
            if key in value:
                field_check(value[key], f"{at}.{key}")
    return check


# ---- the schemas ----------------------------------------------------------------------------------

LOSS = optional(number(0, 1e6))
FILE_REF = record({"file": text(200, _FILE_NAME), "sha256": text(64, _SHA256)})
CONFIG = record({"vocab_size": integer(1, MAX_VOCAB), "hidden_size": integer(1, 16384), "num_layers": integer(1, 64),
                 "embed_dim": integer(1, 16384), "dropout": number(0, 1, below_high=True), "one_hot": boolean},
                {"voices": integer(0, 10_000), "voice_dim": integer(0, 1024)})
CORPUS = record({"name": text(), "sha256": text(64), "weight": number(0, 1e9), "chars": integer(0)},
                {"path": text(4096), "train_chars": integer(0), "val_chars": integer(0)})
METRIC = record({"epoch": integer(0), "step": integer(0), "train_loss": LOSS},
                {"partial": boolean, "train_bpc": LOSS, "val_loss": LOSS, "val_bpc": LOSS, "val_method": text(20),
                 "per_source": mapping(LOSS), "seconds": optional(number(0)), "lr": optional(number(0))})
BEST = record({"epoch": integer(0), "step": integer(0)},
              {"val_loss": LOSS, "val_bpc": LOSS, "train_loss": LOSS, "score": LOSS, "sample": text(100_000),
               "weights": FILE_REF})
VOICE = record({"name": text(), "weight": number(0, 1e9)})
META = record(
    {"config": CONFIG, "vocab": text(MAX_VOCAB), "weights": FILE_REF},
    {"name": text(200), "created": optional(text(100)), "updated": optional(text(100)), "lowercase": boolean,
     "parameters": optional(integer(0)), "recipe_name": optional(text(200)), "recipe": mapping(lambda v, at: None, 200),
     "corpora": list_of(CORPUS, 10_000), "metrics": list_of(METRIC), "best": optional(BEST),
     "training_seconds": optional(number(0)), "device": optional(text(200)), "device_name": optional(text(500)),
     "world_size": optional(integer(1)), "command": list_of(text(100_000), 10_000),
     "versions": mapping(text(200), 100), "init_from": optional(text(200)), "copied_from": optional(text(200)),
     # issue 11 (a word list beside the weights) and issue 12 (voices, one per source) add these
     "words": optional(FILE_REF), "voices": optional(list_of(VOICE, 10_000))})
CHECKPOINT = record(
    {"config": CONFIG, "vocab": text(MAX_VOCAB), "weights": FILE_REF, "state": FILE_REF,
     "recipe": mapping(lambda v, at: None, 200), "corpora": list_of(CORPUS, 10_000), "metrics": list_of(METRIC),
     "epoch": integer(0), "batch_index": integer(0), "step": integer(0), "elapsed": number(0)},
    {"name": text(200), "best": optional(BEST), "lr_scale": number(0, 1e6), "created": optional(text(100)),
     "recipe_name": optional(text(200)), "world": integer(1)})


def _vocab_matches(data: dict) -> None:
    vocab, size = data["vocab"], data["config"]["vocab_size"]
    if len(vocab) != size or len(set(vocab)) != len(vocab):
        raise SchemaError(f"vocab holds {len(vocab)} characters ({len(set(vocab))} distinct) but config.vocab_size is {size}")
    if any(0xD800 <= ord(ch) <= 0xDFFF for ch in vocab):
        raise SchemaError("vocab holds a lone surrogate, which no text can contain")


def _voices_match(meta: dict) -> None:
    """A voiced model names each voice once, in voice-table order; an unvoiced one names none (issue 12)."""
    config, voices = meta["config"], meta.get("voices")
    count = config.get("voices", 0)
    if not count:
        if voices:
            raise SchemaError("voices are named but config.voices is 0")
        return
    names = [v["name"] for v in voices or []]
    if len(names) != count or not config.get("voice_dim") or not all(names) or len(set(names)) != len(names):
        raise SchemaError(f"voices must name each of the {count} voices of config.voices once")


def check_meta(meta, where: str) -> dict:
    """Check a model's metadata (from a folder or an import); CorruptModel names `where` and the field."""
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise CorruptModel(f"{where} is not an Oracle model file: export models from Oracle to move them.")
    version = meta.get("format_version")
    if version != FORMAT_VERSION:
        shown = version if isinstance(version, int) else repr(version)[:20]
        raise CorruptModel(f"{where} was written in model format {shown}, but this Oracle reads "
                           f"format {FORMAT_VERSION}: use a matching Oracle version or retrain.")
    try:
        META(meta, "meta")
        _vocab_matches(meta)
        _voices_match(meta)
    except SchemaError as err:
        raise CorruptModel(f"{where} is damaged ({err}): it cannot be loaded; restore the model from an export or delete it.") from None
    return meta


def check_checkpoint(pointer, where: str) -> dict:
    if not isinstance(pointer, dict) or pointer.get("format_version") != FORMAT_VERSION:
        raise CorruptModel(f"{where} comes from an incompatible Oracle version: it cannot be resumed.")
    try:
        CHECKPOINT(pointer, "checkpoint")
        _vocab_matches(pointer)
    except SchemaError as err:
        raise CorruptModel(f"{where} is damaged ({err}): the run cannot be resumed, but a saved model still loads.") from None
    return pointer


def _load(path: Path, max_bytes: int, damaged: str):
    try:
        return read_json(path, max_bytes)
    except ReadRefused as why:
        raise CorruptModel(f"{path} is corrupted: it {why}; {damaged}") from None
    except (PermissionError, IsADirectoryError) as err:
        raise CorruptModel(f"Cannot read {path} ({err.strerror}): {damaged}") from None


def read_meta(folder: Path) -> dict:
    path = folder / "meta.json"
    try:
        data = _load(path, MAX_META_BYTES, "restore the model from an export or delete it.")
    except FileNotFoundError:
        raise CorruptModel(f"{folder} has no meta.json: it is not a finished Oracle model; delete it or resume its training.") from None
    except OSError as err:
        raise CorruptModel(f"Cannot read {path} ({err.strerror}): restore the model from an export or delete it.") from None
    return check_meta(data, str(path))


def read_checkpoint_pointer(folder: Path) -> dict:
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


def encode_checked(data: dict, path: Path, check) -> bytes:
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


def read_settings(path: Path) -> dict:
    """settings.json as a dict; a missing, damaged or hostile one reads as empty (it holds only preferences)."""
    try:
        data = read_json(path, MAX_SETTINGS_BYTES)
    except (OSError, ReadRefused):
        return {}
    return data if isinstance(data, dict) else {}


def finite_or_none(value):
    """A copy of `value` whose non-finite floats are None: what Oracle writes must read back."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: finite_or_none(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite_or_none(v) for v in value]
    return value
