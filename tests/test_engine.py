"""The engine's numerics and guarantees, checked with real training on tiny data."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import torch
from conftest import TINY_RECIPE

from oracle.engine import OracleError, Recipe, SampleSettings, Trainer, TrainingControl, store
from oracle.engine.data.corpus import MIX_BLOCK, SourceSpec, build_corpus
from oracle.engine.model import precision
from oracle.engine.train.events import EpochEnd, Notice, Progress, Started


def tiny(**changes) -> Recipe:
    return Recipe(**{**TINY_RECIPE, **changes})


def test_training_lowers_validation_loss(tiny_corpus):
    epochs = []
    Trainer("learner", [str(tiny_corpus)], tiny(epochs=3), on_event=lambda e: isinstance(e, EpochEnd) and epochs.append(e)).run()
    losses = [e.val_loss for e in epochs]
    assert len(losses) == 3
    assert losses[-1] < losses[0] - 0.3, losses
    # The per-epoch samples come at the four temperatures of the seed's callback.
    assert sorted(epochs[-1].samples) == [0.2, 0.5, 1.0, 1.2]
    assert all(len(s) == TINY_RECIPE["sample_length"] for s in epochs[-1].samples.values())


def test_save_then_load_gives_identical_logits(tiny_corpus):
    trainer = Trainer("saved", [str(tiny_corpus)], tiny())
    trainer.run()
    loaded = store.load("saved")
    x = torch.randint(0, len(loaded.vocab), (2, 50))
    trainer.net.eval()
    with torch.no_grad():
        expected, _ = trainer.net(x)
        got, _ = loaded.net(x)
    assert torch.equal(expected, got)


def _final_weights(name: str) -> dict[str, torch.Tensor]:
    folder = store.user_dir(name)
    _, tensors, _ = store.read_checkpoint(folder)
    return tensors


def test_stop_and_resume_equals_an_uninterrupted_run(tiny_corpus):
    recipe = tiny(epochs=2, dropout=0.2, num_layers=2)  # dropout: the RNG state must be restored too
    Trainer("straight", [str(tiny_corpus)], recipe).run()
    control = TrainingControl()
    stop_at = 23  # mid-epoch, so the data position and carried LSTM state matter

    def stop_early(event):
        if isinstance(event, Progress) and event.step >= stop_at:
            control.stop()

    first = Trainer("interrupted", [str(tiny_corpus)], recipe, on_event=stop_early, control=control)
    import oracle.engine.train.epochs as train_module
    old = train_module.PROGRESS_SECONDS
    train_module.PROGRESS_SECONDS = 0.0  # report every step so the stop lands exactly at stop_at
    try:
        finished = first.run()
    finally:
        train_module.PROGRESS_SECONDS = old
    assert finished.reason == "stopped" and finished.step == stop_at
    Trainer("interrupted", resume=True).run()
    a, b = _final_weights("straight"), _final_weights("interrupted")
    assert a.keys() == b.keys()
    for key in a:
        assert torch.equal(a[key], b[key]), key  # bit-identical on the CPU


def test_every_command_that_trained_a_model_is_kept_across_resumes(tiny_corpus):
    import json

    import oracle.engine.train.epochs as train_module

    control = TrainingControl()
    steps_per_epoch = []

    def stop_in_epoch_two(event):
        if isinstance(event, Started):
            steps_per_epoch.append(event.steps_per_epoch)
        if isinstance(event, Progress) and event.step > steps_per_epoch[0]:
            control.stop()

    first = ["oracle", "train", "proverbs.txt", "--name", "kept", "--epochs", "3"]
    old, train_module.PROGRESS_SECONDS = train_module.PROGRESS_SECONDS, 0.0
    try:
        Trainer("kept", [str(tiny_corpus)], tiny(epochs=3), command=first, on_event=stop_in_epoch_two, control=control).run()
    finally:
        train_module.PROGRESS_SECONDS = old
    folder = store.user_dir("kept")
    assert json.loads((folder / "meta.json").read_text())["commands"] == [first]
    # A checkpoint written before `commands` was kept: the step before is read from meta.json.
    pointer = json.loads((folder / "checkpoint.json").read_text())
    del pointer["commands"]
    (folder / "checkpoint.json").write_text(json.dumps(pointer))
    second = ["oracle", "train", "--resume", "kept"]
    Trainer("kept", resume=True, command=second).run()
    meta = json.loads((folder / "meta.json").read_text())
    assert meta["commands"] == [first, second] and meta["command"] == second
    assert store.find("kept").meta["commands"] == [first, second]


def test_same_seed_same_answer_and_different_seed_differs(tiny_model):
    oracle = store.load(tiny_model)
    settings = SampleSettings(temperature=1.0, stop="length", length=120)
    one = "".join(oracle.ask("wisdom is", settings, seed=5))
    two = "".join(store.load(tiny_model).ask("wisdom is", settings, seed=5))
    other = "".join(oracle.ask("wisdom is", settings, seed=6))
    assert one == two and len(one) == 120
    assert one != other


def test_near_zero_temperature_and_top_k_one_are_greedy(tiny_model):
    from oracle.engine.read.reading import can_open

    oracle = store.load(tiny_model)
    greedy = []
    logits, state = oracle.prime("my son, ")
    cursor = oracle.stepper.cursor(state)
    while len(greedy) < 60:  # the reference: argmax at every step, computed by hand
        char_id = int(np.argmax(logits))
        if greedy or can_open(oracle.vocab.chars[char_id]):  # an answer starts at a letter, digit or opening mark
            greedy.append(oracle.vocab.chars[char_id])
        logits = cursor.advance(char_id)
    greedy = "".join(greedy)
    assert can_open(greedy[0])
    raw = dict(words="free", heed=0.0, candidates=1)  # the model's own logits, one stream, as the reference reads them
    cold = "".join(oracle.ask("my son, ", SampleSettings(temperature=1e-6, stop="length", length=60, **raw), seed=1))
    top1 = "".join(oracle.ask("my son, ", SampleSettings(temperature=1.5, top_k=1, stop="length", length=60, **raw), seed=2))
    assert cold == greedy == top1


def test_answers_skip_leading_whitespace_but_the_model_still_reads_it(tiny_model):
    from oracle.engine.read.reading import can_open, choose

    oracle = store.load(tiny_model)
    settings = SampleSettings(temperature=1.0, stop="length", length=30, words="free", heed=0.0, candidates=1)  # as below
    answers = ["".join(oracle.ask("What is wisdom?", settings, seed=seed)) for seed in range(40)]
    # Never a space first, never ", when he"; 30 characters, but for a trailing run of spaces (ending.py).
    assert all(len(a.rstrip()) <= len(a) <= 30 and can_open(a[0]) for a in answers) and any(len(a) == 30 for a in answers)
    # Replay by hand: a skipped space is still fed to the model and still uses its random draw.

    prompt = oracle.vocab.fit_prompt("What is wisdom?", oracle.lowercase)[0]
    skipped = 0
    for seed, answer in enumerate(answers):
        rng, (logits, state) = np.random.default_rng(seed), oracle.prime(prompt)
        cursor, text = oracle.stepper.cursor(state), ""
        while len(text) < 30:
            char_id = choose(logits, settings, rng)
            ch = oracle.vocab.chars[char_id]
            if text or can_open(ch):
                text += ch
            else:
                skipped += 1
            logits = cursor.advance(char_id)
        bare = text.rstrip()
        assert (bare if len(text) - len(bare) > 1 else text) == answer, seed
    assert skipped > 0  # the rule was exercised, not just trivially true


def test_top_p_keeps_only_the_nucleus():
    from oracle.engine.read.reading import choose

    logits = np.log(np.array([0.6, 0.3, 0.05, 0.05]))
    rng = np.random.default_rng(0)
    picks = {choose(logits, SampleSettings(temperature=1.0, top_p=0.8), rng) for _ in range(300)}
    assert picks == {0, 1}


def test_unknown_characters_are_folded_or_dropped_with_a_notice(tiny_model):
    oracle = store.load(tiny_model)
    reading = oracle.ask("WISDOM “crieth” — ☃ 漢字", SampleSettings(length=30, stop="length"), seed=1)
    assert reading.notice and "☃" in reading.notice and "漢" in reading.notice
    assert "☃" not in reading.prompt and "-" in reading.prompt and "crieth" in reading.prompt  # dash mapped, quotes gone
    assert len("".join(reading)) == 30
    only_unknown = oracle.ask("☃☃☃", SampleSettings(length=10, stop="length"), seed=1)
    assert len("".join(only_unknown)) == 10


def test_sentence_stop_rule_ends_at_the_first_sentence_end_after_min_length(tiny_model):
    oracle = store.load(tiny_model)
    settings = SampleSettings(temperature=0.5, stop="sentence", min_length=20, length=2000)
    early = 0
    for seed in range(4):
        text = "".join(oracle.ask("the lord", settings, seed=seed))
        if len(text) < settings.length:
            early += 1
            assert len(text) >= 20 and (text[-1] in ".!?" or text.endswith("\n\n")), text
            assert not any(ch in ".!?" for ch in text[19:-1]), text  # it stopped at the first one
    assert early >= 1


def test_corpus_is_a_compact_integer_array(tiny_corpus):
    corpus = build_corpus([SourceSpec(tiny_corpus)], lowercase=False, val_fraction=0.1, min_train=10)
    source = corpus.sources[0]
    assert source.train.dtype == np.uint8 and source.train.nbytes == len(source.train)
    assert corpus.vocab.decode(source.train[:200]) == tiny_corpus.read_text()[:200]


def test_mix_is_sampled_by_weight(tmp_path):
    heavy, light = tmp_path / "a.txt", tmp_path / "b.txt"
    heavy.write_text("a" * (MIX_BLOCK * 4))
    light.write_text("b" * (MIX_BLOCK * 4))
    specs = [SourceSpec.parse(f"{heavy}:3"), SourceSpec.parse(f"{light}:1")]
    corpus = build_corpus(specs, lowercase=False, val_fraction=0.0, min_train=10)
    shares = []
    for epoch in range(20):
        stream = corpus.epoch_stream(epoch, seed=1)
        assert len(stream) == corpus.train_chars
        shares.append(float(np.mean(stream == corpus.vocab.chars.index("a"))))
    assert 0.65 < np.mean(shares) < 0.85  # about 3/4, not the 1/2 that concatenation would give


def test_engine_import_leaves_textual_out():
    code = "import sys, oracle.engine, oracle.engine.train.trainer, oracle.engine.store; print('textual' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "False"


def test_keras_classic_recipe_is_the_seed_algorithm(tiny_corpus):
    from oracle.engine import get_recipe
    from oracle.engine.data.batches import WindowBatches

    recipe = get_recipe("keras-classic")
    assert (recipe.hidden_size, recipe.num_layers, recipe.seq_len, recipe.window_step, recipe.batch_size) == (128, 1, 40, 3, 128)
    assert recipe.one_hot and recipe.lowercase and recipe.optimizer == "rmsprop" and recipe.lr == 0.01 and recipe.objective == "last"
    trainer = Trainer("classic", [str(tiny_corpus)], recipe.with_overrides(epochs=1, sample_length=20))
    assert isinstance(trainer.batches, WindowBatches)
    x, y = trainer.batches.get(0, 0)
    assert x.shape == (128, 40) and y.shape == (128,)
    assert isinstance(trainer.optimizer, torch.optim.RMSprop)
    finished = trainer.run()
    assert finished.reason == "completed" and finished.best_val_loss is not None
    assert store.load("classic").lowercase


@pytest.mark.parametrize("bad", [{"hidden_size": 0}, {"lr": -1.0}, {"dropout": 1.5}, {"epochs": 0}, {"lr": float("nan")}])
def test_invalid_hyperparameters_are_refused(bad):
    from oracle.engine import OracleError

    with pytest.raises(OracleError):
        tiny(**bad).validate()


@pytest.mark.parametrize("warmup", [float("nan"), 2.5, -1])
def test_warmup_steps_must_be_a_whole_number(warmup):
    from oracle.engine import OracleError

    with pytest.raises(OracleError, match="Warmup steps"):
        tiny(warmup_steps=warmup).validate()


def _precision_spy(trainer: Trainer) -> list[tuple[bool, bool, torch.dtype]]:
    """Every forward of the trainer's net: (training mode, CPU autocast on, dtype of the logits). Not
    the samples' copy of it (a deepcopy keeps the hook), whose prompt an Oracle may read in bf16."""
    seen = []

    def spy(module, args, output) -> None:  # a hook that returns something replaces the output
        if module is trainer.net:
            seen.append((module.training, torch.is_autocast_enabled("cpu"), output[0].dtype))

    trainer.net.register_forward_hook(spy)
    return seen


