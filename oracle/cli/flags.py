"""Command-line flags built from the engine's settings schema, and its errors worded with flags.

The engine declares each setting once (`oracle.engine.schema`); this module is the command line's
face of it: one flag per setting, its help from the declaration, parsing and bounds by the
declaration's own `Spec.parse`, and a SettingError reworded to name the flag the user typed.
"""

from __future__ import annotations

import argparse

from oracle.engine import SettingError, Spec, cli_flag, specs


def add_setting_flags(parser: argparse.ArgumentParser, settings_class, defaults=None, skip: tuple[str, ...] = ()) -> list[str]:
    """Add a flag for every declared setting of `settings_class`; return the field names added.

    With `defaults` (an instance), each flag defaults to its value and the help shows it; without,
    flags default to None so that a recipe's own values stand unless a flag is given."""
    added = []
    for name, spec in specs(settings_class).items():
        if name in skip:
            continue
        names = [cli_flag(name, spec)] + ([spec.short] if spec.short else [])
        default = getattr(defaults, name) if defaults is not None else None
        shown = f" (default {default})" if defaults is not None else ""
        if spec.kind is bool:
            parser.add_argument(*names, dest=name, action=argparse.BooleanOptionalAction, default=default,
                                help=spec.help + shown)
        else:
            metavar = "{" + ",".join(spec.choices) + "}" if spec.choices else None
            parser.add_argument(*names, dest=name, type=_parser(name, spec), default=default, metavar=metavar,
                                help=spec.help + shown)
        added.append(name)
    return added


def _parser(name: str, spec: Spec):
    def parse(text: str):
        try:
            return spec.parse(name, text)
        except SettingError as err:
            # argparse adds "argument --flag: " before this; cli.Parser drops it again.
            raise argparse.ArgumentTypeError(err.naming(cli_flag(name, spec)).rstrip(".")) from None

    parse.__name__ = spec.label  # argparse names the type in some messages
    return parse


def worded_for_cli(err: SettingError) -> str:
    """The engine's sentence about a setting, naming its command-line flag instead of its label."""
    return err.naming(cli_flag(err.name, err.spec))
