"""The torch-free read path (#26): numpy priming against torch's forward, old records replaying exactly,
and `oracle ask`, `oracle models`, `oracle --help` running without importing torch."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import numpy as np
import pytest
import torch

from oracle.engine import ReadingRecord, SampleSettings, store
from oracle.engine.model import precision
from tests.conftest import REPO

PROMPTS = ["what is truth?", "The fear of the LORD is the beginning of wisdom.\n" * 3, "a"]


def torch_prime(oracle, text: str, voice=None, read_in=None):
    """How the prompt was read before #26: nn.LSTM's forward, float32 (the reference)."""
    ids = torch.from_numpy(oracle.vocab.encode(text).astype(np.int64))[None]
    weights = None if voice is None else torch.from_numpy(np.asarray(voice, dtype=np.float32))
    with torch.inference_mode():
        logits, (h, c) = oracle.net(ids, last_only=True, voice=weights)
    return logits[0].numpy(), (h.numpy(), c.numpy())


def assert_primes_match(oracle, voices) -> None:
    for text in PROMPTS:
        text = oracle.vocab.fit_prompt(text, oracle.lowercase)[0]
        for voice in voices:
            weights = oracle.voice_weights(voice)
            got_logits, (got_h, got_c) = oracle.prime(text, weights)
            want_logits, (want_h, want_c) = torch_prime(oracle, text, weights)
            np.testing.assert_allclose(got_logits, want_logits, atol=2e-5, rtol=1e-5, err_msg=f"{text!r} {voice}")
            np.testing.assert_allclose(got_h, want_h, atol=2e-5, rtol=1e-5, err_msg=f"{text!r} {voice}")
            np.testing.assert_allclose(got_c, want_c, atol=2e-5, rtol=1e-5, err_msg=f"{text!r} {voice}")


def test_numpy_priming_equals_the_torch_forward_on_the_default_model():
    oracle = store.load("default")
    assert oracle.config.voices, "the shipped default is voiced: its voice columns are checked too"
    assert_primes_match(oracle, [None, {"kjv": 1.0}, {"jargon": 0.3, "proverbs": 0.7}])


def test_numpy_priming_equals_the_torch_forward_on_a_voiced_tiny_model(tmp_path, corpus_text):
    from oracle.engine import Recipe, Trainer

    half = len(corpus_text) // 2
    (tmp_path / "first.txt").write_text(corpus_text[:half], "utf-8")
    (tmp_path / "second.txt").write_text(corpus_text[half:], "utf-8")
    # two layers, so the upper layer's all-positions product is checked with a voice below it
    recipe = Recipe(hidden_size=24, num_layers=2, embed_dim=8, voice_dim=4, dropout=0.0, seq_len=32, batch_size=16,
                    epochs=1, val_fraction=0.1, seed=7)
    Trainer("voiced", [str(tmp_path / "first.txt"), str(tmp_path / "second.txt")], recipe, command=["test"]).run()
    oracle = store.load("voiced")
    assert sorted(oracle.voices) == ["first", "second"]
    assert_primes_match(oracle, [None, {"first": 1.0}, {"first": 0.3, "second": 0.7}])


def test_numpy_priming_equals_the_torch_forward_on_deeper_and_one_hot_models():
    from oracle.engine.model.config import ModelConfig, Weights
    from oracle.engine.model.network import CharLSTM
    from oracle.engine.read.reading import Oracle

    torch.manual_seed(3)
    vocab = store.load("default").vocab
    for config in (ModelConfig(vocab_size=len(vocab), hidden_size=20, num_layers=3, embed_dim=6),
                   ModelConfig(vocab_size=len(vocab), hidden_size=12, num_layers=2, one_hot=True)):
        net = CharLSTM(config).eval()
        oracle = Oracle("random", Weights.from_net(net), vocab, lowercase=True)
        assert_primes_match(oracle, [None])


@pytest.mark.parametrize("model", ["default", "tiny"])
def test_an_old_float32_record_replays_exactly(model, request):
    """Records made when the prompt went through nn.LSTM give the same answer read in numpy."""
    name = model if model == "default" else request.getfixturevalue("tiny_model")
    old, new = store.load(name), store.load(name)
    old.prime = lambda text, voice=None, read_in=None: torch_prime(old, text, voice)  # the code before #26
    settings = SampleSettings(stop="length", length=150, temperature=0.9)
    for seed in range(6):
        for question in PROMPTS[:2]:
            before = old.ask(question, settings, seed=seed)
            answer = "".join(before)
            saved = json.loads(json.dumps(before.record().to_dict()))  # as a conversation saves it
            assert "prime" not in saved
            record = ReadingRecord.read(saved)
            again = new.ask(question, record.settings, seed=record.seed, prime=record.prime)
            assert "".join(again) == answer, (seed, question)


