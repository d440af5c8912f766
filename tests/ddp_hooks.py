"""`oracle` under torchrun with hooks a test controls (this file is run by torchrun, not collected).

It runs the real command line (`oracle.cli.entry.main`) and adds, from environment variables:
- ORACLE_TEST_STOP=RANK:STEPS  that rank alone asks to stop once STEPS steps are done (as if only
  its process got Ctrl-C), so a test knows the exact step every rank must stop at;
- ORACLE_TEST_STEP_SECONDS=S   every step takes at least S seconds, so a time budget certainly runs
  out within a known number of steps, however fast the machine;
- ORACLE_TEST_FAIL_SAVE=1      rank 0's first checkpoint write fails as on a full disk.
After the run it checks that shutdown really ended the process group: no gloo thread may be left
for the interpreter's teardown (where one aborted the process: issue 17).
"""

from __future__ import annotations

import errno
import os
import sys
import time

from oracle.cli.entry import main
from oracle.engine import Trainer, store

STOP = os.environ.get("ORACLE_TEST_STOP")
STEP_SECONDS = float(os.environ.get("ORACLE_TEST_STEP_SECONDS", "0"))
real_step = Trainer._train_step


def hooked_step(self, use_amp, report):
    started = time.monotonic()
    result = real_step(self, use_amp, report)
    time.sleep(max(0.0, STEP_SECONDS - (time.monotonic() - started)))
    if STOP:
        rank, steps = (int(part) for part in STOP.split(":"))
        if self.rank == rank and self.step + 1 >= steps:  # self.step counts the steps done before this one
            self.control.stop()
    return result


def failing_write(*args, **kwargs):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def gloo_threads() -> list[str]:
    names = []
    for task in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{task}/comm") as comm:
                names.append(comm.read().strip())
        except OSError:
            pass  # a thread that ended while we looked
    return [name for name in names if "gloo" in name]


if __name__ == "__main__":
    Trainer._train_step = hooked_step
    if os.environ.get("ORACLE_TEST_FAIL_SAVE"):
        store.write_checkpoint = failing_write
    status = main(sys.argv[1:])
    left = gloo_threads() if os.path.isdir("/proc/self/task") else []
    if left:
        print(f"gloo threads still alive after shutdown: {left}", file=sys.stderr)
        status = status or 3
    sys.exit(status)
