"""Voices (issue 12): a model trained on several sources speaks in any blend of them.

Two tiny sources with disjoint alphabets make the voice visible in every character: one is made
only of "abc " and the other only of "xyz ", so an answer in voice A may hold no x, y or z.
"""

from __future__ import annotations

import os
import shutil

import numpy as np
import pytest
import torch
from conftest import random_words, train_sources
from tui.conftest import wait_until

from oracle.cli.entry import main
from oracle.engine import OracleError, Progress, Recipe, SampleSettings, Trainer, TrainingControl, VoiceChange, store
from oracle.engine.data.batches import ContiguousBatches
from oracle.engine.data.corpus import SourceSpec, build_corpus
from oracle.engine.read.voices import parse_blend

A, B = set("abc"), set("xyz")
VOICED = dict(hidden_size=32, num_layers=1, embed_dim=8, voice_dim=4, dropout=0.0, seq_len=32, batch_size=16, lr=0.01,
              epochs=10, warmup_steps=5, sample_length=20, val_fraction=0.05, max_val_chars=1000, seed=7)
LONG = SampleSettings(temperature=1.0, stop="length", length=120)


@pytest.fixture(scope="session")
def _sources(tmp_path_factory):
    folder = tmp_path_factory.mktemp("voice-sources")
    (folder / "abc.txt").write_text(random_words("abc", 20000, 1), "utf-8")
    (folder / "xyz.txt").write_text(random_words("xyz", 20000, 2), "utf-8")
    return [str(folder / "abc.txt"), str(folder / "xyz.txt")]


@pytest.fixture(scope="session")
def _voiced_home(tmp_path_factory, _sources):
    return train_sources(tmp_path_factory.mktemp("voiced-home") / "home", "voiced", _sources, **VOICED)


@pytest.fixture
def voiced(_voiced_home, oracle_home) -> str:
    shutil.copytree(_voiced_home / "models" / "voiced", oracle_home / "models" / "voiced")
    return "voiced"


def letters(text: str) -> set[str]:
    return set(text) - set(" \n")


def test_each_voice_speaks_only_its_own_letters(voiced):
    oracle = store.load(voiced)
    assert oracle.voices == ["abc", "xyz"]
    # At the default temperature: models trained with seeds 1 to 4, 20 answers each, none strayed.
    settings = SampleSettings(temperature=0.7, stop="length", length=120)
    for seed in range(3):
        a = "".join(oracle.ask(" ", settings, seed=seed, voice={"abc": 1}))
        b = "".join(oracle.ask(" ", settings, seed=seed, voice={"xyz": 1}))
        assert letters(a) and letters(a) <= A, a
        assert letters(b) and letters(b) <= B, b


def test_blends_and_the_any_voice_answer_run(voiced):
    oracle = store.load(voiced)
    reading = oracle.ask(" ", LONG, seed=1, voice={"abc": 3, "xyz": 1})
    text = "".join(reading)
    assert len(text) == LONG.length and letters(text) <= A | B
    assert reading.record().voice == {"abc": 0.75, "xyz": 0.25}  # normalised
    anyone = oracle.ask(" ", LONG, seed=1)
    assert len("".join(anyone)) == LONG.length and "voice" not in anyone.record().to_dict()


def test_the_voice_can_change_while_it_speaks(voiced):
    oracle = store.load(voiced)
    # One candidate: the change lands at the next character (a ranked answer takes it up at its next round).
    reading = oracle.ask(" ", SampleSettings(temperature=0.5, stop="length", length=200, candidates=1), seed=4,
                         voice={"abc": 1})
    chars = iter(reading)
    first = "".join(next(chars) for _ in range(60))
    reading.set_voice({"xyz": 1})
    rest = "".join(chars)
    assert letters(first) <= A
    assert letters(rest[-80:]) and letters(rest[-80:]) <= B, rest
    record = reading.record()
    assert record.voice == {"abc": 1.0} and record.changes == (VoiceChange(record.changes[0].at, {"xyz": 1.0}),)
    assert record.changes[0].at >= 60  # steps count the leading whitespace an answer leaves out too
    replay = oracle.ask(" ", record.settings, seed=record.seed, voice=record.voice, changes=record.changes)
    assert "".join(replay) == first + rest  # the change replays at the same step
    assert replay.record() == record


