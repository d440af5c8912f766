"""Every way a run can fail, told once through the event callback and raised as one sentence."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import torch

from oracle.engine.errors import OracleError, write_remedy
from oracle.engine.train import distributed
from oracle.engine.train.events import Event, Failed


@contextmanager
def told(on_event: Callable[[Event], None], name: str, folder: Callable[[], Path]) -> Iterator[None]:
    """Run the body; a failure becomes a Failed event, and an OracleError where a user can act on it
    (a full disk, too little memory, a peer that stopped). `folder` is asked at failure time (a new
    run writes in a staging folder until its first checkpoint)."""
    try:
        yield
    except OracleError as err:
        on_event(Failed(str(err)))
        raise
    except distributed.DistBackendError:
        message = "Another process of this distributed run stopped (it failed or was killed), so this one stops too."
        on_event(Failed(message))
        raise OracleError(message) from None
    except OSError as err:
        message = (f"Could not write model {name!r} under {folder().parent} ({err.strerror}): "
                   f"{write_remedy(err)}; the last saved checkpoint is intact.")
        on_event(Failed(message))
        raise OracleError(message) from None
    except (MemoryError, torch.OutOfMemoryError, RuntimeError) as err:
        if isinstance(err, RuntimeError) and not isinstance(err, torch.OutOfMemoryError) and "alloc" not in str(err):
            on_event(Failed(f"Training failed unexpectedly: {err.__class__.__name__}: {err}"))
            raise
        message = (f"Training {name!r} ran out of memory: use a smaller batch size, sequence length or model; "
                   "the last saved checkpoint is kept.")
        on_event(Failed(message))
        raise OracleError(message) from None
    except Exception as err:
        on_event(Failed(f"Training failed unexpectedly: {err.__class__.__name__}: {err}"))
        raise
