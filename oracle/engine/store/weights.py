"""A model's weights: read and checked against their recorded sha256 and their config, written under a
fresh name. Only safetensors: nothing here ever unpickles.

Reading for an answer needs numpy alone (`read_arrays`, `check_arrays`, `load`): importing torch
costs seconds, most of a cold `oracle ask`. Training, transfers and checkpoints, which need torch
tensors, import torch when they call the functions that hand out tensors or networks.
"""

from __future__ import annotations

import hashlib
import math
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from oracle.engine.data import words as wordlist
from oracle.engine.data.vocab import Vocabulary
from oracle.engine.errors import CorruptModel
from oracle.engine.io import limits
from oracle.engine.io.atomic import write_bytes_atomic
from oracle.engine.io.readers import ReadRefused, parse_json, read_regular, read_safetensors_header
from oracle.engine.model.config import ModelConfig, Weights, weight_shapes
from oracle.engine.model.finite import check_finite
from oracle.engine.model.stepper import blas_threads, read_threads
from oracle.engine.read.reading import Oracle
from oracle.engine.store.records import FileRef, ModelMeta
from oracle.engine.store.registry import find

if TYPE_CHECKING:
    import torch

    from oracle.engine.model.network import CharLSTM


CHEAP_READ_BYTES = 64 << 20  # a file this small is read whole even when its header is bad


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _read_checked(path: Path, expected_sha: str | None) -> bytes:
    try:
        data = _read_whole(path, expected_sha)
    except ReadRefused as why:
        raise CorruptModel(f"{path} {why}: restore the model from an export.") from None
    except OSError as err:
        raise CorruptModel(f"Cannot read {path} ({err.strerror}): restore the model from an export.") from None
    if expected_sha and sha256_bytes(data) != expected_sha:
        raise CorruptModel(f"{path} does not match the sha256 recorded in its metadata (truncated or altered): "
                           "restore the model from an export.")
    return data


def _read_whole(path: Path, expected_sha: str | None) -> bytes:
    """The file's bytes, after the cheap checks (a regular file, a header that parses, a size that
    matches it): a large hostile file, a 2 GB sparse one included, fails before it is read whole.
    A small one that fails them is read anyway, so that the sha256 and safetensors checks after
    say exactly what is wrong with it (truncated, altered, not safetensors at all)."""
    try:
        read_safetensors_header(path, 1 << 20)
    except ReadRefused as why:
        if str(why).startswith(("is a ", "is an ")):  # a folder, a FIFO, a device
            raise
        if os.stat(path).st_size > CHEAP_READ_BYTES:
            raise _unreadable(path) from None
    return read_regular(path, limits.MAX_WEIGHTS_BYTES)


def _unreadable(path: Path) -> CorruptModel:
    return CorruptModel(f"{path} is not a readable safetensors file: restore the model from an export.")


def read_arrays(path: Path, expected_sha: str | None) -> dict[str, np.ndarray]:
    """The weights as numpy arrays (no torch): what reading an answer needs. They are read-only views
    of the file's bytes (nothing writes into weights: the stepper lays out copies of its own)."""
    data = _read_checked(path, expected_sha)
    try:
        arrays = _views(data)
    except (ValueError, TypeError, KeyError, ReadRefused):  # anything but what safetensors writes, or a dtype numpy lacks (bf16)
        raise _unreadable(path) from None
    check_finite(arrays, str(path))  # NaN weights answer "yyyy...": refused by both readers, with the tensor named
    return arrays


# safetensors' dtypes that numpy has (safetensors.numpy's own table).
_DTYPES = {"F64": "<f8", "F32": "<f4", "F16": "<f2", "I64": "<i8", "U64": "<u8", "I32": "<i4", "U32": "<u4", "I16": "<i2",
           "U16": "<u2", "I8": "i1", "U8": "u1", "BOOL": "?", "C64": "<c8"}


