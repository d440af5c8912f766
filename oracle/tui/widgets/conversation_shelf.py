"""The conversation shelf: the list of conversations kept open beside the chat, at wide sizes.

Ctrl+B shows or hides it (the Ctrl+L list is the full one: search, export, rename, delete). It
needs SHELF_MIN_WIDTH columns so that the conversation keeps its width; below that it hides itself
and says why once. Enter (or a click) on a conversation reopens it, with its model, through the
filer, as the Ctrl+L list does. It reads the list again every few seconds while shown, so a
conversation begun or renamed meanwhile appears.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from oracle.engine import OracleError
from oracle.tui import history
from oracle.tui.history import Conversation
from oracle.tui.widgets.conversation_filer import ConversationFiler
from oracle.visible import visible

SHELF_MIN_WIDTH = 140  # the shelf's 30 columns, the side panels' and a conversation of at least 60
REREAD_SECONDS = 3.0


class ConversationShelf(Vertical):
    """Conversations, newest first; the open one is marked."""

    def __init__(self, filer: ConversationFiler, **kwargs) -> None:
        super().__init__(**kwargs)
        self.filer = filer
        self.conversations: list[Conversation] = []
        self._shown: list[tuple[str, str, int, bool]] | None = None  # what the list shows now
        self.display = False

    def compose(self) -> ComposeResult:
        yield Label("Conversations", id="shelf-title")
        yield OptionList(id="shelf-list")

    def on_mount(self) -> None:
        self.set_interval(REREAD_SECONDS, self.reread)

    def toggle(self) -> None:
        """Show it (where the window is wide enough) or hide it."""
        if self.display:
            self.display = False
        elif self.app.size.width < SHELF_MIN_WIDTH:
            self.notify(f"The conversation list stays open beside the chat from {SHELF_MIN_WIDTH} columns wide "
                        f"(this window has {self.app.size.width}): Ctrl+L lists them all.", timeout=6)
        else:
            self.display = True
            self.reread()

    def on_resize(self) -> None:
        if self.display and self.app.size.width < SHELF_MIN_WIDTH:
            self.display = False  # the conversation keeps its width; Ctrl+B brings it back when wider

    def reread(self) -> None:
        if not self.display:
            return
        try:
            found = history.list_conversations()
        except OracleError as err:
            self.notify(str(err), severity="error")
            return
        current = self.filer.conversation
        signature = [(c.id, c.title, c.count, current is not None and c.id == current.id) for c in found]
        if signature == self._shown:
            return
        self._shown, self.conversations = signature, found
        listing = self.query_one(OptionList)
        listing.clear_options()
        for conversation, (_, title, count, is_open) in zip(found, signature, strict=True):
            mark = "● " if is_open else "  "
            listing.add_option(Option(f"{mark}{visible(title or '(untitled)')[:24]}\n  {visible(conversation.model)} · {count}",
                                      id=conversation.id))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        chosen = next((c for c in self.conversations if c.id == event.option.id), None)
        if chosen is not None:
            self.filer.reopen(chosen)
            self._shown = None  # mark the one now open
            self.call_after_refresh(self.reread)


class ConversationKeys:
    """The Oracle screen's conversation keys (Ctrl+S, Ctrl+L, Ctrl+N, Ctrl+B): each hands the work to
    the filer or the shelf, which own it."""

    filer: ConversationFiler

    def action_export(self) -> None:
        self.filer.export()

    def action_conversations(self) -> None:
        self.filer.list_all()

    def action_new_conversation(self) -> None:
        self.filer.start_new()

    def action_shelf(self) -> None:
        self.query_one(ConversationShelf).toggle()  # type: ignore[attr-defined]  # a Screen's query_one
