"""Typed model metadata: built from the checked meta.json / checkpoint.json and written back without
losing what this version does not know (fields other features or a newer Oracle add)."""

from __future__ import annotations

import json
from dataclasses import replace

from oracle.engine import store
from oracle.engine.store.records import CheckpointPointer, FileRef, ModelMeta, Shape

# Fields this version does not know, at every level a record reads.
EXTRA = {"future_field": {"kept": [1, 2.5, None]}}


def add_unknown_fields(folder) -> dict:
    path = folder / "meta.json"
    meta = json.loads(path.read_text("utf-8"))
    meta.update(EXTRA)
    meta["config"]["future_knob"] = 3
    meta["corpora"][0]["future_note"] = "kept"
    meta["metrics"][-1]["future_metric"] = 0.25
    meta["best"]["future_best"] = True
    path.write_text(json.dumps(meta), "utf-8")
    return meta


def assert_unknown_fields_kept(meta: dict) -> None:
    assert meta["future_field"] == EXTRA["future_field"]
    assert meta["config"]["future_knob"] == 3 and meta["corpora"][0]["future_note"] == "kept"
    assert meta["metrics"][-1]["future_metric"] == 0.25 and meta["best"]["future_best"] is True


def test_a_model_reads_typed_and_writes_back_the_same_document(tiny_model):
    entry = store.find(tiny_model)
    info = entry.info
    assert info.model_config.hidden_size == 32 and info.recipe_name == "test" and info.corpus_names == ["my-proverbs"]
    assert info.best.weights is None and info.weights.file == entry.meta["weights"]["file"]
    assert info.metrics[-1].step == entry.meta["metrics"][-1]["step"] and info.voice_names == []
    assert info.to_dict() == entry.meta
    # A field set to None stays out if the file never had it; one the file had is written as null.
    assert "copied_from" not in replace(info, copied_from=None).to_dict()
    assert replace(info, words=None).to_dict()["words"] is None


def test_unknown_fields_survive_rename_copy_export_and_import(tiny_model, tmp_path):
    add_unknown_fields(store.user_dir(tiny_model))
    assert store.find(tiny_model).info.extra["future_field"] == EXTRA["future_field"]
    store.rename(tiny_model, "renamed")
    renamed = json.loads((store.user_dir("renamed") / "meta.json").read_text("utf-8"))
    assert renamed["name"] == "renamed"
    assert_unknown_fields_kept(renamed)

    store.copy("renamed", "copied")
    copied = store.find("copied").meta
    assert copied["copied_from"] == "renamed" and copied["name"] == "copied"
    assert_unknown_fields_kept(copied)

    exported = store.export("copied", tmp_path)
    store.import_(exported, "imported")
    imported = store.find("imported").meta
    assert imported["name"] == "imported" and imported["weights"]["sha256"] == copied["weights"]["sha256"]
    assert_unknown_fields_kept(imported)
    assert "".join(store.load("imported").ask("wisdom", seed=1))  # and it still loads and answers


def test_the_checkpoint_pointer_reads_typed(tiny_model):
    folder = store.user_dir(tiny_model)
    raw = json.loads((folder / "checkpoint.json").read_text("utf-8"))
    pointer, tensors, state = store.read_checkpoint(folder)
    assert isinstance(pointer, CheckpointPointer) and tensors and "optimizer" in state
    assert (pointer.epoch, pointer.step, pointer.world) == (raw["epoch"], raw["step"], raw["world"])
    assert pointer.state.file == raw["state"]["file"] and pointer.model_config.hidden_size == 32
    assert pointer.to_dict() == raw


def test_a_model_made_in_code_writes_only_what_it_has():
    shape = Shape(vocab_size=2, hidden_size=4, num_layers=1, embed_dim=3, dropout=0.0, one_hot=False)
    meta = ModelMeta(config=shape, vocab="ab", weights=FileRef("weights-1.safetensors", "0" * 64))
    assert meta.to_dict() == {"config": {"vocab_size": 2, "hidden_size": 4, "num_layers": 1, "embed_dim": 3, "dropout": 0.0,
                                         "one_hot": False}, "vocab": "ab",
                              "weights": {"file": "weights-1.safetensors", "sha256": "0" * 64}}



def test_the_run_state_is_saved_and_loaded_symmetrically(tiny_model):
    from oracle.engine.train.run_state import RunState

    folder = store.user_dir(tiny_model)
    raw = json.loads((folder / "checkpoint.json").read_text("utf-8"))
    pointer, _, _ = store.read_checkpoint(folder)
    state = RunState.from_pointer(pointer, ["oracle", "train", "--resume", tiny_model], [])
    assert state.commands[-1] == ["oracle", "train", "--resume", tiny_model] and state.step == raw["step"] > 0
    saved = state.pointer_fields(raw["elapsed"])
    # What from_pointer read, pointer_fields writes back as it was (the resume's own command added).
    assert {**saved, "commands": saved["commands"][:-1]} == {k: raw[k] for k in saved}
    assert RunState.from_pointer(replace(pointer, commands=tuple(map(tuple, saved["commands"]))), [], []).commands[:-1] \
        == saved["commands"]