def _views(data: bytes) -> dict[str, np.ndarray]:
    """A safetensors file's tensors as numpy views of its bytes, in file order, with safetensors' own
    checks: a JSON header of tensors (dtype, shape, data_offsets) whose byte ranges follow one another
    from the start of the data to its end, each exactly as long as its shape. safetensors.numpy.load
    copied every tensor out of the bytes instead: 8 MB of fresh memory for the default, ~6 ms of
    every `oracle ask` on a host where a page fault costs microseconds."""
    length = int.from_bytes(data[:8], "little") if len(data) >= 8 else -1
    if not 2 <= length <= len(data) - 8:
        raise ValueError("no header")
    header = parse_json(data[8:8 + length], length)
    if not isinstance(header, dict):
        raise ValueError("not a header")
    metadata = header.pop("__metadata__", {})
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        raise ValueError("bad metadata")
    spans = []
    for name, info in header.items():
        if not isinstance(info, dict) or not {"dtype", "shape", "data_offsets"} <= set(info):  # more keys: as safetensors
            raise ValueError(name)
        dtype, shape, (begin, end) = np.dtype(_DTYPES[info["dtype"]]), info["shape"], info["data_offsets"]
        if not isinstance(shape, list) or not all(type(n) is int and n >= 0 for n in [*shape, begin, end]):
            raise ValueError(name)
        spans.append((begin, end, name, dtype, shape))
    spans.sort(key=lambda span: span[:2])
    arrays, start, at = {}, 8 + length, 0
    for begin, end, name, dtype, shape in spans:
        count = math.prod(shape)
        if begin != at or end - begin != count * dtype.itemsize:
            raise ValueError(name)
        view = np.frombuffer(data, dtype=dtype, count=count, offset=start + begin).reshape(shape)
        arrays[name] = view if view.flags.aligned else view.copy()
        at = end
    if start + at != len(data):
        raise ValueError("bytes after the last tensor")
    return arrays


def read_weights(path: Path, expected_sha: str | None) -> dict[str, torch.Tensor]:
    """The weights as torch tensors, for training, checkpoints and transfers."""
    from safetensors.torch import load as st_load

    data = _read_checked(path, expected_sha)
    try:
        tensors = st_load(data)
    except Exception:
        raise _unreadable(path) from None
    check_finite(tensors, str(path))  # train --from, export, resume
    return tensors


def check_arrays(meta: ModelMeta, arrays: dict, where: str) -> ModelConfig:
    """The config a model's metadata names, once its weights (arrays or tensors) are exactly the ones
    that config implies, by name and shape; otherwise one sentence saying it cannot be loaded."""
    mismatch = CorruptModel(f"{where} holds weights whose names or shapes do not match its config: it cannot be loaded.")
    try:
        config = meta.model_config
        # A config that lies (hidden size 10^6) must not allocate gigabytes before we notice the file
        # holds nothing like it: its weights (counted, not built) must be what the file holds.
        if limits.parameters(config) > sum(int(np.prod(a.shape)) for a in arrays.values()):
            raise mismatch
        expected = weight_shapes(config)
    except Exception:
        raise mismatch from None
    if expected != {k: tuple(v.shape) for k, v in arrays.items()}:
        raise mismatch
    return config


def build_net(meta: ModelMeta, tensors: dict[str, torch.Tensor], where: str) -> CharLSTM:
    from oracle.engine.model.network import CharLSTM

    config = check_arrays(meta, tensors, where)
    try:
        net = CharLSTM(config)
        net.load_state_dict(tensors, strict=True)
    except (RuntimeError, ValueError, TypeError):
        raise CorruptModel(f"{where} holds weights whose names or shapes do not match its config: it cannot be loaded.") from None
    return net


def load(name: str) -> Oracle:
    """A model ready to answer, read with numpy and safetensors alone."""
    entry = find(name)
    info = entry.model
    arrays = read_arrays(entry.path / info.weights.file, info.weights.sha256)
    config = check_arrays(info, arrays, str(entry.path))
    words, words_notice = wordlist.read(entry.path, info.words)  # a damaged word list costs only the words
    # Laying the weights out for stepping takes a few products in numpy's BLAS: in as many threads as a
    # reading uses (one, unless OMP_NUM_THREADS says). Left to OpenBLAS's pool, they woke a thread per
    # core that then spun for a while, taking a loaded 2-core host from the answer (~20 ms of every
    # `oracle ask`). Each product's result is the same in any number of threads (it splits no sums).
    with blas_threads(read_threads()):
        return Oracle(name, Weights(config, arrays), Vocabulary(info.vocab), bool(info.lowercase), info, words, words_notice)


def state_tensors(net) -> dict[str, torch.Tensor]:
    import torch

    module = getattr(net, "module", net)  # unwrap DDP
    return {k: v.detach().to("cpu", torch.float32).contiguous() for k, v in module.state_dict().items()}


def write_weights(folder: Path, prefix: str, net) -> FileRef:
    """Write weights under a new unique name; return the reference the JSON that commits them holds."""
    from safetensors.torch import save as st_save

    data = st_save(state_tensors(net))
    fname = f"{prefix}-{time.time_ns():x}.safetensors"
    write_bytes_atomic(folder / fname, data)
    return FileRef(fname, sha256_bytes(data))
