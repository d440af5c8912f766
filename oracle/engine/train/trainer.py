"""The trainer: run it (in a thread, a worker or a process); it reports through one callback of
event dataclasses and obeys a TrainingControl. It never touches a UI."""

from __future__ import annotations

import contextlib
import copy
import math
import platform
import shutil
import sys
import time
from importlib import metadata
from pathlib import Path
from typing import Callable

import numpy as np
import torch
from torch.nn import functional as F

from oracle.engine import store
from oracle.engine.data import words
from oracle.engine.data.batches import ContiguousBatches, WindowBatches
from oracle.engine.data.corpus import SourceSpec, build_corpus
from oracle.engine.data.vocab import Vocabulary
from oracle.engine.errors import OracleError
from oracle.engine.io import limits
from oracle.engine.model.network import CharLSTM, ModelConfig, without_voices
from oracle.engine.model.precision import BF16, FLOAT32, is_bf16_refusal
from oracle.engine.model.precision import choose as choose_precision
from oracle.engine.read.reading import Oracle, SampleSettings
from oracle.engine.read.voices import voice_names
from oracle.engine.store.meta import record_to_write
from oracle.engine.store.records import CheckpointPointer, ModelMeta, finite_or_none
from oracle.engine.train import distributed
from oracle.engine.train.control import TrainingControl
from oracle.engine.train.evaluate import stream_loss, window_loss
from oracle.engine.train.events import CheckpointSaved, EpochEnd, Event, Failed, Finished, Notice, Progress, Started, bits
from oracle.engine.train.recipes import Recipe

SAMPLE_TEMPERATURES = (0.2, 0.5, 1.0, 1.2)
PROGRESS_SECONDS = 0.25  # how often progress (with per-layer gradient norms) is reported
MAX_BAD_STEPS = 5  # consecutive non-finite steps before training gives up


def resolve_device(name: str) -> torch.device:
    if name == "cuda" or (name == "auto" and torch.cuda.is_available()):
        if not torch.cuda.is_available():
            raise OracleError("The cuda device was asked for, but no CUDA GPU is available", remedy="device")
        index = distributed.local_rank() if distributed.active() else 0
        return torch.device("cuda", index)
    return torch.device("cpu")


