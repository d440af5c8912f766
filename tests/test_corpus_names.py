"""Issue 27, point 9: a text of one's own named like a bundled corpus (one's own proverbs.txt) is
named distinctly (my-proverbs), so in a mixed model its voice is never taken for the bundled one,
and `oracle models show` says where each corpus came from."""

from __future__ import annotations

from conftest import TINY_RECIPE

from oracle.cli.entry import main
from oracle.engine import Recipe, SourceSpec, Trainer, bundled_corpus, store
from oracle.engine.data.corpus import sha256_text


def test_own_text_with_a_bundled_name_is_named_distinctly(tmp_path, monkeypatch):
    own = tmp_path / "proverbs.txt"
    own.write_text("a soft answer turneth away wrath.\n", "utf-8")
    (tmp_path / "notes.txt").write_text("notes\n", "utf-8")
    monkeypatch.chdir(tmp_path)
    assert SourceSpec.parse("proverbs.txt").name == "my-proverbs"
    assert SourceSpec.parse(f"{own}:2").name == "my-proverbs"
    assert SourceSpec.parse("notes.txt").name == "notes"  # no bundled corpus of that name: its own name
    bundled = SourceSpec.parse("proverbs")  # no file of that name here: the bundled one
    assert bundled.name == "proverbs" and bundled.path == bundled_corpus("proverbs")
    assert SourceSpec.parse(str(bundled_corpus("proverbs"))).name == "proverbs"  # the bundled file by its path
    (tmp_path / "kjv").mkdir()  # a folder of one's own called kjv
    assert SourceSpec.parse("kjv").name == "my-kjv"


def test_a_mixed_model_keeps_the_two_voices_apart_and_says_where_each_came_from(tmp_path, oracle_home, capsys,
                                                                                corpus_text, monkeypatch):
    own = tmp_path / "proverbs.txt"
    own.write_text(corpus_text.replace("the", "thy"), "utf-8")
    monkeypatch.chdir(tmp_path)
    Trainer("mixed", ["proverbs.txt", "proverbs"], Recipe(**TINY_RECIPE), recipe_name="test", command=["test"]).run()
    info = store.find("mixed").info
    assert info.voice_names == ["my-proverbs", "proverbs"]
    assert main(["models", "show", "mixed"]) == 0
    out = capsys.readouterr().out
    assert f"corpus my-proverbs: {len(own.read_text('utf-8')):,} chars, weight 1.0, from {own}" in out
    assert "corpus proverbs: 108,401 chars, weight 1.0, bundled" in out
    assert "--voice my-proverbs:0.7,proverbs:0.3" in out
    assert sha256_text(bundled_corpus("proverbs").read_text("utf-8")) == info.corpora[1].sha256
