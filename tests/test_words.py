"""Real-word decoding, heeding the question, the word list's file, export and import, exact replay.

Most tests use a tiny model trained (once per module, a few seconds) on a handful of invented
words, so "only words of the corpus" has a sharp meaning: anything else is a non-word.
"""

from __future__ import annotations

import json
import random
import shutil
from collections import Counter
from dataclasses import replace

import pytest
from conftest import TINY_RECIPE, train_in_home
from safetensors.torch import load as st_load
from safetensors.torch import save as st_save

from oracle.engine import CorruptModel, SampleSettings, SettingsChange, store
from oracle.engine.data import words
from oracle.engine.data.vocab import Vocabulary
from oracle.engine.read.reading import DEFAULT_HEED
from oracle.engine.read.speller import Lexicon, Speller

WORDS = ["amber", "basalt", "cobalt", "dune", "ember", "flint", "garnet", "harbor", "iris", "jade", "kestrel",
         "lantern", "meadow", "nettle", "obsidian", "pewter", "quartz", "river", "saffron", "thistle"]
RARE = "zircon"  # in the corpus, but seldom: heed must make answers name it


def handful_text(chars: int = 12000) -> str:
    rng = random.Random(5)
    out, line = [], []
    while sum(map(len, out)) < chars:
        line.append(RARE if rng.random() < 0.01 else rng.choice(WORDS))
        if rng.random() < 0.12:
            out.append(" ".join(line) + rng.choice([".\n", ",\n", "!\n"]))
            line = []
    return "".join(out)


@pytest.fixture(scope="module")
def _handful_home(tmp_path_factory):
    # Half an epoch's worth of a tiny model: it has learned letters, not yet all the words.
    return train_in_home(tmp_path_factory.mktemp("handful-home"), "handful", handful_text(), **{**TINY_RECIPE, "epochs": 1})


@pytest.fixture
def handful(_handful_home, oracle_home) -> str:
    shutil.copytree(_handful_home / "models" / "handful", oracle_home / "models" / "handful")
    return "handful"


def answer(oracle, question: str, seed: int, **settings) -> str:
    settings = {"length": 200, "stop": "length", "temperature": 1.0, **settings}
    return "".join(oracle.ask(question, SampleSettings(**settings), seed=seed))


def finished_words(text: str) -> list[str]:
    found = words.split_words(text)
    return found[:-1] if text and (words.is_letter(text[-1]) or text[-1] in words.JOINERS) else found


# ---- the word list ------------------------------------------------------------------------------

def test_training_records_the_corpus_words_with_counts_and_sha256(handful, oracle_home):
    folder = oracle_home / "models" / handful
    meta = json.loads((folder / "meta.json").read_text("utf-8"))
    data = (folder / meta["words"]["file"]).read_bytes()
    assert words.sha256_bytes(data) == meta["words"]["sha256"]
    listed = words.WordList.from_bytes(data, "test")
    assert set(listed.counts) == set(WORDS) | {RARE}
    assert dict(listed.counts) == dict(Counter(words.split_words(handful_text())))  # counted from the encoded corpus
    assert list(listed.counts.values()) == sorted(listed.counts.values(), reverse=True)


def test_a_word_list_oracle_did_not_write_is_refused_in_one_sentence_in_ascii_or_not():
    # ASCII lists are checked by a faster pattern than other scripts: both must refuse the same files.
    for word in ("amber", "ámber"):
        for data in (f"{word}\t2\n{word}\t1\n", f"{word}\t0\n", f"{word} x\t1\n", f"{word} 1\n", f"{word}1\t1\n",
                     f"{word}\t1\tx\n", f"'{word}\t1\n", f"{word}--x\t1\n", f"{word}\t01\n", f"{word}\t1\n\n", "\t1\n"):
            with pytest.raises(CorruptModel, match=r"^w\.txt is not a word list Oracle wrote .*: restore the model from an export\.$"):
                words.WordList.from_bytes(data.encode("utf-8"), "w.txt")
        listed = words.WordList.from_bytes(f"{word}\t3\r\nlord's\t2\nwell-beloved\t1".encode(), "w.txt")
        assert list(listed.counts.items()) == [(word, 3), ("lord's", 2), ("well-beloved", 1)]
    long = "q" * (words.MAX_WORD_CHARS + 1)  # written before the limit: left out, and the rest still read
    assert words.WordList.from_bytes(f"amber\t3\n{long}\t2\n{long}\t1\nember\t1\n".encode(), "w.txt").counts == {"amber": 3, "ember": 1}


def test_word_rule_joins_apostrophes_and_hyphens_and_counts_across_pieces():
    text = "The lord's well-beloved -- 'tis her' 3rd_thing don't"
    assert words.split_words(text) == ["The", "lord's", "well-beloved", "tis", "her", "rd", "thing", "don't"]
    whole = words.count_words([text])
    for cut in range(len(text) + 1):  # a word cut between two pieces is still one word
        assert words.count_words([text[:cut], text[cut:]]) == whole


