"""The Eye screen: a text with each character on the colour of one LSTM unit, and the units the
feature search found.

The text is a passage of the model's corpora, one typed (t), or an answer from the conversation
(the source list). ←/→ step through units, [ and ] through layers, k through the kinds (cell,
hidden, the three gates). The list on the right holds the unit that tracks each feature best;
choosing one shows it. The engine does the work (`oracle.engine.eye.activations`) in a thread worker.
"""

from __future__ import annotations

import random
from pathlib import Path

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, OptionList, Select, Sparkline, Static
from textual.widgets.option_list import Option

from oracle.engine import KINDS, LONGEST, Oracle, OracleError, best, bundled_corpus, look, read_text, search, store, too_short, unsearched
from oracle.tui.screens.modals import PromptModal
from oracle.tui.typed import oracle_app
from oracle.tui.widgets.eye_colours import legend, styled
from oracle.tui.widgets.nav import NavBar

PASSAGE = 1200  # characters of a corpus passage: a screenful or two, read in a fraction of a second
SAMPLE = ('He said: "Know thyself" (and the oracle laughed).\n'
          "The 3 sisters wrote [in a hurry] 12 lines; then they slept. Why?\n")


# The screen's look, help and keys, declared as data beside it.
CSS = """
#eye-bar { height: 1; background: $panel; }
#eye-source { width: 36; }
#eye-unit { width: 1fr; padding: 0 1; color: $accent; text-wrap: nowrap; text-overflow: ellipsis; }
#eye-body { height: 1fr; }
#eye-left { width: 1fr; }
#eye-view { height: 1fr; padding: 0 1; }
#eye-spark { height: 3; margin: 0 1; }
#eye-legend { height: 1; padding: 0 1; }
#eye-found { width: 30; border: round $secondary; }
"""
HELP = """See what one unit of the network does on each character: blue is -1, red +1.
The list on the right holds the unit that tracks each feature (quotes, brackets, line position...) best."""
KEYS: list[Binding | tuple[str, str] | tuple[str, str, str]] = [
    # One footer entry per pair: the footer is narrow, and the help (?) lists every key anyway.
    # Priority: the feature list (a scrolling widget) would take the arrows to scroll sideways.
    Binding("right", "step_unit(1)", "Unit", key_display="←→", priority=True),
    Binding("left", "step_unit(-1)", "Previous unit", show=False, priority=True),
    Binding("right_square_bracket", "step_layer(1)", "Layer", key_display="[]"),
    Binding("left_square_bracket", "step_layer(-1)", "Previous layer", show=False),
    Binding("k", "next_kind", "Kind"),
    Binding("t", "type_text", "Type"),
    Binding("c", "passage", "Passage"),
    # "Answers", not "Colour answers": the footer must keep "? Help" at 80 columns.
    Binding("s", "colour_answers", "Answers", tooltip="colour the Oracle screen's answers by this unit (s again: off)"),
]


def readable_corpora(oracle: Oracle | None) -> list[tuple[str, Path]]:
    """The model's corpora this machine can still read (as recorded, else the bundled copy)."""
    found: list[tuple[str, Path]] = []
    for corpus in oracle.meta.corpora if oracle is not None and oracle.meta is not None else ():
        path = Path(corpus.path or "")
        if not path.is_file():
            path = bundled_corpus(corpus.name) or path
        if path.is_file():
            found.append((corpus.name, path))
    return found


def read_units(oracle: Oracle, text: str, prime: str):
    """Every unit's activity on `text` (in the worker), and the units the feature search finds."""
    if prime:  # an answer: read after its question, as the model spoke it
        from oracle.engine import Eye

        eye = Eye(oracle)
        eye.read(prime[-4096:])
        acts = eye.read(text)
    else:
        acts = look(oracle, text)
    return acts, search(acts, top=1)


def passage_of(whole: str, n: int) -> str:
    """The n-th passage shown of a corpus: repeatable (the same n, the same passage), starting at a line."""
    rng = random.Random(n)
    start = whole.find("\n", rng.randrange(max(1, len(whole) - PASSAGE))) + 1
    return whole[start:start + PASSAGE]


def found_options(found: dict, text: str) -> list[Option]:
    """The feature list: each feature with the unit that tracks it best, or why it was left out."""
    options, why = [], unsearched(text)
    for name, hits in found.items():
        if hits:
            hit = hits[0]
            options.append(Option(Text.assemble((name, "bold"), f"\n  {hit.layer + 1}:{hit.unit} {hit.kind}  r {hit.r:+.2f}"),
                                  id=name))
        else:
            options.append(Option(Text.assemble((name, "dim"), (f"\n  {why.get(name, 'not in this text')}", "dim")),
                                  id=name, disabled=True))
    return options


