"""The driver each browser tab's app runs with under `oracle serve`: Textual's web driver, plus an exit
when the server is gone.

textual-serve tells an app to quit when its tab closes. If the server itself dies without a word (killed,
crashed), the app's stdin simply ends: Textual's web driver then stops reading and leaves the app running
with no one to see it, and a training run it started would train on forever. Here the end of stdin ends the
app the way a closed tab does, so the trainer saves a checkpoint and stops.
"""

from __future__ import annotations

from textual import messages
from textual.drivers.web_driver import WebDriver


class ServedDriver(WebDriver):
    def run_input_thread(self) -> None:
        super().run_input_thread()
        if not self.exit_event.is_set():  # set first when the app stops by itself; unset: stdin ended
            self._app.post_message(messages.ExitApp())  # thread-safe: Textual hands it to the app's loop
