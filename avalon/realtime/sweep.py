"""One sweep per worker: pings for quiet sockets, the idle timeout, idle writers retired.

A timer per socket (or per wait) would wake the worker for every socket; one sweep a
second looks at them all at once (the hub's registry), and the loops of a worker share
one beat (ops/beat.py) so that a quiet worker wakes once a second.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import gevent

from avalon.ops import beat
from avalon.ops.failures import log_failure
from avalon.protocol.codes import CloseCode
from avalon.realtime import hub
from avalon.realtime.connection import MAX_PARKED
from avalon.realtime.connection import PING_FRAME
from avalon.realtime.connection import WRITING

log = logging.getLogger(__name__)

IDLE_REASON = "no frames received: idle timeout"
RETIRE_EVERY = 1.0  # seconds: a writer stops one to two of these after its last write
PINGS_BETWEEN_YIELDS = max(1, MAX_PARKED // 2)  # the writers of these can all be parked ones


def retire_writers() -> None:
    """Let writers that had nothing to write since the last look stop (and park)."""
    for conn in list(WRITING):
        conn.retire_if_idle()


def sweep_once(now: float, ping_interval: float, idle_timeout: float) -> None:
    """Close sockets silent for idle_timeout; ping those silent for ping_interval."""
    ping_if_before, close_if_before = now - ping_interval, now - idle_timeout
    quiet_if_before = max(ping_if_before, close_if_before)  # neither applies after this
    pinged = 0
    for conn in hub.all_connections():
        heard = conn.transport.last_received
        if heard > quiet_if_before or conn.close_code is not None:
            continue  # heard from lately (pongs count), or closing: most sockets, most sweeps
        if heard <= close_if_before:
            conn.close(CloseCode.IDLE, IDLE_REASON)
        elif heard <= ping_if_before and conn.last_ping <= ping_if_before:
            conn.last_ping = now
            conn.send_frame(PING_FRAME)
            pinged += 1
            if pinged % PINGS_BETWEEN_YIELDS == 0:
                # Let these pings' writers send and park before the next ones need one.
                gevent.sleep(0)


def sweep_interval(ping_interval: float, idle_timeout: float) -> float:
    """How often every socket is looked at: a fifth of the shorter period, 0.1 to 5 s."""
    return min(5.0, max(0.1, min(ping_interval, idle_timeout) / 5))


def sweep_forever(
    ping_interval: float, idle_timeout: float, also: Callable[[float], None] | None = None
) -> None:
    """Forever: retire idle writers (and call `also(now)`) every RETIRE_EVERY seconds;
    close idle sockets and ping quiet ones every sweep_interval()."""
    pause = min(RETIRE_EVERY, sweep_interval(ping_interval, idle_timeout))
    every = max(1, round(sweep_interval(ping_interval, idle_timeout) / pause))
    turn = 0
    while True:
        beat.sleep_to_next(pause)
        turn += 1
        try:
            now = time.monotonic()
            retire_writers()
            if turn % every == 0:
                sweep_once(now, ping_interval, idle_timeout)
            if also is not None:
                also(now)
        except Exception as error:  # never let one bad connection stop the sweep
            log_failure(log, "sweep_failed", error)
