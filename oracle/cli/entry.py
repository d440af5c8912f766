"""The `oracle` command: no arguments opens the app; `ask`, `train` and `models` drive the engine.

Every problem a user can fix ends as one sentence on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import errno
import gc
import os
import sys

from oracle import __version__
from oracle.engine import OracleError, paths, write_remedy
from oracle.visible import visible


class Parser(argparse.ArgumentParser):
    """argparse with Rich help: coloured on a terminal, plain text when piped (NO_COLOR is heeded)."""

    def __init__(self, *args, **kwargs) -> None:
        from rich_argparse import RichHelpFormatter

        kwargs.setdefault("formatter_class", RichHelpFormatter)
        super().__init__(*args, **kwargs)

    # argparse makes a formatter for every add_argument (to check its metavar) and to name each verb's
    # prog in add_subparsers: Rich's laid out a usage line there and imported rich.console, ~20 ms of
    # every command. Those two get plain argparse's; help, usage and --version text still get Rich's.
    def _get_formatter(self):
        if getattr(self, "_plain", False):
            return argparse.HelpFormatter(prog=self.prog)
        return super()._get_formatter()

    def add_argument(self, *args, **kwargs):
        return self._plainly(super().add_argument, *args, **kwargs)

    def add_subparsers(self, **kwargs):
        return self._plainly(super().add_subparsers, **kwargs)

    def _plainly(self, call, *args, **kwargs):
        self._plain = True
        try:
            return call(*args, **kwargs)
        finally:
            self._plain = False

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


# Each verb: the module that adds its parser, and whether its adder takes the number parser.
VERBS = {"ask": ("oracle.cli.ask", "add_ask", True), "train": ("oracle.cli.train", "add_train", True),
         "models": ("oracle.cli.models", "add_models", False), "serve": ("oracle.cli.serve", "add_serve", True),
         "eye": ("oracle.cli.eye", "add_eye", True), "scripture": ("oracle.cli.scripture", "add_scripture", True)}


def build_parser(verb: str | None = None) -> Parser:
    """The whole command line; with `verb` (the word the command line starts with), only that verb's
    parser: the others cost their modules' imports (eye, scripture, serve...), which a command that
    names its verb never uses (`oracle --help` and anything else still build them all)."""
    import importlib

    parser = Parser(prog="oracle", description="A character-level LSTM oracle: train it on texts you choose, then ask it.",
                    epilog="Run `oracle` with no command to open the app. Your models, conversations and settings "
                           f"are kept in {paths.where()}.")
    parser.add_argument("--version", action="version", version=f"oracle {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    for name, (module, adder, numbers) in VERBS.items():
        if verb in (None, name) or verb not in (*VERBS, "app"):
            add = getattr(importlib.import_module(module), adder)
            if numbers:
                add(sub, _number)
            else:
                add(sub)
    if verb in (None, "app") or verb not in VERBS:
        app = sub.add_parser("app", help="open the Textual app (the same as running `oracle` alone)")
        app.set_defaults(func=_run_app)
    return parser


def _run_app(args) -> int:
    from oracle.tui.app import run_app

    # Without a terminal the app would draw escape codes into a pipe forever. A browser session
    # (`oracle serve`) has no terminal either, but names its own driver.
    if not os.environ.get("TEXTUAL_DRIVER") and not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise OracleError("The app needs a terminal: run `oracle` in one, or use `oracle ask`, `oracle train` and "
                          "`oracle models` from scripts.")
    return run_app()


def _say_error(text: str) -> None:
    """One line on stderr, shown safely (a file name may hold escape codes) in any terminal encoding."""
    try:
        sys.stderr.write(f"oracle: {visible(text)}\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass  # stderr itself is closed: there is nobody left to tell


def _tolerant_streams() -> None:
    if sys.stdout is None:  # started with stdout closed (`oracle ask hi >&-`): Python gives us None
        sys.stdout = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 (stdout for the whole run)
        _say_error("standard output is closed: what this command prints is lost.")
    # A terminal set to latin-1 (PYTHONIOENCODING, an old locale) cannot encode "—" or a CJK
    # answer: print a stand-in for such a character rather than die with a traceback.
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(errors="backslashreplace")  # type: ignore[union-attr]  # AttributeError below: not a text stream
        except (AttributeError, ValueError, OSError):
            pass


def main(argv: list[str] | None = None) -> int:
    """The whole command under the guards, from its first line: Ctrl-C at any moment (while the
    parser or torch is still importing too), a full or closed stdout wherever it is met, and library
    warnings, each end as one line on stderr, never a traceback."""
    _one_line_warnings()
    try:
        code = _main(argv)
        sys.stdout.flush()  # --help and usage errors print too: a full stdout shows here, not at exit
        return code
    except KeyboardInterrupt:
        _say_error("interrupted.")
        return 130
    except BrokenPipeError:
        _quiet_stdout()
        return 0
    except OSError as err:
        if err.errno not in (errno.ENOSPC, errno.EBADF, errno.EIO):
            raise
        _quiet_stdout()  # the interpreter's last flush must not fail again
        _say_error(f"standard output could not be written ({os.strerror(err.errno)}): what this command printed is lost.")
        return 2


def _one_line_warnings() -> None:
    """torch and other libraries warn about their own internals (deprecations, TF32, named tensors):
    nothing a reader can act on. Theirs are left out; any other is one line on stderr."""
    import warnings

    warnings.filterwarnings("ignore", module=r"(torch|torchvision|numpy|textual|rich|aiohttp)(\.|$)")
    warnings.showwarning = lambda message, category, *rest, **more: _say_error(f"warning: {str(message).strip().splitlines()[0][:300]}")


def _main(argv: list[str] | None) -> int:
    own_command_line = argv is None
    argv = sys.argv[1:] if argv is None else argv
    _tolerant_streams()
    if argv[:1] == ["ask"]:
        _one_blas_thread()
    parser = build_parser(argv[0] if argv else None)
    try:
        args = parser.parse_args(argv)
    except SystemExit as done:  # --help, --version, or a usage error already explained on stderr
        return done.code if isinstance(done.code, int) else 2
    try:
        if args.command in (None, "app"):
            return _run_app(args)  # the app turns the collector on (off since oracle.cli.main) after its first frame
        if own_command_line:
            # Everything the imports made lives as long as the process: frozen, the collector never walks
            # it again. Left young, the first collections of an answer walked all of it, and so did the
            # one at exit (~20 ms of every `oracle ask`). A caller in the same process (tests) keeps
            # its collector as it was: what it holds now may yet become garbage.
            gc.freeze()
        gc.enable()
        code = args.func(args) or 0
        sys.stdout.flush()  # a closed stdout shows here, where it can still be caught, not at exit
        return code
    except OracleError as err:  # the engine's sentence, its remedy in the shell's words (flags, commands)
        from oracle.cli.remedies import for_cli

        _say_error(for_cli(err))
        return 2
    except KeyboardInterrupt:  # a second Ctrl-C while training, or Ctrl-C anywhere else: end quietly
        _say_error("interrupted.")
        return 130
    except BrokenPipeError:
        _quiet_stdout()
        return 0
    except OSError as err:  # after BrokenPipeError, which is one too
        if err.errno == errno.EBADF:  # stdout was closed (`oracle models list >&-`)
            _quiet_stdout()
            _say_error("standard output is closed: nothing could be printed.")
            return 2
        if _stdout_fails():  # stdout is /dev/full or a full disk: main() says so, not "free some space"
            raise
        if err.errno == errno.ENAMETOOLONG:
            where = f" {err.filename}" if err.filename else ""
            _say_error(f"The file name{where} is too long for the file system: choose a shorter name or folder.")
            return 2
        # A full disk or a read-only folder met outside the trainer: writes are atomic, so what was
        # saved before is intact; say what failed where, in one sentence.
        where = f" ({err.filename})" if err.filename else ""
        _say_error(f"{err.strerror or err}{where}: {write_remedy(err)}, then try again; "
                   "files saved before are intact.")
        return 2


def _one_blas_thread() -> None:
    """Load numpy with OpenBLAS told to start no threads of its own: an answer reads in one BLAS thread
    (read_threads: one unless OMP_NUM_THREADS says), so the pool it starts by default, a thread per
    core, only costs `oracle ask` its start (~10 ms on a 2-core host). A thread count the user set
    is left as it is; the variable is gone again once numpy has loaded (OpenBLAS reads it then)."""
    if "numpy" in sys.modules or any(name in os.environ for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS")):
        return
    os.environ["OPENBLAS_NUM_THREADS"] = "1"
    try:
        import numpy  # noqa: F401
    finally:
        del os.environ["OPENBLAS_NUM_THREADS"]


def _stdout_fails() -> bool:
    try:
        sys.stdout.flush()
    except (OSError, ValueError):
        return True
    return False


def _quiet_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush cannot fail with a traceback."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass


if __name__ == "__main__":
    raise SystemExit(main())
