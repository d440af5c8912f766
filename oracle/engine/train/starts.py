"""The three ways a run starts, read and checked before anything is built or written.

`new`: corpora and a recipe. `resumed`: a model's checkpoint (its recipe, corpora, vocabulary and
shape; overrides may change what a resume can change). `from_model`: corpora and a recipe, starting
from another model's weights, vocabulary and shape. Each gives a `Start`, which the Trainer builds from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import torch

from oracle.engine import store
from oracle.engine.data.corpus import SourceSpec
from oracle.engine.data.vocab import Vocabulary
from oracle.engine.errors import OracleError
from oracle.engine.model.network import ModelConfig, without_voices
from oracle.engine.read.voices import voice_names
from oracle.engine.store.records import CheckpointPointer
from oracle.engine.train.recipes import Recipe
from oracle.engine.train.run_state import SavedState, checked


@dataclass
class Resumed:
    pointer: CheckpointPointer
    tensors: dict[str, torch.Tensor]  # the last weights
    state: SavedState  # optimiser, random generators, carried state (run_state.capture)


@dataclass
class Start:
    specs: list[SourceSpec]
    recipe: Recipe
    recipe_name: str
    vocab: Vocabulary | None = None  # None: built from the corpora
    config: ModelConfig | None = None  # None: built from the recipe
    init_tensors: dict[str, torch.Tensor] | None = None
    init_from: str | None = None
    resumed: Resumed | None = None
    notices: list[str] = field(default_factory=list)  # found while reading, said once the run starts


def new(name: str, sources: list[str] | None, recipe: Recipe | None, recipe_name: str, force: bool) -> Start:
    if not sources:
        raise OracleError("No corpus given: name at least one text file, folder or bundled corpus.")
    if store.is_model_folder(store.user_dir(name)) and not force:
        raise OracleError(f"A model named {name!r} already exists", remedy="train_name", name=name)
    return Start([SourceSpec.parse(s) for s in sources], (recipe or Recipe()).validate(), recipe_name)


def from_model(name: str, base_name: str, sources: list[str] | None, recipe: Recipe | None, recipe_name: str,
               force: bool) -> Start:
    start = new(name, sources, recipe, recipe_name, force)
    entry = store.find(base_name)
    base = entry.model
    tensors = store.read_weights(entry.path / base.weights.file, base.weights.sha256)
    config = base.model_config
    if config.voices and voice_names([s.name for s in start.specs]) != base.voice_names:
        # Other corpora than its voices: start from how it speaks in the any voice, unvoiced.
        tensors, config = without_voices(tensors, config)
        start.notices.append(f"{base_name} speaks in voices ({', '.join(base.voice_names)}); these corpora are not the same "
                             "ones in the same order, so the new model starts from its any voice and has no voices.")
    start.recipe = start.recipe.with_overrides(lowercase=bool(base.lowercase))
    start.vocab, start.config, start.init_tensors, start.init_from = Vocabulary(base.vocab), config, tensors, base_name
    return start


def resumed(name: str, recipe_name: str, overrides: dict | None) -> Start:
    pointer, tensors, state = store.read_checkpoint(store.user_dir(name))
    recipe = Recipe.from_dict(pointer.recipe).with_overrides(**(overrides or {}))
    specs = [SourceSpec(Path(c.path or c.name), c.weight, c.name) for c in pointer.corpora]
    return Start(specs, recipe, pointer.recipe_name or recipe_name, Vocabulary(pointer.vocab), pointer.model_config,
                 resumed=Resumed(pointer, tensors, checked(state, str(store.user_dir(name) / pointer.state.file))))
