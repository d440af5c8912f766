"""The inner eye: activations equal the model's own forward pass, the feature search finds a unit
that tracks parentheses in a model trained on them, and `oracle eye` prints one JSON row per character."""

from __future__ import annotations

import json
import random
import shutil

import numpy as np
import pytest
import torch
from conftest import train_in_home

from oracle.cli.entry import main
from oracle.engine import CharLSTM, ModelConfig, store
from oracle.engine.data.vocab import Vocabulary
from oracle.engine.eye.activations import KINDS, Eye, look
from oracle.engine.eye.search import features, occurrences, search, unsearched
from oracle.engine.read.reading import Oracle


def parens_text(size: int, seed: int) -> str:
    """Lines of words; about half the groups are in parentheses, and words inside are spelt with x and y
    instead of a and b, so predicting the next letter pays for remembering whether a '(' is open."""
    rng = random.Random(seed)
    words = ["ab", "ba", "abba", "baa", "aab", "bab"]
    lines, total = [], 0
    while total < size:
        groups = []
        for _ in range(rng.randint(2, 5)):
            group = " ".join(rng.choice(words) for _ in range(rng.randint(1, 4)))
            if rng.random() < 0.5:
                group = "(" + group.translate(str.maketrans("ab", "xy")) + ")"
            groups.append(group)
        lines.append(" ".join(groups) + "\n")
        total += len(lines[-1])
    return "".join(lines)


@pytest.fixture(scope="session")
def _parens_home(tmp_path_factory):
    # a few seconds on one thread
    return train_in_home(tmp_path_factory.mktemp("parens-home"), "parens", parens_text(12_000, seed=3),
                         hidden_size=16, num_layers=1, embed_dim=8, dropout=0.0, seq_len=64, batch_size=16, lr=0.02,
                         epochs=3, warmup_steps=5, sample_length=20, val_fraction=0.1, seed=7)


@pytest.fixture
def parens_model(_parens_home, oracle_home) -> str:
    shutil.copytree(_parens_home / "models" / "parens", oracle_home / "models" / "parens")
    return "parens"


INSIDE_THRESHOLD = 0.85  # |r| of the best unit with "inside brackets" on unseen text


def test_feature_search_finds_a_parenthesis_unit(parens_model):
    text = parens_text(1500, seed=11)  # not the training text
    acts = look(store.load(parens_model), text)
    hit = search(acts, top=1)["inside brackets"][0]
    assert abs(hit.r) >= INSIDE_THRESHOLD, hit
    # The unit remembers: it beats every "this character is one of ..." indicator, x or y included.
    inside = features(acts.text)["inside brackets"]
    by_character = max(abs(np.corrcoef([ch in chars for ch in acts.text], inside)[0, 1])
                       for chars in ["x", "y", "xy", "xy ", "(", ")", " "])
    assert abs(hit.r) > by_character + 0.05, (hit.r, by_character)
    # The value behind the ranking is the plain Pearson correlation of that unit with the feature.
    assert hit.r == pytest.approx(np.corrcoef(acts.unit(hit.layer, hit.unit, hit.kind), inside)[0, 1], abs=1e-4)
    assert search(acts)["inside quotes"] == [] and search(acts)["digit"] == []  # absent from the text


def _two_layer_oracle() -> Oracle:
    torch.manual_seed(0)
    vocab = Vocabulary("\n !\"(),.?abcdefghijklmnopqrstuvwxyz")
    net = CharLSTM(ModelConfig(vocab_size=len(vocab), hidden_size=24, num_layers=2, embed_dim=8, dropout=0.3))
    return Oracle("random", net, vocab, lowercase=True)


def test_activations_equal_the_models_forward_pass():
    oracle = _two_layer_oracle()
    text = 'the eye, "inside" (and out).\nagain?'
    acts = look(oracle, text)
    assert acts.text == text and all(acts.values[k].shape == (2, len(text), 24) for k in KINDS)
    assert all(acts.values[k].dtype == np.float32 for k in KINDS)
    lstm, net = oracle.net.lstm, oracle.net
    ids = torch.from_numpy(oracle.vocab.encode(text).astype(np.int64))[None]
    with torch.inference_mode():
        x = net.inputs(ids)
        top, (h_n, c_n) = lstm(x)  # the whole sequence at once, as the model runs it
        assert np.allclose(acts.values["hidden"][-1], top[0].numpy(), atol=1e-5)
        assert np.allclose(acts.values["hidden"][:, -1], h_n[:, 0].numpy(), atol=1e-5)
        assert np.allclose(acts.values["cell"][:, -1], c_n[:, 0].numpy(), atol=1e-5)
        state = None  # and step by step, for every layer's h and c after every character
        for t in range(len(text)):
            _, state = lstm(x[:, t:t + 1], state)
            assert np.allclose(acts.values["hidden"][:, t], state[0][:, 0].numpy(), atol=1e-5)
            assert np.allclose(acts.values["cell"][:, t], state[1][:, 0].numpy(), atol=1e-5)
        # The gates, against a naive reference from PyTorch's own gate layout (i, f, g, o).
        below = x[0]
        for k in range(2):
            w_ih, w_hh = getattr(lstm, f"weight_ih_l{k}"), getattr(lstm, f"weight_hh_l{k}")
            b = getattr(lstm, f"bias_ih_l{k}") + getattr(lstm, f"bias_hh_l{k}")
            h_prev = torch.cat([torch.zeros(1, 24), torch.from_numpy(acts.values["hidden"][k, :-1])])
            i, f, _, o = (below @ w_ih.T + h_prev @ w_hh.T + b).split(24, dim=1)
            for kind, gate in (("input", i), ("forget", f), ("output", o)):
                assert np.allclose(acts.values[kind][k], torch.sigmoid(gate).numpy(), atol=1e-5), (k, kind)
            below = torch.from_numpy(acts.values["hidden"][k])


