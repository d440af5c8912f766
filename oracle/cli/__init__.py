"""The command line: `main` parses the verb and hands it to its module (ask, train, models, eye, serve)."""

import gc
import sys


def main(argv=None) -> int:
    """`oracle`'s entry point. Ctrl-C while the command line itself is still importing ends quietly
    too (oracle.cli.entry guards everything after)."""
    # The collector would walk the tens of thousands of objects the imports make, none of them garbage
    # that matters (the app's imports: 60-80 ms of collections on a loaded 2-core host, ~25 ms of CPU):
    # it is off until the command starts its work (entry.py turns it back on after parsing, the app
    # after its first frame).
    gc.disable()
    try:
        try:
            from oracle.cli.entry import main as run
        except KeyboardInterrupt:
            sys.stderr.write("oracle: interrupted.\n")
            return 130
        return run(argv)
    finally:
        gc.enable()  # as it was, for a caller in the same process


__all__ = ["main"]
