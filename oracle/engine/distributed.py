"""Several processes, one model: PyTorch's own DDP under `torchrun` (NCCL on GPUs, gloo on CPUs).

torchrun sets RANK, WORLD_SIZE and LOCAL_RANK; `init()` joins the group. Each process trains on
its own rows of every batch, DDP averages the gradients, and only rank 0 writes files.
"""

from __future__ import annotations

import os

import torch
import torch.distributed as dist


def requested() -> bool:
    return int(os.environ.get("WORLD_SIZE", "1")) > 1


def active() -> bool:
    return dist.is_available() and dist.is_initialized()


def init() -> None:
    if requested() and not active():
        backend = "nccl" if torch.cuda.is_available() else "gloo"
        if backend == "nccl":
            torch.cuda.set_device(local_rank())
        dist.init_process_group(backend)


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


def shutdown() -> None:
    if active():
        dist.destroy_process_group()
