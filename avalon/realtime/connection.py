"""One player's socket: a bounded send queue drained by a single writer greenlet."""

from __future__ import annotations

import logging
import time

import gevent
from gevent import get_hub
from gevent.event import Event
from gevent.hub import Waiter
from gevent.queue import Full
from gevent.queue import Queue

from avalon.ops import metrics
from avalon.protocol import envelopes
from avalon.protocol.codes import CloseCode
from avalon.realtime.reader import ClientSocket
from avalon.realtime.transport import Transport
from avalon.realtime.transport import close_frame
from avalon.realtime.transport import text_frame

log = logging.getLogger(__name__)

CLOSE_WAIT = 2.0  # seconds to wait for the client's close reply before cutting the socket
SLOW_CLIENT_GRACE = 1.0  # a client whose queue overflowed gets this long to take the close
MAX_BATCH_BYTES = 256 * 1024  # queued frames joined into one write, at most


class _Close:
    """Queue item asking the writer to send a close frame and stop."""

    __slots__ = ("code", "reason")

    def __init__(self, code: int, reason: str) -> None:
        self.code = code
        self.reason = reason


class _Retire:
    """Queue item from the worker's sweep: an idle writer stops (and parks) unless frames follow."""

    __slots__ = ()


RETIRE = _Retire()
WRITING: set[Connection] = set()  # connections handed to a writer whose loop has not ended
PING_FRAME = b"\x89\x00"  # FIN + ping, no payload (server frames are not masked)
# Writer greenlets between connections. A new greenlet maps a frame stack of its own
# and unmaps it when it ends (CPython 3.11: two system calls, about 20 us), and a quiet
# socket gets a writer for every ping: a parked greenlet takes the next one instead.
PARKED: list[Waiter] = []
MAX_PARKED = 64  # more parked writers would be memory held for the next burst only
metrics.discount_greenlets(PARKED.__len__)  # parked writers are not a leak


def _writer_life(first: list[Connection]) -> None:
    """Write for one connection until it goes quiet, then park for the next (or end).

    The first connection comes in a list emptied here: a greenlet keeps its spawn
    arguments, and a parked writer must not keep a closed connection in memory.
    """
    conn: Connection | None = first.pop()
    while conn is not None:
        conn._write_loop()
        conn = None
        if len(PARKED) >= MAX_PARKED:
            return
        waiter = Waiter()
        PARKED.append(waiter)
        try:
            conn = waiter.get()  # switched to by _start_writer, from the event loop
        except BaseException:  # killed while parked: no connection may be handed to it
            if waiter in PARKED:
                PARKED.remove(waiter)
            raise


def _start_writer(conn: Connection) -> None:
    """Hand the connection to a parked writer greenlet, or to a new one."""
    if PARKED:
        get_hub().loop.run_callback(PARKED.pop().switch, conn)
    else:
        metrics.inc("avalon_writer_greenlets_started_total")
        gevent.spawn(_writer_life, [conn])


