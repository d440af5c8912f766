"""How fast an answer reaches the reader: a schedule, not a sleep per character.

`Pacer(pace).wait(n)` returns when the n-th character of an answer is due: at start + n / pace,
start being the moment the first character came. A sleep of 1 / pace after each character adds the
time each character took to compute and to draw, and whatever a loaded host steals, so a busy
machine spoke at a quarter of the pace asked for; against a schedule, a late character is simply
due already and the next ones come at once (a screen then draws several per frame) until the
answer is back on time.

The pace is a setting of the face, not of the reading: the same record gives the same answer at
any pace, so records do not name it and a replay ignores it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from oracle.engine.schema import check_all, setting

DEFAULT_PACE = 90.0  # characters per second: about a fast reader's pace, and still a voice, not a dump


@dataclass
class Delivery:
    """How an answer is delivered (not how it is read): declared once for the CLI and the app."""

    pace: float = setting(DEFAULT_PACE, "pace (chars/s)", "characters per second an answer is spoken at (0: as fast as "
                          "the model goes)", low=0, high=100_000)

    def validate(self) -> Delivery:
        check_all(self)
        return self


class Pacer:
    """The schedule of one answer at `pace` characters per second (0: no schedule, never waits)."""

    def __init__(self, pace: float, clock=time.monotonic, sleep=time.sleep) -> None:
        self.pace, self.clock, self.sleep = float(pace), clock, sleep
        self.start: float | None = None

    def due(self, n: int) -> float:
        """When character n (counted from 1) is due; the first one is due when it comes."""
        if self.start is None:
            self.start = self.clock()
        return self.start + (n - 1) / self.pace if self.pace > 0 else self.start

    def wait(self, n: int) -> None:
        """Return when character n is due: at once when the answer is behind its schedule."""
        if self.pace <= 0:
            return
        late = self.due(n) - self.clock()
        if late > 0:
            self.sleep(late)
