"""Issue 27, point 12: no `.NAME.lock` outlives its model, `oracle --help` says where the data goes,
and an export is offered in Documents or ORACLE_HOME/exports, never the working folder."""

from __future__ import annotations

import fcntl
import os

import pytest

from oracle.cli.entry import main
from oracle.engine import store
from oracle.engine.io import locks, paths
from oracle.engine.store import registry


def lock_files(home) -> list[str]:
    return sorted(f for f in os.listdir(home / "models") if f.endswith(".lock"))


def test_no_lock_file_outlives_a_deleted_or_renamed_model(tiny_model, oracle_home, capsys):
    store.copy(tiny_model, "second")
    assert main(["models", "rm", "second", "--yes"]) == 0
    assert main(["models", "rename", tiny_model, "third"]) == 0
    assert ".second.lock" not in lock_files(oracle_home) and f".{tiny_model}.lock" not in lock_files(oracle_home)
    assert [e.name for e in store.list_models() if not e.shipped] == ["third"]


def test_lock_files_left_by_an_earlier_version_are_cleared_at_start(tiny_model, oracle_home):
    for name in ("gone", tiny_model):
        (oracle_home / "models" / f".{name}.lock").touch()
    registry._swept.discard(registry.models_root())  # a new process
    store.list_models()
    assert lock_files(oracle_home) == [f".{tiny_model}.lock"]  # the one of a model there is stays


def test_a_lock_taken_on_a_file_deleted_meanwhile_is_taken_again_on_the_new_one(tmp_path, monkeypatch):
    folder = tmp_path / "models" / "m"
    folder.parent.mkdir()
    stale = open(locks.lock_path(folder), "a+")  # opened by a writer just before the model was deleted
    with locks.locked(folder):
        locks.forget_lock(folder)
    opened = iter([stale])
    real_open = open
    monkeypatch.setattr(locks, "open", lambda *a: next(opened, None) or real_open(*a), raising=False)
    with locks.locked(folder):
        other = real_open(locks.lock_path(folder), "a+")
        with pytest.raises(BlockingIOError):  # a third writer is kept out: the lock is on the file the path names
            fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
        other.close()
    stale.close()


def test_help_says_where_the_data_goes(capsys, oracle_home, monkeypatch):
    assert main(["--help"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert f"kept in {oracle_home} (ORACLE_HOME)" in out
    monkeypatch.delenv("ORACLE_HOME")
    monkeypatch.setenv("XDG_DATA_HOME", str(oracle_home.parent / "xdg"))
    assert main(["--help"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert f"kept in {oracle_home.parent / 'xdg' / 'oracle'} (this platform's data folder; set ORACLE_HOME to move it)" in out
    assert not (oracle_home.parent / "xdg").exists()  # saying where creates nothing


def test_exports_go_to_documents_else_the_homes_exports_folder(oracle_home, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "user"))
    monkeypatch.delenv("XDG_DOCUMENTS_DIR", raising=False)
    (tmp_path / "user").mkdir()
    assert paths.exports_dir() == oracle_home / "exports" and (oracle_home / "exports").is_dir()
    (tmp_path / "user" / "Documents").mkdir()
    assert paths.exports_dir() == tmp_path / "user" / "Documents"


def test_a_crash_in_the_app_is_not_exit_status_0(monkeypatch, capsys):
    """Issue 27, 1: the shell got exit code 0 after the app died."""
    from textual.app import App

    from oracle.tui import app as app_module

    class Crashing(app_module.OracleApp):
        CSS_PATH = os.path.join(os.path.dirname(app_module.__file__), "oracle.tcss")

        def on_mount(self) -> None:  # Textual runs OracleApp's own on_mount too
            self.set_timer(0.5, self.bug)  # once the screens are up, as a bug in a key's action would

        def bug(self) -> None:
            raise RuntimeError("a bug")

    monkeypatch.setattr(app_module, "make_app", lambda: Crashing(pace=0))
    monkeypatch.setattr(Crashing, "run", lambda self: App.run(self, headless=True))
    assert app_module.run_app() == 1
    assert "a bug" in capsys.readouterr().err
