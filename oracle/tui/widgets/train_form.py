"""The training form: which name, which corpora (and how much of each), which recipe.

It validates as you type with the engine's own rules (`SourceSpec.parse`, `Recipe.with_overrides`,
`store.check_name`) and posts `TrainForm.Validated` with either a ready plan or one sentence saying
what to fix. Enter in any field asks to start (`TrainForm.StartRequested`). While a run trains the
form shows that run's settings, locked (`show_run`, `lock`).
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from pathlib import Path

from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import Checkbox, Input, Label, Select, Static

from oracle.engine import (
    DESCRIPTIONS,
    RECIPES,
    ModelMeta,
    OracleError,
    Recipe,
    SourceSpec,
    bundled_corpora,
    cli_flag,
    figures,
    specs,
    store,
)
from oracle.tui.widgets.form_fields import read_settings, setting_widgets

NAME_STEM = "my-oracle"  # free names offered: my-oracle, my-oracle-2, my-oracle-3, ...

# The recipe settings the form shows (labels and rules come from the Recipe's declarations);
# everything else comes from the chosen recipe.
FIELDS = ("hidden_size", "num_layers", "seq_len", "batch_size", "lr", "epochs", "max_minutes")


class TickBox(Checkbox):
    """A checkbox whose glyph says its state: ✓ when ticked, blank when not (Textual's draws an X
    either way and only changes its colour, which a monochrome terminal or a screen reader loses)."""

    @property
    def BUTTON_INNER(self) -> str:  # type: ignore[override]  # noqa: N802 - Textual's ToggleButton reads this name; a property draws the tick live
        return "✓" if self.value else " "


@dataclass
class Plan:
    name: str
    sources: list[str]
    recipe: Recipe
    recipe_name: str
    overrides: dict | None = None  # the fields set apart from the recipe's own values

    @property
    def command(self) -> list[str]:
        """The `oracle train` command that trains the same model, recorded in its metadata."""
        declared = specs(Recipe)
        flags = []
        for name, value in (self.overrides or {}).items():
            flags += [cli_flag(name, declared[name]), str(value)]
        return ["oracle", "train", *self.sources, "--name", self.name, "--recipe", self.recipe_name, *flags]


def free_name() -> str:
    """The first of my-oracle, my-oracle-2, ... that no model has."""
    n = 1
    while True:
        name = NAME_STEM if n == 1 else f"{NAME_STEM}-{n}"
        if not taken(name):
            return name
        n += 1


def taken(name: str) -> bool:
    """Whether a model of that name exists now (a name the store refuses is not taken, just wrong)."""
    try:
        return store.is_model_folder(store.user_dir(name))
    except OracleError:
        return False


def _exists(spec: str) -> bool:
    try:
        return SourceSpec.parse(spec).path.exists()
    except OracleError:
        return False


def split_sources(text: str) -> list[str]:
    """The PATH[:WEIGHT] specs typed in one line. Quotes keep a name with spaces whole ("my notes.txt");
    unquoted, neighbouring words are joined when together they name a file and apart they do not."""
    try:
        words = shlex.split(text)
    except ValueError:
        raise OracleError("A quote in your files is not closed: close it, e.g. \"my notes.txt\":2.") from None
    found, i = [], 0
    while i < len(words):
        j = len(words)
        while j > i + 1 and not _exists(" ".join(words[i:j])):
            j -= 1
        found.append(" ".join(words[i:j]))
        i = j
    return found


class TrainForm(VerticalScroll, can_focus=False):  # the first Tab (and the screen's first focus) is the name
    class Validated(Message):
        def __init__(self, plan: Plan | None, error: str | None) -> None:
            super().__init__()
            self.plan, self.error = plan, error

    class StartRequested(Message):
        """Enter was pressed in one of the form's fields."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.corpora = bundled_corpora()
        self.plan: Plan | None = None
        self.error: str | None = "Not checked yet."
        self.auto_name = True  # the name is one we offered: replace it when it gets taken
        self.locked_by: str | None = None  # the run whose settings the form shows, locked

    def compose(self) -> ComposeResult:
        from oracle.tui.widgets.path_suggester import PathSuggester

        with Horizontal(classes="field-row", id="name-row"):
            yield Label("new model name")
            yield Input(free_name(), id="model-name", compact=True)
        yield Static("Corpora (tick, then weight)", classes="panel-title")
        for c in self.corpora:
            with Horizontal(classes="corpus-row"):
                box = TickBox(f"{c.name} {figures.chars(c.chars)}", id=f"use-{c.name}", compact=True)
                box.tooltip = f"{c.title}: {c.description}"
                yield box
                yield Input("1", id=f"weight-{c.name}", classes="weight", compact=True)
            yield Static(c.description, classes="corpus-desc")
        yield Label("your own files: PATH[:WEIGHT] …")
        yield Input(placeholder="e.g. ~/notes.txt:0.5", id="own-files", suggester=PathSuggester(),
                    compact=True)
        yield Label("recipe")
        yield Select([(name, name) for name in RECIPES], value="quick", allow_blank=False, id="recipe", compact=True)
        yield Static(DESCRIPTIONS["quick"], id="recipe-desc", classes="corpus-desc")
        for label, field in setting_widgets(RECIPES["quick"], FIELDS, "field-"):
            with Horizontal(classes="field-row"):
                yield label
                yield field
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
        if event.input.id == "model-name" and event.input.has_focus:
            self.auto_name = False  # the reader's own name: keep it
        if (event.input.id or "").startswith("field-"):
            self._describe_recipe()
        self.validate_form()

    def _describe_recipe(self) -> None:
        """The recipe's line says what will run: the shape and epochs as edited, not the recipe's own."""
        name = self.query_one("#recipe", Select).value
        if not isinstance(name, str) or name not in RECIPES:
            return
        shown = {f: self.query_one(f"#field-{f}", Input).value.strip() for f in ("num_layers", "hidden_size", "epochs")}
        own = {f: str(getattr(RECIPES[name], f)) for f in shown}
        text = DESCRIPTIONS[name]
        if shown != own:
            text = (f"{shown['num_layers']}x{shown['hidden_size']} LSTM, {shown['epochs']} epochs "
                    f"(the {name} recipe, edited)")
        self.query_one("#recipe-desc", Static).update(text)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.post_message(self.StartRequested())

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        self.validate_form()

    def set_value(self, field_id: str, value: str) -> None:
        if field_id == "model-name":
            self.auto_name = False
        self.query_one(f"#{field_id}", Input).value = value

    def validate_form(self) -> None:
        """Check everything again, the name included: models come and go on other screens."""
        if self.locked_by is not None:
            return  # the form shows a running run's settings; nothing here is to be started
        name_box = self.query_one("#model-name", Input)
        if self.auto_name and taken(name_box.value.strip()):
            with self.prevent(Input.Changed):
                name_box.value = free_name()
        try:
            self.plan, self.error = self._build(), None
        except OracleError as err:
            self.plan, self.error = None, str(err)
        self.query_one("#form-error", Static).update(self.error or "")
        self.post_message(self.Validated(self.plan, self.error))

    # ---- a run's settings, locked while it trains ------------------------------------------------

    def freeze(self, run_name: str) -> None:
        self.locked_by = run_name
        for widget in self.query("Input, Checkbox, Select"):
            widget.disabled = True
        self.query_one("#form-error", Static).update(f"The settings of {run_name}, locked while it trains.")
        self.add_class("locked")

    def thaw(self) -> None:
        self.locked_by = None
        for widget in self.query("Input, Checkbox, Select"):
            widget.disabled = False
        self.remove_class("locked")
        if taken(self.query_one("#model-name", Input).value.strip()):
            self.auto_name = True  # that name is taken now: offer the next free one for another run
        self.validate_form()

    def show_run(self, name: str, meta: ModelMeta) -> None:
        """Fill the form with a trained model's recipe, corpora and name (to resume it)."""
        recipe = Recipe.recorded(meta.recipe)  # None: the run's recipe is not one this Oracle can use
        recipe_name = meta.recipe_name
        bundled = {c.name: c for c in self.corpora}
        own = []
        with self.prevent(Input.Changed, Checkbox.Changed, Select.Changed):
            for c in self.corpora:
                self.query_one(f"#use-{c.name}", Checkbox).value = False
                self.query_one(f"#weight-{c.name}", Input).value = "1"
            for kept in meta.corpora:
                weight = f"{kept.weight:g}"
                if kept.name in bundled and Path(kept.path or "").resolve() == Path(bundled[kept.name].path).resolve():
                    self.query_one(f"#use-{kept.name}", Checkbox).value = True
                    self.query_one(f"#weight-{kept.name}", Input).value = weight
                else:
                    own.append(shlex.quote(f"{kept.path or kept.name}:{weight}"))
            self.query_one("#own-files", Input).value = " ".join(own)
            if recipe_name in RECIPES:
                self.query_one("#recipe", Select).value = recipe_name
                self.query_one("#recipe-desc", Static).update(DESCRIPTIONS[recipe_name])
            for field_name in FIELDS if recipe else ():
                self.query_one(f"#field-{field_name}", Input).value = str(getattr(recipe, field_name))
            self.query_one("#model-name", Input).value = name
        self.auto_name = False

    def _build(self) -> Plan:
        sources = []
        for c in self.corpora:
            if self.query_one(f"#use-{c.name}", Checkbox).value:
                text = self.query_one(f"#weight-{c.name}", Input).value.strip()
                sources.append(f"{c.name}:{text}")
        sources += split_sources(self.query_one("#own-files", Input).value)
        for spec in sources:
            parsed = SourceSpec.parse(spec)  # raises on a bad weight
            if not parsed.path.exists():
                raise OracleError(f"{parsed.path} does not exist: give a text file, a folder of .txt files, or tick a bundled corpus.")
        if not sources:
            raise OracleError("Tick at least one corpus or give the path of your own text file.")
        recipe_name = str(self.query_one("#recipe", Select).value)  # a Select that always has a recipe chosen
        typed = read_settings(self, Recipe, FIELDS, "field-")
        recipe = RECIPES[recipe_name].with_overrides(**typed)
        overrides = {k: v for k, v in typed.items() if v != getattr(RECIPES[recipe_name], k)}
        name = self.query_one("#model-name", Input).value.strip()
        if not name:
            raise OracleError("Give the new model a name.")
        store.check_name(name)
        if store.is_model_folder(store.user_dir(name)):
            raise OracleError(f"A model named {name!r} already exists: pick another name (or resume it from Models).")
        return Plan(name, sources, recipe, recipe_name, overrides)