def unit_label(acts, layer: int, unit: int, kind: str, why: str, values) -> Text:
    """The bar's line: which unit is shown, why it was chosen, and the range of its values."""
    label = Text()
    label.append("layer ", "dim").append(f"{layer + 1}/{acts.layers}")
    label.append(" · unit ", "dim").append(f"{unit}/{acts.hidden - 1}")
    label.append(" · ", "dim").append(kind, "bold")
    if why:
        label.append(f" ({why})", "italic")
    label.append(f" · {values.min():+.2f} to {values.max():+.2f}", "dim")
    return label


class EyeScreen(Screen):
    DEFAULT_CSS, HELP_TITLE, HELP, BINDINGS = CSS, "Eye", HELP, KEYS

    def __init__(self) -> None:
        super().__init__(id="eye-screen")
        self.oracle: Oracle | None = None
        self.acts = None
        self.found: dict = {}
        self.lstm_layer, self.unit, self.kind = 0, 0, "cell"
        self.why = ""  # what the shown unit was chosen for
        self.chosen = False  # until the reader picks a unit, each new text shows its most telling one
        self.text, self.label, self.passages_shown = "", "", 0

    def compose(self) -> ComposeResult:
        yield NavBar("eye")
        with Horizontal(id="eye-bar"):
            yield Select([], prompt="your own text", id="eye-source", allow_blank=True, compact=True)
            yield Static("", id="eye-unit")
        with Horizontal(id="eye-body"):
            with Vertical(id="eye-left"):
                with VerticalScroll(id="eye-view", can_focus=False):
                    yield Static("", id="eye-text")
                # Each column is the mean of the characters it covers: a max would flatten a long text.
                yield Sparkline([], id="eye-spark", summary_function=lambda part: sum(part) / len(part))
                yield Static(legend(), id="eye-legend")
            yield OptionList(id="eye-found")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "the inner eye"
        self.query_one("#eye-found", OptionList).border_title = "units that track…"
        self.query_one("#eye-found").focus()

    def on_screen_resume(self) -> None:
        self._load_model()

    def shutdown(self) -> None:
        self.workers.cancel_group(self, "eye")

    # ---- model and texts ---------------------------------------------------------------------

    def _load_model(self) -> None:
        try:
            name = store.active_name()
            if name is None:
                self.oracle = None
                self._say("There is no model to look into yet: train one on the Train screen.")
                return
            if self.oracle is None or self.oracle.name != name:
                self.oracle = store.load(name)
                self.lstm_layer, self.unit, self.kind, self.passages_shown, self.chosen = 0, 0, "cell", 0, False
                self.text = ""
        except OracleError as err:
            self.notify(str(err), severity="error")
            return
        self._fill_sources()
        if not self.text:
            self.action_passage()

    def _corpora(self) -> list[tuple[str, Path]]:
        return readable_corpora(self.oracle)

    def _answers(self) -> list[tuple[str, str]]:
        return oracle_app(self).answers_of(self.oracle.name) if self.oracle is not None else []

    def _fill_sources(self) -> None:
        options = [(f"a passage of {name}", f"corpus:{i}") for i, (name, _) in enumerate(self._corpora())]
        options += [(f"answer: {question.strip()[:40]}", f"answer:{i}") for i, (question, _) in enumerate(self._answers())]
        select = self.query_one("#eye-source", Select)
        with self.prevent(Select.Changed):
            select.set_options(options)

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id != "eye-source" or not isinstance(event.value, str):
            return
        what, _, index = event.value.partition(":")
        if what == "corpus":
            self.show_passage(int(index))
        else:
            question, answer = self._answers()[int(index)]
            self.look_at(answer, f"the answer to {question.strip()[:40]!r}", prime=question, source=event.value)

    def action_passage(self) -> None:
        """Another passage of the model's corpora (a fixed sample text when none can be read)."""
        if self.oracle is None:
            return
        corpora = self._corpora()
        if not corpora:
            self.look_at(SAMPLE, "a sample text")
            return
        self.show_passage(self.passages_shown % len(corpora))

    def show_passage(self, which: int) -> None:
        name, path = self._corpora()[which]
        try:
            whole = read_text(path)
        except OracleError as err:
            self.notify(str(err), severity="error")
            return
        self.passages_shown += 1
        self.look_at(passage_of(whole, self.passages_shown - 1), f"a passage of {name}", source=f"corpus:{which}")

    def action_type_text(self) -> None:
        def done(text: str | None) -> None:
            if text and text.strip():
                self.look_at(text.replace("\\n", "\n"), "your text")

        self.app.push_screen(PromptModal("A text to look at (\\n for a line break):", "", "What is wisdom?"), done)

    # ---- looking -------------------------------------------------------------------------------

    def look_at(self, text: str, label: str, prime: str = "", source: str | None = None) -> None:
        """Read `text` (after `prime`, unshown); `source` is its entry in the source list, if it has one."""
        if self.oracle is None:
            return
        self.text, self.label = text[:LONGEST], label
        select = self.query_one("#eye-source", Select)
        with self.prevent(Select.Changed):
            if source is None:
                select.clear()  # "your own text"
            else:
                select.value = source
        self._say(f"reading {label}…")
        self._look(self.oracle, self.text, prime)

    @work(thread=True, exclusive=True, group="eye")
    def _look(self, oracle, text: str, prime: str) -> None:
        try:
            acts, found = read_units(oracle, text, prime)
        except OracleError as err:
            self.app.call_from_thread(self.notify, str(err), severity="error")
            return
        self.app.call_from_thread(self._looked, acts, found)

    def _looked(self, acts, found) -> None:
        self.acts, self.found = acts, found
        if acts.notice:
            self.notify(acts.notice, severity="warning")
        found_list = self.query_one("#eye-found", OptionList)
        found_list.clear_options()
        found_list.add_options(found_options(found, acts.text))
        top = best(found)
        if top is not None and not self.chosen:
            self._choose(top.layer, top.unit, top.kind, f"{top.feature}, r {top.r:+.2f}", by_reader=False)
        elif top is None and too_short(acts.text) and not self.chosen:
            self._choose(self.lstm_layer, self.unit, self.kind, "too short a text to find features in", by_reader=False)
        else:
            self._show()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        hits = self.found.get(event.option.id) or []
        if hits:
            hit = hits[0]
            self._choose(hit.layer, hit.unit, hit.kind, f"{hit.feature}, r {hit.r:+.2f}")

    def _choose(self, layer: int, unit: int, kind: str, why: str = "", by_reader: bool = True) -> None:
        self.lstm_layer, self.unit, self.kind, self.why = layer, unit, kind, why
        self.chosen = self.chosen or by_reader
        self._show()

    def _show(self) -> None:
        acts = self.acts
        if acts is None or not acts.text:
            self._say("Nothing this model can read in that text." if acts is not None else "")
            return
        self.lstm_layer = min(self.lstm_layer, acts.layers - 1)
        self.unit = min(self.unit, acts.hidden - 1)
        values = acts.unit(self.lstm_layer, self.unit, self.kind)
        self.query_one("#eye-text", Static).update(styled(acts.text, values))
        self.query_one("#eye-spark", Sparkline).data = values.tolist()
        self.query_one("#eye-unit", Static).update(unit_label(acts, self.lstm_layer, self.unit, self.kind, self.why, values))

    def _say(self, words: str) -> None:
        self.query_one("#eye-text", Static).update(Text(words, style="italic"))

    # ---- keys ----------------------------------------------------------------------------------

    def action_step_unit(self, step: int) -> None:
        if self.acts is not None:
            self._choose(self.lstm_layer, (self.unit + step) % self.acts.hidden, self.kind)

    def action_step_layer(self, step: int) -> None:
        if self.acts is not None:
            self._choose((self.lstm_layer + step) % self.acts.layers, self.unit, self.kind)

    def action_next_kind(self) -> None:
        if self.acts is not None:
            self._choose(self.lstm_layer, self.unit, KINDS[(KINDS.index(self.kind) + 1) % len(KINDS)])

    def action_colour_answers(self) -> None:
        """Colour the Oracle screen's answers by this unit while they stream (again: stop colouring)."""
        if self.oracle is None:
            return
        chosen = (self.oracle.name, self.lstm_layer, self.unit, self.kind)
        if oracle_app(self).oracle_screen.eye_unit == chosen:
            oracle_app(self).colour_answers(None)
            self.notify("Answers are no longer coloured.")
        else:
            oracle_app(self).colour_answers(chosen)
            self.notify(f"The Oracle's next answers stream coloured by layer {self.lstm_layer + 1} unit {self.unit} ({self.kind}).")
