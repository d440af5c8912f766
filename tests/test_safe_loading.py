"""Loading never runs code from a file, checks every weights file against its sha256, and refuses a
foreign or inconsistent import before writing anything.

The malicious files are real: a pickle whose unpickling creates a marker file. A control test shows
the payload does fire when unpickled the unsafe way, so the refusals below prove something.
"""

from __future__ import annotations

import io
import json
import pickle
from pathlib import Path

import pytest
import torch
from safetensors.torch import save as st_save

from oracle.cli.entry import main
from oracle.engine import store
from oracle.engine.errors import CorruptModel
from oracle.engine.io.readers import ReadRefused
from oracle.engine.store import transfer


class Payload:
    """Unpickling this calls open(marker, "w"): the marker file appearing means code ran."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


def plain_pickle(marker: Path) -> bytes:
    return pickle.dumps(Payload(marker))


def torch_pickle(marker: Path) -> bytes:
    buf = io.BytesIO()
    torch.save({"optimizer": Payload(marker)}, buf)
    return buf.getvalue()


@pytest.fixture
def marker(tmp_path) -> Path:
    return tmp_path / "pwned"


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under folder with its bytes: to prove nothing was written or changed."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def cli(argv, capsys) -> tuple[int, str]:
    rc = main(argv)
    err = capsys.readouterr().err
    return rc, err


def test_the_planted_payloads_are_live(marker):
    pickle.loads(plain_pickle(marker))
    assert marker.exists()
    marker.unlink()
    torch.load(io.BytesIO(torch_pickle(marker)), weights_only=False)
    assert marker.exists()


@pytest.mark.parametrize("make", [plain_pickle, torch_pickle], ids=["pickle", "torch.save"])
def test_a_pickle_planted_as_model_weights_is_refused_and_never_run(tiny_model, oracle_home, marker, make, capsys):
    folder = oracle_home / "models" / tiny_model
    meta = json.loads((folder / "meta.json").read_text())
    data = make(marker)
    (folder / meta["weights"]["file"]).write_bytes(data)
    meta["weights"]["sha256"] = store.sha256_bytes(data)  # the attacker also fixed the checksum
    (folder / "meta.json").write_text(json.dumps(meta))
    with pytest.raises(CorruptModel, match="not a readable safetensors file"):
        store.load(tiny_model)
    rc, err = cli(["ask", "hello", "-m", tiny_model], capsys)
    assert rc == 2 and meta["weights"]["file"] in err and "Traceback" not in err
    assert not marker.exists()


def test_a_pickle_planted_as_optimizer_state_is_refused_and_never_run(tiny_model, oracle_home, marker, capsys):
    folder = oracle_home / "models" / tiny_model
    pointer = json.loads((folder / "checkpoint.json").read_text())
    data = torch_pickle(marker)
    (folder / pointer["state"]["file"]).write_bytes(data)
    pointer["state"]["sha256"] = store.sha256_bytes(data)
    (folder / "checkpoint.json").write_text(json.dumps(pointer))
    with pytest.raises(CorruptModel, match="refused to unpickle"):
        store.read_checkpoint(folder)
    rc, err = cli(["train", "--resume", tiny_model, "--epochs", "2", "-q"], capsys)
    assert rc == 2 and "refused to unpickle" in err and err.count("\n") == 1
    assert not marker.exists()
    store.load(tiny_model)  # the model itself is untouched and still answers


def test_plain_tensors_that_are_not_a_runs_state_are_refused_by_name(tiny_model, oracle_home, capsys):
    folder = oracle_home / "models" / tiny_model
    pointer = json.loads((folder / "checkpoint.json").read_text())
    buf = io.BytesIO()
    torch.save({"optimizer": torch.zeros(1), "hidden": []}, buf)  # loads weights_only, but not what capture saves
    (folder / pointer["state"]["file"]).write_bytes(buf.getvalue())
    pointer["state"]["sha256"] = store.sha256_bytes(buf.getvalue())
    (folder / "checkpoint.json").write_text(json.dumps(pointer))
    rc, err = cli(["train", "--resume", tiny_model, "--epochs", "2", "-q"], capsys)
    assert rc == 2 and pointer["state"]["file"] in err and "does not hold a run's saved state" in err
    assert err.count("\n") == 1 and "Traceback" not in err
    store.load(tiny_model)  # the model itself is untouched and still answers


@pytest.mark.parametrize("make", [plain_pickle, torch_pickle], ids=["pickle", "torch.save"])
def test_a_pickle_planted_as_an_import_file_is_refused_before_anything_is_written(tiny_model, oracle_home, tmp_path, marker, make, capsys):
    planted = tmp_path / "gift.oracle"
    planted.write_bytes(make(marker))
    before = tree(oracle_home)
    with pytest.raises(CorruptModel, match="not an Oracle model export"):
        store.import_(planted)
    rc, err = cli(["models", "import", str(planted), "--name", "gift"], capsys)
    assert rc == 2 and str(planted) in err
    assert not marker.exists()
    assert tree(oracle_home) == before


def test_weights_that_do_not_match_their_sha256_are_reported(tiny_model, oracle_home, capsys):
    folder = oracle_home / "models" / tiny_model
    weights = folder / json.loads((folder / "meta.json").read_text())["weights"]["file"]
    data = bytearray(weights.read_bytes())
    data[-1] ^= 0x01  # one flipped bit in the last float: still parses, silently wrong
    weights.write_bytes(bytes(data))
    with pytest.raises(CorruptModel, match="does not match the sha256"):
        store.load(tiny_model)
    rc, err = cli(["ask", "x", "-m", tiny_model], capsys)
    assert rc == 2 and weights.name in err and "sha256" in err


def _export_parts(name: str, tmp_path: Path) -> tuple[dict, dict]:
    path = store.export(name, tmp_path / "good.oracle")
    info, arrays, _ = transfer.unpack(path)  # numpy arrays: managing models never imports torch
    meta = info.to_dict()
    meta.pop("words", None)  # these tests rebuild the export from metadata and weights alone
    return meta, {k: torch.from_numpy(v.copy()) for k, v in arrays.items()}


def _write_export(path: Path, tensors: dict, meta: dict | None) -> Path:
    path.write_bytes(st_save(tensors, metadata=None if meta is None else {"oracle_meta": json.dumps(meta)}))
    return path


def test_a_good_export_imports(tiny_model, tmp_path):
    # The control: the same route the refusals below take does accept a real export.
    meta, tensors = _export_parts(tiny_model, tmp_path)
    store.import_(_write_export(tmp_path / "same.oracle", tensors, meta), name="again")
    assert "".join(store.load("again").ask("the", seed=1))


def _wrong_vocab(meta, tensors):
    meta["vocab"] = meta["vocab"][:-1]


def _duplicate_vocab(meta, tensors):
    meta["vocab"] = meta["vocab"][0] + meta["vocab"][1:-1] + meta["vocab"][0]


def _wrong_shapes(meta, tensors):
    meta["config"]["hidden_size"] = meta["config"]["hidden_size"] * 2


def _huge_config(meta, tensors):
    # A lie that would try to allocate ~16 GB if the network were built before the shapes are checked.
    meta["config"]["hidden_size"] = 1 << 16


def _missing_tensor(meta, tensors):
    tensors.pop(next(iter(tensors)))


def _foreign_format(meta, tensors):
    meta["format"] = "something-else"


def _future_version(meta, tensors):
    meta["format_version"] = 99


def _weights_path_escape(meta, tensors):
    meta["weights"]["file"] = "../../etc/passwd"


@pytest.mark.parametrize("spoil", [_wrong_vocab, _duplicate_vocab, _wrong_shapes, _huge_config, _missing_tensor,
                                   _foreign_format, _future_version, _weights_path_escape])
def test_an_inconsistent_import_is_refused_before_anything_is_written(tiny_model, oracle_home, tmp_path, spoil, capsys):
    meta, tensors = _export_parts(tiny_model, tmp_path)
    spoil(meta, tensors)
    bad = _write_export(tmp_path / "bad.oracle", tensors, meta)
    before = tree(oracle_home)
    with pytest.raises(CorruptModel) as caught:
        store.import_(bad, name="bad")
    assert str(bad) in str(caught.value)
    rc, err = cli(["models", "import", str(bad), "--name", "bad"], capsys)
    assert rc == 2 and err.count("\n") == 1 and "Traceback" not in err
    assert tree(oracle_home) == before


@pytest.mark.parametrize("kind", ["plain safetensors", "text", "empty", "truncated"])
def test_a_file_that_is_not_an_oracle_export_is_refused(tiny_model, oracle_home, tmp_path, kind, capsys):
    meta, tensors = _export_parts(tiny_model, tmp_path)
    bad = tmp_path / "x.oracle"
    if kind == "plain safetensors":
        _write_export(bad, tensors, None)
    elif kind == "text":
        bad.write_text("In the beginning was the word.\n")
    elif kind == "empty":
        bad.write_bytes(b"")
    else:
        bad.write_bytes((tmp_path / "good.oracle").read_bytes()[:-100])
    before = tree(oracle_home)
    rc, err = cli(["models", "import", str(bad)], capsys)
    assert rc == 2 and str(bad) in err and err.count("\n") == 1
    assert tree(oracle_home) == before


def test_loading_never_uses_unsafe_unpickling():
    # A static guard next to the behavioural ones: every torch.load in the package says weights_only=True.
    root = Path(store.__file__).resolve().parent.parent
    for source in root.rglob("*.py"):
        for line in source.read_text("utf-8").splitlines():
            if "torch.load(" in line or "pickle.load" in line:
                assert "weights_only=True" in line, f"{source.name}: {line.strip()}"


def _safetensors(header: dict, body: bytes) -> bytes:
    text = json.dumps(header).encode()
    return len(text).to_bytes(8, "little") + text + body


def test_weights_are_read_as_views_with_safetensors_own_checks():
    """store.load reads weights as views of the file's bytes (weights._views): it accepts what
    safetensors.numpy.load accepts, with the same values, and refuses what it refuses."""
    import numpy as np
    from safetensors import SafetensorError
    from safetensors.numpy import load as np_load
    from safetensors.numpy import save as np_save

    from oracle.engine.store.weights import _views

    good = np_save({"b": np.arange(6, dtype=np.float32).reshape(2, 3), "a": np.arange(3, dtype=np.float64), "z": np.zeros(0, np.float32)})
    views = _views(good)
    assert {k: v.tolist() for k, v in views.items()} == {k: v.tolist() for k, v in np_load(good).items()}
    assert all(not v.flags.writeable and v.dtype == np_load(good)[k].dtype for k, v in views.items())
    f32 = {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}
    more = _safetensors({"x": {**f32, "more": 1}}, np.ones(2, np.float32).tobytes())  # a key safetensors ignores
    assert _views(more)["x"].tolist() == np_load(more)["x"].tolist() == [1.0, 1.0]
    bad = [good[:-1], good + b"\0", b"\1" + good[1:], good[:8],
           _safetensors({"x": f32, "y": {**f32, "data_offsets": [4, 12]}}, bytes(12)),  # overlapping
           _safetensors({"x": f32, "y": {**f32, "data_offsets": [12, 20]}}, bytes(20)),  # a gap
           _safetensors({"x": {**f32, "shape": [3]}}, bytes(8)),  # shorter than its shape
           _safetensors({"x": {**f32, "dtype": "Q9"}}, bytes(8)),
           _safetensors({"x": {**f32, "shape": [-2]}}, bytes(8)),
           _safetensors({"x": f32, "__metadata__": {"k": 1}}, bytes(8))]
    for data in bad:
        with pytest.raises((SafetensorError, KeyError)):  # KeyError: a dtype safetensors.numpy has no name for
            np_load(data)
        with pytest.raises((ValueError, TypeError, KeyError, ReadRefused)):
            _views(data)
