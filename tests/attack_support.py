"""Helpers for the attack tests: a bystander that keeps timing pings, raw HTTP requests."""

from __future__ import annotations

import socket
import statistics
import threading
import time

from tests.support import ServerProcess
from tests.support import WsClient

PING_EVERY = 0.05  # seconds between the bystander's pings


class Bystander:
    """A player in another room who pings the server over and over, timing each answer."""

    def __init__(self, server: ServerProcess) -> None:
        seat = server.create_room("Bystander")
        self.client: WsClient
        self.client, _ = server.join_socket(seat)
        self.latencies: list[float] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Bystander:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(15)
        self.client.close()

    def _run(self) -> None:
        number = 0
        while not self.stop.is_set():
            number += 1
            started = time.monotonic()
            cid = f"p{number}"
            self.client.send(
                {"type": "system", "correlation_id": cid, "payload": {"action": "ping"}}
            )
            self.client.recv_until(lambda m, cid=cid: m.get("correlation_id") == cid, timeout=10)
            self.latencies.append(time.monotonic() - started)
            self.stop.wait(PING_EVERY)

    @property
    def median_ms(self) -> float:
        """The median round trip so far, in milliseconds."""
        return statistics.median(self.latencies) * 1000

    def summary(self) -> str:
        """The bystander's figures, for the test output (pytest -s) and the README."""
        return (
            f"bystander: median {self.median_ms:.1f} ms, p99 {self.p99_ms:.1f} ms, "
            f"worst {self.worst_ms:.1f} ms, {len(self.latencies)} pings"
        )

    @property
    def worst_ms(self) -> float:
        """The slowest round trip so far, in milliseconds."""
        return max(self.latencies) * 1000

    @property
    def p99_ms(self) -> float:
        """The 99th percentile round trip so far, in milliseconds."""
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000


def raw_request(server: ServerProcess, head: bytes, timeout: float = 10) -> socket.socket:
    """Open a connection and send the start of a request; the caller sends the rest."""
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=timeout)
    sock.sendall(head)
    return sock


def read_response(sock: socket.socket) -> tuple[int, bytes]:
    """Read one response until the server closes or the body is complete."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1]) if head else 0
    length = next(
        (
            int(line.split(b":")[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        ),
        None,
    )
    while length is not None and len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return status, body


def rss_mb(pid: int) -> float:
    """A process's resident memory in MB, from /proc."""
    with open(f"/proc/{pid}/status") as status:
        lines = status.read().splitlines()
    for line in lines:
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError(f"no VmRSS for {pid}")