NEEDS_BF16 = pytest.mark.skipif(not precision.native_bf16(), reason="this CPU has no native bf16 kernels (AVX512-BF16 or AMX, "
                                "and oneDNN allowed to use them)")


@pytest.mark.precision
@NEEDS_BF16
@pytest.mark.parametrize("amp", ["auto", "bf16"])
def test_bf16_autocast_trains_on_a_cpu_with_native_bf16_and_validates_in_float32(tiny_corpus, amp):
    events = []
    trainer = Trainer(f"amp-{amp}", [str(tiny_corpus)], tiny(amp=amp), on_event=events.append)
    seen = _precision_spy(trainer)
    trainer.run()
    steps = [s for s in seen if s[0]]
    checks = [s for s in seen if not s[0]]  # validation (eval mode, no grad)
    assert steps and all(on and dtype == torch.bfloat16 for _, on, dtype in steps)
    assert checks and all(not on and dtype == torch.float32 for _, on, dtype in checks)
    assert ([e.precision for e in events if isinstance(e, (Started, Progress))]
            == ["bf16"] * sum(isinstance(e, (Started, Progress)) for e in events))
    assert not [e for e in events if isinstance(e, Notice)]
    assert store.find(f"amp-{amp}").meta["precision"] == "bf16"
    assert "".join(store.load(f"amp-{amp}").ask("wisdom", seed=1))  # the weights stay float32: a normal model


