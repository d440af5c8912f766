"""The loop over epochs and steps: agree to stop, step, fall back from bf16, skip bad steps, report, save."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from oracle.engine.errors import OracleError
from oracle.engine.model.precision import BF16, is_bf16_refusal
from oracle.engine.model.precision import choose as choose_precision
from oracle.engine.train import commit, distributed
from oracle.engine.train.events import Finished, Notice, Progress, Started

if TYPE_CHECKING:
    from oracle.engine.train.trainer import Trainer

PROGRESS_SECONDS = 0.25  # how often progress (with per-layer gradient norms) is reported
MAX_BAD_STEPS = 5  # consecutive non-finite steps before training gives up


class EpochLoop:
    """One run of a trainer, from its state (new or restored) to the end: the last epoch, a stop, or the time budget."""

    def __init__(self, trainer: Trainer):
        self.t = trainer
        self.epoch_loss_sum, self.epoch_steps = 0.0, 0
        self.window_loss_sum, self.window_steps, self.last_report = 0.0, 0, 0.0
        self.step_time: float | None = None
        self.last_save = time.monotonic()
        self.bad_steps = 0  # in a row, across epochs

    def run(self) -> Finished:
        t, r = self.t, self.t.recipe
        t.t0 = time.monotonic()
        t.precision, why_not_bf16 = choose_precision(r.amp, t.device)
        t.bf16_until_step, t.bf16_end = None, ""  # set if a NaN or a refusal under bf16 sends the run back to float32
        t.on_event(Started(t.name, t.total_steps, t.batches.steps_per_epoch, r.epochs, t.net.num_parameters(),
                           str(t.device), t.batches.batch, t.state.step, precision=t.precision))
        for notice in ([why_not_bf16] if why_not_bf16 else []) + t.start.notices:
            t.on_event(Notice(notice))
        if t.batches.batch < r.batch_size and t.batches.carries_state:
            t.on_event(Notice(f"The corpus is short, so each step uses {t.batches.batch} sequences instead of {r.batch_size}."))
        t.learner.model.train()
        reason = "completed"
        while t.state.epoch < r.epochs and reason == "completed":
            reason = self._epoch(use_amp=t.precision == BF16)
            if reason == "completed":
                self._epoch_done()
        s = t.state
        if reason != "completed" or not s.metrics or s.metrics[-1].step != s.step:
            if s.best is None:  # stopped before the first epoch ended: still leave a usable model
                commit.end_epoch(t, self.epoch_loss_sum / max(1, self.epoch_steps), partial=True)
            else:
                t._save_last()
                if t.rank == 0:
                    commit.commit_meta(t)  # the total training time, not the last epoch's
        # With DDP, every rank leaves here together, once rank 0 has written its files: no rank tears
        # down while another still works, and none reports success for a run that failed.
        distributed.finish()
        finished = Finished(t.name, reason, s.step, s.best.val_loss if s.best else None, t.elapsed())
        t.on_event(finished)
        return finished

    def _epoch_done(self) -> None:
        t = self.t
        train_loss = self.epoch_loss_sum / max(1, self.epoch_steps)
        self.epoch_loss_sum, self.epoch_steps = 0.0, 0
        t.state.epoch += 1
        t.state.batch_index = 0
        t.learner.hidden = None
        commit.end_epoch(t, train_loss)
        self.last_save = time.monotonic()

    def _agreed_stop(self) -> str | None:
        t, r = self.t, self.t.recipe
        t.control.wait_while_paused()
        code = distributed.CONTINUE
        if t.control.stopped:
            code = distributed.STOPPED
        elif r.max_minutes and t.elapsed() >= r.max_minutes * 60:
            code = distributed.TIME_BUDGET
        code = distributed.agree_stop(code)  # with DDP, every rank stops at the same step
        return distributed.STOP_REASONS[code] if code != distributed.CONTINUE else None

    def _epoch(self, use_amp: bool) -> str:
        """The rest of this epoch's steps; why it ended ("completed", or a stop's reason)."""
        t, r, s = self.t, self.t.recipe, self.t.state
        while s.batch_index < t.batches.steps_per_epoch:
            reason = self._agreed_stop()
            if reason is not None:
                return reason
            t._between_steps = False  # until the step's last collective (in _train_step) is done
            tick = time.monotonic()
            try:
                loss, norms = t._train_step(use_amp, report=tick - self.last_report >= PROGRESS_SECONDS)
            except RuntimeError as err:
                if not (use_amp and is_bf16_refusal(err)):
                    raise
                # The kernels refused bf16 although the probe passed (another shape, another device):
                # the same step again in float32, as after a NaN.
                use_amp = False
                t._fall_back_to_float32("bf16 kernels were refused",
                                        "bf16 autocast is not available here (the kernels refused it): continuing in float32.")
                continue
            t._between_steps = True
            if loss is None:
                self.bad_steps += 1
                if use_amp:
                    use_amp = False
                    t._fall_back_to_float32("the loss became NaN or infinite",
                                            "The loss became NaN or infinite under bf16 autocast: continuing in float32.")
                else:
                    t._note_skipped_step()
                if self.bad_steps >= MAX_BAD_STEPS:
                    raise OracleError(f"Training diverged: {self.bad_steps} steps in a row had NaN or infinite loss; "
                                      "the last good checkpoint is kept", remedy="lower_lr", lr=r.lr)
                continue
            self.bad_steps = 0
            self._count(loss, norms, tick)
            if r.checkpoint_minutes and time.monotonic() - self.last_save >= r.checkpoint_minutes * 60:
                t._save_last()
                self.last_save = time.monotonic()
        return "completed"

    def _count(self, loss: float, norms: dict | None, tick: float) -> None:
        t, s = self.t, self.t.state
        s.step += 1
        s.batch_index += 1
        self.epoch_loss_sum += loss
        self.epoch_steps += 1
        self.window_loss_sum += loss
        self.window_steps += 1
        now = time.monotonic()
        self.step_time = now - tick if self.step_time is None else 0.9 * self.step_time + 0.1 * (now - tick)
        if norms is not None or s.batch_index == t.batches.steps_per_epoch:
            self._report(self.window_loss_sum / self.window_steps, self.step_time, norms or {})
            self.window_loss_sum, self.window_steps, self.last_report = 0.0, 0, now

    def _report(self, loss: float, step_time: float, norms: dict) -> None:
        t = self.t
        remaining = (t.total_steps - t.state.step) * step_time
        if t.recipe.max_minutes:
            remaining = min(remaining, max(0.0, t.recipe.max_minutes * 60 - t.elapsed()))
        t.on_event(Progress(t.state.step, t.total_steps, t.state.epoch + 1, t.recipe.epochs, loss,
                            t.batches.signal_per_step / step_time, remaining, t.elapsed(),  # already all ranks' rows
                            t.lr_at(t.state.step), norms, precision=t.precision))
