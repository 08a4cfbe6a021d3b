"""The hub under stress: leaks, dead and slow clients, big frames, shutdown, failures."""

from __future__ import annotations

import base64
import contextlib
import json
import os
import selectors
import signal
import socket
import sqlite3
import struct
import threading
import time
from collections.abc import Callable

import pytest
import websocket

from tests.support import Closed
from tests.support import WsClient
from tests.support import wait_for

pytestmark = pytest.mark.timeout(120)


def raw_socket(server, seat: dict, rcvbuf: int | None = None) -> socket.socket:
    """Open a socket and finish the handshake by hand; nothing answers pings."""
    sock = socket.socket()
    if rcvbuf:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    sock.settimeout(10)
    sock.connect(("127.0.0.1", server.port))
    key = base64.b64encode(os.urandom(16)).decode()
    path = server.ws_url(seat).split(str(server.port), 1)[1]
    sock.sendall(
        (
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
    )
    head = b""
    while b"\r\n\r\n" not in head:
        head += sock.recv(1)
    assert head.startswith(b"HTTP/1.1 101"), head
    return sock


def read_frames(sock: socket.socket, timeout: float) -> list[tuple[int, bytes]]:
    """Read raw frames until the peer closes the TCP stream or the timeout passes."""
    sock.settimeout(timeout)
    data = b""
    try:
        while chunk := sock.recv(65536):
            data += chunk
    except (TimeoutError, ConnectionResetError):
        pass
    reader = FrameReader()
    reader.feed(data)
    return reader.frames


# The hub's own behaviour: on SQLite only (the database's part of a connection is tested
# on both in test_ws.py and test_game.py).
def test_hub_is_empty_after_200_connect_disconnect_cycles(make_server):
    server = make_server()
    seats = server.room_with_players(2)
    for cycle in range(200):
        seat = seats[cycle % 2]
        if cycle % 4 == 3:
            # An abrupt disconnect: no close frame, just a TCP reset.
            sock = raw_socket(server, seat)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            sock.close()
            # Its handshake answered, the server may still be authenticating it: let it
            # register and leave before the seat's next socket, which it would replace.
            sockets_so_far = cycle + 1  # this one included: each logs when it leaves
            wait_for(
                lambda n=sockets_so_far: len(server.log_events("disconnected")) >= n, timeout=20
            )
        else:
            client, _ = server.join_socket(seat)
            client.close()
    # The last sockets may still be closing: wait for both to reach zero.
    wait_for(
        lambda: server.metric("avalon_open_sockets") == 0 and server.metric("avalon_rooms") == 0,
        timeout=20,
    )
    # Still serving after all that.
    client, first = server.join_socket(seats[0])
    client.close()
    assert first["payload"]["room"]["code"] == seats[0]["code"]


def test_dead_client_is_closed_and_quiet_client_is_not(make_backend_server):
    server = make_backend_server(AVALON_PING_INTERVAL="0.5", AVALON_IDLE_TIMEOUT="1.5")
    seats = server.room_with_players(2)
    dead = raw_socket(server, seats[0])
    quiet, _ = server.join_socket(seats[1])
    # The quiet client answers pings (websocket-client does while reading) but sends nothing.
    stop = threading.Event()

    def read_quietly():
        while not stop.is_set():
            try:
                quiet.ws.settimeout(0.2)
                quiet.ws.recv_data_frame(True)
            except websocket.WebSocketTimeoutException:
                continue
            except Exception:
                return

    reader = threading.Thread(target=read_quietly, daemon=True)
    reader.start()
    started = time.monotonic()
    frames = read_frames(dead, timeout=8)
    closed_after = time.monotonic() - started
    dead.close()
    close_frames = [payload for opcode, payload in frames if opcode == 0x8]
    assert close_frames, frames
    assert int.from_bytes(close_frames[0][:2], "big") in (1008, 4408)
    assert closed_after < 5
    stop.set()
    reader.join(2)
    quiet.send({"type": "system", "correlation_id": "still", "payload": {"action": "ping"}})
    assert quiet.recv_event("pong")["correlation_id"] == "still"
    quiet.close()


def test_slow_reader_is_dropped_while_others_get_everything_in_order(make_server):
    server = make_server(
        AVALON_SEND_QUEUE="8",
        AVALON_CHAT_BURST="1000",
        AVALON_CHAT_RATE="1000",
        AVALON_CHAT_MAX_LENGTH="50000",
        AVALON_MAX_MESSAGE_BYTES="65536",
    )
    seats = server.room_with_players(4)
    sender, _ = server.join_socket(seats[0])
    readers = [server.join_socket(seat)[0] for seat in seats[1:3]]
    slow = raw_socket(server, seats[3], rcvbuf=4096)  # handshake done, then never read
    for reader in readers:
        reader.recv_event("player_connected")
    count = 200  # 10 MB: more than the kernel buffers between server and slow reader
    # Everyone but the slow client keeps reading, the sender its own echoes included;
    # the sender waits for each message to reach them, as a chatting person would.
    fast = [sender, *readers]
    received: dict[int, list[str]] = {index: [] for index in range(len(fast))}
    progress = threading.Condition()

    def read_all(index: int) -> None:
        while len(received[index]) < count:
            message = fast[index].recv(timeout=30)
            if message["event"] == "chat":
                with progress:
                    received[index].append(message["payload"]["message"])
                    progress.notify_all()

    threads = [threading.Thread(target=read_all, args=(index,)) for index in received]
    for thread in threads:
        thread.start()
    for number in range(count):
        sender.chat(f"{number:04d}" + "x" * 49000)
        with progress:
            assert progress.wait_for(
                lambda n=number: all(len(texts) > n for texts in received.values()), timeout=30
            )
    for thread in threads:
        thread.join(60)
    expected = [f"{number:04d}" + "x" * 49000 for number in range(count)]
    for index in received:
        assert received[index] == expected
    wait_for(lambda: server.metric("avalon_slow_clients_dropped_total") >= 1, timeout=10)
    wait_for(lambda: server.metric("avalon_open_sockets") == 3, timeout=10)
    slow.close()
    sender.close()
    for reader in readers:
        reader.close()


def test_megabyte_frame_and_concurrent_writes_arrive_intact(make_backend_server):
    server = make_backend_server(
        AVALON_CHAT_MAX_LENGTH="1100000",
        AVALON_MAX_MESSAGE_BYTES="2200000",
        AVALON_CHAT_BURST="1000",
        AVALON_CHAT_RATE="1000",
    )
    seats = server.room_with_players(3)
    senders = [server.join_socket(seat)[0] for seat in seats[:2]]
    slow = WsClient(server.ws_url(seats[2]))
    slow.ws.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
    assert slow.recv()["event"] == "room"
    # Six 1 MiB frames: more than the kernel buffers hold, so the server's writes block
    # part-way through frames while the reader is not reading.
    bigs = [
        str(copy) + "".join(chr(0x41 + n % 26) for n in range(1024 * 1024)) for copy in range(6)
    ]
    for big in bigs:
        senders[0].chat(big)

    def chat_many(client: WsClient, tag: str) -> None:
        for number in range(50):
            client.chat(f"{tag}{number}")

    threads = [
        threading.Thread(target=chat_many, args=(client, tag))
        for client, tag in zip(senders, "ab", strict=True)
    ]
    for thread in threads:
        thread.start()
    # Meanwhile the slow reader pings: the server's reader greenlet writes pongs while the
    # writer greenlet is in the middle of the megabyte frame.
    for _ in range(8):  # within the control frames' burst (realtime/frames.py)
        slow.ws.ping(b"p")
        time.sleep(0.05)
    time.sleep(1)  # let the server block on the full socket buffer mid-frame
    for thread in threads:
        thread.join(30)
    chats = []
    while len(chats) < 106:
        message = slow.recv(timeout=30)
        if message["event"] == "chat":
            chats.append(message["payload"]["message"])
    # Intact and in order: a torn frame would not even parse as JSON.
    assert [text for text in chats if text[0].isdigit()] == bigs
    for tag in "ab":
        assert [text for text in chats if text[0] == tag] == [f"{tag}{n}" for n in range(50)]
    for client in [*senders, slow]:
        client.close()


def test_sigterm_closes_every_socket_with_1001_and_runs_cleanup(make_backend_server):
    server = make_backend_server()
    seats = server.room_with_players(3)
    clients = [server.join_socket(seat)[0] for seat in seats]
    started = time.monotonic()
    codes = []

    def wait_close(client: WsClient) -> None:
        codes.append(client.expect_close(timeout=15))

    threads = [threading.Thread(target=wait_close, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    assert server.terminate(timeout=20) == 0
    for thread in threads:
        thread.join(15)
    assert codes == [1001, 1001, 1001]
    assert time.monotonic() - started < 10  # well before graceful_timeout
    closes = [fields["code"] for fields in server.log_events("disconnected")]
    assert closes.count("1001") == 3
    for client in clients:
        client.close()


def test_a_stopping_worker_sends_new_sockets_on_unheard_while_it_still_listens(
    make_backend_server,
):
    # gunicorn closes a stopping worker's listener up to a second after SIGTERM. In a
    # restart the sockets arriving then are those other stopping workers just closed:
    # each is told to go at once, not authenticated, registered and closed a moment later.
    server = make_backend_server()
    seats = server.room_with_players(4)
    alice, _ = server.join_socket(seats[0])
    try:
        (old,) = server.worker_pids()
        os.kill(old, signal.SIGTERM)
        wait_for(lambda: server.log_events("worker_refusing_sockets"), timeout=10)
        for seat in seats[1:]:  # within the second, or queued for the fresh worker
            client = server.connect(seat)
            try:
                first = client.recv(timeout=20)
                assert first["type"] == "state"  # the fresh worker's snapshot: it stays
                assert server.worker_pids() != [old]
            except Closed as closed:
                assert closed.code == 1001 and not client.received  # refused unheard
            finally:
                client.close()
        served = [fields for fields in server.log_events("connected") if fields["pid"] == str(old)]
        assert len(served) == 1  # alice's socket only
        assert alice.expect_close(timeout=10) == 1001
    finally:
        alice.close()


def test_a_failing_database_is_said_in_an_envelope_without_http_in_the_stream(make_server):
    # SQLite only: the test breaks its own database, which must not be the shared one.
    server = make_server()
    seats = server.room_with_players(2)
    alice, _ = server.join_socket(seats[0])
    bob, _ = server.join_socket(seats[1])
    alice.recv_event("player_connected")
    database = server.env["DATABASE_URL"].removeprefix("sqlite:///")
    with sqlite3.connect(database) as connection:
        connection.execute("DROP TABLE chatmessage")
    alice.chat("this insert fails", correlation_id="broken")
    answer = alice.recv_until(lambda m: m.get("correlation_id") == "broken")
    assert answer["type"] == "error" and answer["event"] == "unavailable"  # not a silent 1011
    assert "HTTP/1.1 500" not in json.dumps(alice.received)
    alice.send({"type": "system", "correlation_id": "still", "payload": {"action": "ping"}})
    assert alice.recv_event("pong")["correlation_id"] == "still"  # the socket stays open
    assert server.metric("avalon_database_errors_total") == 1
    # Bob's socket is untouched.
    bob.send({"type": "system", "correlation_id": "ok", "payload": {"action": "ping"}})
    assert bob.recv_event("pong")["correlation_id"] == "ok"
    for client in (alice, bob):
        client.close()


def test_reused_writers_ping_every_socket_and_deliver_each_rooms_chat_to_it(make_server):
    # 100 quiet sockets pinged every 0.3 s: every ping needs a writer, and quiet sockets
    # have none, so writers park and are handed from socket to socket.
    server = make_server(
        AVALON_PING_INTERVAL="0.3", AVALON_IDLE_TIMEOUT="60", AVALON_ROOM_REQUEST_BURST="500"
    )
    rooms = [server.room_with_players(10) for _ in range(10)]
    with contextlib.ExitStack() as cleanup:
        selector = cleanup.enter_context(selectors.DefaultSelector())
        sockets: dict[socket.socket, str] = {}
        for seats in rooms:
            for seat in seats:
                sock = cleanup.enter_context(raw_socket(server, seat))
                sockets[sock] = seat["code"]
                sock.setblocking(False)
                selector.register(sock, selectors.EVENT_READ)
        parsers = {sock: FrameReader() for sock in sockets}

        def read_until(done: Callable[[FrameReader], bool], timeout: float) -> None:
            deadline = time.monotonic() + timeout
            while not all(done(parser) for parser in parsers.values()):
                assert time.monotonic() < deadline, [p.texts()[-2:] for p in parsers.values()][:3]
                for key, _ in selector.select(0.2):
                    chunk = key.fileobj.recv(65536)  # type: ignore[union-attr]
                    assert chunk, "the server closed a quiet socket"
                    parsers[key.fileobj].feed(chunk)  # type: ignore[index]

        read_until(lambda parser: len(parser.pings()) >= 1, timeout=30)
        pings_before = sum(len(parser.pings()) for parser in parsers.values())
        started_before = server.metric("avalon_writer_greenlets_started_total")
        read_until(lambda parser: len(parser.pings()) >= 4, timeout=30)
        pings = sum(len(parser.pings()) for parser in parsers.values()) - pings_before
        started = server.metric("avalon_writer_greenlets_started_total") - started_before
        # Without parking, every one of these pings would have started a writer greenlet.
        assert started < pings / 3, (started, pings)
        for seats in rooms:
            seat = server.join(seats[0]["code"], "Watcher", spectator=True)
            watcher = cleanup.enter_context(contextlib.closing(WsClient(server.ws_url(seat))))
            watcher.chat(f"only for room {seats[0]['code']}")
        read_until(lambda parser: len(parser.chat()) >= 1, timeout=30)
        for sock, code in sockets.items():
            assert json.loads(parsers[sock].texts()[0])["payload"]["room"]["code"] == code
            assert parsers[sock].chat() == [f"only for room {code}"]
            assert set(parsers[sock].pings()) == {b""}


class FrameReader:
    """Server frames (opcode, payload) from a raw socket's bytes, fed as they arrive."""

    def __init__(self) -> None:
        self.data = b""  # the start of a frame not complete yet
        self.frames: list[tuple[int, bytes]] = []

    def feed(self, chunk: bytes) -> None:
        """Take more bytes; keep every frame they complete."""
        self.data += chunk
        while len(self.data) >= 2:
            opcode, length, offset = self.data[0] & 0x0F, self.data[1] & 0x7F, 2
            if length == 126:
                (length,), offset = struct.unpack("!H", self.data[2:4]), 4
            elif length == 127:
                (length,), offset = struct.unpack("!Q", self.data[2:10]), 10
            if len(self.data) < offset + length:
                return
            self.frames.append((opcode, self.data[offset : offset + length]))
            self.data = self.data[offset + length :]

    def texts(self) -> list[str]:
        """The text frames so far."""
        return [payload.decode() for opcode, payload in self.frames if opcode == 0x1]

    def pings(self) -> list[bytes]:
        """The payloads of the pings so far."""
        return [payload for opcode, payload in self.frames if opcode == 0x9]

    def chat(self) -> list[str]:
        """The chat messages among the text frames so far."""
        envelopes = [json.loads(text) for text in self.texts()]
        return [e["payload"]["message"] for e in envelopes if e.get("event") == "chat"]