@pytest.mark.precision
@pytest.mark.parametrize(("flags", "kernels", "why"), [
    (False, True, "no native bf16"),
    # The flags say bf16 but oneDNN refuses it (ONEDNN_MAX_CPU_ISA=AVX2, a VM hiding AMX): the probe decides.
    (True, False, "kernels are not available"),
], ids=["no-native-bf16", "kernels-refused"])
def test_without_working_bf16_auto_trains_in_float32_and_bf16_says_why(tiny_corpus, monkeypatch, flags, kernels, why):
    monkeypatch.setattr(precision, "cpu_has_native_bf16", lambda: flags)
    monkeypatch.setattr(precision, "bf16_kernels_work", lambda: kernels)
    for amp, said in (("auto", False), ("bf16", True)):
        events = []
        trainer = Trainer(f"float32-{amp}", [str(tiny_corpus)], tiny(amp=amp), on_event=events.append)
        seen = _precision_spy(trainer)
        trainer.run()
        assert seen and all(not on and dtype == torch.float32 for _, on, dtype in seen)
        assert [e.precision for e in events if isinstance(e, Started)] == ["float32"]
        notices = [e.message for e in events if isinstance(e, Notice)]
        assert sum(why in n for n in notices) == said, notices
        assert store.find(f"float32-{amp}").meta["precision"] == "float32"