class Connection:
    """A registered socket of one player in one room."""

    __slots__ = (
        "client",
        "transport",
        "room_code",
        "room_id",
        "player_id",
        "display_name",
        "queue",
        "queue_size",
        "writing",
        "writer_done",
        "started",
        "first_frame",
        "close_code",
        "token_issued",
        "last_ping",
        "active",
        "opened_at",
        "chat_seen",
        "chat_mark",
        "spectator",
    )

    def __init__(
        self,
        client: ClientSocket,
        room_code: str,
        room_id: int,
        player_id: int,
        display_name: str,
        queue_size: int,
        opened_at: float | None = None,
    ) -> None:
        self.client = client
        self.transport: Transport = client.transport
        self.room_code = room_code
        self.room_id = room_id
        self.player_id = player_id
        self.display_name = display_name
        # The queue, like its writer, exists only while there is something to write.
        self.queue: Queue | None = None
        self.queue_size = queue_size
        # A writer greenlet writes for this socket only while there is something to write
        # (and a second or two after): an idle socket holds no writer, which saves memory
        # per socket. It waits for frames without a timer; the worker's sweep retires it.
        # `writing`: a writer has this socket. It stays set after a close or a failed
        # write, so that no writer starts again.
        self.writing = False
        self.writer_done: Event | None = None  # made only for a wait_closed() that waits
        self.started = False  # frames wait until the first snapshot can go first
        self.first_frame = b""
        self.close_code: int | None = None  # set once closing has begun
        self.token_issued = 0.0  # when the player's current token was signed (epoch seconds)
        self.last_ping = 0.0  # monotonic time of the sweep's last ping (realtime/reader.py)
        self.active = False  # the writer wrote since the sweep last looked
        # When the socket was opened (epoch seconds; by default now): of one player's
        # sockets the newest keeps the seat, whichever finished its handshake first.
        self.opened_at = time.time() if opened_at is None else opened_at
        # The newest chat id this socket was sent, and what it surely had when messages
        # may have stopped reaching it (a Redis outage): the catch-up resends from there.
        self.chat_seen = 0
        self.chat_mark: int | None = None
        self.spectator = False  # a spectator's chat may reach spectators only (services/chat)

    def mark_chat(self) -> None:
        """Remember what chat this socket surely has, unless an earlier mark stands."""
        if self.chat_mark is None:
            self.chat_mark = self.chat_seen

    def take_chat_mark(self) -> int:
        """The chat id to catch up from (the mark, else the newest seen); clear the mark."""
        mark, self.chat_mark = self.chat_mark, None
        return self.chat_seen if mark is None else mark

    @property
    def closing(self) -> bool:
        """Tell whether this connection is on its way out."""
        return self.close_code is not None

    def start(self, first_frame: bytes) -> None:
        """Let frames flow, first_frame before anything already queued."""
        self.first_frame = first_frame
        self.started = True
        self._wake_writer()

    def _wake_writer(self) -> None:
        """Start a writer (a parked one if any) if frames may flow and none is running."""
        if self.started and not self.writing:
            self.writing = True
            WRITING.add(self)
            _start_writer(self)

    def send_frame(self, frame: bytes) -> None:
        """Queue a framed message; a client that lets its queue fill is dropped."""
        if self.close_code is not None:
            return
        try:
            self._queue().put_nowait(frame)
        except Full:
            metrics.inc("avalon_slow_clients_dropped_total")
            log.info(
                "event=dropped room=%s player=%s reason=queue_full", self.room_code, self.player_id
            )
            self.close(CloseCode.TOO_SLOW, "too slow: send queue full", urgent=True)
            return
        if not self.writing:
            self._wake_writer()

    def send_envelope(self, envelope: dict) -> None:
        """Encode, frame and queue one envelope for this socket alone."""
        self.send_frame(text_frame(envelopes.to_bytes(envelope)))

    def close(self, code: int, reason: str, urgent: bool = False) -> None:
        """Queue a close frame behind what is already queued; the writer then stops.

        `urgent` (a client that stopped reading) drops the queue and cuts the socket
        soon whatever happens, so a blocked writer never holds anything up.
        """
        if self.close_code is not None:
            return
        self.close_code = code
        metrics.inc("avalon_closes_total", code=str(int(code)))
        queue = self._queue()
        if not urgent:
            try:
                queue.put_nowait(_Close(code, reason))
            except Full:
                urgent = True
        if urgent:
            while not queue.empty():  # nothing queued will be read now
                queue.get_nowait()
            queue.put_nowait(_Close(code, reason))
            gevent.spawn_later(SLOW_CLIENT_GRACE, self.transport.abort)
        self.started = True  # a close goes out even before the first snapshot
        self._wake_writer()

    def _queue(self) -> Queue:
        """The send queue, made when the first frame after an idle spell needs it."""
        queue = self.queue
        if queue is None:
            queue = self.queue = Queue(self.queue_size)
        return queue

    def retire_if_idle(self) -> None:
        """Called by the sweep: let a writer that wrote nothing since the last sweep stop."""
        if not self.writing:
            return
        if self.active:
            self.active = False
        elif self.queue is not None and self.queue.empty():
            self.queue.put_nowait(RETIRE)

    def wait_closed(self, timeout: float) -> None:
        """Wait for the writer to finish (it always does within its bounded writes)."""
        if self in WRITING:  # its writer is still writing
            if self.writer_done is None:
                self.writer_done = Event()
            self.writer_done.wait(timeout)

    def _write_loop(self) -> None:
        """Drain the queue onto the socket; the only code that sends messages on it.

        Frames that queued up while the last write was in progress go out together in
        one write: fewer system calls exactly when a client is busiest.
        """
        queue, send = self._queue(), self.transport.send
        try:
            if self.first_frame:
                first, self.first_frame = self.first_frame, b""
                send(first)
            while True:
                item = queue.get()  # no timeout: no timer armed per wait
                if type(item) is bytes and queue.empty():  # the usual case: one frame
                    send(item)
                    if item is PING_FRAME and queue.empty():  # a quiet socket's ping
                        self.writing, self.queue = False, None  # no linger: nothing else to send
                        return
                    metrics.inc("avalon_messages_out_total")
                    self.active = True
                    continue
                if item is RETIRE:
                    if queue.empty():  # nothing can arrive before we return
                        self.writing, self.queue = False, None
                        return
                    continue
                batch: list[bytes] = []
                size = 0
                while not isinstance(item, _Close):
                    if item is not RETIRE:  # a RETIRE with frames behind it: not idle
                        batch.append(item)
                        size += len(item)
                    if size >= MAX_BATCH_BYTES or queue.empty():
                        break
                    item = queue.get_nowait()
                if batch:
                    send(batch[0] if len(batch) == 1 else b"".join(batch))
                    metrics.inc("avalon_messages_out_total", len(batch))
                    self.active = True
                if isinstance(item, _Close):
                    self._send_close(item)
                    return
        except OSError:
            self.transport.abort()  # a failed write leaves the stream unusable
        except Exception:
            log.exception("writer failed room=%s player=%s", self.room_code, self.player_id)
            self.transport.abort()
        finally:  # `writing` stays set after a close or a failure: no writer again
            WRITING.discard(self)
            if self.writer_done is not None:
                self.writer_done.set()

    def _send_close(self, item: _Close) -> None:
        """Send the close frame, give the client a moment to answer, then cut the socket.

        The reader may have closed first (the client's close echoed, or a protocol
        error): then no close frame follows, the transport allows only one.
        """
        if self.transport.send_close(close_frame(int(item.code), item.reason)):
            self.client.wait_finished(CLOSE_WAIT)  # the read loop ends with the client's reply
        self.transport.abort()
