"""The socket layer without gunicorn: transport, reader and writer over gevent socket pairs.

Each test plays the client on the other end of a socket pair, in this process's gevent
loop: what it reads is exactly what a client's network stack would get.
"""

from __future__ import annotations

import socket
import struct
import time
from collections.abc import Iterator

import gevent
import pytest
from gevent import socket as gsocket

from avalon.protocol.codes import CloseCode
from avalon.realtime import connection as connection_module
from avalon.realtime.connection import WRITING
from avalon.realtime.connection import Connection
from avalon.realtime.reader import ClientSocket
from avalon.realtime.transport import Transport
from avalon.realtime.transport import close_frame
from avalon.realtime.transport import text_frame
from tests.test_frames import frame

pytestmark = pytest.mark.timeout(20)


@pytest.fixture
def pair() -> Iterator[tuple[gsocket.socket, gsocket.socket]]:
    """A connected pair of gevent sockets: (the server's side, the client's side)."""
    server, client = gsocket.socketpair()
    client.settimeout(5)
    yield server, client
    for sock in (server, client):
        sock.close()


def read_exactly(sock: gsocket.socket, size: int) -> bytes:
    """Read `size` bytes as a client would (waiting in this greenlet)."""
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        assert chunk, f"end of stream after {len(data)} of {size} bytes"
        data += chunk
    return data


def read_frame(sock: gsocket.socket) -> tuple[int, bytes]:
    """Read one unmasked server frame: (first byte, payload)."""
    first, second = read_exactly(sock, 2)
    length = second & 0x7F
    if length == 126:
        (length,) = struct.unpack("!H", read_exactly(sock, 2))
    elif length == 127:
        (length,) = struct.unpack("!Q", read_exactly(sock, 8))
    return first, read_exactly(sock, length)


def nothing_arrives(sock: gsocket.socket, seconds: float = 0.3) -> bool:
    """Tell whether the client side stays silent for a moment (end of stream counts too)."""
    sock.settimeout(seconds)
    try:
        return sock.recv(1) == b""
    except TimeoutError:
        return True
    finally:
        sock.settimeout(5)


def test_large_frames_arrive_whole_at_a_slow_reader(pair):
    server, client = pair
    server.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    transport = Transport(server, write_timeout=5)
    payload = bytes(range(256)) * 8192  # 2 MB: many partial writes
    writer = gevent.spawn(transport.send, text_frame(payload))
    received = b""
    while len(received) < len(payload):
        gevent.sleep(0.001)  # a reader slower than the writer
        received += client.recv(65536)
    writer.join(5)
    assert writer.value is True
    assert received[10:] == payload  # a 64-bit length header, then every byte in order


def test_a_write_to_a_client_that_never_reads_times_out_and_cuts_the_socket(pair):
    server, client = pair
    transport = Transport(server, write_timeout=0.3)
    started = time.monotonic()
    with pytest.raises(OSError):
        transport.send(text_frame(b"x" * 8_000_000))
    assert 0.25 < time.monotonic() - started < 3
    assert transport.broken
    with pytest.raises(OSError):
        transport.send(text_frame(b"more"))


def test_nothing_is_written_after_the_close_frame(pair):
    server, client = pair
    transport = Transport(server, write_timeout=5)
    assert transport.send(text_frame(b"before"))
    assert transport.send_close(close_frame(4000, "bye"))
    assert not transport.send(text_frame(b"after"))  # the writer greenlet's late frame
    assert not transport.send_close(close_frame(1000))  # a second close
    assert read_frame(client) == (0x81, b"before")
    assert read_frame(client) == (0x88, struct.pack("!H", 4000) + b"bye")
    assert nothing_arrives(client)


def test_the_reader_answers_pings_and_echoes_the_clients_close(pair):
    server, client = pair
    reader = ClientSocket(Transport(server, write_timeout=5), 1024)
    client.sendall(frame(0x9, b"hi") + frame(0x1, b"hello") + frame(0x8, struct.pack("!H", 1001)))
    assert reader.receive() == "hello"
    assert read_frame(client) == (0x8A, b"hi")
    assert reader.receive() is None
    assert read_frame(client) == (0x88, struct.pack("!H", 1001))
    assert reader.receive() is None  # and stays ended


def test_a_ping_after_the_servers_close_gets_no_pong(pair):
    server, client = pair
    transport = Transport(server, write_timeout=5)
    reader = ClientSocket(transport, 1024)
    transport.send_close(close_frame(4408, "idle"))
    assert read_frame(client)[0] == 0x88
    client.sendall(frame(0x9, b"late") + frame(0x8, struct.pack("!H", 4408)))
    assert reader.receive() is None
    assert nothing_arrives(client)


