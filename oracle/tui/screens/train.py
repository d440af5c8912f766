"""The Train screen: a form on the left, the live run on the right, Start/Pause/Resume/Stop on top.

The `Trainer` runs in a thread worker owned by this (installed, never destroyed) screen, so
switching screens does not stop it. Its events arrive through `post_message` (thread-safe and
non-blocking for the trainer) and its pause/stop go through a `TrainingControl`. The trainer's module
(and torch with it) is imported by that worker when a run starts: the app opens without it.
"""

from __future__ import annotations

import threading

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Button, Footer, Static
from textual.worker import Worker

from oracle.engine import Event, Failed, OracleError, TrainingControl, store
from oracle.tui.training_messages import (
    EpochEnded,
    TrainingFailed,
    TrainingFinished,
    TrainingNotice,
    TrainingProgressed,
    TrainingStarted,
    message_for,
)
from oracle.tui.widgets.nav import NavBar
from oracle.tui.widgets.train_form import Plan, TrainForm
from oracle.tui.widgets.train_live import TrainLive


def trainer_start(start: str):
    """Trainer.new or Trainer.resumed, importing torch on first use: called in the training worker, so the
    app never waits for it."""
    from oracle.engine import Trainer

    return getattr(Trainer, start)


# The screen's keys and help, declared as data beside it.
KEYS: list[Binding | tuple[str, str] | tuple[str, str, str]] = [
    Binding("f5", "start", "Start"),
    Binding("f6", "pause", "Pause"),
    Binding("f7", "resume", "Resume"),
    Binding("f8", "stop", "Stop"),
]
HELP = """Name the new model, tick the corpora it learns from (or give your own files), pick a recipe,
then Start (F5, or Enter in any field). The run goes on when you switch screens; Stop saves a
checkpoint that Resume (here, or t on the Models screen) continues."""


