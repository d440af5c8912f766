"""`oracle ask`: stream an answer to stdout, one flushed character at a time."""

from __future__ import annotations

import sys

from oracle.cli_settings import add_setting_flags
from oracle.engine import SampleSettings, store
from oracle.engine.errors import OracleError
from oracle.engine.schema import specs


def add_ask(sub, number) -> None:
    defaults = SampleSettings()
    p = sub.add_parser("ask", help="ask the oracle a question; the answer streams to stdout",
                       description="Ask a question (or pipe it on stdin); the answer streams to stdout.")
    p.add_argument("question", nargs="?", help="the question; read from stdin when left out")
    p.add_argument("--model", "-m", help="model name (default: the active model, else the shipped default)")
    add_setting_flags(p, SampleSettings, defaults=defaults)
    p.add_argument("--seed", type=number(int, "--seed", 0), help="the same seed, model, question and settings give the same answer")
    p.set_defaults(func=run_ask)


def run_ask(args) -> int:
    question = args.question
    if question is None:
        if sys.stdin.isatty():
            sys.stderr.write("Ask your question, then press Ctrl-D:\n")
        question = sys.stdin.read()
    name = args.model or store.active_name()
    if name is None:
        raise OracleError("There is no model yet: train one with `oracle train FILE --name NAME`.")
    oracle = store.load(name)
    settings = SampleSettings(**{name: getattr(args, name) for name in specs(SampleSettings)})
    reading = oracle.ask(question, settings, seed=args.seed)
    if reading.notice:
        sys.stderr.write(f"oracle: {reading.notice}.\n")
    out = sys.stdout
    try:
        for ch in reading:
            out.write(ch)
            out.flush()
    except KeyboardInterrupt:
        pass
    if not reading.text.endswith("\n"):
        out.write("\n")
    out.flush()
    return 0