@pytest.mark.precision
def test_the_bf16_probe_leaves_the_random_state_as_it_was():
    """The probe builds layers (drawing weights) whenever a process first asks: a training run whose
    samples ask mid-run must draw the same numbers as one resumed after it (exact resume)."""
    torch.manual_seed(0)
    expected = torch.rand(4)
    torch.manual_seed(0)
    precision.bf16_kernels_work.__wrapped__()  # the probe itself, not its cached answer
    assert torch.equal(torch.rand(4), expected)


@pytest.mark.precision
def test_the_bf16_probe_runs_the_kernels_instead_of_trusting_the_flags():
    """On this machine the probe's answer is what an autocast LSTM really does, whatever the flags say."""
    try:
        with torch.autocast("cpu", dtype=torch.bfloat16):
            torch.nn.LSTM(4, 4)(torch.zeros(2, 1, 4))
        works = True
    except RuntimeError:
        works = False
    assert precision.bf16_kernels_work() is works
    assert precision.native_bf16() == (works and precision.cpu_has_native_bf16())


def test_native_bf16_is_read_from_the_cpu_flags_when_torch_cannot_say(tmp_path, monkeypatch):
    monkeypatch.delattr(torch.cpu, "_is_avx512_bf16_supported", raising=False)
    cpuinfo = tmp_path / "cpuinfo"
    monkeypatch.setattr(precision, "CPUINFO", cpuinfo)
    cpuinfo.write_text("processor\t: 0\nflags\t\t: fpu sse2 avx2 avx512f avx512bw\n")
    assert not precision.cpu_has_native_bf16()
    cpuinfo.write_text("processor\t: 0\nflags\t\t: fpu sse2 avx2 avx512f avx512bw avx512_bf16 amx_tile\n")
    assert precision.cpu_has_native_bf16()
    cpuinfo.unlink()
    assert not precision.cpu_has_native_bf16()  # no way to tell: float32, the safe choice


