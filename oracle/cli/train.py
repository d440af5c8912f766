"""`oracle train`: train or resume an oracle from the shell, with a rich progress bar on stderr."""

from __future__ import annotations

import signal
import sys

from oracle.cli.flags import add_setting_flags
from oracle.cli.tables import Column, print_table
from oracle.engine import DESCRIPTIONS, RECIPES, Recipe, TrainingControl, bundled_corpora, get_recipe, specs


def add_train(sub, number) -> None:
    recipes = "; ".join(f"{name}: {DESCRIPTIONS[name]}" for name in RECIPES)
    p = sub.add_parser("train", help="train an oracle on text files, folders or bundled corpora",
                       description="Train an oracle. Each corpus is a UTF-8 text file, a folder of .txt files, or a "
                                   "bundled corpus name (see --list-corpora); add :WEIGHT to mix them, e.g. "
                                   "`oracle train kjv:2 devils-dictionary:1 notes.txt:0.5 --name mine`. The mix is "
                                   "sampled by weight, not concatenated.",
                       epilog=f"Recipes: {recipes}. Flags override the recipe. Ctrl-C saves and stops; "
                              "`oracle train --resume NAME` continues exactly where it stopped.")
    p.add_argument("corpora", nargs="*", metavar="CORPUS[:WEIGHT]", help="text file, folder of .txt files, or bundled corpus")
    p.add_argument("--name", help="name of the new model")
    p.add_argument("--recipe", default="default", help=f"preset: {', '.join(RECIPES)} (default: default)")
    p.add_argument("--resume", metavar="NAME", help="continue the run of model NAME from its last checkpoint")
    p.add_argument("--from", dest="init_from", metavar="MODEL", help="start from MODEL's weights (e.g. the shipped default)")
    p.add_argument("--force", action="store_true", help="replace an existing model of the same name")
    p.add_argument("--encoding", default="utf-8", help="text encoding of the corpus files (default utf-8)")
    recipe_group = p.add_argument_group("recipe settings", "each overrides the chosen recipe's value")
    add_setting_flags(recipe_group, Recipe)
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar or samples, only errors and the result")
    p.add_argument("--list-corpora", action="store_true", help="list the bundled corpora and exit")
    p.add_argument("--list-recipes", action="store_true", help="list the recipes and exit")
    p.set_defaults(func=run_train)


def run_train(args) -> int:
    from oracle.engine import OracleError

    if args.list_corpora:
        print_table([Column("name", style="bold cyan"), Column("chars", right=True), Column("description", wrap=True)],
                    [[c.name, f"{c.chars:,}", c.description] for c in bundled_corpora()],
                    caption="Use one by name, with a weight to mix: oracle train kjv:2 proverbs:1 --name NAME")
        return 0
    if args.list_recipes:
        print_table([Column("recipe", style="bold cyan"), Column("what it is", wrap=True)],
                    [[name, DESCRIPTIONS[name]] for name in RECIPES])
        return 0
    overrides = {name: getattr(args, name) for name in specs(Recipe)}
    from oracle.engine import distributed  # torch: only a training run pays for importing it

    distributed.init()
    rank = distributed.rank()
    try:
        return _train(args, overrides)
    except OracleError:
        if rank != 0:
            return 2  # under torchrun rank 0 says why, once; torchrun reports every rank's exit status
        raise
    finally:
        distributed.shutdown()  # also after a failure: a group left to the interpreter's teardown can abort it


def _train(args, overrides: dict) -> int:
    from oracle.cli.report import TrainReport  # rich's progress bar: only a training run draws it
    from oracle.engine import OracleError, Trainer, distributed  # torch: only a training run pays for it

    control = TrainingControl()
    report = TrainReport(quiet=args.quiet or distributed.rank() != 0)
    listen = report if distributed.rank() == 0 else (lambda event: None)  # under torchrun only rank 0 speaks
    if args.resume:
        if args.corpora:
            raise OracleError("--resume continues with the run's own corpora: leave out the corpus paths.")
        trainer = Trainer.resumed(args.resume, {k: v for k, v in overrides.items()
                                                if k in ("epochs", "max_minutes", "device", "checkpoint_minutes", "sample_length")},
                                  command=["oracle", *sys.argv[1:]], on_event=listen, control=control)
    else:
        if not args.name:
            raise OracleError("Name the new model with --name NAME (or continue one with --resume NAME).")
        if not args.corpora:
            raise OracleError("Give at least one corpus: a text file, a folder of .txt files, or a bundled corpus (see --list-corpora).")
        if args.init_from:
            _refuse_shape_flags(args, overrides)
        recipe = get_recipe(args.recipe).with_overrides(**overrides)
        options = dict(recipe_name=args.recipe, force=args.force, encoding=args.encoding, command=["oracle", *sys.argv[1:]],
                       on_event=listen, control=control)
        trainer = (Trainer.from_model(args.name, args.init_from, args.corpora, recipe, **options) if args.init_from
                   else Trainer.new(args.name, args.corpora, recipe, **options))

    def on_interrupt(signum, frame):
        if control.stopped:
            raise KeyboardInterrupt
        if distributed.rank() == 0:
            report.say("Stopping: saving a checkpoint (press Ctrl-C again to abort without saving)...")
        control.stop()

    previous = signal.signal(signal.SIGINT, on_interrupt)
    # SIGTERM (kill, a logout, a scheduler, or torchrun passing on Ctrl-C to its workers) is a stop
    # request too: the ranks agree to stop and rank 0 saves before exiting.
    previous_term = signal.signal(signal.SIGTERM, on_interrupt)
    # Closing the terminal sends SIGHUP: the same stop-and-save, not an exit that loses the last steps.
    previous_hup = signal.signal(signal.SIGHUP, on_interrupt)
    try:
        with report:
            trainer.run()
    finally:
        signal.signal(signal.SIGINT, previous)
        signal.signal(signal.SIGTERM, previous_term)
        signal.signal(signal.SIGHUP, previous_hup)
    return 0


# A model continued with --from keeps its own shape and alphabet: these settings cannot apply.
SHAPE_SETTINGS = ("hidden_size", "num_layers", "embed_dim", "one_hot", "voice_dim")


def _refuse_shape_flags(args, overrides: dict) -> None:
    from oracle.engine import OracleError, cli_flag, specs

    declared = specs(Recipe)
    given = [cli_flag(name, declared[name]) for name in SHAPE_SETTINGS if name in declared and overrides.get(name) is not None]
    if overrides.get("lowercase") is not None:
        given.append("--lowercase" if overrides["lowercase"] else "--no-lowercase")
    if given:
        raise OracleError(f"--from {args.init_from} keeps that model's size, layers and casing, so {', '.join(given)} cannot apply: "
                          "leave them out, or train a new model without --from.")
