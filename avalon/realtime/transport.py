"""One client socket under gevent: whole, serialised, time-bounded writes; reads without timers.

Only gevent's public API: the socket is made non-blocking (`settimeout(0.0)`), a write that
does not fit in the kernel's buffer waits with `gevent.socket.wait_write` inside the write
timeout, and a read waits on an io watcher of the socket's own (`Hub.wait`), so a socket that
waits for ever arms no timer. Every write (messages, pongs, close frames) goes through one
lock, so frames are never torn or interleaved, and nothing is written after the server's
close frame (RFC 6455 5.5.1: the close frame is the last frame an endpoint sends).
"""

from __future__ import annotations

import socket
import struct
import time
from typing import Any

import gevent
from gevent import get_hub
from gevent.lock import Semaphore
from gevent.socket import wait_write

TEXT_OPCODE = 0x81  # FIN + text
BINARY_OPCODE = 0x82  # FIN + binary
CLOSE_OPCODE = 0x88  # FIN + close
PONG_OPCODE = 0x8A  # FIN + pong
READ_EVENT = 1  # libev's EV_READ, the event mask of a read watcher
LINGER_SECONDS = 2.0  # how long a closing socket drains the client's last bytes
LINGER_BYTES = 256 * 1024  # ... and how much of them at most


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
    """A server close frame (no status code at all when code is None); reason cut to fit."""
    if code is None:
        return _frame(CLOSE_OPCODE, b"")
    # A control payload holds 125 bytes, the code takes 2; a character cut in half is dropped.
    reason_bytes = reason.encode()[:123].decode(errors="ignore").encode()
    return _frame(CLOSE_OPCODE, struct.pack("!H", code) + reason_bytes)


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


class Transport:
    """A client socket that writes whole frames one at a time and stops after its close frame.

    `send` raises OSError when the socket is broken or a write timed out (the stream may
    then hold part of a frame: the socket is cut); after `send_close` every further write
    is dropped, whoever asks for it (the writer greenlet, the reader's pong answers).
    """

    __slots__ = (
        "sock",
        "write_timeout",
        "last_received",
        "broken",
        "close_sent",
        "_lock",
        "_watcher",
        "_drained",
        "_released",
    )

    def __init__(self, sock: socket.socket, write_timeout: float) -> None:
        self.sock = sock
        self.write_timeout = write_timeout
        sock.settimeout(0.0)  # we wait ourselves: reads on a watcher, writes within a deadline
        self.last_received = time.monotonic()
        self.broken = False
        self.close_sent = False
        self._lock = Semaphore()
        self._watcher: Any = get_hub().loop.io(sock.fileno(), READ_EVENT)
        self._drained = False  # the last read took less than asked: wait before the next
        self._released = False  # the read watcher is closed

    # -- writing ---------------------------------------------------------------------

    def send(self, data: bytes) -> bool:
        """Write all of data unless the close frame went out already; tell whether it did."""
        with self._lock:
            if self.close_sent:
                return False
            self._write(data)
        return True

    def send_close(self, frame: bytes) -> bool:
        """Write the server's close frame, the last frame this socket ever carries."""
        with self._lock:
            if self.close_sent:
                return False
            self.close_sent = True
            self._write(frame)
        return True

    def _write(self, data: bytes) -> None:
        """Write everything or raise OSError, waiting for room at most write_timeout."""
        if self.broken:
            raise BrokenPipeError("socket already broken")
        view = memoryview(data)
        deadline = 0.0
        try:
            while view:
                try:
                    sent = self.sock.send(view)
                except (BlockingIOError, InterruptedError):
                    sent = 0
                view = view[sent:]
                if view:  # the kernel's buffer is full: the client reads slowly, or not at all
                    now = time.monotonic()
                    deadline = deadline or now + self.write_timeout
                    if now >= deadline:
                        raise TimeoutError("write timed out")
                    wait_write(self.sock.fileno(), timeout=deadline - now)
        except OSError:
            # A partial frame may be on the wire: nothing more can be sent safely.
            self.abort()
            raise

    # -- reading ---------------------------------------------------------------------

    def read_some(self, size: int) -> bytes:
        """Read what has arrived, waiting for it without a timer; b"" at the end of stream."""
        if self.broken:
            return b""
        wait = get_hub().wait
        if self._drained:  # nothing is likely to be there yet: skip a recv() that fails
            wait(self._watcher)
        while True:
            try:
                data = self.sock.recv(size)
                break
            except (BlockingIOError, InterruptedError):
                pass
            except OSError:
                return b""
            # Waited outside the except block: inside it, an idle socket would keep the
            # exception (and its traceback) alive for as long as it waits.
            wait(self._watcher)
        self._drained = len(data) < size
        self.last_received = time.monotonic()
        return data

    # -- ending ----------------------------------------------------------------------

    def abort(self) -> None:
        """Cut the connection at once: a waiting reader sees end-of-stream and cleans up."""
        self.broken = True
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def close(self) -> None:
        """Close gracefully: send FIN, discard what the client still sends (bounded), close.

        Closing with unread input makes the kernel send a reset, which can destroy the
        close frame (and the error before it) before the client reads them.
        """
        if not self.broken:
            self.broken = True
            try:
                self.sock.shutdown(socket.SHUT_WR)
                linger(self.sock, LINGER_SECONDS, LINGER_BYTES)
            except OSError:
                pass
        self.release()
        self.sock.close()

    def release(self) -> None:
        """Stop watching the socket (gunicorn closes it once the handler returns)."""
        if not self._released:
            self._released = True
            self._watcher.close()

    def fileno(self) -> int:
        """The socket's descriptor."""
        return self.sock.fileno()


def linger(sock: socket.socket, seconds: float, most: int) -> None:
    """Read and drop what a socket still receives, within time and size bounds.

    For a socket whose answer went out while the client was still sending (a refused
    body, a close frame): reading on for a moment lets the client read the answer before
    the close resets the connection. Yields to other greenlets after every read, so a
    client that keeps sending holds nobody up.
    """
    sock.settimeout(0.0)
    watcher = get_hub().loop.io(sock.fileno(), READ_EVENT)
    drained = 0
    try:
        with gevent.Timeout(seconds, False):
            while drained < most:
                try:
                    data = sock.recv(65536)
                except (BlockingIOError, InterruptedError):
                    get_hub().wait(watcher)
                    continue
                if not data:
                    return
                drained += len(data)
                gevent.sleep(0)
    except OSError:
        pass
    finally:
        watcher.close()