def test_streaming_with_a_blend_matches_the_full_network(voiced):
    oracle = store.load(voiced)
    weights = oracle.voice_weights({"abc": 0.3, "xyz": 0.7})
    ids = oracle.vocab.encode("ab xy cz ")
    with torch.no_grad():
        expected, _ = oracle.net(torch.from_numpy(ids.astype(np.int64))[None], voice=torch.from_numpy(weights))
    cursor = oracle.stepper.cursor(voice=weights)
    for t, char_id in enumerate(ids):
        np.testing.assert_allclose(cursor.advance(int(char_id)), expected[0, t].numpy(), rtol=1e-4, atol=1e-5)


def test_window_loss_reads_in_the_voice_it_is_given(voiced):
    from torch.nn import functional as F

    from oracle.engine.train.evaluate import window_loss

    oracle = store.load(voiced)
    ids = oracle.vocab.encode("ab ca bb ac " * 8)
    windows = torch.from_numpy(np.stack([ids[t - 40:t] for t in range(40, len(ids))]).astype(np.int64))
    for row in (0, 1, 2):  # any voice, abc, xyz
        with torch.no_grad():
            logits, _ = oracle.net(windows, last_only=True, voice=torch.tensor(row))
        expected = F.cross_entropy(logits, torch.from_numpy(ids[40:].astype(np.int64))).item()
        assert window_loss(oracle.net, ids, voice=row) == pytest.approx(expected, rel=1e-5)
    assert window_loss(oracle.net, ids, voice=1) < window_loss(oracle.net, ids, voice=2)  # abc text reads best as abc


def test_save_load_export_and_import_keep_the_voices(voiced, tmp_path):
    before = store.load(voiced)
    path = store.export(voiced, tmp_path / "voiced.oracle")
    assert store.import_(path, "again") == "again"
    after = store.load("again")
    assert after.voices == before.voices == ["abc", "xyz"]
    assert after.meta.voices == before.meta.voices
    assert set(before.meta.metrics[-1].per_voice_any or {}) == {"abc", "xyz"}  # each source in the any voice, typed
    assert torch.equal(after.net.voice.weight, before.net.voice.weight)
    assert "".join(after.ask(" ", LONG, seed=5, voice={"xyz": 1})) == "".join(before.ask(" ", LONG, seed=5, voice={"xyz": 1}))


