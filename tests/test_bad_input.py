"""The bad-input campaign: every kind of bad input gets one clear sentence (exit status 2, one line on
stderr naming the file or value, no traceback) and nothing is lost; odd but valid input just works.

Three parts: a table of refusals through `oracle.cli.entry.main`, odd inputs that must work (line endings,
CJK, one repeated character, huge or strange prompts), and hypothesis properties of the engine's
own checks (any bytes, any corpus spec, any hyperparameters, any prompt).
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from conftest import as_long_as_asked
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oracle.cli.entry import main
from oracle.engine import Recipe, SampleSettings, SourceSpec, Trainer, store
from oracle.engine.data.corpus import build_corpus, read_text
from oracle.engine.errors import OracleError
from oracle.engine.schema import SettingError, specs

ORACLE = str(Path(sys.executable).with_name("oracle"))
NET = ["--hidden-size", "8", "--layers", "1", "--embed-dim", "4", "--seq-len", "16", "--batch-size", "4",
       "--epochs", "1", "--sample-length", "5", "-q"]
TINY = dict(hidden_size=8, num_layers=1, embed_dim=4, dropout=0.0, seq_len=16, batch_size=4, epochs=1,
            sample_length=5, warmup_steps=2, seed=1)


def models_snapshot(home: Path) -> dict[str, str]:
    root = home / "models"
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and not p.name.endswith(".lock")}


def assert_one_sentence(rc: int, err: str, words: list[str]) -> None:
    assert rc == 2, err
    assert err.count("\n") == 1 and err.startswith("oracle") and "Traceback" not in err, err
    for word in words:
        assert word in err, (word, err)


# ---- the refusals -------------------------------------------------------------------------------------

@dataclass
class Bad:
    """One kind of bad input: `setup(tmp, home)` makes the files and returns argv and the words the
    sentence must contain."""

    id: str
    setup: Callable[[Path, Path], tuple[list[str], list[str]]]


def _corpus_file(tmp: Path, name: str, data: bytes) -> str:
    path = tmp / name
    path.write_bytes(data)
    return str(path)


def _train(path: str, *extra: str, name: str = "new") -> list[str]:
    return ["train", path, "--name", name, *NET, *extra]


def _good(tmp: Path) -> str:
    return _corpus_file(tmp, "good.txt", ("Wisdom is the principal thing; therefore get wisdom.\n" * 60).encode())


def _symlink_loop_folder(tmp: Path, home: Path):
    folder = tmp / "loopy"
    folder.mkdir()
    (folder / "self").symlink_to(folder, target_is_directory=True)
    (folder / "a.txt").symlink_to(folder / "a.txt")  # a file link that points at itself
    return _train(str(folder)), ["loopy", "no .txt files"]


def _weights_file(home: Path) -> Path:
    folder = home / "models" / "tiny"
    return folder / json.loads((folder / "meta.json").read_text())["weights"]["file"]


def _spoil_weights(home: Path, data: bytes | None) -> None:
    path = _weights_file(home)
    if data is None:
        path.unlink()
    else:
        path.write_bytes(data)


def _spoil_meta(home: Path, text: str) -> None:
    (home / "models" / "tiny" / "meta.json").write_text(text)


def _spoil_checkpoint(home: Path) -> list[str]:
    (home / "models" / "tiny" / "checkpoint.json").write_text('{"step": ')
    return ["train", "--resume", "tiny", "-q"]


def _changed_corpus(tmp: Path, home: Path):
    path = tmp / "mine.txt"
    path.write_text("Go to the ant, thou sluggard; consider her ways, and be wise.\n" * 60)
    Trainer("mine", [str(path)], Recipe(**TINY)).run()
    path.write_text("Go to the tan, thou sluggard; consider her ways, and be wise.\n" * 60)  # same letters
    return ["train", "--resume", "mine", "--epochs", "2", "-q"], ["mine.txt", "changed"]


def _format_version(home: Path) -> None:
    meta_path = home / "models" / "tiny" / "meta.json"
    meta = json.loads(meta_path.read_text())
    meta["format_version"] = 2
    meta_path.write_text(json.dumps(meta))


def _export(home: Path, tmp: Path) -> str:
    return str(store.export("tiny", tmp / "tiny.oracle"))


def _folder_without_txt(tmp: Path, home: Path):
    (tmp / "notes").mkdir()
    (tmp / "notes" / "a.md").write_text("# not a .txt file\n")
    return _train(str(tmp / "notes")), ["notes", ".txt"]


def _folder_with_a_binary_txt(tmp: Path, home: Path):
    (tmp / "mixed").mkdir()
    (tmp / "mixed" / "a.txt").write_text("fine text\n" * 50)
    (tmp / "mixed" / "b.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    return _train(str(tmp / "mixed")), ["b.txt", "NUL"]


def _ask_tiny_after(spoil: Callable[[], None], *words: str):
    def setup(tmp: Path, home: Path):
        name = _weights_file(home).name
        spoil_words = [w.replace("WEIGHTS", name) for w in words]
        spoil(home)
        return ["ask", "hi", "-m", "tiny"], spoil_words
    return setup


def _home_is_a_file(tmp: Path, home: Path):
    os.environ["ORACLE_HOME"] = _corpus_file(tmp, "home-file", b"x")  # the test's monkeypatch restores it
    return ["models", "list"], ["ORACLE_HOME", "home-file", "is a file"]


def _rename_collision(tmp: Path, home: Path):
    store.copy("tiny", "other")
    return ["models", "rename", "other", "tiny"], ["tiny", "--force"]


BAD = [
    Bad("random bytes as a corpus",
        lambda t, h: (_train(_corpus_file(t, "noise.txt", random.Random(6).randbytes(5000))), ["noise.txt", "offset"])),
    Bad("UTF-16 with a BOM",
        lambda t, h: (_train(_corpus_file(t, "wide.txt", "Hear, O Israel\n".encode("utf-16") * 50)), ["wide.txt", "--encoding utf-16"])),
    Bad("symlink loops in a corpus folder", _symlink_loop_folder),
    Bad("missing corpus path", lambda t, h: (_train(str(t / "nowhere.txt")), ["nowhere.txt", "does not exist"])),
    Bad("folder with no .txt", _folder_without_txt),
    Bad("empty corpus file", lambda t, h: (_train(_corpus_file(t, "empty.txt", b"")), ["empty.txt", "empty"])),
    Bad("whitespace-only corpus", lambda t, h: (_train(_corpus_file(t, "blank.txt", b" \n\t\n" * 100)), ["blank.txt", "empty"])),
    Bad("non-UTF-8 corpus",
        lambda t, h: (_train(_corpus_file(t, "cp1252.txt", "na\u00efve caf\u00e9\n".encode("cp1252") * 200)),
                      ["cp1252.txt", "offset 2", "--encoding"])),
    Bad("unknown --encoding", lambda t, h: (_train(_good(t), "--encoding", "klingon"), ["klingon"])),
    Bad("binary .txt inside a corpus folder", _folder_with_a_binary_txt),
    Bad("corpus weight zero", lambda t, h: (_train(_good(t) + ":0"), ["positive"])),
    Bad("corpus weight infinite", lambda t, h: (_train(_good(t) + ":inf"), ["inf", "positive"])),
    Bad("--hidden-size 0", lambda t, h: (_train(_good(t), "--hidden-size", "0"), ["--hidden-size", "0"])),
    Bad("--hidden-size 10^9",
        lambda t, h: (_train(_good(t), "--hidden-size", "1000000000"), ["--hidden-size", "1000000000", "from 1 to 16,384"])),
    Bad("--lr NaN", lambda t, h: (_train(_good(t), "--lr", "NaN"), ["--lr", "NaN"])),
    Bad("--lr inf", lambda t, h: (_train(_good(t), "--lr", "inf"), ["--lr", "inf"])),
    Bad("--seq-len longer than the corpus", lambda t, h: (_train(_good(t), "--seq-len", "100000"), ["good.txt", "--seq-len"])),
    Bad("--epochs 0", lambda t, h: (_train(_good(t), "--epochs", "0"), ["--epochs", "0"])),
    Bad("--batch-size -3", lambda t, h: (_train(_good(t), "--batch-size", "-3"), ["--batch-size", "-3"])),
    Bad("--val-fraction 0.9", lambda t, h: (_train(_good(t), "--val-fraction", "0.9"), ["--val-fraction", "0.9"])),
    Bad("--checkpoint-minutes -1", lambda t, h: (_train(_good(t), "--checkpoint-minutes", "-1"), ["--checkpoint-minutes", "-1"])),
    Bad("unknown recipe", lambda t, h: (_train(_good(t), "--recipe", "mystery"), ["mystery", "keras-classic"])),
    Bad("model name with a path in it", lambda t, h: (_train(_good(t), name="../escape"), ["../escape", "not allowed"])),
    Bad("train name collision without --force", lambda t, h: (_train(_good(t), name="tiny"), ["tiny", "--force"])),
    Bad("--from an unknown model", lambda t, h: (_train(_good(t), "--from", "ghost"), ["ghost"])),
    Bad("--resume an unknown model", lambda t, h: (["train", "--resume", "ghost"], ["ghost", "models list"])),
    Bad("--resume with corpus paths", lambda t, h: (["train", _good(t), "--resume", "tiny"], ["--resume", "corpus"])),
    Bad("corrupted checkpoint.json", lambda t, h: (_spoil_checkpoint(h), ["checkpoint.json", "corrupted"])),
    Bad("corpus changed since the run started", _changed_corpus),
    Bad("unknown model", lambda t, h: (["ask", "hi", "-m", "ghost"], ["ghost", "tiny"])),
    Bad("0-byte weights file", _ask_tiny_after(lambda h: _spoil_weights(h, b""), "WEIGHTS", "sha256")),
    Bad("truncated weights file", _ask_tiny_after(lambda h: _spoil_weights(h, _weights_file(h).read_bytes()[:100]), "WEIGHTS", "sha256")),
    Bad("missing weights file", _ask_tiny_after(lambda h: _spoil_weights(h, None), "WEIGHTS", "Cannot read")),
    Bad("0-byte meta.json", _ask_tiny_after(lambda h: _spoil_meta(h, ""), "meta.json", "corrupted")),
    Bad("meta.json that is a JSON list", _ask_tiny_after(lambda h: _spoil_meta(h, "[1, 2]"), "meta.json", "not an Oracle model")),
    Bad("incompatible format version", _ask_tiny_after(_format_version, "format 2", "format 1")),
    Bad("ORACLE_HOME pointing at a file", _home_is_a_file),
    Bad("rename collision without --force", _rename_collision),
    Bad("import collision without --force", lambda t, h: (["models", "import", _export(h, t)], ["tiny", "--force"])),
    Bad("import of a missing file", lambda t, h: (["models", "import", str(t / "nope.oracle")], ["nope.oracle", "does not exist"])),
    Bad("export into a missing folder",
        lambda t, h: (["models", "export", "tiny", str(t / "no" / "such" / "x.oracle")], ["no/such", "does not exist"])),
    Bad("export over an existing file without --force", lambda t, h: (["models", "export", "tiny", _good(t)], ["good.txt", "--force"])),
    Bad("copy to an invalid name", lambda t, h: (["models", "copy", "tiny", "bad/name"], ["bad/name", "not allowed"])),
    Bad("--top-p 2", lambda t, h: (["ask", "hi", "-m", "tiny", "--top-p", "2"], ["top-p", "2"])),
    Bad("--temperature NaN", lambda t, h: (["ask", "hi", "-m", "tiny", "--temperature", "nan"], ["--temperature", "nan"])),
    Bad("unknown option", lambda t, h: (["train", "--wisdom", "7"], ["--wisdom"])),
]


@pytest.mark.parametrize("case", BAD, ids=[b.id for b in BAD])
def test_bad_input_gets_one_clear_sentence_and_loses_nothing(case, tiny_model, oracle_home, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("ORACLE_HOME", str(oracle_home))  # so a case may point it elsewhere and be undone
    spoils_tiny = case.setup.__name__ == "setup"  # the _ask_tiny_after cases damage tiny on purpose
    argv, words = case.setup(tmp_path, oracle_home)
    capsys.readouterr()
    before = models_snapshot(oracle_home)
    rc = main(argv)
    out, err = capsys.readouterr()
    assert_one_sentence(rc, err, words)
    assert models_snapshot(oracle_home) == before, "a refused command changed files"
    assert not (oracle_home / "models" / "new").exists() and not (oracle_home / "models" / "..").joinpath("escape").exists()
    if not spoils_tiny:
        monkeypatch.setenv("ORACLE_HOME", str(oracle_home))
        assert "".join(store.load("tiny").ask("the", seed=1)), "the existing model must still answer"


def test_there_are_at_least_thirty_kinds():
    assert len(BAD) >= 30


def test_bad_input_through_the_real_console_script(tmp_path, oracle_home):
    """The same promise from the installed `oracle` command: exit status 2, one line, no traceback."""
    env = {**os.environ, "ORACLE_HOME": str(oracle_home), "OMP_NUM_THREADS": "1"}
    noise = tmp_path / "noise.txt"
    noise.write_bytes(random.Random(1).randbytes(3000))
    done = subprocess.run([ORACLE, "train", str(noise), "--name", "x"], capture_output=True, env=env, timeout=120)
    assert_one_sentence(done.returncode, done.stderr.decode(), ["noise.txt"])
    file_home = tmp_path / "home-is-a-file"
    file_home.write_text("x")
    done = subprocess.run([ORACLE, "ask"], input=b"a question\x00with a NUL\xff", capture_output=True,
                          env={**env, "ORACLE_HOME": str(file_home)}, timeout=120)
    assert_one_sentence(done.returncode, done.stderr.decode(), ["ORACLE_HOME", str(file_home)])


# ---- odd but valid input works --------------------------------------------------------------------------

def _train_tiny(name: str, text: str, tmp: Path) -> None:
    path = tmp / f"{name}.txt"
    path.write_text(text, "utf-8", newline="")
    Trainer(name, [str(path)], Recipe(**TINY)).run()


def test_mixed_line_endings_train_as_plain_newlines(tmp_path):
    lines = [f"Line {i} of the law." for i in range(400)]
    text = "".join(line + random.Random(i).choice(["\n", "\r\n", "\r"]) for i, line in enumerate(lines))
    _train_tiny("crlf", text, tmp_path)
    vocab = store.find("crlf").meta["vocab"]
    assert "\n" in vocab and "\r" not in vocab
    assert "".join(store.load("crlf").ask("Line", seed=1))


def test_a_corpus_of_one_repeated_character_trains_and_answers(tmp_path):
    _train_tiny("mono", "a" * 3000, tmp_path)
    oracle = store.load("mono")
    assert oracle.vocab.chars == "a"
    reading = oracle.ask("who are you?", SampleSettings(length=12, stop="length"), seed=1)
    assert "".join(reading) == "a" * 12 and reading.notice  # it says it dropped what it never saw


def test_thousands_of_distinct_characters_train_with_a_uint16_vocabulary(tmp_path):
    rng = random.Random(0)
    chars = [chr(0x4E00 + i) for i in range(2500)]
    text = "".join(rng.choice(chars) + ("\n" if rng.random() < 0.05 else "") for _ in range(4000))
    path = tmp_path / "cjk.txt"
    path.write_text(text, "utf-8")
    corpus = build_corpus([SourceSpec.parse(str(path))], lowercase=False, val_fraction=0.1, min_train=17)
    assert len(corpus.vocab) > 2000 and corpus.sources[0].train.dtype == np.uint16
    Trainer("cjk", [str(path)], Recipe(**TINY)).run()
    oracle = store.load("cjk")
    answer = "".join(oracle.ask(text[:10], SampleSettings(length=20, stop="length"), seed=2))
    assert len(answer) == 20 and set(answer) <= set(oracle.vocab.chars)


def test_a_symlink_loop_does_not_trap_a_corpus_folder(tmp_path):
    folder = tmp_path / "books"
    (folder / "inner").mkdir(parents=True)
    (folder / "inner" / "back").symlink_to(folder, target_is_directory=True)
    (folder / "inner" / "one.txt").write_text("The words of the wise are as goads.\n" * 40)
    spec = SourceSpec.parse(str(folder))
    corpus = build_corpus([spec], lowercase=False, val_fraction=0.1, min_train=17)
    assert corpus.sources[0].chars == len("The words of the wise are as goads.\n" * 40)  # read once, not forever


@pytest.mark.parametrize("prompt", ["\u2603" * 50 + "\U0001F600\U0001F52E", "\x00", "\x00\x01\x02\x1b[31m\x07\b\x7f",
                                    "\u4e00\u4e8c\u4e09", "", "the\x00 fear\r\nof\tthe lord \U0001F64F"],
                         ids=["emoji", "NUL", "control chars", "only unknown chars", "empty", "mixed"])
def test_strange_prompts_get_an_answer_and_at_most_a_notice(prompt, tiny_model, capsys):
    rc = main(["ask", prompt, "-m", tiny_model, "--seed", "3", "-n", "40"])
    out, err = capsys.readouterr()
    if not prompt.strip():  # an empty question is refused, as the app refuses it
        assert rc == 2 and not out and err.count("\n") == 1 and "question is empty" in err
        return
    assert rc == 0 and len(out.strip("\n")) > 0
    assert "Traceback" not in err and err.count("\n") <= 1
    if prompt and any(ch in prompt for ch in "\u2603\x00\u4e00"):
        assert "Left out" in err


def test_a_one_megabyte_prompt_is_answered_quickly(tiny_model, capsys):
    prompt = ("My son, forget not my law; " * 40000)[: 1 << 20]
    start = time.perf_counter()
    rc = main(["ask", prompt, "-m", tiny_model, "--seed", "1", "-n", "30", "--stop", "length"])
    seconds = time.perf_counter() - start
    out = capsys.readouterr().out
    assert rc == 0 and len(out.rstrip("\n")) == 30
    assert seconds < 10, f"a 1 MB prompt took {seconds:.1f}s"


# ---- properties of the engine's own checks (hypothesis) --------------------------------------------------

def _one_clear_sentence(err: OracleError) -> str:
    message = str(err)
    assert message and "\n" not in message and "Traceback" not in message
    return message


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=400))
def test_any_bytes_as_a_corpus_are_read_or_refused_by_name(data, tmp_path):
    path = tmp_path / "any.txt"
    path.write_bytes(data)
    try:
        text = read_text(path)
    except OracleError as err:
        assert "any.txt" in _one_clear_sentence(err)
    else:
        assert text.strip() and "\x00" not in text and "\r" not in text


@settings(max_examples=60, deadline=None)
@given(spec=st.text(max_size=40))
def test_any_corpus_spec_parses_or_is_refused(spec):
    try:
        parsed = SourceSpec.parse(spec)
    except OracleError as err:
        _one_clear_sentence(err)
    except ValueError:  # only a NUL inside a path can make the OS layer itself object
        assert "\x00" in spec
    else:
        assert parsed.weight > 0


_numbers = st.one_of(st.integers(-10**12, 10**12), st.floats(allow_nan=True, allow_infinity=True), st.booleans(), st.none())


@settings(max_examples=150, deadline=None)
@given(values=st.fixed_dictionaries({}, optional={name: _numbers for name in (
    "hidden_size", "num_layers", "embed_dim", "dropout", "seq_len", "batch_size", "lr", "epochs", "max_minutes",
    "val_fraction", "weight_decay", "grad_clip", "warmup_steps", "checkpoint_minutes", "window_step")}))
def test_any_hyperparameters_validate_or_are_refused_in_one_sentence(values):
    values = {k: v for k, v in values.items() if v is not None}
    try:
        recipe = Recipe(**values).validate()
    except OracleError as err:
        message = _one_clear_sentence(err)
        assert isinstance(err, SettingError) and err.name in values  # it names the setting, in the app's words
        assert message.lower().startswith(specs(Recipe)[err.name].label.lower())
    except TypeError:
        # Only comparing a non-number (a bool is fine) can get past the checks above: that is a bug.
        pytest.fail(f"Recipe.validate raised TypeError for {values}")
    else:
        assert 1 <= recipe.hidden_size <= 16384 and recipe.lr > 0 and np.isfinite(recipe.lr)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(prompt=st.text(max_size=200), temperature=st.floats(min_value=0, max_value=5), seed=st.integers(0, 2**31 - 1))
def test_any_prompt_gets_an_answer_made_of_known_characters(prompt, temperature, seed, tiny_model):
    oracle = _loaded(tiny_model)
    reading = oracle.ask(prompt, SampleSettings(temperature=temperature, length=8, stop="length"), seed=seed)
    answer = "".join(reading)
    assert as_long_as_asked(answer, 8) and set(answer) <= set(oracle.vocab.chars)
    assert set(reading.prompt) <= set(oracle.vocab.chars)


_cache: dict = {}


def _loaded(name: str):
    if name not in _cache:
        _cache[name] = store.load(name)
    return _cache[name]


@settings(max_examples=60, deadline=None)
@given(temperature=st.floats(allow_nan=True, allow_infinity=True), top_k=st.integers(-5, 10**6),
       top_p=st.floats(allow_nan=True, allow_infinity=True), length=st.integers(-5, 10**9))
def test_any_sampling_settings_validate_or_are_refused(temperature, top_k, top_p, length):
    settings_ = SampleSettings(temperature=temperature, top_k=top_k, top_p=top_p, length=length)
    try:
        settings_.validate()
    except OracleError as err:
        _one_clear_sentence(err)
    else:
        assert temperature >= 0 and np.isfinite(temperature) and 0 < top_p <= 1 and length >= 1 and top_k >= 0
