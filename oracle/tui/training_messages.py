"""One Textual message per training event, so screens handle each with its own `on_*` method.

The engine reports plain dataclasses (`oracle.engine.train.events`) through one callback; the Train
screen's worker turns each into the message named for it here and posts it (thread-safe). Progress
messages collapse in the queue (`can_replace`): a screen that falls behind draws the newest figures
instead of working through stale ones.
"""

from __future__ import annotations

from textual.message import Message

from oracle.engine import CheckpointSaved, EpochEnd, Event, Failed, Finished, Notice, Progress, Started


class TrainingMessage(Message):
    """An engine event, carried from the training thread to the screen."""

    def __init__(self, event: Event) -> None:
        super().__init__()
        self.event = event


class TrainingStarted(TrainingMessage):
    event: Started


class TrainingProgressed(TrainingMessage):
    event: Progress

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, TrainingProgressed)


class EpochEnded(TrainingMessage):
    event: EpochEnd


class CheckpointWritten(TrainingMessage):
    event: CheckpointSaved


class TrainingNotice(TrainingMessage):
    event: Notice


class TrainingFinished(TrainingMessage):
    event: Finished


class TrainingFailed(TrainingMessage):
    event: Failed


_FOR_EVENT: dict[type, type[TrainingMessage]] = {
    Started: TrainingStarted, Progress: TrainingProgressed, EpochEnd: EpochEnded, CheckpointSaved: CheckpointWritten,
    Notice: TrainingNotice, Finished: TrainingFinished, Failed: TrainingFailed,
}


def message_for(event: Event) -> TrainingMessage:
    return _FOR_EVENT[type(event)](event)