def test_a_protocol_error_is_answered_with_its_code_and_reading_stops(pair):
    server, client = pair
    reader = ClientSocket(Transport(server, write_timeout=5), 1024)
    client.sendall(frame(0x1, b"x", masked=False) + frame(0x1, b"never read"))
    assert reader.receive() is None
    first, payload = read_frame(client)
    assert first == 0x88 and payload[:2] == struct.pack("!H", 1002)
    assert reader.refused
    client.shutdown(socket.SHUT_WR)  # the client stops sending: the lingering close ends
    started = time.monotonic()
    reader.finish()
    assert time.monotonic() - started < 1
    assert client.recv(10) == b""


def test_a_client_that_floods_its_socket_lets_other_greenlets_run(pair):
    """The attack: a read loop that never yields while data keeps coming starves the worker."""
    server, client = pair
    client.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 20)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    message = frame(0x1, b"x")
    count = 40_000  # 280 KB of tiny messages, all buffered before the reader starts
    client.sendall(message * count)
    reader = ClientSocket(Transport(server, write_timeout=5), 1024)
    ticks = []

    def bystander() -> None:
        while True:
            ticks.append(time.monotonic())
            gevent.sleep(0)

    other = gevent.spawn(bystander)
    gevent.sleep(0)
    ticks.clear()
    for _ in range(count):
        assert reader.receive() == "x"
    done = time.monotonic()
    other.kill()
    assert len([tick for tick in ticks if tick < done]) >= 20  # one turn per full read


@pytest.fixture
def conn(pair) -> Iterator[Connection]:
    """A registered-to-be connection writing to the server side of the pair."""
    server, _ = pair
    client_socket = ClientSocket(Transport(server, write_timeout=2), 1024)
    connection = Connection(client_socket, "UNITS", 1, 7, "Ann", 4)
    yield connection
    connection.close(CloseCode.NORMAL, "test over", urgent=True)
    client_socket.finish()


def test_the_writer_sends_the_first_frame_first_then_everything_in_order(conn, pair):
    _, client = pair
    conn.send_frame(text_frame(b"queued before start"))
    conn.start(text_frame(b"snapshot"))
    conn.send_frame(text_frame(b"after"))
    received = [read_frame(client)[1] for _ in range(3)]
    assert received == [b"snapshot", b"queued before start", b"after"]


def test_a_close_goes_out_last_and_the_writer_ends_with_the_reader(conn, pair):
    _, client = pair
    conn.start(b"")
    conn.send_frame(text_frame(b"last words"))
    conn.close(CloseCode.REPLACED, "connected again elsewhere")
    conn.send_frame(text_frame(b"too late"))  # queued after the close: never sent
    assert read_frame(client) == (0x81, b"last words")
    assert read_frame(client) == (0x88, struct.pack("!H", 4409) + b"connected again elsewhere")
    assert conn in WRITING  # waiting for the client's close reply (or CLOSE_WAIT)
    client.sendall(frame(0x8, struct.pack("!H", 4409)))
    assert conn.client.receive() is None
    conn.client.finish()
    conn.wait_closed(2)
    assert conn not in WRITING
    assert client.recv(10) == b""  # the socket was cut once the handshake was done


def test_a_client_that_lets_its_queue_fill_is_dropped_with_4429(conn, pair, monkeypatch):
    monkeypatch.setattr(connection_module, "SLOW_CLIENT_GRACE", 0.2)
    _, client = pair
    client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    conn.start(b"")
    big = text_frame(b"y" * 100_000)
    for _ in range(12):  # the queue holds 4; the writer is stuck on the first
        conn.send_frame(big)
    assert conn.close_code == CloseCode.TOO_SLOW
    gevent.sleep(0.5)
    assert conn.transport.broken  # cut after the grace, whatever the writer was doing


def test_an_idle_writer_retires_and_the_next_frame_wakes_one(conn, pair):
    _, client = pair
    conn.start(text_frame(b"one"))
    assert read_frame(client)[1] == b"one"
    for _ in range(3):  # the sweep looks, sees it idle, asks it to stop
        conn.retire_if_idle()
        gevent.sleep(0.01)
    assert not conn.writing and conn not in WRITING
    conn.send_frame(text_frame(b"two"))
    assert read_frame(client)[1] == b"two"
