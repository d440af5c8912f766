"""The command line: `main` parses the verb and hands it to its module (ask, train, models, eye, serve)."""

from oracle.cli.entry import main

__all__ = ["main"]
