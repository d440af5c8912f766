"""The Scripture screen's list of past scriptures (ORACLE_HOME/scriptures/): newest first, an
unfinished one with its count ("41/120"), a damaged file listed dimmed and not choosable."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from oracle.engine import OracleError
from oracle.engine import list_scriptures as list_saved
from oracle.visible import visible


class PastScriptures(OptionList):
    class Chosen(Message):
        def __init__(self, path: Path) -> None:
            super().__init__()
            self.path = path

    def on_mount(self) -> None:
        self.border_title = "past scriptures"

    def refresh_past(self) -> None:
        self.clear_options()
        try:
            saved = list_saved()
        except OracleError as err:
            self.notify(str(err), severity="error")
            return
        for path, scripture in saved:
            if scripture is None:
                label = Text(visible(f"{path.name} (damaged)"), style="dim")
            else:
                done = "" if scripture.complete else f" · {scripture.verses_written()}/{scripture.total_verses()}"
                label = Text(visible(f"{scripture.plan.title} · seed {scripture.plan.seed}{done}"))  # a title from a file
            self.add_option(Option(label, id=str(path), disabled=scripture is None))
        if self.option_count:
            self.highlighted = 0  # Enter reopens the newest at once

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.post_message(self.Chosen(Path(event.option.id or "")))
