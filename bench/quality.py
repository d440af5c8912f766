"""Time to quality: train a recipe with the real Trainer and record validation loss against training seconds.

The clock counts training only: it starts at the trainer's Started event and stops while the
benchmark evaluates and while the trainer does its end-of-epoch chores (validation, samples, files),
so both recipes are timed on the same work. Evaluation is the seed's way for both (`window_loss`:
each held-out char from its 40 previous chars) and, for contiguous recipes, also `stream_loss`.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

from oracle.engine import EpochEnd, Progress, Started, Trainer, TrainingControl, get_recipe
from oracle.engine.train.evaluate import stream_loss, window_loss


def recipe_overrides(pairs: list[str]) -> dict:
    """["field=value", ...] -> {field: value}, each value typed like the recipe's field (--default-set, bench.tune)."""
    from oracle.engine import Recipe

    types = {name: type(value) for name, value in Recipe().to_dict().items()}
    found = {}
    for pair in pairs:
        key, _, value = pair.partition("=")
        found[key] = types.get(key, str)(value) if types.get(key) is not bool else value.lower() in ("1", "true", "yes")
    return found


@dataclass
class Curve:
    recipe: str
    points: list[dict] = field(default_factory=list)  # {"seconds", "step", "epoch", "window_loss", "stream_loss"}
    epoch_seconds: list[float] = field(default_factory=list)  # training seconds at each epoch's end
    steps: int = 0
    signal_chars: int = 0  # characters of training signal (predicted targets) seen
    seconds: float = 0.0
    stop_reason: str = ""

    def best(self) -> float:
        return min(p["window_loss"] for p in self.points)

    def first_time_at(self, loss: float) -> float | None:
        """Training seconds at the first evaluation whose window loss is at or below `loss`."""
        for p in self.points:
            if p["window_loss"] <= loss + 1e-12:
                return p["seconds"]
        return None

    def loss_at(self, seconds: float) -> float | None:
        """The window loss of the last evaluation made within `seconds` of training."""
        before = [p for p in self.points if p["seconds"] <= seconds + 1e-9]
        return before[-1]["window_loss"] if before else None


class Run:
    """One recipe's run; the trainer calls `on_event` from its own loop, so evaluation pauses training."""

    def __init__(self, name: str, corpus_path, budget_s: float, first_eval_s: float, eval_chars: int,
                 overrides: dict | None = None, max_epochs: int = 100, stop_when=None, eval_before: tuple = (),
                 device: str = "cpu"):
        recipe = get_recipe(name).with_overrides(
            val_fraction=0.1, lowercase=True, epochs=max_epochs, device=device, checkpoint_minutes=0.0,
            sample_length=1, max_val_chars=2000, **(overrides or {}))  # the trainer's own chores kept tiny
        self.name, self.budget_s, self.eval_chars, self.stop_when = name, budget_s, eval_chars, stop_when
        self.next_eval, self.first_eval_s = first_eval_s, first_eval_s
        self.eval_before = sorted(t for t in eval_before if t)  # times that must have an evaluation just before them
        self.control = TrainingControl()
        self.curve = Curve(name)
        self.start = self.excluded = self.last_progress = None
        self.trainer = Trainer(f"bench-{name}", [str(corpus_path)], recipe, recipe_name=name, force=True,
                               command=["python", "-m", "bench"], on_event=self.on_event, control=self.control)
        self.val = self.trainer.corpus.sources[0].val[:eval_chars]
        self.contiguous = recipe.objective == "all"

    def clock(self) -> float:
        return time.perf_counter() - self.start - self.excluded

    def evaluate(self, seconds: float, step: int, epoch: float) -> None:
        t0 = time.perf_counter()
        net = self.trainer.net
        device = self.trainer.device
        point = {"seconds": round(seconds, 3), "step": step, "epoch": round(epoch, 3),
                 "window_loss": window_loss(net, self.val, 40, device=device)}
        if self.contiguous:
            point["stream_loss"] = stream_loss(net, self.val, device=device)
        self.curve.points.append(point)
        self.excluded += time.perf_counter() - t0

    def on_event(self, event) -> None:
        if isinstance(event, Started):
            self.start, self.excluded = time.perf_counter(), 0.0
        elif isinstance(event, Progress):
            self.last_progress = time.perf_counter()
            steps_per_epoch = self.trainer.batches.steps_per_epoch
            self.curve.steps = event.step
            epoch_done = event.step % steps_per_epoch == 0
            seconds = self.clock()
            if epoch_done:
                self.curve.epoch_seconds.append(round(seconds, 3))
            # A time in eval_before gets its evaluation at the last step that ends before it.
            step_estimate = seconds / max(1, event.step)
            due = bool(self.eval_before) and seconds + step_estimate > self.eval_before[0]
            while self.eval_before and seconds + step_estimate > self.eval_before[0]:
                self.eval_before.pop(0)
            if due or epoch_done or seconds >= self.next_eval or seconds >= self.budget_s:
                self.evaluate(seconds, event.step, event.step / steps_per_epoch)
                while self.next_eval <= seconds:
                    self.next_eval *= 1.25  # dense early, where the curves fall fastest; a crossing is dated within 25%
            if self.clock() >= self.budget_s or (self.stop_when and self.stop_when(self.curve)):
                self.curve.seconds = self.clock()
                self.control.stop()
        elif isinstance(event, EpochEnd) and self.last_progress is not None:
            # Validation, samples and files happened between the epoch's last step and this event.
            self.excluded += time.perf_counter() - self.last_progress

    def run(self) -> Curve:
        finished = self.trainer.run()
        if not self.curve.seconds:
            self.curve.seconds = self.clock()
        self.curve.stop_reason = finished.reason
        self.curve.signal_chars = self.curve.steps * self.trainer.batches.signal_per_step
        return self.curve


def compare(classic: Curve, default: Curve) -> dict:
    """The figures the issue asks for, from two curves measured on the same corpus and machine."""
    one_epoch = classic.loss_at(classic.epoch_seconds[0]) if classic.epoch_seconds else None
    t1_classic = classic.epoch_seconds[0] if classic.epoch_seconds else None
    best = classic.best()
    t_best_classic = classic.first_time_at(best)
    t_best_default = default.first_time_at(best)
    t_one_default = default.first_time_at(one_epoch) if one_epoch is not None else None
    default_at_t1 = default.loss_at(t1_classic) if t1_classic is not None else None
    ratio = (t_best_classic / t_best_default) if t_best_default else None
    return {
        "classic_epochs": len(classic.epoch_seconds), "classic_stop": classic.stop_reason,
        "classic_1epoch_seconds": t1_classic, "classic_1epoch_loss": one_epoch,
        "classic_best_loss": best, "classic_seconds_to_best": t_best_classic,
        "default_seconds_to_classic_1epoch_loss": t_one_default,
        "default_seconds_to_classic_best": t_best_default, "speedup_to_classic_best": ratio,
        "speedup_to_classic_1epoch_loss": (t1_classic / t_one_default) if t_one_default and t1_classic else None,
        "default_loss_at_classic_1epoch_time": default_at_t1,
        "gap_at_classic_1epoch_time": (one_epoch - default_at_t1) if one_epoch is not None and default_at_t1 is not None else None,
        "default_best_loss": default.best(),
    }


def throughput(curve: Curve) -> float:
    return curve.signal_chars / curve.seconds if curve.seconds > 0 else math.nan