def _pretend_native_bf16(monkeypatch) -> None:
    """Claim bf16 on any CPU, for tests whose bf16 steps are injected, never run (a CPU without bf16
    kernels raises instead of running them)."""
    monkeypatch.setattr(precision, "cpu_has_native_bf16", lambda: True)
    monkeypatch.setattr(precision, "bf16_kernels_work", lambda: True)


@pytest.mark.precision
def test_a_nan_under_bf16_autocast_continues_in_float32(tiny_corpus, monkeypatch):
    _pretend_native_bf16(monkeypatch)
    real_step, calls = Trainer._train_step, []

    def first_step_overflows(self, use_amp, report):
        calls.append(use_amp)
        return (None, None) if len(calls) == 1 else real_step(self, use_amp, report)

    monkeypatch.setattr(Trainer, "_train_step", first_step_overflows)
    events = []
    finished = Trainer("amp-nan", [str(tiny_corpus)], tiny(amp="bf16"), on_event=events.append).run()
    assert calls[0] is True and calls[1:] and not any(calls[1:])  # float32 from the step after the NaN on
    assert any("under bf16 autocast: continuing in float32" in e.message for e in events if isinstance(e, Notice))
    assert {e.precision for e in events if isinstance(e, Progress)} == {"float32"}
    assert finished.reason == "completed" and finished.best_val_loss is not None
    assert store.find("amp-nan").meta["precision"] == "bf16 autocast to step 0, then float32 (the loss became NaN or infinite)"


@pytest.mark.precision
def test_bf16_kernels_refused_mid_run_continue_in_float32_with_one_notice(tiny_corpus, monkeypatch):
    _pretend_native_bf16(monkeypatch)
    real_step, calls = Trainer._train_step, []

    def refused_under_bf16(self, use_amp, report):
        calls.append(use_amp)
        if use_amp:  # what oneDNN raises on a CPU without bf16 kernels
            raise RuntimeError("could not create a primitive descriptor for the LSTM forward propagation primitive")
        return real_step(self, use_amp, report)

    monkeypatch.setattr(Trainer, "_train_step", refused_under_bf16)
    events = []
    finished = Trainer("amp-refused", [str(tiny_corpus)], tiny(amp="bf16"), on_event=events.append).run()
    assert calls[0] is True and calls[1:] and not any(calls[1:])
    notices = [e.message for e in events if isinstance(e, Notice)]
    assert sum("kernels refused it" in n for n in notices) == 1, notices
    assert finished.reason == "completed" and finished.best_val_loss is not None
    assert store.find("amp-refused").meta["precision"] == "bf16 autocast to step 0, then float32 (bf16 kernels were refused)"


def test_an_error_under_bf16_that_is_not_a_refusal_is_not_hidden(tiny_corpus, monkeypatch):
    _pretend_native_bf16(monkeypatch)

    def broken(self, use_amp, report):
        raise RuntimeError("shape mismatch in something else")

    monkeypatch.setattr(Trainer, "_train_step", broken)
    with pytest.raises(RuntimeError, match="shape mismatch"):
        Trainer("amp-broken", [str(tiny_corpus)], tiny(amp="bf16")).run()


def _autocast_spy(oracle) -> list[bool]:
    """For every forward of the oracle's net: was CPU autocast on?"""
    seen = []
    oracle.net.register_forward_hook(lambda module, args, output: seen.append(torch.is_autocast_enabled("cpu")))
    return seen