@pytest.mark.precision
@pytest.mark.skipif(not precision.bf16_kernels_work(), reason="oneDNN has no bf16 kernels on this CPU "
                    "(test_engine's replay test covers a bf16 record read in float32 there)")
def test_a_bf16_record_replays_as_it_was_read(tiny_model):
    oracle = store.load(tiny_model)
    settings = SampleSettings(stop="length", length=80)
    first = oracle.ask("what is wisdom?", settings, seed=3, prime="bf16")
    answer = "".join(first)
    assert first.record().prime == "bf16"
    assert "".join(store.load(tiny_model).ask("what is wisdom?", settings, seed=3, prime="bf16")) == answer


def test_new_readings_are_primed_in_numpy_float32(tiny_model):
    reading = store.load(tiny_model).ask("what is wisdom?", seed=1)
    assert "".join(reading) and "prime" not in reading.record().to_dict()  # a float32 record, as before bf16 priming


def _run_without_torch(code: str, home) -> str:
    """Run `code` in a fresh interpreter; return the modules it imported, one line."""
    probe = f"{code}\nimport sys\nprint('MODULES', ' '.join(sorted({{m.split('.')[0] for m in sys.modules}})))"
    env = {**os.environ, "ORACLE_HOME": str(home), "PYTHONPATH": str(REPO)}
    out = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=120, cwd=REPO)
    assert out.returncode == 0, out.stderr
    return out.stdout.rsplit("MODULES", 1)[1].split()


@pytest.mark.parametrize("argv", [["ask", "what is truth?", "--length", "60", "--seed", "1"], ["models", "list"],
                                  ["models", "show", "default"], ["--help"], ["eye", "--help"], ["train", "--help"],
                                  # the eye reads every unit in numpy (docs/eye.md's calls)
                                  ["eye", "default", 'he said "wait" (twice).'],
                                  ["eye", "default", "some text (here)", "--find", "--top", "2"],
                                  ["eye", "default", "some text", "--unit", "2:160", "--kind", "forget", "--json"]])
def test_the_read_path_and_the_shell_never_import_torch(argv, oracle_home):
    code = f"from oracle.cli.entry import main\ntry:\n    main({argv!r})\nexcept SystemExit:\n    pass"
    modules = _run_without_torch(code, oracle_home)
    assert "torch" not in modules and "oracle" in modules


def test_ask_starts_no_blas_threads_it_does_not_use_and_answers_the_same(oracle_home):
    """OpenBLAS's pool of a thread per core is not started for an answer, which reads in one thread
    (unless OMP_NUM_THREADS says otherwise); the thread counts do not change the answer."""
    threads = ("from threadpoolctl import threadpool_info\n"
               "print('BLAS', [i['num_threads'] for i in threadpool_info() if i['user_api'] == 'blas'],"
               " 'OPENBLAS_NUM_THREADS' in os.environ)")
    asked = f"import os\nfrom oracle.cli.entry import main\nmain(['ask', 'what is truth?', '-n', '80', '--seed', '4'])\n{threads}"
    base = {k: v for k, v in os.environ.items() if k not in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS")}

    def run(code: str, more: dict) -> tuple[str, list[str]]:
        env = {**base, "ORACLE_HOME": str(oracle_home), "PYTHONPATH": str(REPO), **more}
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120, cwd=REPO)
        assert out.returncode == 0, out.stderr
        printed, _, blas = out.stdout.rpartition("BLAS ")
        return printed, blas.split()

    outputs = {}
    for name, more in (("default", {}), ("the user's threads", {"OMP_NUM_THREADS": "2"}), ("a pool of 2", {"OPENBLAS_NUM_THREADS": "2"})):
        outputs[name], blas = run(asked, more)
        if name == "default":
            assert blas == ["[1]", "False"]  # one thread, and the variable gone again
        else:  # a count the user set stands: as numpy alone starts it
            assert blas == run(f"import os, numpy\n{threads}", more)[1]
    assert len(set(outputs.values())) == 1 and len(outputs["default"]) > 40, outputs


