"""`oracle eye MODEL TEXT`: the text coloured by what one LSTM unit does on each character.

Without --unit it shows the unit the feature search found most telling on this very text.
--find lists the best units per feature; --json gives the numbers; --html writes a page to share.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from oracle.engine import (
    KINDS,
    LONGEST,
    OracleError,
    best,
    hex_colour,
    html_page,
    ink,
    legend_stops,
    look,
    normalise,
    parse_blend,
    read_text,
    search,
    store,
    too_short,
    unsearched,
    write_html,
)
from oracle.visible import json_text, visible


def add_eye(sub, number) -> None:
    p = sub.add_parser("eye", help="look inside a model: colour a text by what one LSTM unit does",
                       description="Run a text through MODEL and colour each character by one unit's value "
                                   "(-1 blue, 0 grey, +1 red). Layers count from 1 (the bottom one), units from 0.")
    p.add_argument("model", help="model name (see `oracle models`)")
    p.add_argument("text", nargs="?", help="the text to look at; read from --file or stdin when left out")
    p.add_argument("--file", "-f", type=Path, help="read the text from this file")
    p.add_argument("--encoding", default="utf-8", help="the file's text encoding (default utf-8)")
    p.add_argument("--unit", "-u", type=_unit_arg, help="LAYER:UNIT to show, e.g. 2:41 (default: the unit most "
                                                         "correlated with a feature of this text)")
    p.add_argument("--kind", "-k", choices=KINDS, help="which value of the unit: cell state, hidden state, or a gate "
                                                       "(default: cell, or the kind the search found)")
    p.add_argument("--find", action="store_true", help="list the units most correlated with each feature of the text")
    p.add_argument("--top", type=number(int, "--top", 1), default=1, help="units listed per feature with --find (default 1)")
    p.add_argument("--json", action="store_true", help="print numbers instead: one row per character")
    p.add_argument("--all-units", action="store_true", help="with --json: every unit of every layer in each row")
    p.add_argument("--html", type=Path, metavar="FILE", help="write a self-contained HTML page of the coloured text")
    p.add_argument("--voice", metavar="NAME:WEIGHT,...", help="a voiced model reads in this blend of its voices "
                                                            "(as `oracle ask --voice`; default: any voice)")
    p.set_defaults(func=run_eye)
    p.__class__ = _intermixed(type(p))


def _intermixed(base):
    """The eye's parser reads options anywhere, also between MODEL and TEXT (`eye default --unit 2:1 "text"`):
    plain argparse binds both positionals at the first one and would refuse the text as extra."""

    class Intermixed(base):
        _inside = False

        def parse_known_args(self, args=None, namespace=None):
            if self._inside:  # parse_known_intermixed_args calls back in here, twice
                return super().parse_known_args(args, namespace)
            self._inside = True
            try:
                return self.parse_known_intermixed_args(args, namespace)
            finally:
                self._inside = False

    return Intermixed


def _unit_arg(text: str) -> tuple[int, int]:
    import argparse

    layer, sep, unit = text.partition(":")
    try:
        if not sep:
            raise ValueError
        return int(layer) - 1, int(unit)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--unit {text!r} must be LAYER:UNIT, e.g. 2:41 (layers count from 1, units from 0)") from None


def _read_input(args) -> str:
    if args.text is not None and args.file is not None:
        raise OracleError("Give the text either as an argument or with --file, not both.")
    if args.file is not None:
        return read_text(args.file, args.encoding)
    if args.text is not None:
        return args.text
    if sys.stdin.isatty():
        sys.stderr.write("Type or paste the text, then press Ctrl-D:\n")
    # Read to a cap (stdin may be /dev/zero or a pipe that never ends): past LONGEST characters the
    # eye does not look anyway. Bytes that are not UTF-8 become U+FFFD, as for `ask`.
    source = getattr(sys.stdin, "buffer", None)
    if source is None:
        return sys.stdin.read(LONGEST + 1)
    return source.read(4 * LONGEST + 4).decode("utf-8", "replace")


def run_eye(args) -> int:
    text = _read_input(args)
    if len(text) > LONGEST:
        sys.stderr.write(f"oracle: the eye reads the first {LONGEST:,} characters of the text.\n")
        text = text[:LONGEST]
    oracle = store.load(args.model)
    voice = None
    if args.voice is not None:
        voice = oracle.voice_weights(normalise(parse_blend(args.voice), oracle.voices))
    started = time.perf_counter()
    acts = look(oracle, text, voice)
    seconds = time.perf_counter() - started
    if acts.notice:
        sys.stderr.write(f"oracle: {acts.notice}.\n")
    if not acts.text:
        raise OracleError(f"The text holds no character {args.model} knows: give it text in the language it was trained on.")
    found = search(acts, top=args.top, kinds=(args.kind,) if args.kind and not args.unit else KINDS)
    layer, unit, kind, why = _choose(args, found, acts.text)
    acts.unit(layer, unit, kind)  # one clear sentence for a layer or unit the model does not have
    if args.json:
        print(json_text(_as_json(args, acts, found, layer, unit, kind, seconds), indent=None))
        return 0
    title = f"{args.model} · layer {layer + 1} unit {unit} · {kind}"
    if args.html:
        if not args.html.parent.is_dir():
            raise OracleError(f"The folder {args.html.parent} does not exist: create it, or write the page somewhere else.")
        write_html(args.html, html_page(acts.text, acts.unit(layer, unit, kind), title, why))
        sys.stderr.write(f"Wrote {args.html}.\n")
    else:
        _print_coloured(acts, layer, unit, kind, title, why)
    if args.find:
        short = too_short(acts.text)
        if short:  # one sentence, not a table of correlations that mean nothing
            print(short)
        else:
            _print_found(found, unsearched(acts.text))
    return 0


def _choose(args, found, text: str) -> tuple[int, int, str, str]:
    if args.unit:
        return args.unit[0], args.unit[1], args.kind or "cell", ""
    top = best(found)
    if top is None:
        short = too_short(text)
        why = "too short a text to find features in" if short else "no feature comes and goes often enough in this text"
        return 0, 0, args.kind or "cell", f"{why}: showing the first unit"
    return top.layer, top.unit, top.kind, f"the unit most correlated with '{top.feature}' in this text (r = {top.r:+.2f})"


def _print_coloured(acts, layer: int, unit: int, kind: str, title: str, why: str, console=None) -> None:
    from rich.console import Console
    from rich.text import Text

    console = console or Console(highlight=False)
    console.print(Text(visible(title), style="bold"))
    if why:
        console.print(Text(visible(why), style="dim"))
    shown = Text()
    for ch, value in zip(acts.text, acts.unit(layer, unit, kind)):
        shown.append(visible(ch), style=f"{ink(value)} on {hex_colour(value)}" if ch != "\n" else "")
    console.print(shown)
    legend = Text("scale ")
    for value in legend_stops():
        legend.append(f" {value:+.2f} ", style=f"{ink(value)} on {hex_colour(value)}")
    console.print(legend)


def _print_found(found, why: dict[str, str]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="Units that track each feature (Pearson r over this text)", title_justify="left")
    for column in ("feature", "layer:unit", "kind", "r"):
        table.add_column(column, justify="right" if column == "r" else "left")
    for name, hits in found.items():
        if not hits:
            table.add_row(name, "-", "-", why.get(name, "not in this text"), style="dim")
        for i, hit in enumerate(hits):
            table.add_row(name if i == 0 else "", f"{hit.layer + 1}:{hit.unit}", hit.kind, f"{hit.r:+.3f}")
    Console(highlight=False).print(table)


def _as_json(args, acts, found, layer: int, unit: int, kind: str, seconds: float) -> dict:
    rows = []
    for i, ch in enumerate(acts.text):
        row = {"i": i, "char": ch}
        row.update({k: round(float(acts.values[k][layer, i, unit]), 6) for k in KINDS})
        if args.all_units:
            row["units"] = {k: acts.values[k][:, i, :].round(6).tolist() for k in KINDS}
        rows.append(row)
    return {"model": args.model, "layer": layer + 1, "unit": unit, "kind": kind, "layers": acts.layers,
            "units_per_layer": acts.hidden, "seconds": round(seconds, 4), "notice": acts.notice,
            "features": {name: [hit.to_dict() for hit in hits] for name, hits in found.items()},
            "too_short": too_short(acts.text), "unsearched": unsearched(acts.text), "rows": rows}
