"""What a run writes after an epoch: its samples, the model's meta.json and the checkpoint pointer."""

from __future__ import annotations

import copy
import platform
import time
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from oracle.engine import store
from oracle.engine.data import words
from oracle.engine.read.reading import Oracle, SampleSettings
from oracle.engine.store.meta import record_to_write
from oracle.engine.store.records import Best, CheckpointPointer, FileRef, Metric, ModelMeta, finite_or_none
from oracle.engine.train.events import CheckpointSaved, EpochEnd, bits

if TYPE_CHECKING:
    from oracle.engine.train.trainer import Trainer

SAMPLE_TEMPERATURES = (0.2, 0.5, 1.0, 1.2)


def versions() -> dict[str, str]:
    found = {"python": platform.python_version(), "platform": platform.platform()}
    for pkg in ("oracle-lstm", "torch", "numpy", "safetensors"):
        try:
            found[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            pass
    return found


def samples(t: Trainer) -> tuple[str, dict[float, str]]:
    """A passage of the corpora and the model's continuation of it at each sample temperature."""
    rng = np.random.default_rng([t.recipe.seed, t.state.epoch, 11])
    passage = t.corpus.random_passage(rng)
    oracle = Oracle(t.name, copy.deepcopy(t.net).cpu().float(), t.corpus.vocab, t.corpus.lowercase)
    found = {}
    for i, temperature in enumerate(SAMPLE_TEMPERATURES):
        settings = SampleSettings(temperature=temperature, length=t.recipe.sample_length, stop="length")
        text = []
        for ch in oracle.ask(passage, settings, seed=t.recipe.seed + i):
            text.append(ch)
            if t.control.stopped:  # Ctrl-C, SIGTERM or SIGHUP: save now, not after a long sample
                break
        found[temperature] = "".join(text)
    return passage, found


def model_part(t: Trainer) -> dict[str, Any]:
    """What meta.json and checkpoint.json both say about the model."""
    return {"name": t.name, "recipe": t.recipe.to_dict(), "recipe_name": t.recipe_name, "config": t.config.to_dict(),
            "vocab": t.corpus.vocab.chars, "corpora": [s.describe() for s in t.corpus.sources]}


def checkpoint_pointer(t: Trainer, weights: FileRef, state: FileRef) -> CheckpointPointer:
    """checkpoint.json once its files are written, built through the record's checks (as meta.json is)."""
    return record_to_write(CheckpointPointer, finite_or_none({
        **model_part(t), **t.state.pointer_fields(t.elapsed()), "world": t.world,
        "weights": weights.to_dict(), "state": state.to_dict()}), Path(t.folder) / "checkpoint.json")


def model_meta(t: Trainer, updated: str, words: dict[str, str], precision: str) -> ModelMeta:
    """meta.json, built through the record's checks: what the trainer writes must be what a reader accepts."""
    s = t.state
    assert s.best is not None and s.best.weights is not None  # written after the first epoch's best weights
    best = {k: v for k, v in s.best.to_dict().items() if k != "weights"}
    device_name = torch.cuda.get_device_name(t.device) if t.device.type == "cuda" else platform.processor() or platform.machine()
    return record_to_write(ModelMeta, finite_or_none({
        **model_part(t), "created": s.created, "updated": updated, "lowercase": t.corpus.lowercase,
        "parameters": t.net.num_parameters(), "metrics": [m.to_dict() for m in s.metrics],
        "best": best, "weights": s.best.weights.to_dict(), "training_seconds": round(t.elapsed(), 2), "device": str(t.device),
        "device_name": device_name, "world_size": t.world, "precision": precision, "command": list(t.command),
        "commands": s.commands, "versions": versions(), "init_from": t.init_from, "words": words,
        # Row k of the voice table speaks like the k-th name: what a blend's names refer to.
        "voices": [{"name": v, "weight": src.weight} for v, src in zip(t.voices, t.corpus.sources, strict=False)]}),
        Path(t.folder) / "meta.json")


def end_epoch(t: Trainer, train_loss: float, partial: bool = False) -> None:
    """Validate, sample, keep the best weights, save the checkpoint, then meta.json; tell the faces."""
    if t.rank != 0:
        return
    s = t.state
    val_loss, per_source, any_voice = t.objective.validate(t.net, t.device, t.voices)
    passage, texts = samples(t)
    score = val_loss if val_loss is not None else train_loss
    is_best = s.best is None or s.best.score is None or score < s.best.score
    s.metrics.append(Metric(s.epoch, s.step, train_loss, partial, bits(train_loss), val_loss, bits(val_loss),
                            t.objective.val_method, dict[str, float | None](per_source), round(t.elapsed(), 2), t.lr_at(s.step),
                            dict[str, float | None](any_voice) if t.voices else None))
    if is_best:
        weights = store.write_weights(t.folder, "weights", t.net)
        s.best = Best(s.epoch, s.step, val_loss, bits(val_loss), train_loss, score, texts[0.5], weights)
    # The checkpoint (which names the best weights too) is committed before meta.json, so a kill
    # between the two leaves both pointing at files that still exist.
    t._save_last()
    commit_meta(t)
    if is_best and s.best is not None and s.best.weights is not None:
        t.on_event(CheckpointSaved(str(t.folder / s.best.weights.file), s.step, "best"))
    t.on_event(EpochEnd(s.epoch, t.recipe.epochs, s.step, train_loss, val_loss, per_source, texts,
                        passage, t.elapsed(), is_best, per_voice_any=any_voice))


def commit_meta(t: Trainer) -> None:
    if t.words_entry is None:  # the corpora's word list (words.py), written beside the weights on the first commit
        counts = words.count_encoded(t.corpus.vocab.chars, [(s.train, s.val) for s in t.corpus.sources])
        t.words_entry = words.write(t.folder, words.WordList.from_counts(counts))
    updated = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    store.commit_meta(t.folder, model_meta(t, updated, t.words_entry, precision_ran(t)))


def precision_ran(t: Trainer) -> str:
    if t.bf16_until_step is None:
        return t.precision
    return f"bf16 autocast to step {t.bf16_until_step}, then float32 ({t.bf16_end})"
