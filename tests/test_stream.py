"""The fast streaming path (stream.Cursor) against nn.LSTM's full-sequence forward."""

import numpy as np
import torch

from oracle.engine.model.network import CharLSTM, ModelConfig
from oracle.engine.model.stepper import LSTMStepper
from oracle.engine.read.reading import SampleSettings, choose


def test_cursor_matches_full_forward_from_a_primed_state():
    torch.manual_seed(1)
    for config in (ModelConfig(vocab_size=25, hidden_size=20, num_layers=3, embed_dim=6),
                   ModelConfig(vocab_size=25, hidden_size=12, num_layers=1, one_hot=True)):
        net = CharLSTM(config).eval()
        ids = torch.randint(0, 25, (1, 50))
        with torch.no_grad():
            full, _ = net(ids)
            _, primed = net(ids[:, :10])  # start mid-stream, as Reading does after the prompt
        cursor = LSTMStepper.from_net(net).cursor(primed)
        for t in range(10, 50):
            logits = cursor.advance(int(ids[0, t]))
            np.testing.assert_allclose(logits, full[0, t].numpy(), atol=1e-5, err_msg=f"position {t}")
        h, c = cursor.state()
        with torch.no_grad():
            _, (h_ref, c_ref) = net(ids)
        assert np.allclose(h, h_ref.numpy(), atol=1e-5) and np.allclose(c, c_ref.numpy(), atol=1e-5)


def test_choose_draws_what_rng_choice_would():
    # The cumulative-sum draw must keep seeded answers the same as numpy's own weighted choice.
    settings = SampleSettings(temperature=0.9)
    ours, theirs = np.random.default_rng(4), np.random.default_rng(4)
    for i in range(500):
        logits = np.random.default_rng(i).normal(size=40) * 2
        z = logits / 0.9
        p = np.exp(z - z.max())
        assert choose(logits, settings, ours) == int(theirs.choice(40, p=p / p.sum()))
