"""GPU: the Trainer's chars/s against a bare cuDNN training loop of the same model and batch.

The bare loop is the ceiling: nn.LSTM (cuDNN) forward, cross-entropy, backward, AdamW, nothing
else. The Trainer adds data slicing, clipping, per-step loss checks, progress events and the DDP
stop flag; the issue asks it to keep at least 90% of the bare loop's speed. Only runs with CUDA.
"""

from __future__ import annotations

import time

import torch
from torch.nn import functional as F

from oracle.engine import CharLSTM, ModelConfig, Progress, Trainer, TrainingControl, get_recipe

WARMUP_STEPS = 5


def bare_loop(config: ModelConfig, batch: int, seq_len: int, steps: int, amp: bool) -> float:
    device = torch.device("cuda")
    net = CharLSTM(config).to(device)
    opt = torch.optim.AdamW(net.parameters(), lr=3e-3)
    x = torch.randint(0, config.vocab_size, (batch, seq_len), device=device)
    y = torch.randint(0, config.vocab_size, (batch, seq_len), device=device)
    for i in range(WARMUP_STEPS + steps):
        if i == WARMUP_STEPS:
            torch.cuda.synchronize()
            start = time.perf_counter()
        with torch.autocast("cuda", dtype=torch.bfloat16, enabled=amp):
            logits, _ = net(x)
        loss = F.cross_entropy(logits.float().reshape(-1, config.vocab_size), y.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    torch.cuda.synchronize()
    return steps * batch * seq_len / (time.perf_counter() - start)


def trainer_rate(corpus, steps: int, amp: bool) -> tuple[float, Trainer]:
    control, marks = TrainingControl(), {}

    def on_event(event):
        if isinstance(event, Progress):
            if event.step >= WARMUP_STEPS and "start" not in marks:
                torch.cuda.synchronize()
                marks["start"], marks["step0"] = time.perf_counter(), event.step
            if event.step >= WARMUP_STEPS + steps:
                torch.cuda.synchronize()
                marks["end"], marks["step1"] = time.perf_counter(), event.step
                control.stop()

    recipe = get_recipe("default").with_overrides(device="cuda", amp="bf16" if amp else "off", checkpoint_minutes=0.0,
                                                  sample_length=1, max_val_chars=2000, lowercase=True)
    trainer = Trainer("bench-gpu", [str(corpus)], recipe, force=True, command=["bench"], on_event=on_event, control=control)
    trainer.run()
    chars = (marks["step1"] - marks["step0"]) * trainer.batches.signal_per_step
    return chars / (marks["end"] - marks["start"]), trainer


def measure(corpus, steps: int = 200) -> list[dict]:
    rows = []
    for amp in (False, True):
        if amp and not torch.cuda.is_bf16_supported():
            continue
        ours, trainer = trainer_rate(corpus, steps, amp)
        r = trainer.recipe
        bare = bare_loop(trainer.config, r.batch_size, r.seq_len, steps, amp)
        rows.append({"device": torch.cuda.get_device_name(0), "amp": "bf16" if amp else "off", "trainer_chars_per_s": ours,
                     "bare_loop_chars_per_s": bare, "ratio": ours / bare})
    return rows
