"""The Scripture screen: a form on the left, the book on the right, written while you watch.

Start (F5) writes a new scripture in a thread worker (the engine's `Composer`); each verse shows
as it is written, and each chapter, once complete, joins the book in a Markdown view. Stop (F6)
ends after the current verse and keeps everything (saved in ORACLE_HOME/scriptures/); Continue
(F7) goes on where it stopped. Export (F8) writes the book to the file named below the book, whose
suffix picks the format. The list of past scriptures reopens any of them, with its record.
"""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Input, Markdown, ProgressBar, Static

from oracle.engine import ChapterDone, Composer, Oracle, OracleError, Scripture, chapter_markdown, load_scripture, store
from oracle.engine import ScriptureProgress as Progress
from oracle.engine import scripture_markdown as render
from oracle.engine import start_scripture as start
from oracle.engine import write_scripture as write
from oracle.tui.widgets.nav import NavBar
from oracle.tui.widgets.scripture_form import ScriptureForm
from oracle.tui.widgets.scripture_past import PastScriptures
from oracle.visible import visible


class VerseWritten(Message):
    def __init__(self, progress: Progress, chapter_so_far: str) -> None:
        super().__init__()
        self.progress, self.chapter_so_far = progress, chapter_so_far


class ChapterWritten(Message):
    def __init__(self, markdown: str) -> None:
        super().__init__()
        self.markdown = markdown


class WritingEnded(Message):
    def __init__(self, error: str | None) -> None:
        super().__init__()
        self.error = error


def chapter_so_far(s: Scripture, event: Progress) -> str:
    """The chapter being written, as plain text: it is rendered as Markdown once it is whole."""
    book = s.books[event.book - 1] if event.verse and len(s.books) >= event.book else None
    chapter = book.chapters[event.chapter - 1] if book else None
    if book is None or chapter is None:
        return ""
    return "\n".join([f"{book.name}, chapter {event.chapter}", chapter.epigraph]
                     + [f"{v} {verse}" for v, verse in enumerate(chapter.verses, 1)])


