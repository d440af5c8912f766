"""The model switcher: a Select whose options are read from the store, never remembered.

Models come and go while the app runs (a run on the Train screen, a copy, an import, a delete, or
another `oracle` process), so the list is read again whenever it is about to be shown or set: a model
made after launch is offered, a deleted one is not, and setting a name the list did not have yet
refreshes the list instead of raising InvalidSelectValueError.
"""

from __future__ import annotations

from textual.widgets import Select

from oracle.engine import OracleError, store


def model_choices() -> list[tuple[str, str]]:
    """(label, name) for every readable model, as the store lists them now."""
    try:
        entries = [e for e in store.list_models() if e.error is None]
    except OracleError:
        return []
    return [(f"{e.name} (shipped)" if e.shipped else e.name, e.name) for e in entries]


class ModelSelect(Select[str]):
    """One entry per model there is, and no blank "no model" entry."""

    def __init__(self, choices: list[tuple[str, str]], value: str | None = None, **kwargs) -> None:
        names = [name for _, name in choices]
        super().__init__(choices, value=value if value in names else names[0], allow_blank=False, compact=True, **kwargs)
        self.choices = choices

    def sync(self, value: str | None = None) -> bool:
        """Read the models again and show `value` (by default the one shown now).

        Returns whether `value` is listed. Changing the options sends no Changed message: only a pick
        by the reader does, so a refill never switches the model by itself."""
        if not self.is_mounted:  # set before it is drawn, a Select blanks its label: mount shows the value given
            return False
        choices = model_choices()
        if not choices:
            return False  # nothing readable: keep what is shown (using a vanished model says why it cannot)
        names = [name for _, name in choices]
        wanted = self.value if value is None else value
        with self.prevent(Select.Changed):
            if choices != self.choices:
                self.choices = choices
                self.set_options(choices)
            if wanted in names and self.value != wanted:
                self.value = wanted
        return wanted in names

    def _watch_expanded(self, expanded: bool) -> None:
        if expanded:  # however it is opened (Ctrl+O, Enter, a click), it lists the models there are now
            self.sync()
        super()._watch_expanded(expanded)