def test_stems_count_as_uses():
    assert words.uses("raineth", "rain") and words.uses("rained", "rain") and words.uses("rains", "rain")
    assert words.uses("loved", "love") and words.uses("loving", "love") and words.uses("running", "run")
    assert not words.uses("rainbow", "rain") and not words.uses("warm", "war") and not words.uses("since", "sin")


def test_content_words_leave_out_the_most_frequent_by_count():
    names = [a + b + c for a in "bcdfghjk" for b in "aeiou" for c in "klmnprstvz"][:300]  # "bak", "bal", ...
    counts = Counter({name: 1000 - i for i, name in enumerate(names)})
    counts.update({"the": 50_000, "and": 30_000, "rain": 3})
    listed = words.WordList.from_counts(counts)
    assert listed.frequent == {"the", "and", "bak"}  # >= 1 in 2,000 words, at most 1% of the list
    assert listed.content_words("and the rain, the rains and bak bal?") == ["rain", "bal"]


# ---- real words ------------------------------------------------------------------------------

def test_corpus_words_only_while_free_spelling_invents_words(handful):
    oracle = store.load(handful)
    known = set(WORDS) | {RARE}
    corpus, free = [], []
    for seed in range(6):
        corpus += finished_words(answer(oracle, "amber", seed, words="corpus", heed=0))
        free += finished_words(answer(oracle, "amber", seed, words="free", heed=0))
    assert len(corpus) > 100 and set(corpus) <= known
    assert set(free) - known  # the control: this little model does invent words when free


def test_speller_follows_the_word_rule_for_joiners():
    vocab = Vocabulary(" '.-abdefhilnorstw")
    lexicon = Lexicon(["lord's", "lord", "her", "well-bred", "a"], vocab)
    ids = {ch: i for i, ch in enumerate(vocab.chars)}

    def allowed_after(text: str) -> set[str]:
        speller = Speller(lexicon)
        for ch in text:
            speller.feed(ids[ch])
        bias = speller.adjust(__import__("numpy").zeros(len(vocab), "float32"), True)
        return {ch for ch, b in zip(vocab.chars, bias) if b == 0}

    assert allowed_after("lor") == {"d"}
    assert allowed_after("lord") >= {"'", " ", "."} and "s" not in allowed_after("lord")
    assert allowed_after("lord'") == {"s", " ", "'", ".", "-"}  # "lord's", or "lord" and a quote
    assert allowed_after("her'") == {" ", "'", ".", "-"}  # "her's" is no word: no letter may follow
    assert allowed_after("well-") == {"b"}  # "well" alone is no word, so the hyphen must go on
    assert "h" in allowed_after("a ") and "i" not in allowed_after("a ")  # no known word starts with "i"


# ---- heeding the question --------------------------------------------------------------------

def test_more_heed_names_the_questions_word_more_often(handful):
    oracle = store.load(handful)
    named = {}
    for heed in (0.0, 4.0, 8.0):  # one candidate: heed alone, nothing ranked
        named[heed] = sum(any(words.uses(w, RARE) for w in finished_words(answer(oracle, f"what of {RARE}?", seed,
                                                                                  heed=heed, length=60, candidates=1)))
                          for seed in range(20))
    assert named[0.0] < named[4.0] <= named[8.0], named
    assert named[8.0] >= 15


def test_a_question_word_is_spoken_once_then_its_pull_is_spent(handful):
    # Heed speaks "zircon" where the network finds it plausible, then lets it be: a strong heed does
    # not loop on it (the first-letter pull needed a decay and a miss rule to stop "zircon zircon").
    oracle = store.load(handful)
    uses = [sum(words.uses(w, RARE) for w in finished_words(answer(oracle, f"{RARE}?", seed, heed=12.0, length=150,
                                                                   candidates=1)))
            for seed in range(8)]
    assert max(uses) <= 3 and sum(u >= 1 for u in uses) >= 6, uses


# ---- models without a word list, export and import -------------------------------------------

def test_a_model_without_a_word_list_answers_freely_with_one_notice(handful, oracle_home):
    folder = oracle_home / "models" / handful
    meta = json.loads((folder / "meta.json").read_text("utf-8"))
    (folder / meta.pop("words")["file"]).unlink()
    (folder / "meta.json").write_text(json.dumps(meta), "utf-8")
    oracle = store.load(handful)
    reading = oracle.ask("amber", SampleSettings(length=80, stop="length"), seed=1)
    text = "".join(reading)
    assert len(text) == 80 and "no word list" in reading.notice and "spells freely" in reading.notice
    assert text == answer(oracle, "amber", 1, words="free", heed=0, length=80, temperature=SampleSettings().temperature)
    assert oracle.ask("amber", SampleSettings(words="free", heed=0)).notice is None  # asked for nothing it lacks


