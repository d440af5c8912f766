"""The `oracle` command: no arguments opens the app; `ask`, `train` and `models` drive the engine.

Every problem a user can fix ends as one sentence on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import sys

from oracle import __version__
from oracle.engine.errors import OracleError
from oracle.engine.schema import SettingError


class Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one sentence instead of argparse's usage dump
        head, sep, rest = message.partition(": ")
        if sep and head.startswith("argument ") and head.split()[-1].split("/")[0] in rest:
            message = rest  # our own type checks already name the flag
        sys.stderr.write(f"{self.prog}: {message[0].upper() + message[1:]}. See `{self.prog} --help`.\n")
        raise SystemExit(2)


def _number(kind, name: str, low=None, strict=False):
    word = "a whole number" if kind is int else "a number"

    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} {text!r} is not {word}") from None
        if kind is float and value != value:
            raise argparse.ArgumentTypeError(f"{name} {text!r} is not {word}")
        if low is not None and (value <= low if strict else value < low):
            raise argparse.ArgumentTypeError(f"{name} {text} must be {'above' if strict else 'at least'} {low}")
        return value

    return parse


def build_parser() -> Parser:
    from oracle.cli_ask import add_ask
    from oracle.cli_eye import add_eye
    from oracle.cli_models import add_models
    from oracle.cli_serve import add_serve
    from oracle.cli_train import add_train

    parser = Parser(prog="oracle", description="A character-level LSTM oracle: train it on texts you choose, then ask it.",
                    epilog="Run `oracle` with no command to open the app. Models live in ORACLE_HOME "
                           "(default: your platform's user data folder for 'oracle').")
    parser.add_argument("--version", action="version", version=f"oracle {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    add_ask(sub, _number)
    add_train(sub, _number)
    add_models(sub)
    add_serve(sub, _number)
    add_eye(sub, _number)
    app = sub.add_parser("app", help="open the Textual app (the same as running `oracle` alone)")
    app.set_defaults(func=_run_app)
    return parser


def _run_app(args) -> int:
    from oracle.tui.app import run_app

    return run_app()


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as done:  # --help, --version, or a usage error already explained on stderr
        return done.code if isinstance(done.code, int) else 2
    try:
        if args.command is None:
            return _run_app(args)
        return args.func(args) or 0
    except SettingError as err:  # the engine words it with the app's label; the shell names the flag
        from oracle.cli_settings import worded_for_cli

        sys.stderr.write(f"oracle: {worded_for_cli(err)}\n")
        return 2
    except OracleError as err:
        sys.stderr.write(f"oracle: {err}\n")
        return 2
    except BrokenPipeError:
        return 0
    except OSError as err:  # after BrokenPipeError, which is one too
        # A full disk or a read-only folder met outside the trainer: writes are atomic, so what was
        # saved before is intact; say what failed where, in one sentence.
        where = f" ({err.filename})" if err.filename else ""
        sys.stderr.write(f"oracle: {err.strerror or err}{where}: free some space or make the folder writable, then try again; "
                         "files saved before are intact.\n")
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
