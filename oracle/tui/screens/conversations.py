"""The list of conversations (Ctrl+L on the Oracle screen): reopen one, search them all by text,
export one to Markdown, delete one, or start a new one.

Listing reads each conversation's small card only; a search reads the conversations themselves,
in a thread worker, so typing in the search box never waits for it.
"""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, Input, Label, Static
from textual.worker import get_current_worker

from oracle.engine import OracleError
from oracle.tui import history
from oracle.tui.history import Conversation
from oracle.tui.screens.modals import ConfirmModal, PromptModal, export_path
from oracle.visible import visible


def when(stamp: str) -> str:
    """'2026-11-29T09:01:05.123+0000' -> '2026-11-29 09:01' (what a person needs to tell them apart)."""
    return stamp[:16].replace("T", " ") if len(stamp) >= 16 else stamp


class ConversationsScreen(ModalScreen[Conversation | str | None]):
    """Answers the conversation to reopen, "new" for a new one, or None (closed)."""

    DEFAULT_CSS = """
    ConversationsScreen { align: center middle; }
    #conversations-box { width: 110; max-width: 96%; height: 85%; border: thick $primary; background: $surface; padding: 0 1; }
    #conversations-title { text-style: bold; }
    #conversations-keys { color: $text-muted; margin-bottom: 1; }
    #conversation-search { margin-bottom: 1; }
    #conversation-table { height: 1fr; }
    #conversation-status { height: auto; color: $text-muted; }
    #conversation-buttons { height: auto; }
    #conversation-buttons Button { margin-right: 1; min-width: 8; width: auto; }
    """
    BINDINGS = [
        Binding("escape", "close", "Close"),
        Binding("ctrl+n", "new", "New conversation"),
        # Single keys act on the highlighted row while the list has the focus (the search box takes letters).
        Binding("o", "open", "Open", show=False),
        Binding("e", "export", "Export", show=False),
        Binding("d,delete", "delete", "Delete", show=False),
        Binding("r", "rename", "Rename", show=False),
        Binding("slash", "search", "Search", show=False),
    ]

    def __init__(self, current: Conversation | None = None) -> None:
        super().__init__(id="conversations-screen")
        self.current_id = current.id if current is not None else None
        self.conversations: list[Conversation] = []
        self.shown: list[Conversation] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="conversations-box"):
            yield Label("Conversations", id="conversations-title")
            yield Static("Type to search · ↓ to the list: Enter or o reopens, r renames, e exports, d deletes · Ctrl+N new · Esc closes",
                         id="conversations-keys")
            yield Input(placeholder="Search the words of every question and answer…", id="conversation-search")
            yield DataTable(id="conversation-table", cursor_type="row", zebra_stripes=True)
            yield Static("", id="conversation-status")
            with Horizontal(id="conversation-buttons"):
                yield Button("Open", variant="primary", id="conv-open")
                yield Button("New", id="conv-new")
                yield Button("Rename…", id="conv-rename")
                yield Button("Export…", id="conv-export")
                yield Button("Delete…", variant="error", id="conv-delete")
                yield Button("Close", id="conv-close")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("", key="mark", width=1)
        table.add_column("last spoken", key="updated", width=16)
        table.add_column("model", key="model", width=14)
        table.add_column("exchanges", key="count", width=9)
        table.add_column("begins with / found", key="text")
        self.reload()
        # The search box has the focus: what is typed searches, and the table's one-letter keys wait
        # until Down (or Enter, or Tab) moves to the list.
        self.query_one("#conversation-search", Input).focus()

    def reload(self) -> None:
        try:
            self.conversations = history.list_conversations()
        except OracleError as err:
            self.conversations = []
            self.notify(str(err), severity="error")
        self.search_for(self.query_one("#conversation-search", Input).value)

    def show(self, rows: list[tuple[Conversation, str]], status: str) -> None:
        table = self.query_one(DataTable)
        table.clear()
        self.shown = [c for c, _ in rows]
        for conversation, text in rows:
            # Titles, snippets and names come from files: Text through `visible`, never markup or raw controls.
            table.add_row("●" if conversation.id == self.current_id else "", Text(visible(when(conversation.updated))),
                          Text(visible(conversation.model)), f"{conversation.count:,}", Text(visible(text)), key=conversation.id)
        self.query_one("#conversation-status", Static).update(status)

    # ---- search ------------------------------------------------------------------------------

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "conversation-search":
            self.search_for(event.value)

    def on_key(self, event) -> None:
        if event.key == "down" and isinstance(self.focused, Input):
            event.stop()
            self.query_one(DataTable).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.query_one(DataTable).focus()

    def search_for(self, text: str) -> None:
        n = len(self.conversations)
        if not text.strip():
            what = f"{n:,} conversation{'s' if n != 1 else ''} (● the one open)" if n else \
                "No conversations yet: ask the oracle something, and the conversation is kept here."
            self.show([(c, c.title) for c in self.conversations], what)
            return
        self.query_one("#conversation-status", Static).update(f"Searching {n:,} conversations for “{text.strip()}”…")
        self._search(text, list(self.conversations))

    @work(thread=True, exclusive=True, group="conversation-search")
    def _search(self, text: str, conversations: list[Conversation]) -> None:
        worker = get_current_worker()
        hits = history.search(text, conversations, should_stop=lambda: worker.is_cancelled)
        if not worker.is_cancelled:
            found = f"{len(hits):,} of {len(conversations):,} conversations hold “{text.strip()}”"
            self.app.call_from_thread(self.show, hits, found)

    def action_search(self) -> None:
        self.query_one("#conversation-search", Input).focus()

    # ---- acting on the highlighted one ---------------------------------------------------------

    def highlighted(self) -> Conversation | None:
        table = self.query_one(DataTable)
        if not self.shown or table.cursor_row is None or not 0 <= table.cursor_row < len(self.shown):
            self.notify("Pick a conversation in the list first.", severity="warning")
            return None
        return self.shown[table.cursor_row]

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        action = {"conv-open": self.action_open, "conv-new": self.action_new, "conv-export": self.action_export,
                  "conv-rename": self.action_rename,
                  "conv-delete": self.action_delete, "conv-close": self.action_close}[event.button.id or "conv-close"]
        action()

    def action_open(self) -> None:
        chosen = self.highlighted()
        if chosen is None:
            return
        try:
            self.dismiss(history.open_conversation(chosen.id))  # counted from its parts, not its card
        except OracleError as err:
            self.notify(str(err), severity="error")

    def action_new(self) -> None:
        self.dismiss("new")

    def action_close(self) -> None:
        self.dismiss(None)

    def action_export(self) -> None:
        chosen = self.highlighted()
        if chosen is None:
            return

        def export(dest: str) -> None:  # an error keeps the dialog open with the path as typed
            written = history.export_markdown(chosen.model, chosen, Path(dest))
            self.notify(f"Conversation exported to {written}.")

        default = export_path(f"{chosen.model}-{chosen.id}.md")
        self.app.push_screen(PromptModal("Export this conversation to Markdown file:", default, paths=True, act=export))

    def action_rename(self) -> None:
        chosen = self.highlighted()
        if chosen is None:
            return

        def rename(title: str) -> None:  # a refused name keeps the dialog open with the text as typed
            chosen.rename(title)
            self.reload()

        self.app.push_screen(PromptModal("Rename this conversation:", chosen.title, act=rename, ok="Rename"))

    def action_delete(self) -> None:
        chosen = self.highlighted()
        if chosen is None:
            return

        def confirmed(yes: bool | None) -> None:
            if yes:
                try:
                    history.delete(chosen)
                except OracleError as err:
                    self.notify(str(err), severity="error")
                self.reload()

        self.app.push_screen(ConfirmModal(f"Delete the conversation “{chosen.title}” with {chosen.model} "
                                          f"({chosen.count:,} exchanges) for good?", yes="Delete"), confirmed)
