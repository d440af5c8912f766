"""Training progress on stderr for the command line: a rich progress bar and per-epoch samples."""

from __future__ import annotations

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn
from rich.text import Text

from oracle.engine import figures
from oracle.engine.events import CheckpointSaved, EpochEnd, Failed, Finished, Notice, Started
from oracle.engine.events import Progress as ProgressEvent
from oracle.visible import visible


def _one_line(text: str) -> Text:
    # A Text, never markup: a corpus may hold "[bold]" or "[/x]" (which rich would obey or choke
    # on) and control characters (which the terminal would obey).
    return Text(visible(text.replace("\n", " ⏎ ")))


class TrainReport:
    """An event callback for Trainer; use it as a context manager around `trainer.run()`."""

    def __init__(self, quiet: bool = False):
        self.quiet = quiet
        self.console = Console(stderr=True, highlight=False)
        self.bar = Progress(TextColumn("epoch {task.fields[epoch]}"), BarColumn(), TaskProgressColumn(),
                            TextColumn("step {task.completed:.0f}/{task.total:.0f}"), TextColumn("{task.fields[speed]}"),
                            TextColumn("loss {task.fields[loss]}"), TextColumn("ETA"), TimeRemainingColumn(),
                            console=self.console, disable=quiet, transient=False)
        self.task = None

    def __enter__(self):
        self.bar.__enter__()
        return self

    def __exit__(self, *exc):
        self.bar.__exit__(*exc)

    def say(self, text: str) -> None:
        self.console.print(text)

    def __call__(self, event) -> None:
        if isinstance(event, Failed):
            return  # the command line prints the error itself
        if isinstance(event, Finished):
            self.bar.stop()  # draw the bar one last time now, above this line, not again below it
            best = "" if event.best_val_loss is None else f", best validation loss {event.best_val_loss:.3f} nats/char ({event.best_val_loss / 0.693147:.3f} bits)"
            self.console.print(f"[bold]{event.name}[/]: {event.reason} after {event.step} steps in {event.elapsed:.0f}s{best}.")
            return
        if self.quiet:
            return
        if isinstance(event, Started):
            self.console.print(f"Training [bold]{event.name}[/]: {event.parameters:,} parameters on {event.device} in {event.precision}, "
                               f"{event.steps_per_epoch} steps per epoch, batch {event.batch_size}"
                               + (f", resuming at step {event.resumed_at_step}" if event.resumed_at_step else ""))
            self.task = self.bar.add_task("train", total=event.total_steps, completed=event.resumed_at_step,
                                          epoch="-", speed="", loss="-")
        elif isinstance(event, ProgressEvent) and self.task is not None:
            self.bar.update(self.task, completed=event.step, epoch=f"{event.epoch}/{event.epochs}",
                            speed=f"{event.chars_per_sec:,.0f} chars/s ({event.precision})", loss=f"{event.loss:.3f}")
        elif isinstance(event, EpochEnd):
            val = "n/a" if event.val_loss is None else f"{event.val_loss:.3f} nats ({event.val_bpc:.3f} bits)/char"
            self.console.print(f"[bold]epoch {event.epoch}/{event.epochs}[/] train {event.train_loss:.3f} nats "
                               f"({event.train_bpc:.3f} bits)/char, validation {val}{'  [green]best[/]' if event.best else ''}")
            self.console.print(Text.assemble(("  seed  ", "dim"), _one_line(event.seed_passage)))
            for temperature, text in event.samples.items():
                self.console.print(Text.assemble((f"  T={temperature} ", "dim"), _one_line(figures.sample(text))))
        elif isinstance(event, Notice):
            self.console.print(Text.assemble(("note: ", "yellow"), visible(event.message)))
        elif isinstance(event, CheckpointSaved) and event.kind == "best":
            pass