class ScriptureScreen(Screen):
    DEFAULT_CSS = """
    #scripture-body { height: 1fr; }
    #scripture-left { width: 40; }
    #scripture-past { height: 1fr; min-height: 4; border: round $secondary; }
    #scripture-right { width: 1fr; }
    #scripture-status { height: 1; padding: 0 1; color: $accent; }
    #scripture-progress { height: 1; padding: 0 1; }
    #scripture-view { height: 1fr; border: round $primary; padding: 0 1; }
    #scripture-live { height: auto; color: $text-muted; }
    #scripture-export-row { height: 1; }
    #scripture-export-row Static { width: 11; padding: 0 1; }
    #scripture-export { width: 1fr; }
    """
    HELP_TITLE = "Scripture"
    HELP = """Write a whole sacred text: choose the model, title, sizes, each book's voice and the chapters'
    themes, then Start (F5). Verses appear as they are written, chapters as they complete. Stop (F6)
    keeps what was written; Continue (F7) goes on. Export (F8) writes the file named at the bottom:
    .md, .html, .epub or .pdf. Past scriptures are listed on the left: choose one to reopen it."""
    BINDINGS = [
        Binding("f5", "start", "Start"),
        Binding("f6", "stop", "Stop"),
        Binding("f7", "continue", "Continue"),
        Binding("f8", "export", "Export"),
    ]

    def __init__(self) -> None:
        super().__init__(id="scripture-screen")
        self.scripture: Scripture | None = None
        self.composer: Composer | None = None
        self.writing = False
        self._oracle: Oracle | None = None

    def compose(self) -> ComposeResult:
        yield NavBar("scripture")
        with Horizontal(id="scripture-body"):
            with Vertical(id="scripture-left"):
                yield ScriptureForm(id="scripture-form")
                yield PastScriptures(id="scripture-past")
            with Vertical(id="scripture-right"):
                yield Static("Fill in the form, then Start (F5).", id="scripture-status")
                yield ProgressBar(id="scripture-progress", show_eta=True)
                with VerticalScroll(id="scripture-view"):
                    yield Markdown("", id="scripture-book")
                    yield Static("", id="scripture-live")
                with Horizontal(id="scripture-export-row"):
                    yield Static("export to")
                    yield Input(str(Path.cwd() / "scripture.epub"), id="scripture-export", compact=True,
                                tooltip="a file ending in .md, .html, .epub or .pdf; F8 writes it")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#scripture-view").border_title = "the book"

    def on_screen_resume(self) -> None:
        self.query_one(ScriptureForm).refresh_models()
        self.refresh_past()

    def shutdown(self) -> None:
        if self.composer is not None:
            self.composer.stop()
        self.workers.cancel_group(self, "scripture")

    def _status(self, text: str) -> None:
        self.query_one("#scripture-status", Static).update(Text(visible(text)))

    def refresh_past(self) -> None:
        self.query_one(PastScriptures).refresh_past()

    async def on_past_scriptures_chosen(self, event: PastScriptures.Chosen) -> None:
        if self.writing:
            self.notify("Stop the scripture being written first (F6).", severity="warning")
            return
        try:
            scripture = load_scripture(event.path)
        except (OracleError, OSError) as err:
            self.notify(str(err), severity="error")
            return
        await self.show(scripture)
        self.query_one(ScriptureForm).fill(scripture.plan)

    async def show(self, scripture: Scripture) -> None:
        self.scripture = scripture
        await self.query_one("#scripture-book", Markdown).update(visible(render(scripture)))
        self.query_one("#scripture-live", Static).update("")
        self.query_one("#scripture-progress", ProgressBar).update(total=scripture.total_verses(),
                                                                  progress=scripture.verses_written())
        state = "complete" if scripture.complete else "stopped: Continue (F7) goes on"
        self._status(f"{scripture.plan.title}: {scripture.verses_written()} of {scripture.total_verses()} verses, {state}.")
        stem = "-".join(scripture.plan.title.lower().split())[:40] or "scripture"
        field = self.query_one("#scripture-export", Input)
        field.value = str(Path(field.value).parent / f"{stem}{Path(field.value).suffix or '.epub'}")

    # ---- writing ---------------------------------------------------------------------------------

    async def action_start(self) -> None:
        if self.writing:
            return
        try:
            plan = self.query_one(ScriptureForm).plan()
        except OracleError as err:
            self.notify(str(err), severity="error")
            return
        await self.query_one("#scripture-book", Markdown).update("")
        self._begin(plan=plan)

    def action_continue(self) -> None:
        if self.writing:
            return
        if self.scripture is None or self.scripture.complete:
            self.notify("There is no stopped scripture to continue: choose one in the list, or Start a new one.")
            return
        self._begin(scripture=self.scripture)

    def action_stop(self) -> None:
        if self.composer is not None and self.writing:
            self.composer.stop()
            self._status("Stopping after this verse…")

    def _begin(self, plan=None, scripture=None) -> None:
        self.writing = True
        self._status("Loading the model…")
        self._write(plan, scripture)

    @work(thread=True, group="scripture", exclusive=True)
    def _write(self, plan, scripture) -> None:
        try:
            name = plan.model if plan is not None else scripture.plan.model
            if self._oracle is None or self._oracle.name != name:
                self._oracle = store.load(name)
            if scripture is None:
                scripture = start(self._oracle, plan)
            self.scripture = scripture
            self.composer = Composer(self._oracle, scripture, report=self._report)
            self.post_message(VerseWritten(Progress(0, 0, 0, scripture.verses_written(), scripture.total_verses(), ""), ""))
            self.composer.run()
        except OracleError as err:
            self.post_message(WritingEnded(str(err)))
            return
        except OSError as err:
            self.post_message(WritingEnded(f"Could not save the scripture ({err.strerror or err}): free some space."))
            return
        self.post_message(WritingEnded(None))

    def _report(self, event) -> None:
        """Called in the worker: the text goes with the message, made while the worker owns it."""
        s = self.scripture
        if s is None:  # set by the worker before the composer reports
            return
        if isinstance(event, Progress):
            self.post_message(VerseWritten(event, chapter_so_far(s, event)))
        elif isinstance(event, ChapterDone):
            self.post_message(ChapterWritten(chapter_markdown(s, event.book, event.chapter)))

    def on_verse_written(self, message: VerseWritten) -> None:
        p = message.progress
        self.query_one("#scripture-progress", ProgressBar).update(total=p.total, progress=p.done)
        if p.book:
            where = f"verse {p.verse}" if p.verse else "the epigraph"
            self._status(f"Writing book {p.book}, chapter {p.chapter}, {where}… ({p.done} of {p.total} verses)")
        self.query_one("#scripture-live", Static).update(Text(visible(message.chapter_so_far)))  # the model's own text
        self.query_one("#scripture-view", VerticalScroll).scroll_end(animate=False)

    async def on_chapter_written(self, message: ChapterWritten) -> None:
        self.query_one("#scripture-live", Static).update("")
        await self.query_one("#scripture-book", Markdown).append("\n" + visible(message.markdown))
        self.query_one("#scripture-view", VerticalScroll).scroll_end(animate=False)

    async def on_writing_ended(self, message: WritingEnded) -> None:
        try:
            if message.error:
                self.notify(message.error, severity="error")
                self._status(message.error)
            if self.scripture is not None and not message.error:
                await self.show(self.scripture)
            self.refresh_past()
        finally:
            self.writing = False  # last: whoever waits for the end sees the book shown and listed

    # ---- export ------------------------------------------------------------------------------

    @on(Input.Submitted, "#scripture-export")
    def action_export(self) -> None:
        if self.scripture is None:
            self.notify("There is no scripture to export yet: Start one, or choose one in the list.")
            return
        target = Path(self.query_one("#scripture-export", Input).value.strip()).expanduser()
        try:
            written = write(self.scripture, target)
        except (OracleError, OSError) as err:
            self.notify(str(err), severity="error")
            return
        self.notify(f"Wrote {written}.", title="Exported")
