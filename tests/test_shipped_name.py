"""Issue 27, point 2: no path hides the shipped default. A model of one's own can never take the
name of a shipped one (rename, copy, import, train), and one made so by an earlier version is moved
aside to NAME-yours, whole."""

from __future__ import annotations

import json
import shutil

import pytest
from conftest import TINY_RECIPE

from oracle.cli.entry import main
from oracle.engine import OracleError, Recipe, Trainer, store
from oracle.engine.io import paths
from oracle.engine.store import registry


@pytest.fixture
def shipped(tiny_model, oracle_home, tmp_path, monkeypatch) -> str:
    """The tiny model, shipped as `default` in a shipped-models folder of this test's own."""
    folder = tmp_path / "shipped" / "default"
    shutil.copytree(oracle_home / "models" / tiny_model, folder)
    meta = json.loads((folder / "meta.json").read_text("utf-8"))
    (folder / "meta.json").write_text(json.dumps({**meta, "name": "default"}), "utf-8")
    (folder / "checkpoint.json").unlink(missing_ok=True)
    monkeypatch.setattr(paths, "shipped_models_dir", lambda: tmp_path / "shipped")
    return "default"


def names() -> list[tuple[str, bool]]:
    return [(e.name, e.shipped) for e in store.list_models()]


@pytest.mark.parametrize("argv", [["models", "rename", "tiny", "default"], ["models", "rename", "tiny", "default", "--force"],
                                  ["models", "copy", "tiny", "default"], ["models", "copy", "default", "default", "--force"]])
def test_rename_or_copy_to_the_shipped_name_is_refused_in_one_sentence(capsys, shipped, argv):
    before = names()
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert "'default' is the name of the oracle shipped with Oracle" in err and "choose another name" in err
    assert err.count("\n") == 1 and "Traceback" not in err and out == ""
    assert names() == before and ("default", True) in before


def test_import_as_the_shipped_name_is_refused_and_another_name_works(capsys, shipped, tmp_path):
    export = tmp_path / "default.oracle"
    assert main(["models", "export", "default", str(export)]) == 0
    for argv in (["models", "import", str(export)], ["models", "import", str(export), "--force"]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert f"The model in {export} is called 'default'" in err and "pass --name NEW" in err, err
    assert main(["models", "import", str(export), "--name", "default", "--force"]) == 2
    assert "choose another name" in capsys.readouterr().err
    assert main(["models", "import", str(export), "--name", "mine"]) == 0
    assert ("default", True) in names() and ("mine", False) in names()


def test_training_under_the_shipped_name_is_refused_before_anything_is_written(shipped, tiny_corpus, oracle_home):
    with pytest.raises(OracleError, match="shipped with Oracle"):
        Trainer("default", [str(tiny_corpus)], Recipe(**TINY_RECIPE))
    assert not (oracle_home / "models" / "default").exists()


def test_a_user_model_left_under_the_shipped_name_is_moved_aside_whole(shipped, oracle_home):
    shutil.copytree(oracle_home / "models" / "tiny", oracle_home / "models" / "default")  # as an earlier version allowed
    registry._swept.discard(registry.models_root())  # a new process
    assert ("default", True) in names() and ("default-yours", False) in names()
    assert store.load("default-yours").name == "default-yours"
