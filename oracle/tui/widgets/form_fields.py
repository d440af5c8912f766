"""Form fields built from the engine's settings schema: one Input per setting, read back typed.

The label, tooltip, parsing and bounds all come from the setting's declaration
(`oracle.engine.schema`), so a bad value reads "Hidden units 0 must be ..." in the app's words.
"""

from __future__ import annotations

from textual.dom import DOMNode
from textual.widgets import Input, Label

from oracle.engine import specs


def setting_widgets(settings, names: tuple[str, ...], id_prefix: str) -> list[tuple[Label, Input]]:
    """A (Label, Input) pair for each named setting of `settings` (an instance: its values fill the inputs)."""
    declared = specs(settings)
    pairs = []
    for name in names:
        spec = declared[name]
        field = Input(str(getattr(settings, name)), id=f"{id_prefix}{name}", compact=True)
        field.tooltip = spec.help
        pairs.append((Label(spec.label), field))
    return pairs


def read_settings(node: DOMNode, settings_class, names: tuple[str, ...], id_prefix: str) -> dict:
    """The typed value of each named setting's Input (`#{id_prefix}{name}`); SettingError names a bad one."""
    declared = specs(settings_class)
    return {name: declared[name].parse(name, node.query_one(f"#{id_prefix}{name}", Input).value)
            for name in names}
