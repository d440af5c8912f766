"""Several processes, one model: PyTorch's own DDP under `torchrun` (NCCL on GPUs, gloo on CPUs).

torchrun sets RANK, WORLD_SIZE and LOCAL_RANK; `init()` joins the group. Each process trains on
its own rows of every batch, DDP averages the gradients, and only rank 0 writes files. Decisions
that one process could take alone (stop now, skip a bad step) are agreed through `agree_stop` and
`mean` every step, so no process is left waiting in a collective that the others never enter.
"""

from __future__ import annotations

import os

import torch
import torch.distributed as dist

CONTINUE, STOPPED, TIME_BUDGET = 0, 1, 2  # stop codes; the largest one any rank raises wins
STOP_REASONS = {STOPPED: "stopped", TIME_BUDGET: "time budget"}


def requested() -> bool:
    return int(os.environ.get("WORLD_SIZE", "1")) > 1


def active() -> bool:
    return dist.is_available() and dist.is_initialized()


def init() -> None:
    if requested() and not active():
        if torch.cuda.is_available():
            torch.cuda.set_device(local_rank())
            # NCCL for the gradients on the GPU, gloo for the small CPU tensors the stop flag uses.
            dist.init_process_group("cpu:gloo,cuda:nccl")
        else:
            dist.init_process_group("gloo")


def rank() -> int:
    return dist.get_rank() if active() else 0


def world_size() -> int:
    return dist.get_world_size() if active() else 1


def local_rank() -> int:
    return int(os.environ.get("LOCAL_RANK", "0"))


def wrap(net: torch.nn.Module, device: torch.device) -> torch.nn.Module:
    if not active():
        return net
    from torch.nn.parallel import DistributedDataParallel

    return DistributedDataParallel(net, device_ids=[device.index] if device.type == "cuda" else None)


def agree_stop(code: int) -> int:
    """The stop code every rank acts on: if any rank wants to stop (Ctrl-C, time budget), all do."""
    if not active():
        return code
    flag = torch.tensor([code], dtype=torch.int32)
    dist.all_reduce(flag, op=dist.ReduceOp.MAX)
    return int(flag.item())


def mean(value: float) -> float:
    """The average of a number over all ranks (a NaN anywhere makes it NaN everywhere)."""
    if not active():
        return value
    total = torch.tensor([value], dtype=torch.float64)
    dist.all_reduce(total)
    return float(total.item()) / world_size()


def shutdown() -> None:
    if active():
        dist.destroy_process_group()
