"""The trainer: run it (in a thread, a worker or a process); it reports through one callback of
event dataclasses and obeys a TrainingControl. It never touches a UI.

A run starts one of three ways (starts.py: `Trainer.new`, `Trainer.resumed`, `Trainer.from_model`);
its objective (objective.py) owns the batches and the held-out loss, the learner (learner.py) takes
the steps, and its state (run_state.py) is what checkpoint.json saves and a resume loads.
"""

from __future__ import annotations

import contextlib
import shutil
import sys
import time
from collections.abc import Callable
from functools import partial

import torch

from oracle.engine import store
from oracle.engine.data.batches import ContiguousBatches
from oracle.engine.data.corpus import build_corpus
from oracle.engine.errors import OracleError
from oracle.engine.io import limits
from oracle.engine.model.network import CharLSTM, ModelConfig
from oracle.engine.model.precision import FLOAT32
from oracle.engine.read.voices import voice_names
from oracle.engine.store.records import ModelMeta
from oracle.engine.train import commit, distributed, run_state, starts
from oracle.engine.train.control import TrainingControl
from oracle.engine.train.epochs import EpochLoop
from oracle.engine.train.events import CheckpointSaved, Event, Finished, Notice
from oracle.engine.train.failures import told
from oracle.engine.train.learner import Learner, lr_at
from oracle.engine.train.objective import objective_kind
from oracle.engine.train.recipes import Recipe
from oracle.engine.train.run_state import RunState

__all__ = ["Trainer", "resolve_device"]


def resolve_device(name: str) -> torch.device:
    if name == "cuda" or (name == "auto" and torch.cuda.is_available()):
        if not torch.cuda.is_available():
            raise OracleError("The cuda device was asked for, but no CUDA GPU is available", remedy="device")
        index = distributed.local_rank() if distributed.active() else 0
        return torch.device("cuda", index)
    return torch.device("cpu")


