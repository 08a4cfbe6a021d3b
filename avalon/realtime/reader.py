"""Reading a socket in its handler's own greenlet, and one sweep for idle sockets and pings.

simple-websocket reads every socket in a greenlet of its own, which hands each message
to the handler through an event, and times every wait: a greenlet switch and a timer per
message, and a greenlet per socket. Here simple-websocket only does the handshake (its
thread class is `InlineReader`, which never runs); the handler greenlet that flask-sock
gives each socket reads it itself through a `ClientSocket` (bytes from the transport,
frames parsed by realtime/frames.py) and waits for data with no timer at all. Pings and
the idle timeout are one sweep per worker (realtime/sweep.py), not a timer per wait.
"""

from __future__ import annotations

from collections.abc import Callable

import gevent
from gevent.event import Event

from avalon.ops import metrics
from avalon.realtime.frames import ClientFrames
from avalon.realtime.frames import Close
from avalon.realtime.frames import Incoming
from avalon.realtime.frames import Ping
from avalon.realtime.frames import Violation
from avalon.realtime.transport import Transport
from avalon.realtime.transport import close_frame
from avalon.realtime.transport import pong_frame

RECEIVE_BYTES = 4096


class InlineReader:
    """simple-websocket's `thread_class`: a reader thread that never runs.

    The handler greenlet reads the socket itself (ClientSocket.receive); simple-websocket
    is left with the handshake alone.
    """

    __slots__ = ("name",)

    def __init__(self, target: Callable[[], None] | None = None) -> None:
        """Take simple-websocket's reader function and never call it."""
        self.name = "inline-reader"  # simple-websocket renames its reader thread

    def start(self) -> None:
        """Nothing to start: the handler reads."""

    def join(self, timeout: float | None = None) -> None:
        """Nothing to wait for."""

    def is_alive(self) -> bool:
        return False


class ClientSocket:
    """One accepted socket: its transport, its frame parser, and whether reading ended.

    `receive()` is called by one greenlet (the handler's); answering pings and the
    client's close happens on the way, through the transport's one write lock.
    """

    __slots__ = ("transport", "frames", "ready", "ended", "refused", "finished", "_done")

    def __init__(self, transport: Transport, max_message_bytes: int | None) -> None:
        self.transport = transport
        self.frames = ClientFrames(max_message_bytes)
        self.ready: list[Incoming] | None = None  # parsed beyond the message just returned
        self.ended = False  # the close handshake is done, the stream ended, or we refused
        self.refused = False  # closed on a protocol error: the client may still be sending
        self.finished = False  # the read loop is over (set by finish())
        self._done: Event | None = None  # made only for a wait_finished() that has to wait

    def receive(self) -> str | bytes | None:
        """The socket's next message, read in the calling greenlet; None once it is closed.

        Pings are answered and the client's close is echoed on the way; a protocol error
        is answered with its close code. While data keeps coming the reader yields after
        every full read, so a client that floods its socket holds no one else up.
        """
        while True:
            if self.ready:
                item = self.ready.pop(0)
            elif self.ended:
                return None
            else:
                items = self._read()
                if not items:
                    continue
                item = items[0]
                if len(items) > 1:
                    self.ready = items[1:]
            if type(item) is str or type(item) is bytes:
                return item
            if isinstance(item, Ping):
                self._send(pong_frame(item.payload))
            elif isinstance(item, Close):
                self.ended = True
                # The client spoke first: echo its code (none if it sent none).
                self._send(close_frame(item.code), close=True)

    def _read(self) -> list[Incoming]:
        """Read once and parse; an empty list when nothing completed (or reading ended)."""
        data = self.transport.read_some(RECEIVE_BYTES)
        if not data:
            self.ended = True
            return []
        if len(data) == RECEIVE_BYTES:
            gevent.sleep(0)  # more is waiting: let every other greenlet run first
        try:
            return self.frames.feed(data)
        except Violation as violation:
            self.refuse(violation.code, violation.reason)
            return []

    def refuse(self, code: int, reason: str) -> None:
        """Close on a protocol error: send the close frame, read no further messages."""
        metrics.inc("avalon_closes_total", code=str(code))
        self.ended = self.refused = True
        self._send(close_frame(code, reason), close=True)

    def _send(self, frame: bytes, close: bool = False) -> None:
        """Answer on the socket; a client that is gone ends the reading."""
        try:
            if close:
                self.transport.send_close(frame)
            else:
                self.transport.send(frame)
        except OSError:
            self.ended = True

    def finish(self) -> None:
        """The read loop is over: release whoever waits in wait_finished().

        After closing on a protocol error (say a frame over the size limit) the client
        may still be sending: the socket is shut for writing and drained (bounded), or
        the kernel would answer the unread bytes with a reset that can destroy the close
        frame before it is read.
        """
        self.finished = True
        if self._done is not None:
            self._done.set()
        if self.refused:
            self.transport.close()

    def wait_finished(self, timeout: float) -> None:
        """Wait for the read loop to end, at most `timeout` seconds."""
        if self.finished:
            return
        if self._done is None:
            self._done = Event()
        self._done.wait(timeout)

    def drain_until_closed(self, timeout: float) -> None:
        """Read and drop messages until the client's close reply (or EOF), at most `timeout`."""
        with gevent.Timeout(timeout, False):
            while self.receive() is not None:
                pass