def _torch_reference(net, text_ids: np.ndarray, voice=None) -> dict[str, np.ndarray]:
    """Every unit's five values by PyTorch alone: nn.LSTM stepped one character at a time for h and c,
    and the gates from its own layout (i, f, g, o) and the h it gave before each step."""
    layers, hidden = net.config.num_layers, net.config.hidden_size
    ids = torch.from_numpy(text_ids.astype(np.int64))[None]
    out = {kind: np.empty((layers, len(text_ids), hidden), np.float32) for kind in KINDS}
    with torch.inference_mode():
        x = net.inputs(ids, voice)
        state = None
        for t in range(len(text_ids)):
            _, state = net.lstm(x[:, t:t + 1], state)
            out["hidden"][:, t], out["cell"][:, t] = state[0][:, 0].numpy(), state[1][:, 0].numpy()
        below = x[0]
        for k in range(layers):
            lstm = net.lstm
            w_ih, w_hh = getattr(lstm, f"weight_ih_l{k}"), getattr(lstm, f"weight_hh_l{k}")
            b = getattr(lstm, f"bias_ih_l{k}") + getattr(lstm, f"bias_hh_l{k}")
            h_prev = torch.cat([torch.zeros(1, hidden), torch.from_numpy(out["hidden"][k, :-1])])
            i, f, _, o = (below @ w_ih.T + h_prev @ w_hh.T + b).split(hidden, dim=1)
            for kind, gate in (("input", i), ("forget", f), ("output", o)):
                out[kind][k] = torch.sigmoid(gate).numpy()
            below = torch.from_numpy(out["hidden"][k])
    return out


def test_a_trained_models_activations_in_numpy_equal_the_torch_path(tiny_model):
    """`store.load` reads the weights as float32 arrays: the eye reads every unit in numpy, and each
    value equals PyTorch's own forward pass over the same weights to float32 rounding."""
    oracle = store.load(tiny_model)
    text = "the fear of the lord is the beginning of wisdom; and (he said) \"wait\".\n" * 3
    acts = look(oracle, text)
    assert "torch" not in type(oracle.weights.arrays["head.weight"]).__module__  # numpy arrays, not tensors
    reference = _torch_reference(oracle.net, oracle.vocab.encode(acts.text))
    for kind in KINDS:
        assert acts.values[kind].dtype == np.float32
        np.testing.assert_allclose(acts.values[kind], reference[kind], rtol=1e-5, atol=1e-5, err_msg=kind)
    # Read in two parts, carrying the state: the same values.
    eye = Eye(oracle)
    parts = [eye.read(text[:50]), eye.read(text[50:])]
    for kind in KINDS:
        np.testing.assert_allclose(np.concatenate([p.values[kind] for p in parts], axis=1), acts.values[kind], atol=1e-6)


def test_a_voiced_model_is_read_in_the_voice_asked_for():
    torch.manual_seed(1)
    vocab = Vocabulary(" abcdefghijklmnopqrstuvwxyz")
    net = CharLSTM(ModelConfig(vocab_size=len(vocab), hidden_size=12, num_layers=2, embed_dim=4, dropout=0.0,
                               voices=2, voice_dim=3))
    with torch.no_grad():
        net.voice.weight.normal_()  # voices start at zero; training makes them differ
    oracle = Oracle("voiced", net, vocab, lowercase=True, voices=["kjv", "jargon"])
    text = "a voice of its own"
    ids = torch.from_numpy(vocab.encode(text).astype(np.int64))[None]
    for blend in (None, {"kjv": 0.25, "jargon": 0.75}):
        weights = oracle.voice_weights(blend)
        acts = look(oracle, text, weights)
        with torch.inference_mode():
            top, (_, c_n) = net.lstm(net.inputs(ids, torch.from_numpy(weights)))
        assert np.allclose(acts.values["hidden"][-1], top[0].numpy(), atol=1e-5)
        assert np.allclose(acts.values["cell"][:, -1], c_n[:, 0].numpy(), atol=1e-5)
    assert not np.allclose(look(oracle, text).values["cell"], acts.values["cell"])  # the voice matters