class Trainer:
    """Train a new model, continue one from its checkpoint (`resume=True`), or start from another
    model's weights (`init_from`). Bad input raises OracleError before anything is written."""

    def __init__(self, name: str, sources: list[str] | None = None, recipe: Recipe | None = None, *,
                 recipe_name: str = "default", resume: bool = False, force: bool = False, encoding: str = "utf-8",
                 init_from: str | None = None, command: list[str] | None = None,
                 on_event: Callable[[Event], None] | None = None, control: TrainingControl | None = None,
                 overrides: dict | None = None):
        self.name = store.check_name(name)
        if resume:
            start = starts.resumed(name, recipe_name, overrides)
        elif init_from:
            start = starts.from_model(name, init_from, sources, recipe, recipe_name, force)
        else:
            start = starts.new(name, sources, recipe, recipe_name, force)
        self.on_event = on_event or (lambda event: None)
        self.control = control or TrainingControl()
        self.command = list(command if command is not None else sys.argv)
        self.rank, self.world = distributed.rank(), distributed.world_size()
        self.folder = self.target = store.user_dir(name)  # a new run writes elsewhere until its first checkpoint
        self.start, self.recipe, self.recipe_name, self.force = start, start.recipe, start.recipe_name, force
        self.init_from, self.resume = start.init_from, start.resumed is not None
        self.device = resolve_device(self.recipe.device)
        self.corpus = build_corpus(start.specs, lowercase=self.recipe.lowercase, val_fraction=self.recipe.val_fraction,
                                   min_train=self.recipe.seq_len + 1, encoding=encoding, vocab=start.vocab)
        self._check_sources_unchanged()
        self.config = start.config or self._new_config(len(start.specs))
        if self.config.voices and self.config.voices != len(start.specs):
            raise OracleError(f"{init_from or name} speaks in {self.config.voices} voices, one per corpus it learned from: "
                              f"give it exactly {self.config.voices} corpora (in the same order), not {len(start.specs)}.")
        self.voices = voice_names([s.name for s in self.corpus.sources]) if self.config.voices else []
        limits.check_model_size(self.config)  # before building it: a 64x16384 net would take the machine down
        torch.manual_seed(self.recipe.seed)
        self.net = CharLSTM(self.config)
        if self.recipe.keras_init:
            self.net.init_keras_style()
        if start.init_tensors is not None:
            self.net.load_state_dict(start.init_tensors)
        self.net.to(self.device)
        self.objective = objective_kind(self.recipe)(self.recipe, self.corpus, self.config, self.rank, self.world)
        self.batches = self.objective.batches
        limits.check_step_memory(self.batches.batch, self.recipe.seq_len, self.config, not self.objective.last_only)
        self.learner = Learner(self.net, distributed.wrap(self.net, self.device), self.recipe, self.device,
                               self.objective.last_only)
        self.state = RunState(commands=[self.command])
        self.words_entry: dict[str, str] | None = None  # the word list's file, once written
        # Set when the run starts (epochs.py), declared here so that every attribute is.
        self.t0, self.precision, self.bf16_end = 0.0, FLOAT32, ""
        self.bf16_until_step: int | None = None  # the step a NaN or a refusal under bf16 sent the run back to float32
        self._between_steps = True  # where a failure can be told to the other ranks (see _tell_others)

    @classmethod
    def new(cls, name: str, sources: list[str], recipe: Recipe | None = None, **options) -> Trainer:
        return cls(name, sources, recipe, **options)

    @classmethod
    def resumed(cls, name: str, overrides: dict | None = None, **options) -> Trainer:
        return cls(name, resume=True, overrides=overrides, **options)

    @classmethod
    def from_model(cls, name: str, base: str, sources: list[str], recipe: Recipe | None = None, **options) -> Trainer:
        return cls(name, sources, recipe, init_from=base, **options)

    def _new_config(self, sources: int) -> ModelConfig:
        r = self.recipe
        # Two or more sources give each its learned voice (not keras-classic: the seed had none).
        voices = sources if r.voice_dim and objective_kind(r).speaks_in_voices and sources >= 2 else 0
        return ModelConfig(vocab_size=len(self.corpus.vocab), hidden_size=r.hidden_size, num_layers=r.num_layers,
                           embed_dim=r.embed_dim, dropout=r.dropout, one_hot=r.one_hot, voices=voices,
                           voice_dim=r.voice_dim if voices else 0)

    def _check_sources_unchanged(self) -> None:
        if self.start.resumed is None:
            return
        # Source by source, in the run's order: two sources may share a name (da/x.txt, db/x.txt).
        for recorded, source in zip(self.start.resumed.pointer.corpora, self.corpus.sources, strict=False):
            if recorded.sha256 != source.sha256:
                raise OracleError(f"{source.origin} changed since this run started (its sha256 differs): "
                                  "restore it, or train a new model.")

    # ---- what the rest of Oracle reads -----------------------------------------------------------

    @property
    def step(self) -> int:
        return self.state.step

    @property
    def optimizer(self) -> torch.optim.Optimizer:
        return self.learner.optimizer

    @property
    def total_steps(self) -> int:
        return self.recipe.epochs * self.batches.steps_per_epoch

    def lr_at(self, step: int) -> float:
        return lr_at(self.recipe, step, self.total_steps, self.state.lr_scale)

    def elapsed(self) -> float:
        # Time paused is not training time: "elapsed", the time limit and training_seconds leave it out.
        return self.state.elapsed_before + time.monotonic() - self.t0 - self.control.paused_seconds

    # ---- running ---------------------------------------------------------------------------------

    def run(self) -> Finished:
        self._between_steps = True  # where a failure can be told to the other ranks (see _tell_others)
        try:
            with told(self.on_event, self.name, lambda: self.folder):
                return self._run_in_place()
        except distributed.PeerFailed:
            raise  # the rank that failed says why
        except Exception:
            self._tell_others()
            raise
        finally:
            self.learner.model = self.net  # the DDP wrapper holds the process group: let it go before shutdown

    def _tell_others(self) -> None:
        """After a failure on this rank between steps, the other ranks wait in the next agreement (to
        stop, or to finish the run): make it a failure, so that they stop too instead of waiting, and
        only this rank says why. Inside a step the others wait in another collective, which this
        would not match; they learn of the failure when this process exits."""
        if self.world > 1 and self._between_steps:
            self._between_steps = False
            with contextlib.suppress(Exception):  # if the others are gone already, there is no one to tell
                distributed.agree_stop(distributed.FAILED)

    def _run_in_place(self) -> Finished:
        if self.rank != 0:
            return self._run()
        with store.locked(self.target):  # held for the whole run: a second writer of this name is refused
            if self.resume:
                return self._run()
            if store.is_model_folder(self.target) and not self.force:  # created since we checked, before the lock
                raise OracleError(f"A model named {self.name!r} was just created by another run: pick another name.")
            # A new run (or a replacement) writes into a hidden staging folder and takes the name
            # only once its first checkpoint is saved (_take_name): until then, any failure or kill
            # leaves an existing model exactly as it was.
            self.folder = store.staging_folder(self.name)
            try:
                return self._run()
            finally:
                if self.folder != self.target:
                    shutil.rmtree(self.folder, ignore_errors=True)  # no checkpoint yet: nothing worth keeping
                    self.folder = self.target

    def _run(self) -> Finished:
        if self.resume:
            self._restore()
        return EpochLoop(self).run()

    def _restore(self) -> None:
        resumed = self.start.resumed
        assert resumed is not None
        p = resumed.pointer
        self.net.load_state_dict(resumed.tensors)
        hidden = run_state.restore(resumed.state, self.learner.optimizer, self.device)
        rows = self.batches.rows if isinstance(self.batches, ContiguousBatches) else slice(0)
        if hidden is not None and (self.world > 1 or p.world > 1
                                   or hidden[0].shape[1] != len(range(*rows.indices(self.batches.batch)))):
            hidden = None  # rank 0 saves only its own rows' state: with DDP the carried state restarts
        self.learner.hidden = hidden
        self.state = RunState.from_pointer(p, self.command, self._command_in_meta())

    def _command_in_meta(self) -> list[list[str]]:
        try:
            command = ModelMeta.read(self.folder).command
        except OracleError:
            return []
        return [list(command)] if command else []

    def _train_step(self, use_amp: bool, report: bool) -> tuple[float | None, dict | None]:
        s = self.state
        x, y = self.batches.get(s.epoch, s.batch_index)
        # Only contiguous text is voiced (objective.py: speaks_in_voices).
        voice = self.batches.voices(s.epoch, s.batch_index) if self.voices and isinstance(self.batches, ContiguousBatches) else None
        return self.learner.step(x, y, voice, self.lr_at(s.step), use_amp, report, self.batches.carries_state, s.step)

    # ---- evaluation and saving -------------------------------------------------------------------

    def _save_last(self) -> None:
        if self.rank != 0:
            return
        state = run_state.capture(self.learner.optimizer, self.learner.hidden, self.device)
        store.write_checkpoint(self.folder, self.net, state, partial(commit.checkpoint_pointer, self))
        if self.folder != self.target:  # the staged run has its first checkpoint: it takes the name
            store.swap_in(self.folder, self.target, force=True)  # the lock is ours; the name was checked under it
            self.folder = self.target
        self.on_event(CheckpointSaved(str(self.folder / "checkpoint.json"), self.state.step, "last"))

    def _fall_back_to_float32(self, why: str, notice: str) -> None:
        self.precision, self.bf16_until_step, self.bf16_end = FLOAT32, self.state.step, why
        self.on_event(Notice(notice))

    def _note_skipped_step(self) -> None:
        self.state.lr_scale *= 0.5
        self.on_event(Notice("Skipped a step whose loss or gradients were NaN or infinite; "
                             f"learning rate lowered to {self.lr_at(self.state.step):.2e}."))

