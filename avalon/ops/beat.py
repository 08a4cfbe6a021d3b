"""One beat for a worker's periodic loops, so that a quiet worker wakes once, not per loop."""

from __future__ import annotations

import os
import time

import gevent

EARLY = 0.05  # a timer that fires this share of a period early still counts as on the beat
GOLDEN = 0.6180339887  # spreads consecutive process ids evenly over a second


def offset() -> float:
    """This process's beat offset in seconds, from its pid (so it is right after a fork).

    The monotonic clock is the host's: without an offset of their own, every worker of a
    host would sweep at the same instant (retention deletes, timer moves contending for
    one write lock).
    """
    return (os.getpid() * GOLDEN) % 1.0


def sleep_to_next(every: float) -> None:
    """Sleep until this worker's next beat of period `every` (offset() + a multiple of it).

    Loops with the same period then wake in the same turn of the event loop: waking an
    idle process costs more CPU than the little each loop does once awake (cold caches),
    and the sweeps, timers and metrics of a worker are each once a second.
    """
    gevent.sleep(until_next(every))


def until_next(every: float) -> float:
    """Seconds from now to this worker's next beat of period `every`."""
    pause = every - (time.monotonic() - offset()) % every
    if pause < every * EARLY:  # woken a little early: the beat just passed was ours
        pause += every
    return pause
