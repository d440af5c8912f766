"""`oracle models ...`: list, show, use, rename, copy, delete, export and import oracles."""

from __future__ import annotations

import shlex
import sys
from collections.abc import Callable
from pathlib import Path

from oracle.cli.tables import Column, fit, print_table
from oracle.engine import OracleError, corpus_origin, figures, store
from oracle.visible import json_text, visible


def add_models(sub) -> None:
    p = sub.add_parser("models", help="list and manage your oracles", description="List and manage your oracles.")
    msub = p.add_subparsers(dest="action", metavar="ACTION", parser_class=type(p))
    p.set_defaults(func=lambda args: _list(args) if args.action is None else None, json=False)
    a = msub.add_parser("list", help="list models (newest first; the shipped default last)")
    a.add_argument("--json", action="store_true", help="machine-readable output")
    a.set_defaults(func=_list)
    a = msub.add_parser("show", help="show a model's metadata and metrics")
    a.add_argument("name")
    a.add_argument("--json", action="store_true", help="print the full metadata as JSON")
    a.set_defaults(func=_show)
    a = msub.add_parser("use", help="make NAME the model `oracle ask` and the app use")
    a.add_argument("name")
    a.set_defaults(func=lambda args: _done(f"{args.name} is now the active oracle.", store.set_active, args.name))
    a = msub.add_parser("rename", help="rename a model")
    a.add_argument("old")
    a.add_argument("new")
    a.add_argument("--force", action="store_true", help="replace an existing model called NEW")
    a.set_defaults(func=lambda args: _done(f"Renamed {args.old} to {args.new}.", store.rename, args.old, args.new, args.force))
    a = msub.add_parser("copy", help="copy a model (e.g. the shipped default) to a new user model")
    a.add_argument("source")
    a.add_argument("dest")
    a.add_argument("--force", action="store_true")
    a.set_defaults(func=lambda args: _done(f"Copied {args.source} to {args.dest}.", store.copy, args.source, args.dest, args.force))
    a = msub.add_parser("rm", help="delete a model (asks first unless --yes)")
    a.add_argument("name")
    a.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")
    a.set_defaults(func=_rm)
    a = msub.add_parser("export", help="write a model to one .oracle file another machine can import")
    a.add_argument("name")
    a.add_argument("file", type=Path)
    a.add_argument("--force", action="store_true", help="overwrite FILE")
    a.set_defaults(func=lambda args: _done(f"Exported {args.name} to {store.export(args.name, args.file, args.force)}."))
    a = msub.add_parser("import", help="import a .oracle file")
    a.add_argument("file", type=Path)
    a.add_argument("--name", help="name for the imported model (default: its own)")
    a.add_argument("--force", action="store_true", help="replace an existing model of that name")
    a.set_defaults(func=lambda args: _done(f"Imported {store.import_(args.file, args.name, args.force)}."))


def say(line: str) -> None:
    """Print a line whose values come from a model's files: never a raw control character."""
    print(visible(line))


def _done(message: str, act: Callable[..., object] | None = None, *args: object) -> int:
    """Do `act(*args)` (the store says why in one sentence if it cannot), then say `message`."""
    if act is not None:
        act(*args)
    print(message)
    return 0


def _list(args) -> int:
    entries = store.list_models()
    active = store.active_name()
    if args.json:  # a readable model's summary, an unreadable one's name and error; each says whether it is in use
        say(json_text([{**(e.summary().as_json() if e.error is None else {"name": e.name, "error": e.error}),
                        "active": e.name == active} for e in entries]))
        return 0
    if not entries:
        say("No models yet: train one with `oracle train FILE --name NAME`.")
        return 0
    columns = [Column(""), Column("name", style="bold cyan"), Column("corpora", width=30), Column("params", right=True),
               Column("val bpc", right=True, style="green"), Column("trained", right=True), Column("created"),
               Column("size", right=True)]
    table = []
    for e in entries:
        mark = "●" if e.name == active else ""
        if e.error is not None:
            table.append([mark, e.name, visible(f"unreadable: {e.error}"), "", "", "", "", ""])
            continue
        s = e.summary()
        name = s.name + (" (shipped)" if s.shipped else "")
        table.append([mark, name, visible(", ".join(s.corpora)), figures.count(s.parameters),
                      figures.bpc(s.best_val_bpc), figures.duration(s.training_seconds),
                      figures.created(s.created), figures.size(s.size_bytes)])
    print_table(columns, table, caption="● in use: `oracle ask` and the app answer with it (`oracle models use NAME` changes it)")
    return 0


def _show(args) -> int:
    entry = store.find(args.name)
    if args.json:
        say(json_text(entry.meta))
        return 0
    meta = entry.model
    cfg = meta.model_config
    say(f"{entry.name}{' (shipped default)' if entry.shipped else ''}  —  {entry.path}")
    say(f"  model: {cfg.num_layers}x{cfg.hidden_size} LSTM, vocabulary {cfg.vocab_size}, "
        f"{figures.count_exact(meta.parameters)} parameters, {'lowercased' if meta.lowercase else 'case kept'}")
    say(f"  recipe: {meta.recipe_name}, trained {figures.duration(meta.training_seconds)} on {meta.device}, created {meta.created}")
    for c in meta.corpora:
        say(f"  corpus {c.name}: {c.chars:,} chars, weight {c.weight}, {corpus_origin(c.name, c.path, c.sha256)}, sha256 {c.sha256[:12]}…")
    voices = meta.voice_names
    if voices:
        say(f"  voices: {', '.join(voices)} (and any voice): blend them with `oracle ask --voice {voices[0]}:0.7,{voices[-1]}:0.3`")
    else:
        say("  voices: none (trained on a single source or without voices)")
    if (words := _words_line(entry.name)) is not None:
        say(words)
    for m in meta.metrics:
        # Any figure may be null (a run stopped before it had one, an imported file): "-", never a crash.
        val = "-" if m.val_loss is None else f"{m.val_loss:.3f} nats ({_figure(m.val_bpc)} bits)"
        say(f"  epoch {m.epoch:>3}{' (partial)' if m.partial else '':<10} train {_figure(m.train_loss)}  validation {val}")
    if meta.command:
        say(f"  command: {shlex.join(str(part) for part in meta.command)}")
    sample = meta.best.sample if meta.best else None
    if sample is not None:
        say(f"  sample (T=0.5): {fit(figures.sample(sample), 160)}")
    return 0


def _words_line(name: str) -> str | None:
    """The word list and the memory its trie takes (bounded by a budget: the rarest words are left out)."""
    try:
        oracle = store.load(name)
        lexicon = oracle.lexicon
    except OracleError:
        return None  # the metadata above is still worth showing
    if lexicon is None:
        return f"  words: none ({oracle.words_notice})"
    return (f"  words: {len(oracle.words):,} in its list; the speller's trie holds the {lexicon.kept:,} most frequent, "
            f"{lexicon.bytes / 2**20:.1f} MB of its {lexicon.budget >> 20} MB budget")


def _figure(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _rm(args) -> int:
    entry = store.find(args.name, readable=False)
    if entry.shipped:
        raise OracleError(f"{args.name!r} is the shipped default and cannot be deleted.")
    if not args.yes:
        if not sys.stdin.isatty():
            raise OracleError(f"Deleting {args.name!r} needs confirmation: pass --yes to delete without asking.")
        answer = input(f"Delete model {args.name!r} ({entry.path})? [y/N] ").strip().lower()
        if answer not in ("y", "yes"):
            print("Kept it.")
            return 0
    store.delete(args.name)
    print(f"Deleted {args.name}.")
    return 0
