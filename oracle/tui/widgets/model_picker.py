"""The model picker on the Oracle screen's top line: the models there are, the active one shown.

It lists the models itself (`refresh()`), offers nothing else (no blank "no model" entry), and
posts `ModelPicker.Chosen` when the reader picks another one. Once the list closes, picked or not,
the focus goes back to the question box (#ask): the next thing typed is a question, not a search.
`load()` makes a model the active one and loads it in a worker: the screen is drawn and takes typing
meanwhile, and `ModelPicker.Loaded` brings the model (or None, the reason told) when it is ready.
"""

from __future__ import annotations

import gc

from textual import work
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Select
from textual.worker import get_current_worker

from oracle.engine import Oracle, OracleError, store
from oracle.tui.widgets.model_select import ModelSelect
from oracle.visible import visible


class ModelPicker(Horizontal):
    class Chosen(Message):
        def __init__(self, name: str) -> None:
            super().__init__()
            self.name = name

    class Loaded(Message):
        """The model `load()` was asked for is ready (`oracle`), or could not be loaded (None); `conversation`
        is the one `load()` was asked to open with it (None: the one last held with it)."""

        def __init__(self, name: str, oracle, conversation=None) -> None:
            super().__init__()
            self.name, self.oracle, self.conversation = name, oracle, conversation

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.opened = False  # Ctrl+O opened the list: say so when it closes
        self.current: str | None = None  # the model the screen uses (a list refilled may pass through others)
        self.pending: tuple[str, object] | None = None  # the model a worker loads, and the conversation to open
        self.listed = False  # the models were listed once (the screen does it once its first frame is drawn)

    def refresh_models(self, using: str | None = None) -> list:
        """List the usable models again and return them (an error is told); load the active one if it is
        not `using` (the model in use), or vanished, and is not loading already."""
        self.listed = True
        try:
            entries = [e for e in store.list_models() if e.error is None]
            active = store.active_name()
        except OracleError as err:
            self.notify(str(err), severity="error")
            entries, active = [], None
        options = [(f"{e.name} (shipped)" if e.shipped else e.name, e.name) for e in entries]
        found = self.query(ModelSelect)
        if not options:
            found.remove()
        elif not found:
            select = ModelSelect(options, active, id="model-select")
            self.mount(select)
            self.watch(select, "expanded", self._expanded, init=False)
        else:
            found.first().sync(active)
        stale = using != active or not any(e.name == active for e in entries)
        if entries and active is not None and stale and not (self.pending and self.pending[0] == active):
            self.load(active, activate=False)  # active already: settings.json is not written again
        return entries

    def show(self, name: str) -> None:
        """Show `name` as the model in use, without telling anyone it was chosen."""
        self.current = name
        for select in self.query(ModelSelect):
            select.sync(name)  # reads the models again: this one may be newer than the list

    def open(self) -> bool:
        """Open the list for the keyboard (Ctrl+O); False if there is no model to list."""
        select = next(iter(self.query(ModelSelect)), None)
        if select is None:
            return False
        select.focus()
        select.expanded = True
        self.opened = True
        return True

    def _expanded(self, expanded: bool) -> None:
        if not expanded:  # picked or dismissed (Ctrl+O, a click, Enter): back to the question either way
            self.opened = False
            # After the list has put the focus back on itself, which it does once closed.
            self.call_after_refresh(lambda: self.screen.query_one("#ask").focus())

    def on_select_changed(self, event: Select.Changed) -> None:
        # Refilling the list (after a rename or a delete) passes through its first entry before it
        # settles on the active model: only a change the list still shows is the reader's pick.
        event.stop()
        # The list's first value, set as it mounts, is the model loading already: not a pick (it loaded twice).
        if (event.select.id == "model-select" and isinstance(event.value, str) and event.value == event.select.value
                and event.value != self.current and not (self.pending and self.pending[0] == event.value)):
            self.post_message(self.Chosen(event.value))

    def load(self, name: str, conversation=None, activate: bool = True) -> bool:
        """Make `name` the active model (unless `activate` is False) and start loading it (False, the reason
        told, if it cannot be); `Loaded` brings it with `conversation`, unless another model was asked for meanwhile."""
        try:
            if activate:
                store.set_active(name)
        except OracleError as err:
            self.notify(str(err), severity="error", title="Cannot use this model")
            return False
        self.pending = (name, conversation)
        self._load(name)
        return True

    @work(thread=True, group="loading", exclusive=True, exit_on_error=False)
    def _load(self, name: str) -> None:
        oracle: Oracle | OracleError
        try:
            oracle = store.load(name)
            _ = oracle.lexicon  # the decoding trie too, here rather than when the first question comes
        except OracleError as err:
            oracle = err
        except Exception as err:  # a bug costs this model, never the app
            oracle = OracleError(f"{name} could not be loaded: {err.__class__.__name__}: {err}")
        if get_current_worker().is_cancelled:
            return  # the app is closing
        try:
            self.app.call_from_thread(self._loaded, name, oracle)
        except RuntimeError:  # the app closed while the model loaded
            pass

    def _loaded(self, name: str, oracle) -> None:
        if self.pending is None or self.pending[0] != name:
            return  # another model was asked for while this one loaded
        # `pending` stays until the screen has taken the model (`taken`): in between, a question asked
        # must wait for it, not find neither a model nor one loading and be dropped.
        conversation = self.pending[1]
        if isinstance(oracle, OracleError):
            self.notify(str(oracle), severity="error", title="Cannot use this model")
            oracle = None
        else:
            # The model's tables (words, vocabulary) are long-lived objects: keep the garbage collector
            # from walking them again on every collection while answers stream and pages are drawn.
            gc.freeze()
            self.show(name)
        self.post_message(self.Loaded(name, oracle, conversation))

    def taken(self, name: str) -> None:
        """The screen has the model `name` loaded for it (or knows it failed): nothing is loading now."""
        if self.pending is not None and self.pending[0] == name:
            self.pending = None


def welcome(oracle) -> str:
    """The line above an empty conversation with `oracle`."""
    corpora = visible(", ".join(oracle.meta.corpus_names if oracle.meta is not None else ())) or "its texts"
    text = f"Ask {oracle.name} anything and press Enter: it answers in the voice of {corpora}, one character at a time."
    try:
        shipped = store.find(oracle.name).shipped
    except OracleError:
        shipped = False
    if shipped:
        text += "\nThis is the shipped default oracle. Train your own on the Train screen (F2)."
    return text
