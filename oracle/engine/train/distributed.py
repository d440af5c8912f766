"""Several processes, one model: PyTorch's own DDP under `torchrun` (NCCL on GPUs, gloo on CPUs).

torchrun sets RANK, WORLD_SIZE and LOCAL_RANK; `init()` joins the group. Each process trains on
its own rows of every batch, DDP averages the gradients, and only rank 0 writes files. Decisions
that one process could take alone (stop now, skip a bad step) are agreed through `agree_stop` and
`mean` every step, so no process is left waiting in a collective that the others never enter.

A run ends in three moves on every rank: `finish()` (all ranks wait for rank 0's last files, and
hear if it failed), the trainer drops its DDP wrapper, and `shutdown()` ends the process group while
the interpreter is still whole (see `init` for why that order matters).
"""

from __future__ import annotations

import os

import torch
import torch.distributed as dist

from oracle.engine.errors import OracleError

CONTINUE, STOPPED, TIME_BUDGET, FAILED = 0, 1, 2, 3  # stop codes; the largest one any rank raises wins
STOP_REASONS = {STOPPED: "stopped", TIME_BUDGET: "time budget"}
# What a collective raises when another rank's process has gone (killed, or failed inside a step).
DistBackendError: type[Exception] = getattr(dist, "DistBackendError", type("DistBackendError", (RuntimeError,), {}))


class PeerFailed(OracleError):
    """Another rank failed and says why itself; this one stops without a message of its own."""


def requested() -> bool:
    return int(os.environ.get("WORLD_SIZE", "1")) > 1


def active() -> bool:
    return dist.is_available() and dist.is_initialized()


def init() -> None:
    if requested() and not active():
        # torch.distributed.nn binds `group.WORLD` as a default argument when it is imported, and
        # torch imports it lazily (building the first optimizer imports torch._dynamo, which pulls it
        # in through FSDP). Imported after the group exists, it would keep the group, and gloo's
        # threads, alive past destroy_process_group until the interpreter's own teardown, where a
        # gloo thread that needs the GIL is ended mid-destructor and the process aborts ("terminate
        # called without an active exception"). Imported first, its defaults are None and nothing
        # outlives shutdown().
        import torch.distributed.nn
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
    """The stop code every rank acts on: if any rank wants to stop (Ctrl-C, time budget), all do.
    If another rank failed (it sent FAILED), this raises PeerFailed."""
    if not active():
        return code
    flag = torch.tensor([code], dtype=torch.int32)
    dist.all_reduce(flag, op=dist.ReduceOp.MAX)
    agreed = int(flag.item())
    if agreed == FAILED and code != FAILED:
        raise PeerFailed("Another process of this distributed run failed (rank 0 says why), so this one stops too.")
    return agreed


def finish() -> None:
    """The last collective of a run: every rank waits here until all are done (rank 0 writes the
    last files meanwhile), so none tears down while another still works; PeerFailed if one failed."""
    agree_stop(CONTINUE)


def mean(value: float) -> float:
    """The average of a number over all ranks (a NaN anywhere makes it NaN everywhere)."""
    if not active():
        return value
    total = torch.tensor([value], dtype=torch.float64)
    dist.all_reduce(total)
    return float(total.item()) / world_size()


def shutdown() -> None:
    """End the process group (after `finish()` on every rank and with no DDP wrapper left holding
    it): gloo's threads are joined here, while the interpreter is still whole."""
    if active():
        dist.destroy_process_group()
