"""The handle a front end holds to pause, resume or stop a training run from another thread."""

from __future__ import annotations

import threading
import time


class TrainingControl:
    def __init__(self) -> None:
        self._stop = threading.Event()
        self._running = threading.Event()
        self._running.set()
        self.paused_seconds = 0.0  # time spent parked in wait_while_paused: not training time

    def pause(self) -> None:
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    def stop(self) -> None:
        """Ask the trainer to save and finish after the current step (also wakes a paused run)."""
        self._stop.set()
        self._running.set()

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    def wait_while_paused(self) -> None:
        if self._running.is_set():
            return
        parked = time.monotonic()
        self._running.wait()
        self.paused_seconds += time.monotonic() - parked