class TrainScreen(Screen):
    BINDINGS, HELP = KEYS, HELP
    QUESTION_MARK_HELPS = True  # no model name, number or weight holds a "?": it opens the help (app.py)
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (130, "-wide")]  # wide: corpus descriptions shown whole
    state: reactive[str] = reactive("idle")  # idle | running | paused | stopping

    def __init__(self) -> None:
        super().__init__(id="train-screen")
        self.control: TrainingControl | None = None
        self.training_worker: Worker | None = None  # kept, so quitting can cancel it
        # Set when the trainer has really returned: Textual marks a cancelled thread worker finished
        # at once, and its pool thread lives on, so neither says whether training still runs.
        self.training_done = threading.Event()
        self.run_name: str | None = None
        self.resumable: str | None = None  # a stopped run that Resume continues

    def compose(self) -> ComposeResult:
        yield NavBar("train")
        with Horizontal(id="train-body"):
            yield TrainForm(id="train-form")
            with Vertical(id="train-right"):
                with Horizontal(id="train-buttons"):
                    yield Button("Start", variant="primary", id="start", compact=True)
                    yield Button("Pause", id="pause", compact=True)
                    yield Button("Resume", id="resume", compact=True)
                    yield Button("Stop", variant="error", id="stop", compact=True)
                yield Static("", id="train-state")  # its own line: at 80 columns the buttons fill theirs
                yield TrainLive(id="train-live")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "train"
        self._sync_buttons()

    def on_screen_resume(self) -> None:
        if self.state == "idle":
            self.query_one(TrainForm).validate_form()  # a name taken, freed or renamed on Models meanwhile

    # ---- buttons and keys --------------------------------------------------------------------

    @on(Button.Pressed, "#start, #pause, #resume, #stop")
    def _button_pressed(self, event: Button.Pressed) -> None:
        {"start": self.action_start, "pause": self.action_pause, "resume": self.action_resume,
         "stop": self.action_stop}[event.button.id or "stop"]()

    def on_train_form_validated(self, event: TrainForm.Validated) -> None:
        self._sync_buttons()

    def on_train_form_start_requested(self, event: TrainForm.StartRequested) -> None:
        self.action_start()

    def action_start(self) -> None:
        form = self.query_one(TrainForm)
        if self.state != "idle":
            self.notify("A training run is already going: stop it first.", severity="warning")
            return
        form.validate_form()  # at the moment of starting: the name may have been taken meanwhile
        if form.plan is None:
            self.notify(form.error or "The form is not complete.", severity="warning")
            return
        plan: Plan = form.plan
        form.freeze(plan.name)
        self._launch(plan.name, "Reading and checking the corpora…", lambda on_event, control: trainer_start("new")(
            plan.name, plan.sources, plan.recipe, recipe_name=plan.recipe_name, command=plan.command,
            on_event=on_event, control=control))

    def resume_run(self, name: str) -> None:
        """Continue a stopped run from its last checkpoint (from the Resume button or Models)."""
        if self.state != "idle":
            self.notify("A training run is already going: stop it first.", severity="warning")
            return
        form = self.query_one(TrainForm)
        try:
            form.show_run(name, store.find(name).model)
        except OracleError as err:
            self.notify(str(err), severity="error", title="Cannot resume")
            return
        form.freeze(name)
        self._launch(name, f"Loading {name}'s checkpoint and reading its corpora…",
                     lambda on_event, control: trainer_start("resumed")(name, command=["oracle", "train", "--resume", name],
                                                                        on_event=on_event, control=control))

    def action_pause(self) -> None:
        if self.state == "running" and self.control:
            self.control.pause()
            self.state = "paused"

    def action_resume(self) -> None:
        if self.state == "paused" and self.control:
            self.control.resume()
            self.state = "running"
        elif self.state == "idle" and self.resumable:
            self.resume_run(self.resumable)

    def action_stop(self) -> None:
        if self.state in ("running", "paused") and self.control:
            self.control.stop()  # the trainer saves a checkpoint and finishes after this step
            self.state = "stopping"

    def on_unmount(self) -> None:
        self.shutdown()  # an app that ends any other way (a crash included) must not leave a run training on

    def shutdown(self) -> None:
        """The app is closing: the trainer saves a checkpoint and ends after its current step."""
        if self.control is not None:
            self.control.stop()
        if self.training_worker is not None:
            self.training_worker.cancel()  # marks it; the trainer itself ends at the stop flag after its step

    # ---- the run -----------------------------------------------------------------------------

    def _launch(self, name: str, doing: str, make_trainer) -> None:
        self.control, self.run_name = TrainingControl(), name
        self.training_done = threading.Event()
        self.query_one(TrainLive).reset()
        self.query_one("#train-stats", Static).update(doing)  # until the trainer's first event says more
        self.state = "running"
        self.training_worker = self._train(make_trainer, self.control)

    @work(thread=True, group="training", exclusive=True, exit_on_error=False)
    def _train(self, make_trainer, control: TrainingControl) -> None:
        done = self.training_done  # this run's own: a later run gets a new one
        try:
            self._run_trainer(make_trainer, control)
        finally:
            done.set()

    def _run_trainer(self, make_trainer, control: TrainingControl) -> None:
        reported = []

        def on_event(event: Event) -> None:
            if isinstance(event, Failed):
                reported.append(event)
            self.post_message(message_for(event))

        try:
            trainer = make_trainer(on_event, control)  # reads and checks the corpora: slow for big ones
            trainer.run()
        except OracleError as err:
            if not reported:  # run() has already reported a failure it raises; the constructor has not
                on_event(Failed(str(err)))
        except Exception as err:  # never let a training bug take the app down
            if not reported:
                on_event(Failed(f"Training failed unexpectedly: {err.__class__.__name__}: {err}"))

    def on_training_started(self, message: TrainingStarted) -> None:
        self.query_one(TrainLive).started(message.event)

    def on_training_progressed(self, message: TrainingProgressed) -> None:
        self.query_one(TrainLive).progress(message.event)

    def on_epoch_ended(self, message: EpochEnded) -> None:
        self.query_one(TrainLive).epoch_end(message.event)

    def on_training_notice(self, message: TrainingNotice) -> None:
        self.notify(message.event.message, title="Training")

    def on_training_finished(self, message: TrainingFinished) -> None:
        event = message.event
        self.state = "idle"
        self.resumable = event.name if event.reason != "completed" else None
        best = "" if event.best_val_loss is None else f", best validation {event.best_val_loss / 0.6931471805599453:.3f} bits/char"
        self.app.notify(f"Training {event.name} {event.reason} after {event.step:,} steps{best}. "
                        f"It is on the Models screen{'; Resume continues it' if self.resumable else ''}.",
                        title="Training finished", timeout=8)
        self.query_one(TrainForm).thaw()  # the name is taken now: it offers the next free one

    def on_training_failed(self, message: TrainingFailed) -> None:
        self.state = "idle"
        self.query_one(TrainForm).thaw()
        self.app.notify(message.event.message, title="Training failed", severity="error", timeout=12)

    # CheckpointWritten needs no handler: the files are the store's business, and Finished says where.

    def watch_state(self, state: str) -> None:
        self._sync_buttons()

    def _sync_buttons(self) -> None:
        if not self.children:  # not composed yet
            return
        state, form = self.state, self.query_one(TrainForm)
        self.query_one("#start", Button).disabled = state != "idle" or form.plan is None
        self.query_one("#pause", Button).disabled = state != "running"
        self.query_one("#resume", Button).disabled = not (state == "paused" or (state == "idle" and self.resumable))
        self.query_one("#stop", Button).disabled = state not in ("running", "paused")
        words = {"idle": f"ready · Resume continues {self.resumable}" if self.resumable else "ready",
                 "running": f"training {self.run_name}", "paused": f"paused {self.run_name}",
                 "stopping": "stopping: saving a checkpoint…"}
        self.query_one("#train-state", Static).update(words[state])
