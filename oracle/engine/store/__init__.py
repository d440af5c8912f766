"""Where models live and how they are saved, loaded, listed, renamed, deleted, exported, imported.

A model is a folder: `meta.json` (config, vocabulary, provenance, metrics, and the name and sha256
of its weights file) plus `weights-*.safetensors`. A resumable run adds `checkpoint.json` and the
files it names. JSON files are the commit points (checkpoints.py); a kill at any moment leaves a
folder that loads. Nothing here ever unpickles.

This module is the one name the rest of Oracle uses; the work is done by one module per concern:
registry.py (names, the list of models, the active model), locks.py (write locks, swapping folders
in), weights.py (weight files and building the network), checkpoints.py (committing meta.json and
checkpoint.json), transfer.py (rename, delete, copy, export, import). Only public names are
re-exported: a test that needs a module's internals imports that module.
"""

from __future__ import annotations

from oracle.engine.io.locks import is_model_folder, lock_path, locked, remove_folder, swap_in
from oracle.engine.store.checkpoints import commit_meta, prune, read_checkpoint, write_checkpoint
from oracle.engine.store.registry import (
    ModelEntry,
    active_name,
    check_name,
    find,
    list_models,
    models_root,
    set_active,
    settings_path,
    shipped_names,
    staging_folder,
    stamp,
    sweep,
    user_dir,
)
from oracle.engine.store.transfer import EXPORT_SUFFIX, STALE_TEMP_SECONDS, copy, delete, export, import_, rename
from oracle.engine.store.weights import build_net, load, read_weights, sha256_bytes, state_tensors, write_weights

__all__ = [
    "EXPORT_SUFFIX", "STALE_TEMP_SECONDS", "ModelEntry", "active_name", "build_net", "check_name",
    "commit_meta", "copy", "delete", "export", "find", "import_", "is_model_folder", "list_models", "load", "lock_path",
    "locked", "models_root", "prune", "read_checkpoint", "read_weights", "remove_folder", "rename", "set_active",
    "settings_path", "sha256_bytes", "shipped_names", "stamp", "staging_folder", "state_tensors", "swap_in", "sweep",
    "user_dir", "write_checkpoint", "write_weights",
]
