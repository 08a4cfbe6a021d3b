"""Reading a socket in its handler's own greenlet, and one sweep for idle sockets and pings.

simple-websocket reads every socket in a greenlet of its own, which hands each message
to the handler through an event, and times every wait (the handler's receive timeout,
its ping selector): a greenlet switch and a timer per message, and a greenlet per
socket. Here the handler greenlet that flask-sock gives each socket reads it itself
(frames parsed by realtime/frames.py; simple-websocket still does the handshake and the
server's close) and waits for data with no timer at all. Pings and the idle timeout are
one sweep per worker over the hub's connections instead of a timer per wait.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import gevent
from gevent.event import Event
from simple_websocket import Server

from avalon.ops import beat
from avalon.protocol.codes import CloseCode
from avalon.realtime import hub
from avalon.realtime.connection import MAX_PARKED
from avalon.realtime.connection import PING_FRAME
from avalon.realtime.connection import WRITING
from avalon.realtime.frames import ClientFrames

log = logging.getLogger(__name__)

RECEIVE_BYTES = 4096
IDLE_REASON = "no frames received: idle timeout"
RETIRE_EVERY = 1.0  # seconds: a writer stops one to two of these after its last write
PINGS_BETWEEN_YIELDS = max(1, MAX_PARKED // 2)  # the writers of these can all be parked ones


class InlineReader:
    """Stands in for simple-websocket's reader thread, which is never started.

    The handler greenlet reads (receive()); join() waits until its read loop ended,
    which is what the writer waits for after sending a close frame.
    """

    __slots__ = ("name", "finished", "frames", "_event")

    def __init__(self, target: Callable[[], None] | None = None) -> None:
        self.name = "inline-reader"
        self.finished = False
        self.frames = ClientFrames()  # this socket's parse state
        self._event: Event | None = None  # made only for a join that has to wait

    def start(self) -> None:
        """Nothing to start: the handler reads."""

    def join(self, timeout: float | None = None) -> None:
        """Wait for the read loop to end, at most `timeout` seconds."""
        if self.finished:
            return
        if self._event is None:
            self._event = Event()
        self._event.wait(timeout)

    def is_alive(self) -> bool:
        return not self.finished

    def finish(self, ws: Server) -> None:
        """The read loop is over: release whoever waits in join().

        After closing on a protocol error (say a frame over the size limit) the client
        may still be sending: the socket is shut for writing and drained to its end
        (SerialSocket.close, at most a few seconds), or the kernel would answer the
        unread bytes with a reset that can destroy the close frame before it is read.
        """
        self.finished = True
        if self._event is not None:
            self._event.set()
        if self.frames.refused:
            ws.sock.close()


def receive(ws: Server) -> str | bytes | None:
    """The socket's next message, read in the calling greenlet; None once it is closed.

    Control frames are answered on the way (pongs, the close reply); protocol errors
    are answered with their close code (realtime/frames.py).
    """
    buffered = ws.input_buffer
    frames = ws.thread.frames
    while not buffered:
        if not ws.connected:
            return None
        try:
            data = ws.sock.read_some(RECEIVE_BYTES)
        except OSError:
            data = b""
        if not data:
            ws.connected = False
            return None
        try:
            frames.feed(ws, data)
        except OSError:  # answering its ping or close found the client gone: end of stream
            ws.connected = False
            return None
    return buffered.pop(0)


def drain_until_closed(ws: Server, timeout: float) -> None:
    """Read and drop frames until the client's close reply (or EOF), at most `timeout`."""
    with gevent.Timeout(timeout, False):
        while receive(ws) is not None:
            pass


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
        heard = conn.sock.last_received
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
        except Exception:  # never let one bad connection stop the sweep
            log.exception("event=sweep_failed")