def test_unknown_voice_is_one_sentence_and_exit_2(voiced, capsys):
    assert main(["ask", "hello", "--model", voiced, "--voice", "abc:0.5,kjv:0.5"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == "oracle: Unknown voice 'kjv': this oracle's voices are abc, xyz.", err
    assert main(["ask", "hello", "--model", voiced, "--voice", "abc:lots"]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_cli_asks_in_a_voice_and_models_show_lists_the_voices(voiced, capsys):
    # not one letter it knows
    assert main(["ask", "Who?", "--model", voiced, "--voice", "xyz", "--stop", "length", "-n", "80", "--seed", "2"]) == 0
    out = capsys.readouterr().out
    assert letters(out) and letters(out) <= B, out
    assert main(["models", "show", voiced]) == 0
    assert "voices: abc, xyz" in capsys.readouterr().out


def test_single_source_and_keras_classic_models_have_no_voices(tmp_path, _sources):
    from oracle.engine import get_recipe

    one = Trainer("one", _sources[:1], Recipe(**{**VOICED, "epochs": 1}))
    assert one.config.voices == 0 and not hasattr(one.net, "voice")
    classic = Trainer("classic", _sources, get_recipe("keras-classic").with_overrides(hidden_size=16, epochs=1))
    assert classic.config.voices == 0 and not hasattr(classic.net, "voice")
    one.run()
    oracle = store.load("one")
    assert oracle.voices == [] and oracle.meta is not None and not oracle.meta.voices
    with pytest.raises(OracleError, match="no voices"):
        oracle.ask(" ", voice={"abc": 1})


def test_training_labels_follow_the_sources_with_a_share_read_in_any_voice(_sources):
    corpus = build_corpus([SourceSpec.parse(s) for s in _sources], lowercase=False, val_fraction=0.05, min_train=33)
    batches = ContiguousBatches(corpus, 16, 32, seed=3, voiced=True, any_voice_share=0.15)
    abc = {corpus.vocab.chars.index(ch) for ch in "abc"}
    xyz = {corpus.vocab.chars.index(ch) for ch in "xyz"}
    counts = np.zeros(3)
    for step in range(batches.steps_per_epoch):
        x, _ = batches.get(0, step)
        v = batches.voices(0, step)
        assert v.shape == x.shape
        counts += np.bincount(v.flatten().numpy(), minlength=3)
        for label, _alphabet, other in ((1, abc, xyz), (2, xyz, abc)):
            chars = set(x[v == label].tolist())
            assert not chars & other  # a character labelled with a voice was read from that source
    share = counts[0] / counts.sum()
    assert 0.08 < share < 0.22, share  # the "any voice" share, measured over one epoch
    assert counts[1] > 0 and counts[2] > 0


def test_resume_keeps_the_voice_vectors_bit_identical(_sources):
    recipe = Recipe(**{**VOICED, "epochs": 2, "dropout": 0.2, "num_layers": 2})
    Trainer("straight", _sources, recipe).run()
    control = TrainingControl()

    def stop_early(event):
        if isinstance(event, Progress) and event.step >= 17:
            control.stop()

    import oracle.engine.train.epochs as train_module

    old, train_module.PROGRESS_SECONDS = train_module.PROGRESS_SECONDS, 0.0
    try:
        assert Trainer("interrupted", _sources, recipe, on_event=stop_early, control=control).run().step == 17
    finally:
        train_module.PROGRESS_SECONDS = old
    Trainer("interrupted", resume=True).run()
    a, b = (store.read_checkpoint(store.user_dir(n))[1] for n in ("straight", "interrupted"))
    assert "voice.weight" in a and a.keys() == b.keys()
    for key in a:
        assert torch.equal(a[key], b[key]), key


def test_two_processes_train_the_same_voiced_model_as_one(_sources, oracle_home, tmp_path):
    import subprocess
    import sys

    if not torch.distributed.is_available():
        pytest.skip("torch.distributed is missing")
    flags = ["--recipe", "quick", "--hidden-size", "32", "--embed-dim", "16", "--voice-dim", "4", "--seq-len", "32",
             "--batch-size", "16", "--sample-length", "10", "--val-fraction", "0.05", "--max-val-chars", "1000",
             "--device", "cpu", "--dropout", "0", "--epochs", "1", "-q"]
    env = dict(os.environ, ORACLE_HOME=str(oracle_home), OMP_NUM_THREADS="1")
    done = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2", "-m", "oracle",
                           "train", *_sources, "--name", "ddp", *flags], env=env, cwd=tmp_path, capture_output=True, text=True,
                          timeout=240)
    assert done.returncode == 0, done.stderr[-3000:]
    ddp = store.find("ddp").meta
    assert ddp["world_size"] == 2 and [v["name"] for v in ddp["voices"]] == ["abc", "xyz"]
    from oracle.engine import get_recipe

    recipe = get_recipe("quick").with_overrides(hidden_size=32, embed_dim=16, voice_dim=4, seq_len=32, batch_size=16, sample_length=10,
                                                val_fraction=0.05, max_val_chars=1000, device="cpu", dropout=0.0, epochs=1)
    single = Trainer("single", _sources, recipe, command=["test"]).run()
    # Each rank labels its own rows of the same global batch: the same model up to summation order.
    assert ddp["best"]["val_loss"] == pytest.approx(single.best_val_loss, abs=1e-3)


def test_blend_text_is_parsed_and_checked():
    assert parse_blend("kjv:0.7, devils-dictionary:0.3") == {"kjv": 0.7, "devils-dictionary": 0.3}
    assert parse_blend("kjv") == {"kjv": 1.0}
    for bad in (",", "kjv:x", ":0.5"):
        with pytest.raises(OracleError):
            parse_blend(bad)


# ---- the app ------------------------------------------------------------------------------------

@pytest.fixture
def app_home(voiced, monkeypatch, tmp_path):
    from oracle.engine.io import paths

    monkeypatch.setattr(paths, "shipped_models_dir", lambda: tmp_path / "no-shipped-models")
    return voiced


@pytest.mark.asyncio
async def test_the_oracle_screen_speaks_in_the_chosen_voice_and_replays_it(app_home, tmp_path):
    from textual.widgets import Input

    from oracle.tui import history
    from oracle.tui.app import make_app
    from oracle.tui.widgets.transcript import ExchangeView
    from oracle.tui.widgets.voices_panel import VoicesPanel

    app = make_app(pace=0)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.oracle_screen
        panel = screen.query_one(VoicesPanel)
        await wait_until(pilot, lambda: screen.oracle is not None and panel.names, what="the model", timeout=30)
        assert panel.display and panel.names == ["abc", "xyz"] and panel.blend is None
        panel.query_one("#voice-1", Input).value = "2"  # xyz
        await pilot.pause()
        assert panel.blend == {"xyz": 1.0}
        bad = panel.query_one("#voice-0", Input)
        bad.value = "lots"  # refused in place: the last good blend stays
        await pilot.pause()
        assert bad.has_class("invalid") and panel.blend == {"xyz": 1.0}
        assert "a weight is a number" in str(panel.query_one("#voices-blend").render())
        bad.value = "0"
        await pilot.pause()
        assert not bad.has_class("invalid") and panel.blend == {"xyz": 1.0}
        screen.ask(" ", seed=1, settings=SampleSettings(temperature=1.0, stop="length", length=80))  # a fixed seed, as the CLI tests
        await wait_until(pilot, lambda: not screen.speaking and screen.exchanges[-1].answer, what="the answer", timeout=30)
        first = screen.exchanges[-1]
        assert letters(first.answer) and letters(first.answer) <= B, first.answer
        assert first.record.voice == {"xyz": 1.0}
        assert "voice xyz 1.00" in str(screen.query(ExchangeView).last().query_one(".footnote").render())
        panel.query_one("#voice-0", Input).value = "5"  # the panel now says mostly abc...
        await pilot.pause()
        screen.replay_last()  # ...but a replay takes the recorded voice, seed and settings: the same answer
        await wait_until(pilot, lambda: not screen.speaking and len(screen.exchanges) == 2 and screen.exchanges[-1].answer,
                         what="the replay", timeout=30)
        assert screen.exchanges[-1].answer == first.answer
        markdown = history.to_markdown(app_home, screen.exchanges)
        assert "voice xyz 1.00" in markdown


@pytest.mark.asyncio
async def test_the_voice_changes_while_the_oracle_speaks(app_home):
    from textual.widgets import Input

    from oracle.tui.app import make_app
    from oracle.tui.widgets.voices_panel import VoicesPanel

    app = make_app(pace=400)  # slow enough to change the voice mid-answer
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.oracle_screen
        panel = screen.query_one(VoicesPanel)
        await wait_until(pilot, lambda: screen.oracle is not None and panel.names, what="the model", timeout=30)
        panel.query_one("#voice-0", Input).value = "1"  # abc
        await pilot.pause()
        # One candidate: the change lands at the next character (ranked, at the next round of up to 240).
        screen.ask(" ", settings=SampleSettings(temperature=0.5, stop="length", length=300, candidates=1))
        await wait_until(pilot, lambda: screen.reading is not None and len(screen.reading.text) >= 40,
                         what="the first characters", timeout=30)
        panel.query_one("#voice-0", Input).value = "0"
        panel.query_one("#voice-1", Input).value = "1"  # now xyz
        await wait_until(pilot, lambda: not screen.speaking and screen.exchanges[-1].answer, what="the answer", timeout=60)
        answer, record = screen.exchanges[-1].answer, screen.exchanges[-1].record
        assert letters(answer[:40]) <= A and letters(answer[-60:]) and letters(answer[-60:]) <= B, answer
        assert record.voice == {"abc": 1.0} and record.changes[-1] == VoiceChange(record.changes[-1].at, {"xyz": 1.0})


@pytest.mark.asyncio
async def test_models_details_list_the_voices_and_training_shows_loss_per_voice(app_home):
    from textual.widgets import RichLog, Static

    from oracle.engine import EpochEnd
    from oracle.tui.app import make_app
    from oracle.tui.widgets.train_live import TrainLive

    app = make_app(pace=0, start="models")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.models_screen
        await wait_until(pilot, lambda: "voices:" in str(screen.query_one("#model-meta", Static).render()), what="the details", timeout=30)
        assert "voices: abc, xyz and any voice" in str(screen.query_one("#model-meta", Static).render())
        app.action_show("train")
        await pilot.pause()
        live = app.train_screen.query_one(TrainLive)
        live.epoch_end(EpochEnd(1, 2, 10, 1.3, 1.2, {"abc": 1.1, "xyz": 1.3}, {}, "", 1.0, True,
                                per_voice_any={"abc": 1.15, "xyz": 1.4}))
        await pilot.pause()
        lines = " ".join(str(line.text) for line in live.query_one(RichLog).lines)
        assert "validation per voice" in lines and "abc 1.587 / 1.659" in lines, lines


def test_the_voices_benchmark_runs_and_reports_every_figure():
    from bench import voices

    result = voices.measure(voices.QUICK)
    assert {r["source"] for r in result["held_out"]} == {"kjv", "devils-dictionary"}
    for row in result["held_out"]:
        assert all(0 < row[k] < 10 for k in ("own", "any", "unvoiced", "unvoiced_64k"))
        assert all(0 < row["window"][k] < 10 for k in ("own", "any", "unvoiced", "unvoiced_64k"))
    assert len(result["fidelity"]) == 2 and all(0 <= f["share"] <= 1 for f in result["fidelity"])
    (blend,) = result["blends"]
    assert isinstance(blend["between"], bool)
    text = voices.markdown(result)
    assert "Fidelity" in text and "50/50 blends" in text and "| kjv |" in text and "40 previous chars" in text


def test_training_from_a_voiced_model_on_other_corpora_starts_from_its_any_voice(voiced, _sources):
    from oracle.engine import Notice

    base = store.load(voiced)
    notices = []
    child = Trainer("child", _sources[:1], Recipe(**{**VOICED, "epochs": 1}), init_from=voiced,
                    on_event=lambda e: notices.append(e.message) if isinstance(e, Notice) else None)
    assert child.config.voices == 0 and not hasattr(child.net, "voice")
    x = torch.from_numpy(base.vocab.encode(" ab xy ca zz").astype(np.int64))[None]
    with torch.no_grad():
        expected, _ = base.net(x)  # the any voice
        got, _ = child.net.eval()(x)
    torch.testing.assert_close(got, expected, rtol=1e-5, atol=1e-5)
    child.run()
    assert any("starts from its any voice" in n for n in notices)
    same = Trainer("same", _sources, Recipe(**{**VOICED, "epochs": 1}), init_from=voiced)
    assert same.config.voices == 2 and same.voices == ["abc", "xyz"]  # the same corpora: it keeps its voices


def test_a_damaged_recorded_voice_is_refused_in_one_sentence(voiced):
    oracle = store.load(voiced)
    for bad in (["abc"], {"abc": "1"}, {("abc",): 1.0}, {"abc": float("nan")}, {"abc": -1.0}):
        with pytest.raises(OracleError):
            oracle.ask(" ", voice=bad)