def test_a_pacer_keeps_its_schedule_whatever_each_character_costs():
    from oracle.engine.read.pace import Pacer

    now = [100.0]
    pacer = Pacer(50, clock=lambda: now[0], sleep=lambda s: now.__setitem__(0, now[0] + s))
    costs = [0.001] * 40 + [0.3] + [0.001] * 59  # a hiccup of 0.3 s after 40 characters (a busy host)
    shown = []
    for n, cost in enumerate(costs, start=1):
        now[0] += cost  # computing character n
        pacer.wait(n)
        shown.append(now[0])
    start = shown[0]
    assert shown[39] - start == pytest.approx(39 / 50)  # on time before the hiccup
    assert shown[40] - start == pytest.approx(39 / 50 + 0.3)  # late after it (due at 40 / 50)...
    assert shown[-1] - start == pytest.approx(99 / 50)  # ...and back on schedule: several at once, then on time
    assert sum(1 for a, b in zip(shown[40:], shown[41:]) if b - a < 0.01) >= 10
    never = Pacer(0, clock=lambda: now[0], sleep=lambda s: pytest.fail("pace 0 waits"))
    never.wait(1), never.wait(1000)


class TimedStdout:
    """stdout that notes when each character was written."""

    def __init__(self) -> None:
        self.chars: list[tuple[float, str]] = []

    def write(self, text: str) -> int:
        self.chars.extend((time.monotonic(), ch) for ch in text)
        return len(text)

    def flush(self) -> None:
        pass

    def text(self) -> str:
        return "".join(ch for _, ch in self.chars)


def test_oracle_ask_pace_spreads_the_answer_without_changing_it(monkeypatch, capsys):
    from oracle.cli.entry import main

    args = ["ask", "what is truth?", "--length", "40", "--stop", "length", "--seed", "4"]
    fast, paced = TimedStdout(), TimedStdout()
    monkeypatch.setattr(sys, "stdout", fast)
    assert main(args) == 0
    monkeypatch.setattr(sys, "stdout", paced)
    assert main([*args, "--pace", "100"]) == 0
    assert paced.text() == fast.text() and len(paced.text().rstrip("\n")) == 40
    took = paced.chars[39][0] - paced.chars[0][0]
    assert 0.39 * 0.95 <= took <= 0.39 * 1.3, took  # the 40th character is due 39 / 100 s after the first
    monkeypatch.setattr(sys, "stdout", sys.__stdout__)
    assert main([*args, "--pace", "-1"]) == 2 and "--pace" in capsys.readouterr().err


def test_the_decoding_trie_read_back_from_the_cache_answers_as_the_built_one(oracle_home):
    from oracle.engine.read import lexicon_cache

    settings = SampleSettings(stop="length", length=80)
    built = store.load("default")
    first = ["".join(built.ask("what is truth?", settings, seed=seed)) for seed in range(3)]
    cached = list((oracle_home / "cache").glob("lexicon-*.npz"))
    assert len(cached) == 1  # the first reading built the trie and kept it
    again = store.load("default")
    restored = again.lexicon
    assert vars(restored).keys() == vars(built.lexicon).keys() and restored.nodes == built.lexicon.nodes
    assert ["".join(again.ask("what is truth?", settings, seed=seed)) for seed in range(3)] == first
    assert ["".join(again.ask("what is truth?", SampleSettings(), seed=seed)) for seed in range(3)] == \
        ["".join(built.ask("what is truth?", SampleSettings(), seed=seed)) for seed in range(3)]  # ranked, heeding
    with np.load(cached[0]) as stored:  # edges out of order (an older layout): not read, built afresh
        arrays = {key: stored[key][::-1] if key.startswith("d.") else stored[key] for key in stored.files}
    np.savez(cached[0], **arrays)
    assert ["".join(store.load("default").ask("what is truth?", settings, seed=seed)) for seed in range(3)] == first
    with np.load(cached[0]) as stored:
        assert (np.diff(stored["d.edges.k"]) > 0).all()  # and kept again, in order
    cached[0].write_bytes(b"PK\x03\x04 not a real archive")  # damaged: built afresh, and answers the same
    assert ["".join(store.load("default").ask("what is truth?", settings, seed=seed)) for seed in range(3)] == first
    assert lexicon_cache.cache_path("0" * 64, "ab") != lexicon_cache.cache_path("1" * 64, "ab")
