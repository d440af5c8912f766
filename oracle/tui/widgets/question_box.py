"""The question box: a few lines tall, so a pasted passage arrives whole, line breaks and all.

Enter asks. Shift+Enter (where the terminal reports it), Ctrl+J or Alt+Enter start a new line.
Up in an empty box recalls the questions asked before (kept in the home, as a shell keeps its
history), Down goes forward again; editing a recalled question and pressing Enter asks it anew.
`?` in an empty box opens the help, since a question rarely starts with one.
"""

from __future__ import annotations

from textual import events
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input, OptionList, Select, TextArea

from oracle.tui import preferences
from oracle.tui.typed import oracle_app

NEWLINE_KEYS = ("shift+enter", "ctrl+j", "alt+enter")


class QuestionBox(TextArea):
    class Submitted(Message):
        """Enter was pressed on a question: `question` is the box's text, line breaks kept (the box is emptied)."""

        def __init__(self, box: QuestionBox, question: str) -> None:
            super().__init__()
            self.box, self.question = box, question

        @property
        def control(self) -> QuestionBox:
            return self.box

    def __init__(self, **kwargs) -> None:
        super().__init__(soft_wrap=True, show_line_numbers=False, tab_behavior="focus", compact=True,
                         placeholder="Ask the oracle, then press Enter (Ctrl+J: new line, ?: help)…", **kwargs)

    def on_mount(self) -> None:
        self.asked = preferences.questions()  # oldest first
        self.recalled: int | None = None  # the index in `asked` shown now, while Up/Down walk it

    def _recall(self, step: int) -> bool:
        """Up (-1) or Down (1) through earlier questions; False when the key is the cursor's."""
        browsing = self.recalled is not None and self.text == self.asked[self.recalled]
        if not (browsing or (not self.text and step < 0)) or not self.asked:
            return False
        if step < 0 and self.cursor_location[0] != 0 and browsing:
            return False  # a recalled question of several lines: Up moves in it first
        index = (self.recalled if browsing and self.recalled is not None else len(self.asked)) + step
        if index >= len(self.asked):
            self.recalled, self.value = None, ""
        else:
            self.recalled = max(0, index)
            self.value = self.asked[self.recalled]
        return True

    @property
    def value(self) -> str:
        """The text, as an Input would call it (the screen and its tests read and set it so)."""
        return self.text

    @value.setter
    def value(self, text: str) -> None:
        self.load_text(text)
        self.move_cursor(self.document.end)

    def takes(self, focused: Widget | None, key: str = "") -> bool:
        """Whether `key` typed while `focused` has the focus belongs here: it is no text field, no open
        list, and no key of the focused widget's own (the transcript's c, a, r, e). A number field hands
        on what cannot be part of a number itself (form_fields.NumberInput)."""
        if focused is self or isinstance(focused, (Input, TextArea)):
            return False
        if focused is not None and key in focused._bindings.key_to_bindings:
            return False
        return not (isinstance(focused, Select) and focused.expanded) and not isinstance(focused, OptionList)

    def type(self, text: str) -> None:
        """Add `text` at the end, as if typed here."""
        self.focus()
        self.move_cursor(self.document.end)
        self.insert(text)

    def check_consume_key(self, key: str, character: str | None = None) -> bool:
        # An empty box leaves `?` to the help binding, so the footer shows "? Help" while it is empty.
        if key == "question_mark" and not self.text:
            return False
        return super().check_consume_key(key, character)

    def _on_text_area_changed(self, event: TextArea.Changed) -> None:
        empty = not self.text
        if empty != getattr(self, "_was_empty", True):
            self._was_empty = empty
            self.screen.refresh_bindings()  # the footer's "? Help" comes and goes with the text

    async def _on_key(self, event: events.Key) -> None:
        if event.key == "enter":
            event.stop()
            event.prevent_default()
            if not self.text.strip():  # as `oracle ask` does with an empty question
                self.notify("Type a question first, then press Enter.", timeout=3)
                return
            question, self.value, self.recalled = self.text, "", None
            preferences.remember_question(question)
            if self.asked[-1:] != [question]:
                self.asked.append(question)
            self.post_message(self.Submitted(self, question))
            return
        if event.key in ("up", "down") and self._recall(-1 if event.key == "up" else 1):
            event.stop()
            event.prevent_default()
            return
        if event.key in NEWLINE_KEYS:
            event.stop()
            event.prevent_default()
            self.insert("\n")
            return
        if event.character == "?" and not self.text:
            event.stop()
            event.prevent_default()
            oracle_app(self).action_help()
            return
        await super()._on_key(event)
