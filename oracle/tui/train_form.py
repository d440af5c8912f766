"""The training form: which corpora (and how much of each), which recipe, which name.

It validates as you type with the engine's own rules (`SourceSpec.parse`, `Recipe.with_overrides`,
`store.check_name`) and posts `TrainForm.Validated` with either a ready plan or one sentence saying
what to fix.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import Checkbox, Input, Label, Select, Static

from oracle.engine import DESCRIPTIONS, RECIPES, OracleError, Recipe, SourceSpec, bundled_corpora, store
from oracle.tui.form_fields import read_settings, setting_widgets

# The recipe settings the form shows (labels and rules come from the Recipe's declarations);
# everything else comes from the chosen recipe.
FIELDS = ("hidden_size", "num_layers", "seq_len", "batch_size", "lr", "epochs", "max_minutes")


class TickBox(Checkbox):
    """A checkbox whose glyph says its state: ✓ when ticked, blank when not (Textual's draws an X
    either way and only changes its colour, which a monochrome terminal or a screen reader loses)."""

    @property
    def BUTTON_INNER(self) -> str:  # noqa: N802 - the name Textual's ToggleButton reads
        return "✓" if self.value else " "


@dataclass
class Plan:
    name: str
    sources: list[str]
    recipe: Recipe
    recipe_name: str


def short_size(chars: int) -> str:
    return f"{chars / 1e6:.1f}M" if chars >= 1e6 else f"{chars / 1e3:.0f}k"


class TrainForm(VerticalScroll):
    class Validated(Message):
        def __init__(self, plan: Plan | None, error: str | None) -> None:
            super().__init__()
            self.plan, self.error = plan, error

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.corpora = bundled_corpora()
        self.plan: Plan | None = None
        self.error: str | None = "Not checked yet."

    def compose(self) -> ComposeResult:
        from .path_suggester import PathSuggester

        yield Static("Corpora (tick, then weight)", classes="panel-title")
        for c in self.corpora:
            with Horizontal(classes="corpus-row"):
                box = TickBox(f"{c['name']} {short_size(c['chars'])}", id=f"use-{c['name']}", compact=True)
                box.tooltip = f"{c.get('title', '')}: {c.get('description', '')}"
                yield box
                yield Input("1", id=f"weight-{c['name']}", classes="weight", compact=True)
            yield Static(c.get("description", ""), classes="corpus-desc")
        yield Label("your files or folders: PATH[:WEIGHT] …")
        yield Input(placeholder="~/texts/notes.txt:0.5", id="own-files", suggester=PathSuggester(), compact=True)
        yield Label("recipe")
        yield Select([(name, name) for name in RECIPES], value="quick", allow_blank=False, id="recipe", compact=True)
        yield Static(DESCRIPTIONS["quick"], id="recipe-desc", classes="corpus-desc")
        for label, field in setting_widgets(RECIPES["quick"], FIELDS, "field-"):
            with Horizontal(classes="field-row"):
                yield label
                yield field
        with Horizontal(classes="field-row"):
            yield Label("name")
            yield Input(placeholder="my-oracle", id="model-name", compact=True)
        yield Static("", id="form-error", classes="error-text")

    def on_mount(self) -> None:
        self.validate_form()

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "recipe" and isinstance(event.value, str):
            recipe = RECIPES[event.value]
            self.query_one("#recipe-desc", Static).update(DESCRIPTIONS[event.value])
            with self.prevent(Input.Changed):
                for field in FIELDS:
                    self.query_one(f"#field-{field}", Input).value = str(getattr(recipe, field))
            self.validate_form()

    def on_input_changed(self, event: Input.Changed) -> None:
        self.validate_form()

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        self.validate_form()

    def set_value(self, field_id: str, value: str) -> None:
        self.query_one(f"#{field_id}", Input).value = value

    def validate_form(self) -> None:
        try:
            self.plan, self.error = self._build(), None
        except OracleError as err:
            self.plan, self.error = None, str(err)
        self.query_one("#form-error", Static).update(self.error or "")
        self.post_message(self.Validated(self.plan, self.error))

    def _build(self) -> Plan:
        sources = []
        for c in self.corpora:
            if self.query_one(f"#use-{c['name']}", Checkbox).value:
                text = self.query_one(f"#weight-{c['name']}", Input).value.strip()
                sources.append(f"{c['name']}:{text}")
        sources += self.query_one("#own-files", Input).value.split()
        for spec in sources:
            parsed = SourceSpec.parse(spec)  # raises on a bad weight
            if not parsed.path.exists():
                raise OracleError(f"{parsed.path} does not exist: give a text file, a folder of .txt files, or tick a bundled corpus.")
        if not sources:
            raise OracleError("Tick at least one corpus or give the path of your own text file.")
        recipe_name = self.query_one("#recipe", Select).value
        recipe = RECIPES[recipe_name].with_overrides(**read_settings(self, Recipe, FIELDS, "field-"))
        name = self.query_one("#model-name", Input).value.strip()
        if not name:
            raise OracleError("Give the new model a name.")
        store.check_name(name)
        if store.is_model_folder(store.user_dir(name)):
            raise OracleError(f"A model named {name!r} already exists: pick another name (or resume it from Models).")
        return Plan(name, sources, recipe, recipe_name)
