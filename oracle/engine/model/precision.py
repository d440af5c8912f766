"""Which precision a training step runs in: float32, or bf16 autocast where the hardware does bf16
natively (a CUDA GPU that supports it, or a CPU with AVX512-BF16 or AMX). Emulated bf16 would be
slower than float32, so a CPU without those instructions trains in float32.

bf16 is a capability probed, not a flag trusted: the CPU's flags can say yes while oneDNN, which runs
the LSTM, refuses ("could not create a primitive descriptor"): under ONEDNN_MAX_CPU_ISA=AVX2, in a VM
that hides AMX, or in a torch build without those kernels. `native_bf16()` asks both.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch

FLOAT32, BF16 = "float32", "bf16"
CPUINFO = Path("/proc/cpuinfo")
NATIVE_BF16_FLAGS = {"avx512_bf16", "amx_bf16", "bf16"}  # x86 AVX512-BF16 and AMX; Arm's BF16 extension


def cpu_has_native_bf16() -> bool:
    """True where the CPU computes bf16 in hardware (what makes CPU autocast faster, not slower)."""
    try:  # torch's own cpuinfo probe (private, so it may go away): the answer oneDNN acts on
        import torch

        return bool(torch.cpu._is_avx512_bf16_supported() or torch.cpu._is_amx_tile_supported())
    except (AttributeError, RuntimeError):
        pass
    try:  # otherwise the kernel's feature flags (x86 "flags", Arm "Features")
        flags = set()
        for line in CPUINFO.read_text(errors="replace").splitlines():
            if line.startswith(("flags", "Features")):
                flags.update(line.partition(":")[2].split())
        return bool(flags & NATIVE_BF16_FLAGS)
    except OSError:
        return False


@functools.cache
def bf16_kernels_work() -> bool:
    """Whether bf16 autocast really runs an LSTM and a linear layer on this CPU (~2 ms, once a process)."""
    import torch  # only a bf16 record's replay or training asks

    try:  # fork_rng: building the probe's layers draws weights, and must not move a training run's RNG
        with torch.random.fork_rng(devices=[]), torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16):
            lstm, head = torch.nn.LSTM(8, 8, batch_first=True), torch.nn.Linear(8, 4)
            out, _ = lstm(torch.zeros(1, 3, 8))
            head(out)
        return True
    except RuntimeError:  # oneDNN has no bf16 primitive here
        return False


def is_bf16_refusal(err: BaseException) -> bool:
    """Whether an error raised under bf16 autocast is oneDNN (or CUDA) refusing bf16, not a bug."""
    text = str(err).lower()
    return any(sign in text for sign in ("primitive descriptor", "bfloat16", "bf16", "not implemented for"))


def native_bf16() -> bool:
    """bf16 autocast is both fast (native instructions) and available (the kernels run) on this CPU."""
    return cpu_has_native_bf16() and bf16_kernels_work()


def choose(amp: str, device: torch.device) -> tuple[str, str | None]:
    """The precision to train in for an `amp` setting (off | bf16 | auto) on `device`, and a notice
    when bf16 was asked for and cannot run here (auto falls back to float32 without one)."""
    import torch

    if amp == "off":
        return FLOAT32, None
    if device.type == "cuda":
        if torch.cuda.is_bf16_supported():
            return BF16, None
        why = f"{torch.cuda.get_device_name(device)} has no bf16 support: training in float32."
    elif device.type == "cpu":
        if not cpu_has_native_bf16():
            why = "This CPU has no native bf16 (AVX512-BF16 or AMX): training in float32, which is faster here than emulated bf16."
        elif not bf16_kernels_work():
            why = ("This CPU has bf16 instructions but its bf16 kernels are not available (oneDNN refused them, "
                   "for example under ONEDNN_MAX_CPU_ISA): training in float32.")
        else:
            return BF16, None
    else:
        why = f"bf16 autocast is not used on {device.type}: training in float32."
    return FLOAT32, (why if amp == BF16 else None)