@pytest.mark.precision
@pytest.mark.skipif(not precision.bf16_kernels_work(), reason="oneDNN has no bf16 kernels on this CPU (the replay test below covers it)")
def test_the_prompt_is_read_in_numpy_float32_and_a_bf16_record_replays_as_it_was_read(tiny_model, monkeypatch):
    monkeypatch.setattr(precision, "native_bf16", lambda: True)  # the kernels run here (natively or emulated by oneDNN)
    fast = store.load(tiny_model)
    seen = _autocast_spy(fast)
    settings = SampleSettings(stop="length", length=80)
    reading = fast.ask("what is wisdom?", settings, seed=3)
    answer = "".join(reading)
    assert fast.prime_precision == "float32" and seen == [] and "prime" not in reading.record().to_dict()  # numpy, no torch forward
    assert "".join(fast.ask("what is wisdom?", settings, seed=3, prime="float32")) == answer
    # A record of a prompt read in bf16 autocast (before #26, on a CPU with native bf16) replays so.
    old = fast.ask("what is wisdom?", settings, seed=3, prime="bf16")
    old_answer = "".join(old)
    assert seen == [True] and old.record().prime == "bf16"
    assert "".join(store.load(tiny_model).ask("what is wisdom?", settings, seed=3, prime="bf16")) == old_answer
    with pytest.raises(OracleError, match="'fp8'"):
        fast.ask("what is wisdom?", settings, seed=3, prime="fp8")


@pytest.mark.precision
def test_a_prompt_bf16_cannot_hold_is_read_again_in_float32(tiny_model, monkeypatch):
    _pretend_native_bf16(monkeypatch)
    oracle = store.load(tiny_model)
    real_prime = oracle.prime

    def overflowing(text, voice=None, read_in=None):  # bf16's range ran out: injected, not run
        logits, state = real_prime(text, voice, "float32")
        return (np.full_like(logits, np.nan) if read_in == "bf16" else logits), state

    monkeypatch.setattr(oracle, "prime", overflowing)
    reading = oracle.ask("wisdom", SampleSettings(stop="length", length=40), seed=1, prime="bf16")
    answer = "".join(reading)
    assert len(answer) == 40 and "prime" not in reading.record().to_dict()  # read in float32, and recorded so
    assert "".join(oracle.ask("wisdom", SampleSettings(stop="length", length=40), seed=1, prime="float32")) == answer


@pytest.mark.precision
def test_a_bf16_record_replays_without_error_where_the_kernels_refuse_bf16(tiny_model, monkeypatch):
    """A reading recorded on a bf16 machine, replayed on one whose oneDNN has no bf16 kernels: read in
    float32 (bf16 emulation came no closer to oneDNN's bf16, see scripts/bf16_replay.py), said once."""
    settings = SampleSettings(stop="length", length=60)
    float32_answer = "".join(store.load(tiny_model).ask("what is wisdom?", settings, seed=3, prime="float32"))
    monkeypatch.setattr(precision, "bf16_kernels_work", lambda: False)
    monkeypatch.setattr(precision, "native_bf16", lambda: False)
    oracle = store.load(tiny_model)
    reading = oracle.ask("what is wisdom?", settings, seed=3, prime="bf16")
    assert "".join(reading) == float32_answer
    assert reading.notice.count("first read in bf16") == 1 and "prime" not in reading.record().to_dict()


@pytest.mark.precision
def test_a_bf16_prime_the_kernels_refuse_at_run_time_is_read_in_float32(tiny_model, monkeypatch):
    """The probe passed but the real prompt's shape was refused: the same fallback, the same notice."""
    _pretend_native_bf16(monkeypatch)
    oracle = store.load(tiny_model)
    real_prime = oracle.prime

    def refusing(text, voice=None, read_in=None):
        if read_in == "bf16":
            raise RuntimeError("could not create a primitive descriptor for the LSTM forward propagation primitive")
        return real_prime(text, voice, read_in)

    monkeypatch.setattr(oracle, "prime", refusing)
    settings = SampleSettings(stop="length", length=40)
    reading = oracle.ask("wisdom", settings, seed=1, prime="bf16")
    assert "".join(reading) == "".join(oracle.ask("wisdom", settings, seed=1, prime="float32"))
    assert "first read in bf16" in reading.notice and "prime" not in reading.record().to_dict()
