"""The Scripture screen's form: model, title, seed, sizes (from the schema), each book's voice and
the chapters' themes. It reads back an engine `Plan` or says, in one sentence, what is wrong."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Input, Label, Select, Static

from oracle.engine import DEFAULT_TITLE, OracleError, Plan, SettingError, Sizes, format_blend, parse_themes, parse_voices, specs, store
from oracle.tui.widgets.form_fields import read_settings, setting_widgets

SIZE_NAMES = tuple(specs(Sizes))
VOICES_HELP = ("each book's blend, separated by ';': 1=kjv:0.7,dhammapada:0.3; 2=jargon "
               "(no number: every book; empty: any voice)")
THEMES_HELP = ("words the verses lean towards, separated by ';': the sea (every chapter); "
               "3=the light (chapter 3 of each book); 2:1=exile (book 2, chapter 1)")


class ScriptureForm(VerticalScroll, can_focus=False):
    DEFAULT_CSS = """
    ScriptureForm { width: 1fr; height: auto; max-height: 70%; border: round $secondary; padding: 0 1; }
    ScriptureForm .row { height: 1; }
    ScriptureForm Label { width: 9; }
    ScriptureForm Input, ScriptureForm Select { width: 1fr; }
    ScriptureForm #scripture-voices-hint { color: $text-muted; height: auto; }
    """

    def compose(self) -> ComposeResult:
        with Horizontal(classes="row"):
            yield Label("model")
            yield Select([], id="scripture-model", allow_blank=True, compact=True, prompt="no model")
        with Horizontal(classes="row"):
            yield Label("title")
            yield Input(DEFAULT_TITLE, id="scripture-title", compact=True)
        with Horizontal(classes="row"):
            yield Label("seed")
            yield Input("1", id="scripture-seed", compact=True, tooltip="the same seed, model and settings give the same book")
        for label, field in setting_widgets(Sizes(), SIZE_NAMES, "scripture-"):
            with Horizontal(classes="row"):
                yield label
                yield field
        with Horizontal(classes="row"):
            yield Label("voices")
            yield Input("", id="scripture-voices", compact=True, placeholder="any voice (e.g. 1=kjv; 2=jargon)", tooltip=VOICES_HELP)
        with Horizontal(classes="row"):
            yield Label("themes")
            yield Input("", id="scripture-themes", compact=True, placeholder="none (e.g. the sea; 2:1=exile)", tooltip=THEMES_HELP)
        yield Static("", id="scripture-voices-hint")

    def on_mount(self) -> None:
        self.border_title = "a new scripture"
        self.refresh_models()

    def refresh_models(self) -> None:
        entries = [e for e in store.list_models() if e.info is not None]
        self._voices = {e.name: e.model.voice_names for e in entries}
        names = list(self._voices)
        select = self.query_one("#scripture-model", Select)
        chosen = select.value if select.value in names else store.active_name()
        select.set_options([(n, n) for n in names])
        if chosen in names:
            select.value = chosen
        self._hint()

    def on_select_changed(self, event: Select.Changed) -> None:
        self._hint()

    def _hint(self) -> None:
        model = self.query_one("#scripture-model", Select).value
        voices = ""
        if isinstance(model, str):
            voices = ", ".join(getattr(self, "_voices", {}).get(model, []))
        self.query_one("#scripture-voices-hint", Static).update(
            f"voices: {voices}" if voices else "this model has no voices: leave voices empty")

    def _value(self, name: str) -> str:
        return self.query_one(f"#scripture-{name}", Input).value

    def plan(self) -> Plan:
        """The plan the fields describe; OracleError (in the app's words) when a field is wrong."""
        model = self.query_one("#scripture-model", Select).value
        if not isinstance(model, str):
            raise OracleError("Choose a model first: train one on the Train screen if there is none.")
        try:
            sizes = Sizes(**read_settings(self, Sizes, SIZE_NAMES, "scripture-")).validate()
        except SettingError as err:
            raise OracleError(str(err)) from None
        seed_text = self._value("seed").strip()
        if not seed_text.isdigit():
            raise OracleError(f"Seed {seed_text!r} is not a whole number from 0 up.")
        voices = parse_voices(_parts(self._value("voices")), sizes.books)
        themes = parse_themes(_parts(self._value("themes")))
        return Plan(model, int(seed_text), self._value("title"), sizes, voices, themes).validate()

    def fill(self, plan: Plan) -> None:
        """Show a saved scripture's plan, so it can be written again or changed."""
        select = self.query_one("#scripture-model", Select)
        if plan.model in getattr(self, "_voices", {}):
            select.value = plan.model
        values = {"title": plan.title, "seed": str(plan.seed),
                  "voices": "; ".join(f"{b}={format_blend(v).replace(' · ', ',').replace(' ', ':')}"
                                      for b, v in sorted(plan.voices.items()) if v),
                  "themes": "; ".join(words if key == "*" else f"{key}={words}" for key, words in plan.themes.items()),
                  **{name: str(getattr(plan.sizes, name)) for name in SIZE_NAMES}}
        for name, value in values.items():
            self.query_one(f"#scripture-{name}", Input).value = value


def _parts(text: str) -> list[str]:
    return [part.strip() for part in text.split(";") if part.strip()]
