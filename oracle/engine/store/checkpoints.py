"""What the trainer commits: `meta.json` (a finished model) and `checkpoint.json` (a resumable run).

JSON files are the commit points: new weights are written under a fresh name first, then the JSON
that points at them replaces the old one atomically, then the files no JSON points at go. A kill at
any moment leaves a folder that loads. The optimiser state is read back with weights_only=True.
"""

from __future__ import annotations

import io
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from oracle.engine.errors import CorruptModel, ModelNotFound, OracleError
from oracle.engine.io import limits
from oracle.engine.io.atomic import write_bytes_atomic
from oracle.engine.io.readers import ReadRefused, read_regular
from oracle.engine.store.meta import (
    FORMAT,
    FORMAT_VERSION,
    check_checkpoint,
    encode_checked,
    file_refs,
    finite_or_none,
    read_checkpoint_pointer,
)
from oracle.engine.store.records import CheckpointPointer, FileRef, ModelMeta, write_meta
from oracle.engine.store.weights import read_weights, sha256_bytes, write_weights

if TYPE_CHECKING:
    import torch


def commit_meta(folder: Path, meta: ModelMeta) -> None:
    write_meta(folder, meta)
    prune(folder)


def prune(folder: Path) -> None:
    """Delete weight and state files no committed JSON refers to (left by a crash or superseded)."""
    keep = file_refs(folder)
    for f in folder.iterdir():
        if f.is_file() and (f.name.startswith(("weights-", "last-", "state-", "words-")) or f.name.endswith(".tmp")) and f.name not in keep:
            f.unlink(missing_ok=True)


def write_checkpoint(folder: Path, net, train_state: Mapping[str, object],
                     pointer: Callable[[FileRef, FileRef], CheckpointPointer]) -> None:
    """The resumable state: weights + optimiser/scheduler/RNG (torch.save, read back weights_only),
    then `pointer(weights, state)`, the record that points at them, as checkpoint.json."""
    import torch  # only training writes checkpoints

    weights = write_weights(folder, "last", net)
    buf = tempfile.SpooledTemporaryFile()
    torch.save(train_state, buf)
    buf.seek(0)
    data = buf.read()
    fname = f"state-{time.time_ns():x}.pt"
    write_bytes_atomic(folder / fname, data)
    state = FileRef(fname, sha256_bytes(data))
    written = finite_or_none({**pointer(weights, state).to_dict(), "format": FORMAT, "format_version": FORMAT_VERSION})
    write_bytes_atomic(folder / "checkpoint.json", encode_checked(written, folder / "checkpoint.json", check_checkpoint))
    prune(folder)


def read_checkpoint(folder: Path) -> tuple[CheckpointPointer, dict[str, torch.Tensor], dict]:
    import torch  # only resuming a run reads one

    try:
        pointer = read_checkpoint_pointer(folder)
    except FileNotFoundError:
        if not folder.is_dir():
            raise ModelNotFound(f"No model named {folder.name!r} to resume", remedy="list_models") from None
        raise OracleError(f"{folder.name} has no resumable checkpoint: it finished or was imported; train a new model instead.") from None
    try:
        from oracle.engine.train.recipes import Recipe

        Recipe.from_dict(pointer.recipe).validate()
    except Exception:
        raise CorruptModel(f"{folder / 'checkpoint.json'} holds a recipe this Oracle cannot use: the run cannot be resumed.") from None
    tensors = read_weights(folder / pointer.weights.file, pointer.weights.sha256)
    state_path = folder / pointer.state.file
    try:
        data = read_regular(state_path, limits.MAX_WEIGHTS_BYTES)
    except (OSError, ReadRefused):
        raise CorruptModel(f"{state_path} is missing or unreadable: the run cannot be resumed.") from None
    if sha256_bytes(data) != pointer.state.sha256:
        raise CorruptModel(f"{state_path} does not match its recorded sha256: the run cannot be resumed.")
    try:
        state = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    except Exception:
        raise CorruptModel(f"{state_path} is not a plain tensor file (refused to unpickle it): the run cannot be resumed.") from None
    return pointer, tensors, state
