"""A model's best sample that is a word or two before blank space ("a" and 199 spaces: a model
trained for a minute) says it is short, on the command line and on the Models screen, instead of
showing "a" as if it were the model's best."""

from __future__ import annotations

import json

import pytest

from oracle.cli.entry import main
from oracle.engine import figures
from oracle.tui.app import make_app
from tests.tui.conftest import wait_until


def test_a_short_sample_says_it_is_short_and_a_real_one_is_shown_as_it_is():
    assert figures.sample("a" + " " * 199) == "a (only 1 word(s) in 200 characters: the model has not learnt to write on yet)"
    assert figures.sample("the fear of the lord\nis wisdom") == "the fear of the lord ⏎ is wisdom"
    assert figures.sample("   ") == "(3 blank characters: the model has not learnt words yet)"


def _shorten_best_sample(oracle_home, name: str) -> None:
    meta_path = oracle_home / "models" / name / "meta.json"
    meta = json.loads(meta_path.read_text())
    meta["best"]["sample"] = "a" + " " * 199
    meta_path.write_text(json.dumps(meta))


def test_models_show_says_a_short_best_sample_is_short(tiny_model, oracle_home, capsys):
    _shorten_best_sample(oracle_home, tiny_model)
    assert main(["models", "show", tiny_model]) == 0
    assert "a (only 1 word(s) in 200 characters" in capsys.readouterr().out


@pytest.mark.asyncio
async def test_the_models_screen_says_a_short_best_sample_is_short(tiny_model, oracle_home):
    _shorten_best_sample(oracle_home, tiny_model)
    app = make_app(pace=0, start="models")
    async with app.run_test(size=(120, 40)) as pilot:
        def details() -> str:
            return " ".join(str(w.visual) for w in app.screen.query("Static") if "best sample" in str(w.visual))

        await wait_until(pilot, lambda: "only 1 word(s)" in details(), what="the short sample explained")
