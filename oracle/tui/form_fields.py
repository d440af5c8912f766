"""Reading typed numbers out of a form: one place for the words a bad value gets."""

from __future__ import annotations

from textual.dom import DOMNode
from textual.widgets import Input

from oracle.engine import OracleError

Field = tuple[str, str, type]  # (setting name, label shown, int or float)


def read_fields(node: DOMNode, fields: list[Field], id_prefix: str) -> dict:
    """The value of each field's Input (`#{id_prefix}{name}`), or OracleError naming the bad one."""
    values = {}
    for name, label, kind in fields:
        text = node.query_one(f"#{id_prefix}{name}", Input).value.strip()
        try:
            values[name] = kind(text)
        except ValueError:
            word = "a whole number" if kind is int else "a number"
            raise OracleError(f"The {label.split(' (')[0]} {text!r} is not {word}.") from None
    return values
