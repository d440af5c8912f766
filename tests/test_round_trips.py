"""Issue 30 (a): every file Oracle writes is read back by its own reader under the same limits.

Property tests (hypothesis) feed hostile content through each writer and its reader: the word list
(words longer than the limit, unspaced scripts, joiners), conversation parts (control codes, lone
surrogates, questions of megabytes), preferences and the settings file. Faces: a model trained on
a corpus whose "words" are 100 letters long answers and exports from the command line, and the
real app keeps every exchange of a conversation of long questions.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from conftest import TINY_RECIPE, train_in_home
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oracle.engine import ReadingRecord
from oracle.engine.data import words
from oracle.tui import history, preferences
from oracle.tui.history import PART, Exchange

ORACLE = [sys.executable, "-m", "oracle"]
HOSTILE = st.text(st.characters(codec=None, exclude_categories=()), max_size=200)  # every code point, surrogates too
LETTERS = st.text(st.sampled_from("aé山ไทยžЖ'-’ \n\t1_x"), min_size=0, max_size=400)
FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FAST
@given(text=LETTERS, long_word=st.integers(words.MAX_WORD_CHARS - 2, 3 * words.MAX_WORD_CHARS))
def test_a_word_list_written_is_a_word_list_read(text, long_word):
    counts = words.count_words([text, " " + "ж" * long_word + " ", "ACGT" * long_word])
    written = words.WordList.from_counts(counts)
    read = words.WordList.from_bytes(written.to_bytes(), "test")
    assert read.counts == written.counts
    assert all(len(w) <= words.MAX_WORD_CHARS for w in read.counts)
    assert {w: n for w, n in counts.items() if len(w) <= words.MAX_WORD_CHARS} == read.counts  # nothing else dropped


def test_a_word_list_keeps_the_most_frequent_words_within_its_file_limit():
    counts = Counter({"𝔞" * 58 + f"{i:06d}".translate(str.maketrans("0123456789", "абвгдезийк")): 1 + i % 7
                      for i in range(words.MAX_WORDS + 500)})
    written = words.WordList.from_counts(counts)
    data = written.to_bytes()
    assert len(written) == words.MAX_WORDS and len(data) <= words.MAX_FILE_BYTES
    assert min(written.counts.values()) >= 1 and words.WordList.from_bytes(data, "test").counts == written.counts


def exchanges_strategy():
    record = st.fixed_dictionaries({"model": HOSTILE, "seed": st.integers(0, 2**31),
                                    "settings": st.dictionaries(HOSTILE, st.floats(allow_nan=False, allow_infinity=False)
                                                                | st.integers() | HOSTILE, max_size=4)})
    exchange = st.builds(Exchange, HOSTILE, HOSTILE, record.map(ReadingRecord.read), st.booleans(), st.none() | HOSTILE)
    return st.lists(exchange, min_size=1, max_size=5)


@FAST
@given(batch=exchanges_strategy(), before=st.integers(0, PART + 3))
def test_conversation_parts_written_are_read_back_whole(oracle_home, batch, before):
    conversation = history.save("tiny", [Exchange(f"q{i}", "a") for i in range(before)])
    conversation.extend(batch)
    again = history.open_conversation(conversation.id)
    assert again.count == before + len(batch)
    read = list(again)
    assert [e.to_dict() for e in read[before:]] == [e.to_dict() for e in batch]
    assert not list(conversation.folder.glob("*.corrupt-*"))


def test_megabyte_questions_roll_parts_over_by_size_and_nothing_is_set_aside(oracle_home, monkeypatch):
    monkeypatch.setattr(history, "PIECE_BYTES", 3 << 20)  # the rule, at a size a test can afford
    monkeypatch.setattr(history, "MAX_PART_BYTES", 4 << 20)
    big = "\x1b" * (300 << 10) + "é" * (300 << 10)  # 1.5 MB as JSON: escapes and two-byte characters
    conversation = history.save("tiny", [Exchange(f"{i}{big}", f"answer {i}") for i in range(12)])
    for i in range(12, 15):
        conversation.append(Exchange(f"{i}{big}", f"answer {i}"))
    names = sorted(p.name for p in conversation.folder.glob("part-*"))
    assert len(names) > 1 and all(p.stat().st_size <= 4 << 20 for p in conversation.folder.glob("part-*")), names
    again = history.open_conversation(conversation.id)
    assert again.count == 15 and [e.answer for e in again] == [f"answer {i}" for i in range(15)]
    assert [e.answer for e in again.page(15, 4)[0]] == [f"answer {i}" for i in range(11, 15)]
    assert not list(conversation.folder.glob("*.corrupt-*"))


def test_an_unreadable_last_part_is_not_set_aside_silently_by_the_next_answer(oracle_home):
    conversation = history.save("tiny", [Exchange(f"q{i}", "a") for i in range(5)])
    damaged = conversation.folder / "part-000000.json"
    damaged.write_bytes(b"{not json")
    conversation.append(Exchange("new", "answer"))
    assert damaged.read_bytes() == b"{not json"  # left where it was, for the reader to be told of
    again = history.open_conversation(conversation.id)
    exchanges, notices = again.page(again.count, 10)
    assert [e.question for e in exchanges] == ["new"] and notices and "damaged" in notices[0]
    assert len(list(conversation.folder.glob("part-000000.json.corrupt-*"))) == 1  # kept, and said


@FAST
@given(values=st.dictionaries(HOSTILE, HOSTILE | st.integers() | st.lists(HOSTILE, max_size=3), max_size=4))
def test_preferences_written_are_read_back(oracle_home, values):
    preferences.save(theme="textual-dark", extra=values)
    assert preferences.load().extra["extra"] == values  # a preference this version does not know is kept


def test_a_question_longer_than_the_limit_is_one_sentence(tiny_model):
    from oracle.engine import store
    from oracle.engine.errors import OracleError
    from oracle.engine.io.limits import MAX_QUESTION_CHARS

    oracle = store.load(tiny_model)
    with pytest.raises(OracleError, match="more than the"):
        oracle.ask("a" * (MAX_QUESTION_CHARS + 1))


def test_a_corpus_of_words_longer_than_the_limit_gives_a_model_that_answers_and_moves(tmp_path):
    text = ("ACGT" * 40 + " the lord is my shepherd " + "ไทย" * 30 + "\n") * 60
    home = train_in_home(tmp_path, "dna", text, **TINY_RECIPE)
    env = {"ORACLE_HOME": str(home), "PATH": "/usr/bin:/bin", "PYTHONPATH": str(Path.cwd())}
    ask = subprocess.run([*ORACLE, "ask", "-m", "dna", "--words", "corpus", "-n", "40", "the lord"], env=env,
                         capture_output=True, text=True, timeout=120)
    assert ask.returncode == 0 and "word list" not in ask.stderr and "Traceback" not in ask.stderr, ask.stderr
    dest = tmp_path / "dna.oracle"
    for argv in (["models", "export", "dna", str(dest)], ["models", "import", str(dest), "--name", "dna2"]):
        run = subprocess.run([*ORACLE, *argv], env=env, capture_output=True, text=True, timeout=120)
        assert run.returncode == 0, run.stderr
    meta = json.loads((home / "models" / "dna2" / "meta.json").read_text("utf-8"))
    listed = words.WordList.from_bytes((home / "models" / "dna2" / meta["words"]["file"]).read_bytes(), "dna2")
    assert "lord" in listed and all(len(w) <= words.MAX_WORD_CHARS for w in listed.counts)


@FAST
@given(name=HOSTILE, sample=HOSTILE, argv=st.lists(HOSTILE, max_size=4), extra=st.dictionaries(HOSTILE, HOSTILE, max_size=3))
def test_model_metadata_written_is_read_back(tiny_model, oracle_home, name, sample, argv, extra):
    from oracle.engine.store.meta import read_meta
    from oracle.engine.store.records import ModelMeta, write_meta

    folder = oracle_home / "models" / tiny_model
    meta = read_meta(folder).to_dict()
    meta["corpora"][0]["name"], meta["command"], meta["future"] = name, argv, extra
    meta["best"] = {**(meta.get("best") or {"epoch": 1, "step": 1}), "sample": sample}
    write_meta(folder, ModelMeta.from_dict(meta))
    again = read_meta(folder).to_dict()
    assert again["corpora"][0]["name"] == name and again["best"]["sample"] == sample and again["future"] == extra


def test_metadata_its_reader_would_refuse_is_not_written(tiny_model, oracle_home):
    from oracle.engine.errors import OracleError
    from oracle.engine.store.meta import read_meta
    from oracle.engine.store.records import ModelMeta, write_meta

    folder = oracle_home / "models" / tiny_model
    before = (folder / "meta.json").read_bytes()
    meta = read_meta(folder).to_dict()
    meta["metrics"] = [{**meta["metrics"][-1], "per_source": {f"s{i}": 1.0 for i in range(9000)}}] * 30  # > 4 MB
    with pytest.raises(OracleError, match="was not written"):
        write_meta(folder, ModelMeta.from_dict(meta))
    assert (folder / "meta.json").read_bytes() == before


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=HOSTILE, sample=HOSTILE, extra=st.dictionaries(HOSTILE, HOSTILE | st.integers(), max_size=3))
def test_an_export_written_is_an_import_read(tiny_model, oracle_home, tmp_path, name, sample, extra):
    from oracle.engine import store
    from oracle.engine.store.meta import read_meta
    from oracle.engine.store.records import ModelMeta, write_meta

    folder = oracle_home / "models" / tiny_model
    meta = read_meta(folder).to_dict()
    meta["corpora"][0]["name"], meta["future"] = name, extra
    meta["best"] = {**(meta.get("best") or {"epoch": 1, "step": 1}), "sample": sample}
    write_meta(folder, ModelMeta.from_dict(meta))
    dest = tmp_path / "round.oracle"
    store.export(tiny_model, dest, force=True)
    store.import_(dest, "again", force=True)
    again = read_meta(oracle_home / "models" / "again").to_dict()
    assert again["corpora"] == read_meta(folder).to_dict()["corpora"] and again["future"] == extra
    assert again["best"]["sample"] == sample and again["words"]["sha256"] == meta["words"]["sha256"]


def test_searching_and_listing_never_set_a_file_aside_without_a_notice(oracle_home, tmp_path):
    conversation = history.save("tiny", [Exchange(f"q{i}", "wisdom") for i in range(PART + 3)])
    damaged = conversation.folder / "part-000000.json"
    damaged.write_bytes(b"{not json")
    assert [c for c, _ in history.search("wisdom")] and damaged.exists()  # searching skips it, leaves it be
    history.export_markdown("tiny", conversation, tmp_path / "out.md")
    assert damaged.exists()
    legacy = history.paths.conversations_dir() / "old.json"
    legacy.write_bytes(b"[broken")
    history.list_conversations()  # the list migrates format 1: a damaged file is set aside...
    assert not legacy.exists()
    _, notices = history.current("tiny")  # ... and said at the next chance
    assert any("old.json" in n for n in notices), notices
