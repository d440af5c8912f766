"""`oracle ask`: stream an answer to stdout, one flushed character at a time."""

from __future__ import annotations

import sys

from oracle.engine import SampleSettings, store
from oracle.engine.errors import OracleError
from oracle.engine.sample import STOP_RULES


def add_ask(sub, number) -> None:
    defaults = SampleSettings()
    p = sub.add_parser("ask", help="ask the oracle a question; the answer streams to stdout",
                       description="Ask a question (or pipe it on stdin); the answer streams to stdout.")
    p.add_argument("question", nargs="?", help="the question; read from stdin when left out")
    p.add_argument("--model", "-m", help="model name (default: the active model, else the shipped default)")
    p.add_argument("--temperature", "-t", type=number(float, "--temperature", 0), default=defaults.temperature,
                   help=f"randomness: near 0 is greedy, 1 samples the model as is (default {defaults.temperature})")
    p.add_argument("--top-k", type=number(int, "--top-k", 0), default=defaults.top_k, help="sample among the k likeliest characters (0: all)")
    p.add_argument("--top-p", type=number(float, "--top-p", 0, strict=True), default=defaults.top_p, help="nucleus sampling mass, (0, 1]")
    p.add_argument("--length", "-n", type=number(int, "--length", 1), default=defaults.length, help=f"at most this many characters (default {defaults.length})")
    p.add_argument("--min-length", type=number(int, "--min-length", 0), default=defaults.min_length,
                   help=f"the stop rule waits for at least this many characters (default {defaults.min_length})")
    p.add_argument("--stop", choices=STOP_RULES, default=defaults.stop, help="end at a sentence, a paragraph, or only at --length")
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
    settings = SampleSettings(temperature=args.temperature, top_k=args.top_k, top_p=args.top_p, length=args.length,
                              stop=args.stop, min_length=args.min_length)
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