def test_a_damaged_word_list_costs_only_the_words(handful, oracle_home):
    folder = oracle_home / "models" / handful
    meta = json.loads((folder / "meta.json").read_text("utf-8"))
    (folder / meta["words"]["file"]).write_text("amber\t1\n", "utf-8")
    reading = store.load(handful).ask("amber", SampleSettings(length=30, stop="length"), seed=1)
    assert len("".join(reading)) == 30 and "does not match the sha256" in reading.notice


def test_export_carries_the_word_list_and_import_checks_it(handful, tmp_path):
    path = store.export(handful, tmp_path / "handful.oracle")
    store.import_(path, name="again")
    again = store.load("again")
    assert again.words is not None and again.words.counts == store.load(handful).words.counts
    store.copy(handful, "copied")
    assert store.load("copied").words.counts == again.words.counts

    data = path.read_bytes()
    header = json.loads(data[8:8 + int.from_bytes(data[:8], "little")])["__metadata__"]
    tensors = st_load(data)
    altered = header["oracle_words"].replace("amber", "ambre")
    (tmp_path / "altered.oracle").write_bytes(st_save(tensors, metadata={**header, "oracle_words": altered}))
    with pytest.raises(CorruptModel, match="word list that does not match the sha256"):
        store.import_(tmp_path / "altered.oracle", name="altered")
    (tmp_path / "dropped.oracle").write_bytes(st_save(tensors, metadata={"oracle_meta": header["oracle_meta"]}))
    with pytest.raises(CorruptModel, match="does not carry it"):
        store.import_(tmp_path / "dropped.oracle", name="dropped")
    assert {e.name for e in store.list_models()} >= {"again", "copied"} and not (store.user_dir("altered")).exists()


# ---- settings and exact replay ------------------------------------------------------------------

def test_settings_check_words_and_heed():
    with pytest.raises(Exception, match="Words 'loose' must be one of: corpus, free"):
        SampleSettings(words="loose").validate()
    with pytest.raises(Exception, match="Heed -1 must be a number from 0 to 20"):
        SampleSettings(heed=-1).validate()
    # A record from before these settings existed replays as it was read then: free, no heed.
    old = SampleSettings.from_record({"temperature": 0.5, "top_k": 0, "top_p": 1.0, "length": 9, "stop": "length", "min_length": 0})
    assert (old.words, old.heed, old.length) == ("free", 0.0, 9)


def test_replay_applies_every_mid_answer_change_at_its_character(handful):
    oracle = store.load(handful)
    start = SampleSettings(temperature=0.3, length=160, stop="length", candidates=1)  # a change lands at the next character
    reading = oracle.ask("amber", start, seed=11)
    text = ""
    for ch in reading:  # the app turns the temperature up seven times while it speaks, and heed off once
        text += ch
        if len(text) in (10, 20, 30, 40, 50, 60, 70):
            reading.settings.temperature = round(reading.settings.temperature + 0.3, 2)
        if len(text) == 90:
            reading.settings.heed = 0.0
    record = reading.record()
    assert record.settings is not None and record.settings.temperature == 0.3 and len(record.changes) == 8
    assert record.changes[0] == SettingsChange(record.changes[0].at, {"temperature": 0.6})
    replay = oracle.ask("amber", record.settings, seed=record.seed, changes=record.changes)
    assert "".join(replay) == text
    assert replay.record().changes == record.changes  # a replay's record replays too
    from oracle.tui import history

    shown = history.to_markdown(handful, [history.Exchange("amber", text, record)])
    assert "words corpus" in shown and f"heed {DEFAULT_HEED}" in shown and "from character" in shown and "temperature 0.6" in shown
    # The control: the settings it ended with alone (what the record used to hold) give another text.
    ended = replace(record.settings, temperature=2.4, heed=0.0)
    assert "".join(oracle.ask("amber", ended, seed=record.seed)) != text


# ---- the benchmark's own measures -------------------------------------------------------------

def test_prophecy_bench_measures():
    from bench import prophecy

    assert prophecy.has_loop("ab" * 30) and not prophecy.has_loop("the quick brown fox jumps over the lazy dog")
    assert prophecy.finished_words("the rain of the wor") == ["the", "rain", "of", "the"]
    unseen = prophecy.questions(prophecy.UNSEEN)
    assert len(unseen) >= 50 and not set(unseen) & set(prophecy.questions())
    copies = prophecy.Copies()
    assert copies.copied("In the beginning God created the heaven and the earth. And the earth was without form")
    assert not copies.copied("the rain of the harvest is the rain of the year and the end of the war")
    result = prophecy.measure(seeds=1, limit=2, speed_questions=1, with_judge=False)  # the shipped default
    rows = {r["name"]: r for r in result["rows"]}
    assert all(rows[name]["answers"] == 2 and rows[name]["chars_per_s"] > 0 for name in prophecy.CONFIGS)
    assert len(rows) == len(prophecy.CONFIGS) + 1  # and the previous release's saved answers, measured alike
    assert rows["default"]["realness"] == 1.0 and rows["default"]["settings"]["candidates"] > 1
    assert "| default |" in prophecy.markdown(result)
