"""Bounded soak: thousands of connect, chat and disconnect cycles against one worker.

Several client threads open and drop sockets in every way a client can: a normal chat
and close handshake, a TCP reset right after the upgrade, a client that sends but never
reads and then goes away without a close frame, a second socket of the same player
(4409 for the first), and a connection dropped half-way through the HTTP upgrade.

Afterwards the hub is empty (no socket and no room registered), and the worker's open
file descriptors, resident memory and greenlet count (`avalon_greenlets` in /metrics)
come back to their baseline, taken after a warm-up, within the margins below. The worker
is measured from outside, through /proc.

AVALON_SOAK_CYCLES sets the number of cycles (600 by default, a few seconds here); run
longer on demand, e.g. `AVALON_SOAK_CYCLES=60000 pytest tests/test_soak.py -s`.
Measured on a 2-CPU machine (SQLite): descriptors and greenlets back to exactly their
baseline; resident memory +0.3 MB after 5,000 cycles, +0.9 MB after 20,000 and +2.2 MB
after 60,000 (about 37 bytes a cycle: SQLite's page cache growing with the chat table
is the likely share), hence the 10 MB margin.
"""

from __future__ import annotations

import base64
import os
import random
import socket
import struct
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.support import ServerProcess
from tests.support import WsClient
from tests.support import wait_for

CYCLES = int(os.environ.get("AVALON_SOAK_CYCLES", "600"))  # `make long`: 60,000
THREADS = 8
WARMUP_CYCLES = 200  # first connections fill caches and pools: not a leak
FD_MARGIN = 5  # descriptors above the baseline tolerated afterwards
RSS_MARGIN_KB = 10 * 1024  # resident memory growth tolerated (see the measurements above)
GREENLET_MARGIN = 5  # greenlets above the baseline tolerated afterwards
MODES = ["chat", "chat", "reset", "unread", "replace", "half_upgrade"]

