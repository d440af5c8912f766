"""What the app shows in a window smaller than its screens are laid out for (80x24).

Below that, buttons, columns and footers were cut mid-word ("Start Pause R"). The app puts this
screen over everything instead, and takes it away when the window is large enough again: the
screens under it keep running (a training run goes on) and come back as they were.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Center, Middle
from textual.screen import Screen
from textual.widgets import Static

MIN_WIDTH, MIN_HEIGHT = 80, 24


def too_small(width: int, height: int) -> bool:
    return width < MIN_WIDTH or height < MIN_HEIGHT


class TooSmallScreen(Screen):
    DEFAULT_CSS = """
    TooSmallScreen { align: center middle; }
    TooSmallScreen Static { width: auto; max-width: 100%; padding: 0 1; text-align: center; }
    """

    def compose(self) -> ComposeResult:
        with Middle(), Center():
            yield Static("", id="too-small")

    def on_mount(self) -> None:
        self.show_size(self.app.size.width, self.app.size.height)

    def show_size(self, width: int, height: int) -> None:
        self.query_one("#too-small", Static).update(
            f"The window is too small (need {MIN_WIDTH}x{MIN_HEIGHT}; it is {width}x{height}).\n"
            "Make it larger and Oracle comes back as it was.\nCtrl+Q quits.")
