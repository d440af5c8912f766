"""`oracle ask`: stream an answer to stdout, one flushed character at a time."""

from __future__ import annotations

import sys

from oracle.cli.flags import add_setting_flags
from oracle.cli.share import Sharing, add_share_flags
from oracle.engine import Delivery, OracleError, Pacer, SampleSettings, parse_blend, specs, store
from oracle.visible import visible


def add_ask(sub, number) -> None:
    defaults = SampleSettings()
    p = sub.add_parser("ask", help="ask the oracle a question; the answer streams to stdout",
                       description="Ask a question (or pipe it on stdin); the answer streams to stdout.")
    p.add_argument("question", nargs="?", help="the question; read from stdin when left out")
    p.add_argument("--model", "-m", help="model name (default: the one chosen with `oracle models use NAME` or in the app, "
                                         "else your newest model, else the shipped default)")
    add_setting_flags(p, SampleSettings, defaults=defaults)
    add_setting_flags(p, Delivery, defaults=Delivery(pace=0.0))  # a shell gets the answer at once unless it asks
    p.add_argument("--seed", type=number(int, "--seed", 0), help="the same seed, model, question and settings give the same answer")
    p.add_argument("--voice", metavar="NAME:WEIGHT,...", help="a voiced model's blend of voices, e.g. kjv:0.7,devils-dictionary:0.3 "
                   "(names as `oracle models show` lists them; weights are normalised; default: any voice)")
    add_share_flags(p)
    p.set_defaults(func=run_ask)


def run_ask(args) -> int:
    question = args.question
    if question is None:
        if sys.stdin.isatty():
            sys.stderr.write("Ask your question, then press Ctrl-D:\n")
        question = read_question(sys.stdin)
    if not question.strip():  # as the app does with an empty question box
        raise OracleError("The question is empty: type one after `oracle ask`, or pipe one in.")
    sharing = Sharing(args)  # a bad --card name or a missing espeak-ng is said before the model loads
    name = args.model or store.active_name()
    if name is None:
        raise OracleError("There is no model yet: train one with `oracle train FILE --name NAME`.")
    oracle = store.load(name)
    settings = SampleSettings(**{name: getattr(args, name) for name in specs(SampleSettings)})
    voice = parse_blend(args.voice) if args.voice is not None else None
    reading = oracle.ask(question, settings, seed=args.seed, voice=voice)
    if reading.notice:
        sys.stderr.write(f"oracle: {visible(reading.notice)}.\n")
    out = sys.stdout
    sharing.begin(reading)
    pacer = Pacer(args.pace)
    try:
        for n, ch in enumerate(reading, start=1):
            pacer.wait(n)
            out.write(visible(ch))  # a model that learned ESC must not drive the terminal
            out.flush()
            sharing.heard(ch)
    except KeyboardInterrupt:
        pass
    if not reading.text.endswith("\n"):
        out.write("\n")
    out.flush()
    sharing.finish(question)
    return 0


def read_question(stream) -> str:
    """The question piped on stdin, read to a cap (stdin may be /dev/zero); bytes that are not
    UTF-8 become U+FFFD, which the oracle then leaves out like any character it never saw."""
    from oracle.engine import MAX_PROMPT_BYTES

    source = getattr(stream, "buffer", None)
    if source is None:  # a text stream without bytes underneath (tests): still bounded
        text = stream.read(MAX_PROMPT_BYTES + 1)
        data = None
    else:
        data = source.read(MAX_PROMPT_BYTES + 1)
        text = data.decode("utf-8", "replace")
    if len(data if data is not None else text) > MAX_PROMPT_BYTES:
        raise OracleError(f"The question on standard input is longer than {MAX_PROMPT_BYTES >> 20} MB: ask a shorter one.")
    return text