pytestmark = pytest.mark.timeout(120 + CYCLES // 100)


# The worker, seen from outside


def worker_pid(server: ServerProcess) -> int:
    """The pid of the (single) gunicorn worker: the master's only child."""
    assert server.process is not None
    master = server.process.pid
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    assert len(children) == 1, children
    return int(children[0])


def open_fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def greenlets(server: ServerProcess) -> float | None:
    """The worker's greenlet count, if /metrics exposes it."""
    status, text = server.request("GET", "/metrics")
    assert status == 200
    for line in text.splitlines():
        if line.startswith("avalon_greenlets "):
            return float(line.split()[1])
    return None


def snapshot(server: ServerProcess, pid: int) -> dict[str, float | None]:
    return {"fds": open_fds(pid), "rss_kb": rss_kb(pid), "greenlets": greenlets(server)}


def settle(server: ServerProcess) -> None:
    """Wait until no socket and no room is registered any more."""
    wait_for(lambda: server.metric("avalon_open_sockets") == 0, timeout=60, interval=0.1)
    wait_for(lambda: server.metric("avalon_rooms") == 0, timeout=10, interval=0.1)


def steady_fds(pid: int, quiet: float = 2.5, timeout: float = 20) -> int:
    """Wait until the descriptor count stops changing (closing sockets linger up to 2 s)."""
    deadline = time.monotonic() + timeout
    count, since = open_fds(pid), time.monotonic()
    while time.monotonic() - since < quiet:
        assert time.monotonic() < deadline, "descriptor count never settled"
        time.sleep(0.1)
        now = open_fds(pid)
        if now != count:
            count, since = now, time.monotonic()
    return count


# Ways to come and go


def upgrade_request(server: ServerProcess, seat: dict) -> bytes:
    key = base64.b64encode(os.urandom(16)).decode()
    path = server.ws_url(seat).split(str(server.port), 1)[1]
    return (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
    ).encode()


def reset(sock: socket.socket) -> None:
    """Close with a TCP reset instead of a FIN."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def cycle_chat(server: ServerProcess, seat: dict, number: int) -> None:
    """Connect, chat, read the echo, close with a close handshake."""
    client, _ = server.join_socket(seat)
    try:
        client.chat(f"soak {number}", correlation_id=f"c{number}")
        client.recv_until(lambda m: m.get("correlation_id") == f"c{number}")
    finally:
        client.close()


def cycle_reset(server: ServerProcess, seat: dict, number: int) -> None:
    """Upgrade, maybe read a little, then reset the TCP connection."""
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    try:
        sock.sendall(upgrade_request(server, seat))
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = sock.recv(4096)
            assert chunk, head
            head += chunk
        assert head.startswith(b"HTTP/1.1 101"), head
        # Every other cycle waits until the snapshot has started arriving (the socket is
        # registered); its first bytes may have come in one segment with the 101.
        if number % 2 and not head.split(b"\r\n\r\n", 1)[1]:
            sock.recv(1)
    finally:
        reset(sock)


def cycle_unread(server: ServerProcess, seat: dict, number: int) -> None:
    """Send a chat and a ping, never read, then leave without a close frame."""
    client = WsClient(server.ws_url(seat))
    client.chat(f"unread {number}")
    client.send({"type": "system", "payload": {"action": "ping"}})
    client.ws.sock.shutdown(socket.SHUT_WR)  # a FIN, no close frame
    client.ws.sock.close()


def cycle_replace(server: ServerProcess, seat: dict, number: int) -> None:
    """Open a second socket for the same player: the first is closed with 4409."""
    first, _ = server.join_socket(seat)
    second, _ = server.join_socket(seat)
    try:
        assert first.expect_close() == 4409
    finally:
        first.close()
        second.close()


def cycle_half_upgrade(server: ServerProcess, seat: dict, number: int) -> None:
    """Drop the connection half-way through the upgrade request."""
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    request = upgrade_request(server, seat)
    sock.sendall(request[: len(request) // 2])
    if number % 2:
        reset(sock)
    else:
        sock.close()


CYCLE = {
    "chat": cycle_chat,
    "reset": cycle_reset,
    "unread": cycle_unread,
    "replace": cycle_replace,
    "half_upgrade": cycle_half_upgrade,
}


def run_cycles(server: ServerProcess, pairs: list[list[dict]], cycles: int, seed: int) -> Counter:
    """Run cycles over THREADS threads, each with its own room of two; count the modes."""
    done: Counter = Counter()
    failures: list[BaseException] = []
    lock = threading.Lock()

    def work(index: int) -> None:
        rng = random.Random(seed + index)
        for number in range(index, cycles, THREADS):
            mode = rng.choice(MODES)
            seat = pairs[index][rng.randrange(2)]  # the host or the other player
            try:
                CYCLE[mode](server, seat, number)
            except BaseException as exc:  # noqa: BLE001 - reported by the main thread
                with lock:
                    failures.append(exc)
                return
            with lock:
                done[mode] += 1

    threads = [threading.Thread(target=work, args=(index,)) for index in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]
    return done


def test_soak_connect_chat_disconnect(make_server) -> None:
    # A host who leaves starts a timer (AVALON_HOST_GRACE) that hands the room on if they
    # stay away: a second short enough for those greenlets to end before the check.
    server: ServerProcess = make_server(
        AVALON_HOST_GRACE="1",
        AVALON_ROOM_REQUEST_BURST="1000000",  # rooms and thousands of sockets in one go
    )
    pairs = [server.room_with_players(2) for _ in range(THREADS)]
    pid = worker_pid(server)

    run_cycles(server, pairs, WARMUP_CYCLES, seed=1)
    settle(server)
    steady_fds(pid)
    before = snapshot(server, pid)

    started = time.monotonic()
    done = run_cycles(server, pairs, CYCLES, seed=2)
    elapsed = time.monotonic() - started
    settle(server)
    # Descriptors of closed sockets go within the linger time; wait for them, then measure.
    wait_for(lambda: open_fds(pid) <= before["fds"] + FD_MARGIN, timeout=20, interval=0.2)
    if before["greenlets"] is not None:
        wait_for(
            lambda: greenlets(server) <= before["greenlets"] + GREENLET_MARGIN,
            timeout=20,
            interval=0.2,
        )
    after = snapshot(server, pid)

    print(
        f"\nsoak: {sum(done.values())} cycles in {elapsed:.1f} s"
        f" ({', '.join(f'{mode} {n}' for mode, n in sorted(done.items()))})"
        f"\n  before: {before}\n  after:  {after}"
        f"\n  rss growth: {after['rss_kb'] - before['rss_kb']} kB"
    )
    assert sum(done.values()) == CYCLES
    assert after["fds"] <= before["fds"] + FD_MARGIN
    assert after["rss_kb"] - before["rss_kb"] <= RSS_MARGIN_KB
    if before["greenlets"] is not None:
        assert after["greenlets"] <= before["greenlets"] + GREENLET_MARGIN
    # Nothing failed on the way, and the server still serves.
    log = server.log()
    assert "Traceback" not in log, log[log.index("Traceback") - 500 :][:4000]
    assert server.metric('avalon_closes_total{code="1011"}') == 0
    client, first = server.join_socket(pairs[0][0])
    client.close()
    assert first["payload"]["room"]["code"] == pairs[0][0]["code"]
