"""A model's weights: read and checked against their recorded sha256, built into a network whose
config they must match, written under a fresh name. Only safetensors: nothing here ever unpickles.
"""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load as st_load
from safetensors.torch import save as st_save

from oracle.engine.data import words as wordlist
from oracle.engine.data.vocab import Vocabulary
from oracle.engine.errors import CorruptModel
from oracle.engine.io import limits
from oracle.engine.io.atomic import write_bytes_atomic
from oracle.engine.io.readers import ReadRefused, read_regular
from oracle.engine.model.network import CharLSTM, ModelConfig
from oracle.engine.read.reading import Oracle
from oracle.engine.store.registry import find


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_weights(path: Path, expected_sha: str | None) -> dict[str, torch.Tensor]:
    try:
        data = read_regular(path, limits.MAX_WEIGHTS_BYTES)
    except ReadRefused as why:
        raise CorruptModel(f"{path} {why}: restore the model from an export.") from None
    except OSError as err:
        raise CorruptModel(f"Cannot read {path} ({err.strerror}): restore the model from an export.") from None
    if expected_sha and sha256_bytes(data) != expected_sha:
        raise CorruptModel(f"{path} does not match the sha256 recorded in its metadata (truncated or altered): "
                           "restore the model from an export.")
    try:
        return st_load(data)
    except (SafetensorError, Exception):
        raise CorruptModel(f"{path} is not a readable safetensors file: restore the model from an export.") from None


def build_net(meta: dict, tensors: dict[str, torch.Tensor], where: str) -> CharLSTM:
    mismatch = CorruptModel(f"{where} holds weights whose names or shapes do not match its config: it cannot be loaded.")
    try:
        config = ModelConfig.from_dict(meta["config"])
        # A config that lies (hidden size 10^6) must not allocate gigabytes before we notice the file
        # holds nothing like it: its weights (counted, not built) must be what the file holds.
        # Counting, not a meta-device model: the first meta-device op costs seconds (torch imports its
        # meta kernels), which every `oracle ask` would pay.
        if limits.parameters(config) > sum(t.numel() for t in tensors.values()):
            raise mismatch
        net = CharLSTM(config)
    except Exception:
        raise mismatch from None
    if {k: v.shape for k, v in net.state_dict().items()} != {k: v.shape for k, v in tensors.items()}:
        raise mismatch
    try:
        net.load_state_dict(tensors, strict=True)
    except RuntimeError:
        raise mismatch from None
    return net


def load(name: str) -> Oracle:
    entry = find(name)
    info = entry.info
    tensors = read_weights(entry.path / info.weights.file, info.weights.sha256)
    net = build_net(entry.meta, tensors, str(entry.path))
    words, words_notice = wordlist.read(entry.path, entry.meta)  # a damaged word list costs only the words
    return Oracle(name, net, Vocabulary(info.vocab), bool(info.lowercase), entry.meta, words, words_notice)


def state_tensors(net: torch.nn.Module) -> dict[str, torch.Tensor]:
    module = getattr(net, "module", net)  # unwrap DDP
    return {k: v.detach().to("cpu", torch.float32).contiguous() for k, v in module.state_dict().items()}


def write_weights(folder: Path, prefix: str, net) -> dict:
    """Write weights under a new unique name; return {file, sha256} for the JSON that commits them."""
    data = st_save(state_tensors(net))
    fname = f"{prefix}-{time.time_ns():x}.safetensors"
    write_bytes_atomic(folder / fname, data)
    return {"file": fname, "sha256": sha256_bytes(data)}
