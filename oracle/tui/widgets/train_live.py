"""What a running training shows: progress with ETA, the loss chart, per-layer gradient norms and
the samples after each epoch. It draws engine events; it never computes training figures itself."""

from __future__ import annotations

import time

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Label, ProgressBar, RichLog, Sparkline, Static

from oracle.engine import EpochEnd, OracleError, Progress, Started, bits, figures, store
from oracle.tui.widgets.charts import LossChart
from oracle.visible import visible

CHART_SECONDS = 0.5  # redraw the chart at most this often; progress events come ~4 times a second
NORM_HISTORY = 60  # gradient-norm points kept per layer sparkline


def clock(seconds: float) -> str:
    seconds = max(0, int(seconds))
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}" if seconds >= 3600 else f"{seconds // 60}:{seconds % 60:02d}"


class TrainLive(VerticalScroll):
    def compose(self) -> ComposeResult:
        yield ProgressBar(total=1, show_eta=False, id="train-progress")  # not indeterminate: its pulse would animate
        yield Static("No training yet: fill in the form, then Start.", id="train-stats")
        yield LossChart("loss (bits/char): train and validation", id="loss-chart")
        # The samples before the gradient norms: at 80x24 they are what a newcomer looks for.
        yield Static("samples after each epoch", classes="panel-title")
        yield RichLog(id="samples", max_lines=400, wrap=True, markup=False)
        yield Static("gradient norm per layer (bottom first)", classes="panel-title")
        yield Vertical(id="grad-norms")

    def reset(self) -> None:
        self.train_points: list[tuple[float, float]] = []
        self.val_points: list[tuple[float, float]] = []
        self.norms: dict[str, list[float]] = {}
        self.last_chart = 0.0
        self.last_started: Started | None = None
        self.query_one("#grad-norms").remove_children()
        self.query_one(LossChart).set_series([], [])
        self.query_one(RichLog).clear()

    def on_mount(self) -> None:
        self.reset()

    def started(self, event: Started) -> None:
        self.last_started = event
        if event.resumed_at_step > 0:  # a resumed run: its chart goes on from the history it has
            self._history(event.name, event.resumed_at_step)
        self.query_one(ProgressBar).update(total=event.total_steps, progress=event.resumed_at_step)
        self.query_one("#train-stats", Static).update(
            f"{event.name}: {event.parameters:,} parameters on {event.device} in {event.precision}, {event.total_steps:,} steps "
            f"({event.steps_per_epoch:,} per epoch), starting at step {event.resumed_at_step:,}")

    def _history(self, name: str, upto: int) -> None:
        try:
            metrics = store.find(name).model.metrics
        except (OracleError, AttributeError):
            return  # no readable history: the chart starts at the resumed step
        self.train_points = [(m.step, m.train_bpc) for m in metrics if m.train_bpc is not None and m.step <= upto]
        self.val_points = [(m.step, m.val_bpc) for m in metrics if m.val_bpc is not None and m.step <= upto]
        self.query_one(LossChart).set_series(self.train_points, self.val_points)

    def progress(self, event: Progress) -> None:
        self.query_one(ProgressBar).update(total=event.total_steps, progress=event.step)
        self.query_one("#train-stats", Static).update(
            f"epoch {event.epoch}/{event.epochs} · step {event.step:,}/{event.total_steps:,} · "
            f"{event.chars_per_sec:,.0f} chars/s ({event.precision}) · loss {bits(event.loss):.3f} bpc · "
            f"elapsed {clock(event.elapsed)} · ETA {clock(event.eta_seconds)}")
        self.train_points.append((event.step, bits(event.loss)))
        self._update_norms(event.grad_norms)
        now = time.monotonic()
        if now - self.last_chart >= CHART_SECONDS:
            self.last_chart = now
            self.query_one(LossChart).set_series(self.train_points, self.val_points)

    def _update_norms(self, norms: dict[str, float]) -> None:
        box = self.query_one("#grad-norms")
        for layer, value in norms.items():
            history = self.norms.setdefault(layer, [])
            history.append(value)
            del history[:-NORM_HISTORY]
            spark = box.query(f"#norm-{layer}")
            if not spark:
                row = Horizontal(Label(f"{layer:<6}"), Sparkline(list(history), id=f"norm-{layer}"),
                                 Static("", id=f"normv-{layer}", classes="norm-value"), classes="norm-row")
                box.mount(row)
                continue
            spark.first(Sparkline).data = list(history)
            box.query_one(f"#normv-{layer}", Static).update(f"{value:.3g}")

    def epoch_end(self, event: EpochEnd) -> None:
        if event.val_loss is not None:
            self.val_points.append((event.step, bits(event.val_loss)))
        self.query_one(LossChart).set_series(self.train_points, self.val_points)
        self.last_chart = time.monotonic()
        log = self.query_one(RichLog)
        val = "–" if event.val_bpc is None else f"{event.val_bpc:.3f}"
        log.write(Text(f"epoch {event.epoch}/{event.epochs}: train {event.train_bpc:.3f} bpc, val {val} bpc"
                       f"{' (best so far)' if event.best else ''}", style="bold"))
        if event.per_voice_any:  # a voiced model: each source in its own voice, and in the any voice
            log.write(Text("validation per voice (own / any voice, bpc): " + " · ".join(
                f"{name} {bits(loss):.3f} / {bits(event.per_voice_any.get(name)) or 0:.3f}"
                for name, loss in event.per_source.items())))
        for temperature, text in event.samples.items():
            log.write(Text(f"T {temperature}: ", style="italic").append(visible(figures.sample(text)), style="none"))
