"""One beat for a worker's periodic loops, so that a quiet worker wakes once, not per loop."""

from __future__ import annotations

import time

import gevent

EARLY = 0.05  # a timer that fires this share of a period early still counts as on the beat


def sleep_to_next(every: float) -> None:
    """Sleep until the next multiple of `every` seconds on the monotonic clock.

    Loops with the same period then wake in the same turn of the event loop: waking an
    idle process costs more CPU than the little each loop does once awake (cold caches),
    and the sweeps, timers and metrics of a worker are each once a second.
    """
    pause = every - time.monotonic() % every
    if pause < every * EARLY:  # woken a little early: the beat just passed was ours
        pause += every
    gevent.sleep(pause)