def test_an_eye_carries_its_state_from_one_read_to_the_next():
    oracle = _two_layer_oracle()
    whole = look(oracle, "first part. second part!")
    eye = Eye(oracle)
    parts = [eye.read("first part."), eye.read(" second part!")]
    for kind in KINDS:
        assert np.allclose(np.concatenate([p.values[kind] for p in parts], axis=1), whole.values[kind], atol=1e-6)


def test_unknown_characters_are_left_out_and_named():
    acts = look(_two_layer_oracle(), "Hello€ world")  # lowercased; € unknown
    assert acts.text == "hello world" and "€" in acts.notice


def test_features_line_up_with_characters():
    text = 'Say "hi" (x).\nAb 12'
    f = features(text)
    assert list(f["inside quotes"][4:9]) == [1, 1, 1, 0, 0]  # the opening quote is already inside
    assert list(f["inside brackets"][9:13]) == [1, 1, 0, 0]
    assert f["position in line"][13] == 0 and f["position in line"][14] == 1
    assert f["distance to line end"][0] == 12 and f["distance to line end"][12] == 0
    assert list(f["after sentence end"][11:15]) == [0, 1, 1, 0]
    assert f["capital"][0] == 1 and f["digit"][-1] == 1 and f["word start"][14] == 1 and f["word end"][15] == 1


def test_cli_json_has_one_row_per_character(parens_model, capsys):
    text = "ab (xy yx) ba\n(xx) bab\n" + parens_text(120, seed=5)  # long enough to search
    assert main(["eye", parens_model, "--json", "--unit", "1:3", text, "--kind", "forget"]) == 0  # options anywhere
    out = json.loads(capsys.readouterr().out)
    assert [row["char"] for row in out["rows"]] == list(text)
    assert (out["layer"], out["unit"], out["kind"]) == (1, 3, "forget")
    acts = look(store.load(parens_model), text)
    assert [row["forget"] for row in out["rows"]] == pytest.approx(acts.unit(0, 3, "forget").tolist(), abs=1e-5)
    assert out["features"]["inside brackets"][0]["layer"] == 1


def test_cli_colours_writes_html_and_finds(parens_model, tmp_path, capsys):
    page = tmp_path / "eye.html"
    text = parens_text(150, seed=5)
    assert main(["eye", parens_model, text, "--html", str(page), "--find"]) == 0
    out = capsys.readouterr().out
    assert "inside brackets" in out and "not in this text" in out  # no quotes, digits...
    html = page.read_text("utf-8")
    assert html.count('<span style="background:') == len(text) + 9  # characters (line ends shown as ↵) + legend
    assert main(["eye", parens_model, "ab (xy) ba"]) == 0
    assert "ab (xy) ba" in capsys.readouterr().out
    assert main(["eye", parens_model, "ab", "--html", str(tmp_path / "no" / "such" / "eye.html")]) == 2
    assert "does not exist" in capsys.readouterr().err


@pytest.mark.parametrize("args, words", [
    (["--unit", "2:0"], "Layer 2 does not exist"),
    (["--unit", "1:99"], "Unit 99 does not exist"),
    (["--unit", "one"], "must be LAYER:UNIT"),
    (["--voice", "kjv:1"], "has no voices"),
])
def test_cli_bad_units_and_voices_are_one_sentence(parens_model, capsys, args, words):
    assert main(["eye", parens_model, "ab ba", *args]) == 2
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err and err.count("\n") == 1


def test_cli_reads_a_file_and_refuses_one_it_cannot(parens_model, tmp_path, capsys):
    good = tmp_path / "t.txt"
    good.write_text("ab ba\n", "utf-8")
    assert main(["eye", parens_model, "--file", str(good), "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)["rows"]) == 6
    assert main(["eye", parens_model, "--file", str(tmp_path / "missing.txt")]) == 2
    assert "missing.txt" in capsys.readouterr().err
    assert main(["eye", parens_model, "€€€"]) == 2
    assert "knows" in capsys.readouterr().err


def test_a_text_too_short_to_search_says_so_instead_of_a_perfect_r(parens_model, capsys):
    """On one short line any unit that drifts tracks "position in line" at r = +1 (issue 27, 14)."""
    line = "ab (xy) ba bab"
    acts = look(store.load(parens_model), line)
    assert all(hits == [] for hits in search(acts).values())
    assert main(["eye", parens_model, line, "--find"]) == 0
    out = capsys.readouterr().out
    assert "The text is too short to find features in: 14 characters" in out and "r = " not in out
    assert "+1.000" not in out and "too short a text to find features in: showing the first unit" in out
    assert main(["eye", parens_model, line, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["too_short"].startswith("The text is too short")


def test_a_feature_seen_too_seldom_is_not_searched(parens_model):
    """Long enough, but one line and one bracket: neither line position nor brackets can be told."""
    line = "ab ba bab " * 12 + "(xy) ba"
    acts = look(store.load(parens_model), line)
    found, why = search(acts), unsearched(line)
    assert found["position in line"] == [] and found["inside brackets"] == []
    assert why["position in line"] == why["inside brackets"] == "only 1 time here: too few to tell"
    assert found["word start"] and "word start" not in why  # 25 word starts: searched
    assert occurrences(features("ab\ncd\nef")["position in line"]) == 3
