"""Classifier-free guidance (issue #25): the answer leans harder on the question and the voice;
it replays exactly, and a bad value gets one sentence."""

from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from conftest import TINY_RECIPE, random_words, train_in_home, train_sources

from oracle.cli.entry import main
from oracle.engine import SampleSettings, SettingsChange, store
from oracle.engine.read.likelihood import question_gain
from oracle.engine.schema import SettingError

# A corpus in which the question decides the answer: a model trained on it for seconds has begun to
# learn which answer follows which question, and guidance should make that count for more.
PAIRS = [("what is red?", "the apple is red."), ("what is blue?", "the sky is blue."), ("what is green?", "the grass is green."),
         ("what is white?", "the snow is white."), ("what is black?", "the night is black."), ("what is gold?", "the sun is gold.")]


@pytest.fixture(scope="module")
def _asked_home(tmp_path_factory) -> Path:
    rng = random.Random(0)
    text = "".join(f"{q}\n{a}\n" for q, a in (rng.choice(PAIRS) for _ in range(700)))
    return train_in_home(tmp_path_factory.mktemp("asked"), "asked", text, **{**TINY_RECIPE, "hidden_size": 48, "epochs": 4})


def gain(oracle, question: str, guidance: float, seed: int) -> float:
    """How much reading the question raised the likelihood of the answer (Li et al. 2016's mutual
    information, per character): log P(answer | question) - log P(answer | nothing asked)."""
    settings = SampleSettings(guidance=guidance, temperature=1.0, candidates=1, words="free", heed=0, stop="length",
                              length=20)
    reading = oracle.ask(question, settings, seed=seed)
    "".join(reading)
    return question_gain(oracle, reading)


def test_guidance_raises_what_the_question_adds_to_the_answer(_asked_home, monkeypatch):
    monkeypatch.setenv("ORACLE_HOME", str(_asked_home))
    oracle = store.load("asked")
    # Measured (hidden 48, 4 epochs, 18 answers): 0.19 +/- 0.02 nats a character unguided, 0.57 +/- 0.07 guided.
    plain = [gain(oracle, q, 0.0, seed) for q, _ in PAIRS for seed in range(3)]
    guided = [gain(oracle, q, 3.0, seed) for q, _ in PAIRS for seed in range(3)]
    assert np.mean(guided) > np.mean(plain) + 0.2, (np.mean(plain), np.mean(guided))


@pytest.mark.parametrize("candidates", [1, 4])
def test_a_guided_answer_with_changes_of_guidance_replays_exactly(tiny_model, candidates):
    oracle = store.load(tiny_model)
    settings = SampleSettings(guidance=2.0, candidates=candidates, length=200, stop="length")
    reading = oracle.ask("what is wisdom?", settings, seed=5)
    said = []
    for i, ch in enumerate(reading):
        said.append(ch)
        if i == 40:
            reading.settings.guidance = 0.0  # off mid-answer, then on again: the free twin starts again
        if i == 90:
            reading.settings.guidance = 4.0
    record = reading.record()
    if candidates == 1:  # a round a character: each change takes effect at the next one
        assert [c.settings for c in record.changes if isinstance(c, SettingsChange)] == [{"guidance": 0.0}, {"guidance": 4.0}]
    again = oracle.ask("what is wisdom?", record.settings, seed=record.seed, changes=record.changes)
    assert "".join(again) == "".join(said)
    unguided = oracle.ask("what is wisdom?", replace(settings, guidance=0.0), seed=5)
    assert "".join(unguided) != "".join(said)  # guidance changed what was drawn


def test_a_record_from_before_guidance_replays_without_it():
    old = SampleSettings.from_record({"temperature": 0.5, "top_k": 0, "top_p": 1.0, "length": 9, "stop": "length",
                                      "min_length": 0, "words": "corpus", "heed": 1.0, "candidates": 8})
    assert old.guidance == 0.0


@pytest.mark.parametrize(("bad", "sentence"), [
    (-0.5, "Guidance -0.5 must be a number from 0 to 10."),
    (11.0, "Guidance 11.0 must be a number from 0 to 10."),
    (float("nan"), "Guidance nan must be a number from 0 to 10."),
])
def test_a_bad_guidance_gets_one_sentence(bad, sentence, capsys):
    with pytest.raises(SettingError) as caught:
        SampleSettings(guidance=bad).validate()
    assert str(caught.value) == sentence
    assert main(["ask", "will it rain?", "--guidance", "loud"]) == 2
    err = capsys.readouterr().err
    assert "--guidance 'loud' is not a number." in err and "Traceback" not in err


# ---- a voice leans to its corpus on a model trained for seconds -------------------------------

@pytest.fixture(scope="module")
def barely_voiced(tmp_path_factory):
    """Two sources that share their letters but not how often each comes ("a" against "e"), on a
    model trained for two short epochs (about 2 s): its voices are faint."""
    folder = tmp_path_factory.mktemp("faint-voices")
    (folder / "ash.txt").write_text(random_words("aaaabcde", 6000, 1), "utf-8")
    (folder / "elm.txt").write_text(random_words("abcdeeee", 6000, 2), "utf-8")
    return train_sources(folder / "home", "faint", [str(folder / "ash.txt"), str(folder / "elm.txt")],
                         hidden_size=24, num_layers=1, embed_dim=8, voice_dim=4, dropout=0.0, seq_len=32, batch_size=16,
                         lr=0.01, epochs=2, warmup_steps=5, sample_length=20, val_fraction=0.05, max_val_chars=1000, seed=3)


def _lean(oracle, guidance: float) -> float:
    """How much more "a" than "e" the ash voice speaks, as a share of their letters, over fixed seeds."""
    a = e = 0
    for seed in range(6):
        text = "".join(oracle.ask(" ", SampleSettings(temperature=1.0, guidance=guidance, candidates=1, words="free",
                                                      heed=0, stop="length", length=150), seed=seed, voice={"ash": 1}))
        a, e = a + text.count("a"), e + text.count("e")
    return (a - e) / max(1, a + e)


def test_guidance_makes_a_faint_voice_lean_to_its_corpus(barely_voiced, monkeypatch):
    monkeypatch.setenv("ORACLE_HOME", str(barely_voiced))
    oracle = store.load("faint")
    assert oracle.voices == ["ash", "elm"]
    # The ash corpus leans 0.6 ("a" four times as often as "e"). Measured: 0.12 unguided, 0.51 at guidance 3.
    plain, guided = _lean(oracle, 0.0), _lean(oracle, 3.0)
    assert guided > plain + 0.2, (plain, guided)
