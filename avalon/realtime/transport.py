"""The socket layer under simple-websocket: complete, serialised, bounded writes."""

from __future__ import annotations

import socket
import struct
import time
from typing import Any

import gevent
from gevent import get_hub
from gevent.lock import Semaphore

TEXT_OPCODE = 0x81  # FIN + text
BINARY_OPCODE = 0x82  # FIN + binary
CLOSE_OPCODE = 0x88  # FIN + close
PONG_OPCODE = 0x8A  # FIN + pong
LINGER_SECONDS = 2.0  # how long a closing socket drains the client's last bytes


def text_frame(data: bytes) -> bytes:
    """Frame a UTF-8 payload as one unmasked server text frame (RFC 6455 5.2)."""
    return _frame(TEXT_OPCODE, data)


def binary_frame(data: bytes) -> bytes:
    """Frame bytes as one unmasked server binary frame."""
    return _frame(BINARY_OPCODE, data)


def pong_frame(data: bytes) -> bytes:
    """A server pong answering a ping with this payload."""
    return _frame(PONG_OPCODE, data)


def close_frame(code: int | None, reason: str = "") -> bytes:
    """A server close frame (no status code at all when code is None)."""
    if code is None:
        return _frame(CLOSE_OPCODE, b"")
    return _frame(CLOSE_OPCODE, struct.pack("!H", code) + reason.encode()[:120])


def _frame(first_byte: int, data: bytes) -> bytes:
    """Prefix a payload with the header of one final, unmasked frame."""
    length = len(data)
    if length < 126:
        header = struct.pack("!BB", first_byte, length)
    elif length < 65536:
        header = struct.pack("!BBH", first_byte, 126, length)
    else:
        header = struct.pack("!BBQ", first_byte, 127, length)
    return header + data


class SerialSocket:
    """Wrap a client socket so every write is whole, one at a time, and time-bounded.

    simple-websocket writes with a single send(), which can write part of a frame,
    and its reader greenlet writes pongs and close replies while our writer greenlet
    writes messages. Routing every write through one lock and sendall() keeps frames
    intact; the timeout stops a dead peer from holding the lock for minutes.
    """

    __slots__ = ("_sock", "_raw", "_read_watcher", "_lock", "last_received", "broken", "_drained")

    def __init__(self, sock: socket.socket, write_timeout: float) -> None:
        self._sock = sock
        # gevent's socket wraps a non-blocking OS socket: a write that fits in the
        # kernel's buffer (nearly all) is one plain send() on it, without gevent's
        # sendall machinery (which also asks getsockopt(SO_SNDBUF) on every call).
        self._raw: Any = getattr(sock, "_sock", None)
        # ... and a read waits on the socket's own read watcher (None: not a gevent socket).
        self._read_watcher = getattr(sock, "_read_event", None) if self._raw is not None else None
        self._lock = Semaphore()
        # The socket's own timeout bounds every sendall() in total (gevent counts the
        # whole call), which costs far less than a gevent.Timeout around each write.
        sock.settimeout(write_timeout)
        self.last_received = time.monotonic()
        self.broken = False
        self._drained = False  # the last read took less than asked: wait before the next

    def send(self, data: bytes) -> int:
        """Write all of data or raise OSError; a timed-out write breaks the socket."""
        with self._lock:
            if self.broken:
                raise BrokenPipeError("socket already broken")
            try:
                sent = 0
                if self._raw is not None:
                    try:
                        sent = self._raw.send(data)
                    except (BlockingIOError, InterruptedError):
                        sent = 0
                if sent < len(data):  # the rest waits for room, within the write timeout
                    self._sock.sendall(memoryview(data)[sent:] if sent else data)
            except OSError:
                # A partial frame may be on the wire: nothing more can be sent safely.
                self.abort()
                raise
        return len(data)

    sendall = send

    def read_some(self, size: int) -> bytes:
        """Read what has arrived, waiting for it without arming a timer (b"" at the end).

        gevent's recv() arms the socket's timeout (here the write timeout) on every wait;
        a reader that is happy to wait for ever waits on the socket's read watcher alone.
        """
        raw, watcher = self._raw, self._read_watcher
        if watcher is None:  # not a gevent socket
            return self.recv(size)
        wait = get_hub().wait  # the hub the socket's watcher belongs to
        if self._drained:  # nothing is likely to be there yet: skip a recv() that fails
            wait(watcher)
        while True:
            try:
                data = raw.recv(size)
                break
            except BlockingIOError:
                pass
            except InterruptedError:
                continue
            # Waited outside the except block: inside it, an idle socket would keep the
            # exception (and its traceback) alive for as long as it waits.
            wait(watcher)
        self._drained = len(data) < size
        self.last_received = time.monotonic()
        return data

    def recv(self, size: int) -> bytes:
        """Read from the socket, remembering when the client was last heard."""
        while True:
            try:
                data = self._sock.recv(size)
                break
            except TimeoutError:
                continue  # the write timeout also applies to reads: a quiet client is fine
        self.last_received = time.monotonic()
        return data

    def abort(self) -> None:
        """Cut the connection at once: the reader sees end-of-stream and cleans up."""
        self.broken = True
        try:
            self._sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def fileno(self) -> int:
        """Expose the descriptor for selectors."""
        return self._sock.fileno()

    def close(self) -> None:
        """Close gracefully: send FIN, discard what the client still sends, then close.

        Closing with unread input makes the kernel send a reset, which can destroy
        the close frame (and the error before it) before the client reads them.
        """
        if not self.broken:
            self.broken = True
            try:
                self._sock.shutdown(socket.SHUT_WR)
                with gevent.Timeout(LINGER_SECONDS, False):
                    while self._sock.recv(4096):
                        pass
            except OSError:
                pass
        self._sock.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)


def wrap_environ_socket(environ: dict, write_timeout: float) -> bool:
    """Swap the server's client socket in the WSGI environ for a SerialSocket."""
    sock = environ.get("gunicorn.socket")
    if sock is None or isinstance(sock, SerialSocket):
        return sock is not None
    environ["gunicorn.socket"] = SerialSocket(sock, write_timeout)
    return True
