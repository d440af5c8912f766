"""Training progress on stderr for the command line: a rich progress bar and per-epoch samples."""

from __future__ import annotations

from functools import singledispatchmethod

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TaskProgressColumn, TextColumn, TimeRemainingColumn
from rich.text import Text

from oracle.engine import EpochEnd, Finished, Notice, Started, figures
from oracle.engine import Progress as ProgressEvent
from oracle.visible import visible


def _one_line(text: str) -> Text:
    # A Text, never markup: a corpus may hold "[bold]" or "[/x]" (which rich would obey or choke
    # on) and control characters (which the terminal would obey).
    return Text(visible(text.replace("\n", " ⏎ ")))


SHORT_PRECISION = {"float32": "fp32"}  # the bar must fit 80 columns; the first line says "float32" in full


class TrainReport:
    """An event callback for Trainer; use it as a context manager around `trainer.run()`."""

    def __init__(self, quiet: bool = False):
        self.quiet = quiet
        self.console = Console(stderr=True, highlight=False)
        self.bar = Progress(TextColumn("epoch {task.fields[epoch]}"), BarColumn(), TaskProgressColumn(),
                            TextColumn("step {task.completed:.0f}/{task.total:.0f}"), TextColumn("{task.fields[speed]}"),
                            TextColumn("loss {task.fields[loss]}"), TextColumn("ETA"), TimeRemainingColumn(compact=True),
                            console=self.console, disable=quiet, transient=False)
        self.task: TaskID | None = None

    def __enter__(self):
        self.bar.__enter__()
        return self

    def __exit__(self, *exc):
        self.bar.__exit__(*exc)

    def say(self, text: str) -> None:
        self.console.print(text)

    def __call__(self, event) -> None:
        if self.quiet and not isinstance(event, Finished):
            return  # quiet still says how the run ended
        self.report(event)

    # One method per event, chosen by the event's type (no isinstance ladder); events this face
    # has nothing to say about (a checkpoint written, a failure the command line prints itself)
    # fall to the base case.
    @singledispatchmethod
    def report(self, event) -> None:
        pass

    @report.register
    def _finished(self, event: Finished) -> None:
        self.bar.stop()  # draw the bar one last time now, above this line, not again below it
        best = "" if event.best_val_loss is None else (
            f", best validation loss {event.best_val_loss:.3f} nats/char ({event.best_val_loss / 0.693147:.3f} bits)")
        self.console.print(f"[bold]{event.name}[/]: {event.reason} after {event.step} steps in {event.elapsed:.0f}s{best}.")

    @report.register
    def _started(self, event: Started) -> None:
        self.console.print(f"Training [bold]{event.name}[/]: {event.parameters:,} parameters on {event.device} in {event.precision}, "
                           f"{event.steps_per_epoch} steps per epoch, batch {event.batch_size}"
                           + (f", resuming at step {event.resumed_at_step}" if event.resumed_at_step else ""))
        self.task = self.bar.add_task("train", total=event.total_steps, completed=event.resumed_at_step,
                                      epoch="-", speed="", loss="-")

    @report.register
    def _progress(self, event: ProgressEvent) -> None:
        if self.task is not None:
            precision = SHORT_PRECISION.get(event.precision, event.precision)
            self.bar.update(self.task, completed=event.step, epoch=f"{event.epoch}/{event.epochs}",
                            speed=f"{event.chars_per_sec:,.0f} chars/s {precision}", loss=f"{event.loss:.3f}")

    @report.register
    def _epoch_end(self, event: EpochEnd) -> None:
        val = "n/a" if event.val_loss is None else f"{event.val_loss:.3f} nats ({event.val_bpc:.3f} bits)/char"
        self.console.print(f"[bold]epoch {event.epoch}/{event.epochs}[/] train {event.train_loss:.3f} nats "
                           f"({event.train_bpc:.3f} bits)/char, validation {val}{'  [green]best[/]' if event.best else ''}")
        if event.per_voice_any:  # a voiced model: each corpus in its own voice / in the any voice, nats/char
            self.console.print(Text.assemble(("  voices (own / any) ", "dim"), _one_line(" · ".join(
                f"{name} {loss:.3f} / {event.per_voice_any.get(name, float('nan')):.3f}" for name, loss in event.per_source.items()))))
        self.console.print(Text.assemble(("  seed  ", "dim"), _one_line(event.seed_passage)))
        for temperature, text in event.samples.items():
            self.console.print(Text.assemble((f"  T={temperature} ", "dim"), _one_line(figures.sample(text))))

    @report.register
    def _notice(self, event: Notice) -> None:
        self.console.print(Text.assemble(("note: ", "yellow"), visible(event.message)))