def versions() -> dict:
    found = {"python": platform.python_version(), "platform": platform.platform()}
    for pkg in ("oracle-lstm", "torch", "numpy", "safetensors"):
        try:
            found[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            pass
    return found


class Trainer:
    """Train a new model, continue one from its checkpoint (`resume=True`), or start from another
    model's weights (`init_from`). Bad input raises OracleError before anything is written."""

    def __init__(self, name: str, sources: list[str] | None = None, recipe: Recipe | None = None, *,
                 recipe_name: str = "default", resume: bool = False, force: bool = False, encoding: str = "utf-8",
                 init_from: str | None = None, command: list[str] | None = None,
                 on_event: Callable[[Event], None] | None = None, control: TrainingControl | None = None,
                 overrides: dict | None = None):
        self.name = store.check_name(name)
        self.on_event = on_event or (lambda event: None)
        self.pending_notices: list[str] = []  # found while setting up, said once the run starts
        self.control = control or TrainingControl()
        self.command = command if command is not None else sys.argv
        self.rank, self.world = distributed.rank(), distributed.world_size()
        self.folder = store.user_dir(name)
        self.target = self.folder  # where the model ends up; a new run writes elsewhere until its first checkpoint
        self.resume = resume
        self.pointer: CheckpointPointer | None = None
        vocab = None
        init_tensors = None
        if resume:
            self.pointer, self._resume_tensors, self._resume_state = store.read_checkpoint(self.folder)
            recipe = Recipe.from_dict(self.pointer.recipe).with_overrides(**(overrides or {}))
            recipe_name = self.pointer.recipe_name or recipe_name
            specs = [SourceSpec(Path(c.path), c.weight, c.name) for c in self.pointer.corpora]
            vocab = Vocabulary(self.pointer.vocab)
            config = self.pointer.model_config
        else:
            if not sources:
                raise OracleError("No corpus given: name at least one text file, folder or bundled corpus.")
            if store.is_model_folder(self.folder) and not force:
                raise OracleError(f"A model named {name!r} already exists", remedy="train_name", name=name)
            specs = [SourceSpec.parse(s) for s in sources]
            recipe = (recipe or Recipe()).validate()
            config = None
            if init_from:
                entry = store.find(init_from)
                base = entry.info
                init_tensors = store.read_weights(entry.path / base.weights.file, base.weights.sha256)
                vocab = Vocabulary(base.vocab)
                config = base.model_config
                recipe = recipe.with_overrides(lowercase=bool(base.lowercase))
                base_voices = base.voice_names
                if config.voices and voice_names([s.name for s in specs]) != base_voices:
                    # Other corpora than its voices: start from how it speaks in the any voice, unvoiced.
                    init_tensors, config = without_voices(init_tensors, config)
                    self.pending_notices.append(
                        f"{init_from} speaks in voices ({', '.join(base_voices)}); these corpora are not the same ones in the "
                        "same order, so the new model starts from its any voice and has no voices.")
        self.recipe, self.recipe_name, self.force, self.init_from = recipe, recipe_name, force, init_from
        self.device = resolve_device(recipe.device)
        self.corpus = build_corpus(specs, lowercase=recipe.lowercase, val_fraction=recipe.val_fraction,
                                   min_train=recipe.seq_len + 1, encoding=encoding, vocab=vocab)
        if resume:
            # Source by source, in the run's order: two sources may share a name (da/x.txt, db/x.txt).
            for recorded, source in zip(self.pointer.corpora, self.corpus.sources, strict=False):
                if recorded.sha256 != source.sha256:
                    raise OracleError(f"{source.origin} changed since this run started (its sha256 differs): "
                                      "restore it, or train a new model.")
        # Two or more sources give each its learned voice (not keras-classic: the seed had none).
        voices = len(specs) if recipe.voice_dim and recipe.objective == "all" and len(specs) >= 2 else 0
        self.config = config or ModelConfig(vocab_size=len(self.corpus.vocab), hidden_size=recipe.hidden_size,
                                            num_layers=recipe.num_layers, embed_dim=recipe.embed_dim,
                                            dropout=recipe.dropout, one_hot=recipe.one_hot,
                                            voices=voices, voice_dim=recipe.voice_dim if voices else 0)
        if self.config.voices and self.config.voices != len(specs):
            raise OracleError(f"{init_from or name} speaks in {self.config.voices} voices, one per corpus it learned from: "
                              f"give it exactly {self.config.voices} corpora (in the same order), not {len(specs)}.")
        self.voices = voice_names([s.name for s in self.corpus.sources]) if self.config.voices else []
        limits.check_model_size(self.config)  # before building it: a 64x16384 net would take the machine down
        torch.manual_seed(recipe.seed)
        self.net = CharLSTM(self.config)
        if recipe.keras_init:
            self.net.init_keras_style()
        if init_tensors is not None:
            self.net.load_state_dict(init_tensors)
        self.net.to(self.device)
        if recipe.objective == "last":
            self.batches = WindowBatches(self.corpus, recipe.batch_size, recipe.seq_len, recipe.seed, recipe.window_step,
                                         self.rank, self.world)
        else:
            self.batches = ContiguousBatches(self.corpus, recipe.batch_size, recipe.seq_len, recipe.seed, self.rank, self.world,
                                             voiced=bool(self.config.voices), any_voice_share=recipe.any_voice_share)
        limits.check_step_memory(self.batches.batch, recipe.seq_len, self.config, recipe.objective != "last")
        self.model = distributed.wrap(self.net, self.device)
        self.optimizer = self._make_optimizer()

    # ---- setup ---------------------------------------------------------------------------------

    def _make_optimizer(self) -> torch.optim.Optimizer:
        r = self.recipe
        if r.optimizer == "rmsprop":
            # Keras' RMSprop: rho 0.9, epsilon 1e-7 (PyTorch's defaults differ).
            return torch.optim.RMSprop(self.net.parameters(), lr=r.lr, alpha=0.9, eps=1e-7)
        # Embeddings (characters and voices) are looked up, not multiplied: no weight decay on them.
        decay = [p for n, p in self.net.named_parameters() if p.dim() >= 2 and not n.startswith(("embed", "voice"))]
        rest = [p for n, p in self.net.named_parameters() if not (p.dim() >= 2 and not n.startswith(("embed", "voice")))]
        return torch.optim.AdamW([{"params": decay, "weight_decay": r.weight_decay}, {"params": rest, "weight_decay": 0.0}], lr=r.lr)

    @property
    def total_steps(self) -> int:
        return self.recipe.epochs * self.batches.steps_per_epoch

    def lr_at(self, step: int) -> float:
        r = self.recipe
        if r.schedule == "constant":
            return r.lr * self.lr_scale
        if step < r.warmup_steps:
            return r.lr * self.lr_scale * (step + 1) / r.warmup_steps
        progress = min(1.0, (step - r.warmup_steps) / max(1, self.total_steps - r.warmup_steps))
        return r.lr * self.lr_scale * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress)))

    # ---- the loop ------------------------------------------------------------------------------

    def run(self) -> Finished:
        self._between_steps = True  # where a failure can be told to the other ranks (see _tell_others)
        try:
            return self._run_here()
        except distributed.PeerFailed:
            raise  # the rank that failed says why
        except Exception:
            self._tell_others()
            raise
        finally:
            self.model = self.net  # the DDP wrapper holds the process group: let it go before shutdown

    def _tell_others(self) -> None:
        """After a failure on this rank between steps, the other ranks wait in the next agreement (to
        stop, or to finish the run): make it a failure, so that they stop too instead of waiting, and
        only this rank says why. Inside a step the others wait in another collective, which this
        would not match; they learn of the failure when this process exits."""
        if self.world > 1 and self._between_steps:
            self._between_steps = False
            with contextlib.suppress(Exception):  # if the others are gone already, there is no one to tell
                distributed.agree_stop(distributed.FAILED)

    def _run_here(self) -> Finished:
        try:
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
        except OracleError as err:
            self.on_event(Failed(str(err)))
            raise
        except distributed.DistBackendError:
            message = "Another process of this distributed run stopped (it failed or was killed), so this one stops too."
            self.on_event(Failed(message))
            raise OracleError(message) from None
        except OSError as err:
            message = (f"Could not write model {self.name!r} under {self.folder.parent} ({err.strerror}): "
                       "free some space or make the folder writable; the last saved checkpoint is intact.")
            self.on_event(Failed(message))
            raise OracleError(message) from None
        except (MemoryError, torch.OutOfMemoryError, RuntimeError) as err:
            if isinstance(err, RuntimeError) and not isinstance(err, torch.OutOfMemoryError) and "alloc" not in str(err):
                self.on_event(Failed(f"Training failed unexpectedly: {err.__class__.__name__}: {err}"))
                raise
            message = (f"Training {self.name!r} ran out of memory: use a smaller batch size, sequence length or model; "
                       "the last saved checkpoint is kept.")
            self.on_event(Failed(message))
            raise OracleError(message) from None
        except Exception as err:
            self.on_event(Failed(f"Training failed unexpectedly: {err.__class__.__name__}: {err}"))
            raise

    def _restore(self) -> None:
        p = self.pointer
        self.net.load_state_dict(self._resume_tensors)
        self.optimizer.load_state_dict(self._resume_state["optimizer"])
        torch.set_rng_state(self._resume_state["torch_rng"])
        if self.device.type == "cuda" and "cuda_rng" in self._resume_state:
            torch.cuda.set_rng_state(self._resume_state["cuda_rng"], self.device)
        hidden = self._resume_state.get("hidden") or []
        self.hidden = tuple(t.to(self.device) for t in hidden) if len(hidden) == 2 else None
        if self.hidden is not None and (self.world > 1 or p.world > 1
                                        or self.hidden[0].shape[1] != len(range(*self.batches.rows.indices(self.batches.batch)))):
            self.hidden = None  # rank 0 saves only its own rows' state: with DDP the carried state restarts
        self.epoch, self.batch_index, self.step = p.epoch, p.batch_index, p.step
        # The run goes on appending to its records as the plain dicts it writes (as they were read).
        self.metrics, self.best = [m.to_dict() for m in p.metrics], p.best.to_dict() if p.best else None
        self.elapsed_before, self.lr_scale = p.elapsed, p.lr_scale
        self.created = p.created
        # Every command that trained it, first to last. A checkpoint from before `commands` was kept
        # still has the previous step's command in meta.json (when an epoch had finished).
        earlier = p.commands or self._command_in_meta()
        self.commands = [list(c) for c in earlier] + [list(self.command)]

    def _command_in_meta(self) -> list[list[str]]:
        try:
            command = ModelMeta.read(self.folder).command
        except OracleError:
            return []
        return [list(command)] if command else []

    def _run(self) -> Finished:
        r = self.recipe
        self.hidden, self.metrics, self.best = None, [], None
        self.epoch, self.batch_index, self.step = 0, 0, 0
        self.elapsed_before, self.lr_scale = 0.0, 1.0
        self.created = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        self.commands = [list(self.command)]
        if self.resume:
            self._restore()
        self.t0 = time.monotonic()
        self.precision, why_not_bf16 = choose_precision(r.amp, self.device)
        self.bf16_until_step: int | None = None  # set if a NaN under bf16 sent the run back to float32
        self.bf16_end = ""  # why it did: a NaN, or kernels that refused bf16
        self.on_event(Started(self.name, self.total_steps, self.batches.steps_per_epoch, r.epochs, self.net.num_parameters(),
                              str(self.device), self.batches.batch, self.step, precision=self.precision))
        if why_not_bf16:
            self.on_event(Notice(why_not_bf16))
        for notice in self.pending_notices:
            self.on_event(Notice(notice))
        if self.batches.batch < r.batch_size and self.batches.carries_state:
            self.on_event(Notice(f"The corpus is short, so each step uses {self.batches.batch} sequences instead of {r.batch_size}."))
        self.model.train()
        last_save = time.monotonic()
        last_report = 0.0
        window_loss_sum, window_steps, epoch_loss_sum, epoch_steps = 0.0, 0, 0.0, 0
        bad_steps, use_amp = 0, self.precision == BF16
        reason = "completed"
        step_time = None
        while self.epoch < r.epochs:
            while self.batch_index < self.batches.steps_per_epoch:
                self.control.wait_while_paused()
                code = distributed.CONTINUE
                if self.control.stopped:
                    code = distributed.STOPPED
                elif r.max_minutes and self.elapsed() >= r.max_minutes * 60:
                    code = distributed.TIME_BUDGET
                code = distributed.agree_stop(code)  # with DDP, every rank stops at the same step
                if code != distributed.CONTINUE:
                    reason = distributed.STOP_REASONS[code]
                    break
                self._between_steps = False  # until the step's last collective (in _train_step) is done
                tick = time.monotonic()
                try:
                    loss, norms = self._train_step(use_amp, report=tick - last_report >= PROGRESS_SECONDS)
                except RuntimeError as err:
                    if not (use_amp and is_bf16_refusal(err)):
                        raise
                    # The kernels refused bf16 although the probe passed (another shape, another device):
                    # the same step again in float32, as after a NaN.
                    use_amp, self.precision, self.bf16_until_step = False, FLOAT32, self.step
                    self.bf16_end = "bf16 kernels were refused"
                    self.on_event(Notice("bf16 autocast is not available here (the kernels refused it): continuing in float32."))
                    continue
                self._between_steps = True
                if loss is None:
                    bad_steps += 1
                    if use_amp:
                        use_amp, self.precision, self.bf16_until_step = False, FLOAT32, self.step
                        self.bf16_end = "the loss became NaN or infinite"
                        self.on_event(Notice("The loss became NaN or infinite under bf16 autocast: continuing in float32."))
                    else:
                        self.lr_scale *= 0.5
                        self.on_event(Notice("Skipped a step whose loss or gradients were NaN or infinite; "
                                             f"learning rate lowered to {self.lr_at(self.step):.2e}."))
                    if bad_steps >= MAX_BAD_STEPS:
                        raise OracleError(f"Training diverged: {bad_steps} steps in a row had NaN or infinite loss; "
                                          "the last good checkpoint is kept",
                                          remedy="lower_lr", lr=r.lr)
                    continue
                bad_steps = 0
                self.step += 1
                self.batch_index += 1
                epoch_loss_sum += loss
                epoch_steps += 1
                window_loss_sum += loss
                window_steps += 1
                now = time.monotonic()
                step_time = now - tick if step_time is None else 0.9 * step_time + 0.1 * (now - tick)
                if norms is not None or self.batch_index == self.batches.steps_per_epoch:
                    self._report_progress(window_loss_sum / window_steps, step_time, norms or {})
                    window_loss_sum, window_steps, last_report = 0.0, 0, now
                if r.checkpoint_minutes and now - last_save >= r.checkpoint_minutes * 60:
                    self._save_last()
                    last_save = now
            if reason != "completed":
                break
            train_loss = epoch_loss_sum / max(1, epoch_steps)
            epoch_loss_sum, epoch_steps = 0.0, 0
            self.epoch += 1
            self.batch_index = 0
            self.hidden = None
            self._end_epoch(train_loss)
            last_save = time.monotonic()
        if reason != "completed" or not self.metrics or self.metrics[-1]["step"] != self.step:
            if self.best is None:  # stopped before the first epoch ended: still leave a usable model
                self._end_epoch(epoch_loss_sum / max(1, epoch_steps), partial=True)
            else:
                self._save_last()
                if self.rank == 0:
                    store.commit_meta(self.folder, self._meta())  # the total training time, not the last epoch's
        best_val = (self.best or {}).get("val_loss")
        # With DDP, every rank leaves here together, once rank 0 has written its files: no rank tears
        # down while another still works, and none reports success for a run that failed.
        distributed.finish()
        finished = Finished(self.name, reason, self.step, best_val, self.elapsed())
        self.on_event(finished)
        return finished

    def elapsed(self) -> float:
        return self.elapsed_before + time.monotonic() - self.t0

    def _train_step(self, use_amp: bool, report: bool) -> tuple[float | None, dict | None]:
        x, y = self.batches.get(self.epoch, self.batch_index)
        x, y = x.to(self.device, non_blocking=True), y.to(self.device, non_blocking=True)
        voice = self.batches.voices(self.epoch, self.batch_index).to(self.device, non_blocking=True) if self.voices else None
        for group in self.optimizer.param_groups:
            group["lr"] = self.lr_at(self.step)
        last_only = self.recipe.objective == "last"
        with torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=use_amp):
            logits, state = self.model(x, self.hidden, last_only=last_only, voice=voice)
        loss = F.cross_entropy(logits.float().reshape(-1, logits.size(-1)), y.reshape(-1))
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        norms = None
        if report:
            # One norm per layer: the UI shows whether the lower layers learn slower than the top.
            norms = {name: float(torch.linalg.vector_norm(torch.stack([p.grad.norm() for p in params if p.grad is not None])))
                     for name, params in self.net.layer_groups().items()}
        if self.recipe.grad_clip:
            total = torch.nn.utils.clip_grad_norm_(self.net.parameters(), self.recipe.grad_clip)
        else:
            total = torch.linalg.vector_norm(torch.stack([p.grad.norm() for p in self.net.parameters() if p.grad is not None]))
        value = loss.item()  # one sync per step; the value is needed for the divergence check anyway
        value = distributed.mean(value)  # with DDP: every rank skips or takes the step together
        if not (math.isfinite(value) and torch.isfinite(total)):
            self.optimizer.zero_grad(set_to_none=True)
            self.hidden = None
            return None, None
        self.optimizer.step()
        if not self._weights_finite():
            # A finite loss, then an update that overflowed: skipping later steps cannot repair these
            # weights, and they must never reach a checkpoint, so stop before anything is saved.
            raise OracleError(f"Training stopped at step {self.step + 1}: an update made the weights NaN or infinite; nothing from it "
                              "was saved and the last good checkpoint is kept", remedy="lower_lr", lr=self.recipe.lr)
        if self.batches.carries_state:
            self.hidden = tuple(s.detach() for s in state)
        return value, norms

    def _weights_finite(self) -> bool:
        return bool(torch.stack([torch.isfinite(p).all() for p in self.net.parameters()]).all())

    def _report_progress(self, loss: float, step_time: float, norms: dict) -> None:
        remaining = (self.total_steps - self.step) * step_time
        if self.recipe.max_minutes:
            remaining = min(remaining, max(0.0, self.recipe.max_minutes * 60 - self.elapsed()))
        self.on_event(Progress(self.step, self.total_steps, self.epoch + 1, self.recipe.epochs, loss,
                               self.batches.signal_per_step / step_time, remaining, self.elapsed(),  # already all ranks' rows
                               self.lr_at(self.step), norms, precision=self.precision))

    # ---- evaluation and saving -----------------------------------------------------------------

    def _validate(self) -> tuple[float | None, dict[str, float], dict[str, float]]:
        """Held-out loss overall and per source; a voiced model reads each source in its own voice
        (what the overall figure and the best checkpoint follow) and also with "any voice"."""
        per_source, any_voice, total, count = {}, {}, 0.0, 0
        for k, source in enumerate(self.corpus.sources):
            ids = source.val[: self.recipe.max_val_chars]
            if self.recipe.objective == "last":
                loss = window_loss(self.net, ids, self.recipe.seq_len, device=self.device)
            else:
                loss = stream_loss(self.net, ids, device=self.device, voice=k + 1 if self.voices else None)
                if self.voices and loss is not None:
                    any_voice[self.voices[k]] = stream_loss(self.net, ids, device=self.device, voice=0)
            if loss is not None:
                per_source[self.voices[k] if self.voices else source.name] = loss
                total += loss * len(ids)
                count += len(ids)
        return (total / count if count else None), per_source, any_voice

    def _samples(self) -> tuple[str, dict[float, str]]:
        rng = np.random.default_rng([self.recipe.seed, self.epoch, 11])
        passage = self.corpus.random_passage(rng)
        oracle = Oracle(self.name, copy.deepcopy(self.net).cpu().float(), self.corpus.vocab, self.corpus.lowercase)
        samples = {}
        for i, temperature in enumerate(SAMPLE_TEMPERATURES):
            settings = SampleSettings(temperature=temperature, length=self.recipe.sample_length, stop="length")
            text = []
            for ch in oracle.ask(passage, settings, seed=self.recipe.seed + i):
                text.append(ch)
                if self.control.stopped:  # Ctrl-C, SIGTERM or SIGHUP: save now, not after a long sample
                    break
            samples[temperature] = "".join(text)
        return passage, samples

    def _end_epoch(self, train_loss: float, partial: bool = False) -> None:
        if self.rank != 0:
            return
        val_loss, per_source, any_voice = self._validate()
        passage, samples = self._samples()
        score = val_loss if val_loss is not None else train_loss
        is_best = self.best is None or score < self.best["score"]
        self.metrics.append({"epoch": self.epoch, "step": self.step, "partial": partial, "train_loss": train_loss,
                             "train_bpc": bits(train_loss), "val_loss": val_loss, "val_bpc": bits(val_loss),
                             "val_method": "windows" if self.recipe.objective == "last" else "stream",
                             "per_source": per_source, "seconds": round(self.elapsed(), 2), "lr": self.lr_at(self.step),
                             **({"per_voice_any": any_voice} if self.voices else {})})
        if is_best:
            weights = store.write_weights(self.folder, "weights", self.net)
            self.best = {"epoch": self.epoch, "step": self.step, "val_loss": val_loss, "val_bpc": bits(val_loss),
                         "train_loss": train_loss, "score": score, "weights": weights, "sample": samples[0.5]}
        # The checkpoint (which names the best weights too) is committed before meta.json, so a kill
        # between the two leaves both pointing at files that still exist.
        self._save_last()
        store.commit_meta(self.folder, self._meta())
        if is_best:
            self.on_event(CheckpointSaved(str(self.folder / self.best["weights"]["file"]), self.step, "best"))
        self.on_event(EpochEnd(self.epoch, self.recipe.epochs, self.step, train_loss, val_loss, per_source, samples,
                               passage, self.elapsed(), is_best, per_voice_any=any_voice))

    def _meta(self) -> ModelMeta:
        # Built through the record's checks: what the trainer writes must be what a reader accepts.
        return record_to_write(ModelMeta, finite_or_none({
                "name": self.name, "created": self.created, "updated": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "config": self.config.to_dict(), "vocab": self.corpus.vocab.chars, "lowercase": self.corpus.lowercase,
                "parameters": self.net.num_parameters(), "recipe_name": self.recipe_name, "recipe": self.recipe.to_dict(),
                "corpora": [s.describe() for s in self.corpus.sources], "metrics": self.metrics,
                "best": {k: v for k, v in self.best.items() if k != "weights"}, "weights": self.best["weights"],
                "training_seconds": round(self.elapsed(), 2), "device": str(self.device),
                "device_name": (torch.cuda.get_device_name(self.device) if self.device.type == "cuda"
                                else platform.processor() or platform.machine()),
                "world_size": self.world, "precision": self._precision_ran(), "command": list(self.command),
                "commands": self.commands, "versions": versions(),
                "init_from": self.init_from, "words": self._words_entry(),
                # Row k of the voice table speaks like the k-th name: what a blend's names refer to.
                "voices": [{"name": v, "weight": s.weight} for v, s in zip(self.voices, self.corpus.sources, strict=False)]}),
            self.folder / "meta.json")

    def _words_entry(self) -> dict:
        """The word list of the corpora (words.py), written beside the weights on the first commit."""
        if getattr(self, "_words", None) is None:
            counts = words.count_encoded(self.corpus.vocab.chars, [(s.train, s.val) for s in self.corpus.sources])
            self._words = words.write(self.folder, words.WordList.from_counts(counts))
        return self._words

    def _take_name(self) -> None:
        """The staged run has its first checkpoint: it replaces (or becomes) the model of its name."""
        if self.folder != self.target:
            store.swap_in(self.folder, self.target, force=True)  # the lock is ours; the name was checked under it
            self.folder = self.target

    def _precision_ran(self) -> str:
        if self.bf16_until_step is None:
            return self.precision
        return f"bf16 autocast to step {self.bf16_until_step}, then float32 ({self.bf16_end})"

    def _save_last(self) -> None:
        if self.rank != 0:
            return
        state = {"optimizer": self.optimizer.state_dict(), "torch_rng": torch.get_rng_state(),
                 "hidden": [t.detach().cpu() for t in self.hidden] if self.hidden is not None else []}
        if self.device.type == "cuda":
            state["cuda_rng"] = torch.cuda.get_rng_state(self.device)
        pointer = {"name": self.name, "epoch": self.epoch, "batch_index": self.batch_index, "step": self.step,
                   "metrics": self.metrics, "best": self.best, "elapsed": self.elapsed(), "lr_scale": self.lr_scale,
                   "created": self.created, "recipe": self.recipe.to_dict(), "recipe_name": self.recipe_name, "world": self.world,
                   "config": self.config.to_dict(), "vocab": self.corpus.vocab.chars,
                   "corpora": [s.describe() for s in self.corpus.sources], "commands": self.commands}
        store.write_checkpoint(self.folder, self.net, state, pointer)
        self._take_name()
        self.on_event(CheckpointSaved(str(self.folder / "checkpoint.json"), self.step, "last"))
