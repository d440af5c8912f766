"""The settings schema: every setting is declared once, and every face takes it from there."""

from __future__ import annotations

import pytest

from oracle.cli.entry import build_parser, main
from oracle.engine import Recipe, SampleSettings
from oracle.engine.schema import SettingError, cli_flag, specs

ALL = [(cls, name, spec) for cls in (Recipe, SampleSettings) for name, spec in specs(cls).items()]
IDS = [f"{cls.__name__}.{name}" for cls, name, _ in ALL]


def _flags(command: str) -> set[str]:
    sub = next(a for a in build_parser()._actions if a.dest == "command").choices[command]
    return {option for action in sub._actions for option in action.option_strings}


@pytest.mark.parametrize(("cls", "name", "spec"), ALL, ids=IDS)
def test_every_setting_has_a_flag_a_label_help_and_bounds(cls, name, spec):
    assert spec.label and spec.help
    assert cli_flag(name, spec) in _flags("train" if cls is Recipe else "ask")
    if spec.kind in (int, float):
        assert spec.low is not None and spec.high is not None, "numbers need both bounds"
    if spec.kind is str:
        assert spec.choices, "text settings are choices"
    spec.check(name, getattr(cls(), name))  # the default obeys its own rule


@pytest.mark.parametrize(("cls", "name", "spec"), [row for row in ALL if row[2].kind in (int, float)],
                         ids=[i for i, row in zip(IDS, ALL) if row[2].kind in (int, float)])
def test_values_past_either_bound_are_refused_with_the_label(cls, name, spec):
    step = 1 if spec.kind is int else 1e-9
    for bad in (spec.low - step, spec.high + step * max(1, abs(spec.high))):
        with pytest.raises(SettingError) as caught:
            cls(**{name: spec.kind(bad)}).validate()
        assert caught.value.name == name and str(caught.value).lower().startswith(spec.label.lower())


def test_each_face_words_the_same_error_in_its_own_vocabulary(capsys):
    with pytest.raises(SettingError) as caught:
        Recipe(hidden_size=0).validate()
    assert str(caught.value) == "Hidden units 0 must be a whole number from 1 to 16,384."  # the app's words
    assert "--" not in str(caught.value)
    assert main(["train", "x.txt", "--name", "n", "--hidden-size", "0"]) == 2
    assert "--hidden-size 0 must be a whole number from 1 to 16,384." in capsys.readouterr().err


def test_parsing_names_the_setting_and_what_was_typed():
    spec = specs(Recipe)["lr"]
    with pytest.raises(SettingError, match=r"Learning rate 'fast' is not a number\."):
        spec.parse("lr", "fast")
    assert spec.parse("lr", " 0.002 ") == 0.002
    with pytest.raises(SettingError, match="must be one of: auto, cpu, cuda"):
        specs(Recipe)["device"].parse("device", "tpu")
    with pytest.raises(SettingError, match="nan"):
        spec.parse("lr", "nan")


def test_no_engine_message_names_a_command_line_flag_or_command():
    """The engine says what is wrong and names a remedy by key; only the CLI words it with flags."""
    import re
    from pathlib import Path

    import oracle.engine
    from oracle.cli.remedies import CLI_REMEDIES
    from oracle.engine.errors import PLAIN_REMEDIES

    engine = Path(oracle.engine.__file__).parent
    leaks = []
    for source in sorted(engine.glob("*.py")):
        for number, line in enumerate(source.read_text("utf-8").splitlines(), 1):
            code = line.split("#")[0]
            if "Error(" in code and re.search(r"(--[a-z]|`oracle )", code):
                leaks.append(f"{source.name}:{number}: {line.strip()}")
    assert not leaks, "\n".join(leaks)
    assert set(CLI_REMEDIES) == set(PLAIN_REMEDIES)  # every remedy has words in both faces
    assert not any("--" in words or "oracle " in words for words in PLAIN_REMEDIES.values())


def test_the_same_error_reads_with_flags_in_the_shell_and_plainly_in_the_engine(tmp_path, capsys, oracle_home):
    from oracle.engine import OracleError, Recipe, Trainer

    corpus = tmp_path / "tiny.txt"
    corpus.write_text("a small text " * 4, "utf-8")
    with pytest.raises(OracleError) as caught:
        Trainer("t", [str(corpus)], Recipe(seq_len=64, hidden_size=8, embed_dim=4, num_layers=1, epochs=1)).run()
    assert "shorter sequence length" in str(caught.value)
    assert main(["train", str(corpus), "--name", "t", "--seq-len", "64", "--hidden-size", "8", "--layers", "1"]) == 2
    assert "a shorter --seq-len." in capsys.readouterr().err
