"""`oracle scripture`: write a whole sacred text to a file; the suffix picks the format.

Progress is a Rich bar on stderr when it is a terminal. Ctrl-C keeps every verse written (in the
output file and in the record under ORACLE_HOME/scriptures/); the same command with --resume goes
on, and the book it finishes is the one an uninterrupted run writes.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from oracle.cli.flags import add_setting_flags
from oracle.engine import (
    DEFAULT_TITLE,
    Composer,
    OracleError,
    Plan,
    Sizes,
    check_output,
    parse_themes,
    parse_voices,
    regenerate_or_resume,
    specs,
    store,
)
from oracle.engine import ScriptureProgress as Progress
from oracle.engine import write_scripture as write
from oracle.visible import visible


def add_scripture(sub, number) -> None:
    p = sub.add_parser("scripture", help="write a whole sacred text (books, chapters, numbered verses) to a file",
                       description="Write a scripture: the model writes book names, epigraphs and verses; the code numbers "
                                   "them. The output's suffix picks the format: .md, .html, .epub or .pdf.")
    p.add_argument("-o", "--output", required=True, metavar="FILE", help="where to write it (.md, .html, .epub or .pdf)")
    p.add_argument("--model", "-m", help="model name (default: the one in use, as for `oracle ask`)")
    p.add_argument("--seed", type=number(int, "--seed", 0), help="the same seed, model and settings give the same book "
                                                                  "(default: a new one, printed)")
    p.add_argument("--title", default=DEFAULT_TITLE, help=f"the scripture's title (default {DEFAULT_TITLE!r})")
    add_setting_flags(p, Sizes, defaults=Sizes())
    p.add_argument("--voice", action="append", default=[], metavar="[BOOK=]NAME:WEIGHT,...",
                   help="a book's blend of voices, e.g. --voice 1=kjv:0.7,dhammapada:0.3 --voice 2=jargon "
                        "(no BOOK=: every book; names as `oracle models show` lists them)")
    p.add_argument("--theme", action="append", default=[], metavar="[[BOOK:]CHAPTER=]WORDS",
                   help="words the verses lean towards: for every chapter, e.g. --theme 'the sea', or for one: "
                        "--theme 3='the sea' (chapter 3 of every book) or --theme 2:3='the sea'")
    p.add_argument("--resume", action="store_true", help="go on with the scripture these settings began, where it stopped")
    p.set_defaults(func=run_scripture)


def run_scripture(args) -> int:
    output = check_output(Path(args.output))  # before any verse: a bad path must not cost a book's time
    name = args.model or store.active_name()
    if name is None:
        raise OracleError("There is no model yet: train one with `oracle train FILE --name NAME`.")
    sizes = Sizes(**{field: getattr(args, field) for field in specs(Sizes)}).validate()
    seed = args.seed
    if seed is None:
        import secrets

        seed = secrets.randbelow(2**31)
    plan = Plan(name, seed, args.title, sizes, parse_voices(args.voice, sizes.books), parse_themes(args.theme))
    oracle = store.load(name)
    scripture = regenerate_or_resume(oracle, plan, args.resume)
    composer = Composer(oracle, scripture)
    try:
        with _progress(scripture) as report:
            composer.report = report
            composer.run()
    except KeyboardInterrupt:
        write(scripture, output)
        sys.stderr.write(f"oracle: stopped after {scripture.verses_written()} of {scripture.total_verses()} verses, "
                         f"kept in {visible(str(output))}; run the same command with --resume to go on.\n")
        return 130
    write(scripture, output)
    sys.stderr.write(f"oracle: wrote {visible(str(output))}: {scripture.verses_written()} verses, seed {seed}"
                     + (f"; corpora not checked for copies: {', '.join(scripture.unchecked)}" if scripture.unchecked else "")
                     + ".\n")
    return 0


class _progress:
    """A Rich progress bar (book, chapter, verse, ETA) when stderr is a terminal; nothing otherwise."""

    def __init__(self, scripture) -> None:
        self.scripture = scripture
        self.bar: Any = None  # a Rich progress bar on a terminal

    def __enter__(self):
        if not sys.stderr.isatty():
            return lambda event: None
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeRemainingColumn
        from rich.progress import Progress as Bar

        self.bar = Bar(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                       console=Console(stderr=True), transient=True)
        self.bar.__enter__()
        task = self.bar.add_task("reading the corpora", total=self.scripture.total_verses(), completed=self.scripture.verses_written())

        def report(event) -> None:
            if isinstance(event, Progress):
                where = f"book {event.book} · chapter {event.chapter} · " + (f"verse {event.verse}" if event.verse else "epigraph")
                self.bar.update(task, completed=event.done, description=where)

        return report

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)
