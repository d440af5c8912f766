"""The command line: `main` parses the verb and hands it to its module (ask, train, models, eye, serve)."""

import sys


def main(argv=None) -> int:
    """`oracle`'s entry point. Ctrl-C while the command line itself is still importing ends quietly
    too (oracle.cli.entry guards everything after)."""
    try:
        from oracle.cli.entry import main as run
    except KeyboardInterrupt:
        sys.stderr.write("oracle: interrupted.\n")
        return 130
    return run(argv)


__all__ = ["main"]
