"""What a run teaches the network to predict: the batches that teach it and the held-out loss that judges it.

Two objectives, chosen by `recipe.objective` here and nowhere else. "all": every position predicts
its next character, over contiguous text whose state carries from batch to batch (a voiced model
reads each source in its own voice). "last": keras-classic's one prediction per window, windows
starting every `window_step` characters, judged on windows the same way.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import torch

from oracle.engine.data.batches import ContiguousBatches, WindowBatches
from oracle.engine.data.corpus import Corpus
from oracle.engine.model.network import CharLSTM, ModelConfig
from oracle.engine.train.evaluate import stream_loss, window_loss
from oracle.engine.train.recipes import Recipe

Validation = tuple[float | None, dict[str, float], dict[str, float | None]]


class Objective:
    name: ClassVar[str]
    last_only: ClassVar[bool]  # the network's forward pass returns only each window's last position
    val_method: ClassVar[str]  # how meta.json's metrics say the held-out loss was measured
    speaks_in_voices: ClassVar[bool]  # whether two or more sources each get a learned voice

    def __init__(self, recipe: Recipe, corpus: Corpus, config: ModelConfig, rank: int, world: int):
        self.recipe, self.corpus = recipe, corpus
        self.batches: ContiguousBatches | WindowBatches = self._batches(config, rank, world)

    def _batches(self, config: ModelConfig, rank: int, world: int) -> ContiguousBatches | WindowBatches:
        raise NotImplementedError

    def source_loss(self, net: CharLSTM, ids: np.ndarray, device: torch.device, voice: int | None) -> float | None:
        raise NotImplementedError

    def validate(self, net: CharLSTM, device: torch.device, voices: list[str]) -> Validation:
        """Held-out loss overall and per source; a voiced model reads each source in its own voice
        (what the overall figure and the best checkpoint follow) and also with "any voice"."""
        per_source: dict[str, float] = {}
        any_voice: dict[str, float | None] = {}
        total, count = 0.0, 0
        for k, source in enumerate(self.corpus.sources):
            ids = source.val[: self.recipe.max_val_chars]
            loss = self.source_loss(net, ids, device, k + 1 if voices else None)
            if voices and loss is not None:
                any_voice[voices[k]] = self.source_loss(net, ids, device, 0)
            if loss is not None:
                per_source[voices[k] if voices else source.name] = loss
                total += loss * len(ids)
                count += len(ids)
        return (total / count if count else None), per_source, any_voice


class EveryChar(Objective):
    name, last_only, val_method, speaks_in_voices = "all", False, "stream", True

    def _batches(self, config: ModelConfig, rank: int, world: int) -> ContiguousBatches:
        r = self.recipe
        return ContiguousBatches(self.corpus, r.batch_size, r.seq_len, r.seed, rank, world,
                                 voiced=bool(config.voices), any_voice_share=r.any_voice_share)

    def source_loss(self, net: CharLSTM, ids: np.ndarray, device: torch.device, voice: int | None) -> float | None:
        return stream_loss(net, ids, device=device, voice=voice)


class LastChar(Objective):
    name, last_only, val_method, speaks_in_voices = "last", True, "windows", False

    def _batches(self, config: ModelConfig, rank: int, world: int) -> WindowBatches:
        r = self.recipe
        return WindowBatches(self.corpus, r.batch_size, r.seq_len, r.seed, r.window_step, rank, world)

    def source_loss(self, net: CharLSTM, ids: np.ndarray, device: torch.device, voice: int | None) -> float | None:
        return window_loss(net, ids, self.recipe.seq_len, device=device)


OBJECTIVES: dict[str, type[Objective]] = {kind.name: kind for kind in (EveryChar, LastChar)}


def objective_kind(recipe: Recipe) -> type[Objective]:
    return OBJECTIVES[recipe.objective]
