"""Form fields built from the engine's settings schema: one Input per setting, read back typed.

The label, tooltip, parsing and bounds all come from the setting's declaration
(`oracle.engine.schema`), so a bad value reads "Hidden units 0 must be ..." in the app's words.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import events
from textual.dom import DOMNode
from textual.message import Message
from textual.widgets import Input, Label

from oracle.engine import specs

NUMBER_CHARACTERS = "0123456789.-+eE"  # what a number field keeps (1e-3 included)


class NumberInput(Input):
    """An Input for a number on the Oracle screen: a character that cannot be part of a number is not
    typed here but handed on as `Stray` (the screen gives it to the question box), so "who?" typed
    while the top-k field has the focus is neither lost nor turned into a bad value."""

    @dataclass
    class Stray(Message):
        character: str

    async def _on_key(self, event: events.Key) -> None:
        if event.is_printable and event.character and event.character not in NUMBER_CHARACTERS:
            event.prevent_default()  # not Input's own handler: it would type the letter here
            event.stop()
            self.post_message(self.Stray(event.character))

    def check_consume_key(self, key: str, character: str | None = None) -> bool:
        return character is not None and character in NUMBER_CHARACTERS and super().check_consume_key(key, character)


def setting_widgets(settings, names: tuple[str, ...], id_prefix: str, hand_on: bool = False) -> list[tuple[Label, Input]]:
    """A (Label, Input) pair for each named setting of `settings` (an instance: its values fill the inputs);
    `hand_on`: number fields hand on what cannot be part of a number (see NumberInput)."""
    declared = specs(settings)
    pairs = []
    for name in names:
        spec = declared[name]
        kind = NumberInput if hand_on and spec.kind in (int, float) else Input
        field = kind(str(getattr(settings, name)), id=f"{id_prefix}{name}", compact=True)
        field.tooltip = spec.help
        pairs.append((Label(spec.label), field))
    return pairs


def read_settings(node: DOMNode, settings_class, names: tuple[str, ...], id_prefix: str) -> dict:
    """The typed value of each named setting's Input (`#{id_prefix}{name}`); SettingError names a bad one."""
    declared = specs(settings_class)
    return {name: declared[name].parse(name, node.query_one(f"#{id_prefix}{name}", Input).value)
            for name in names}
