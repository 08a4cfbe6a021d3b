"""Request bodies: an answer sent before its body was read closes the connection.

Keep-alive stays for every request whose body was read; the floods themselves are in
tests/test_attacks_floods.py.
"""

from __future__ import annotations

import io
import json
import socket

import pytest

from avalon.web.bodies import WatchedInput
from tests.attack_support import read_response

pytestmark = pytest.mark.timeout(30)


def test_a_body_read_to_its_declared_length_is_read():
    watched = WatchedInput(io.BytesIO(b"0123456789"), 10)
    assert watched.read(4) == b"0123" and watched.unread
    assert watched.read(6) == b"456789" and not watched.unread


def test_a_short_read_or_an_empty_line_ends_a_chunked_body():
    watched = WatchedInput(io.BytesIO(b"abc"), None)
    assert watched.read(10) == b"abc" and not watched.unread
    lines = WatchedInput(io.BytesIO(b"one\ntwo\n"), None)
    assert list(lines) == [b"one\n", b"two\n"] and not lines.unread
    untouched = WatchedInput(io.BytesIO(b"abc"), 3)
    assert untouched.read(0) == b"" and untouched.unread


def post(sock: socket.socket, path: str, body: bytes, declared: int | None = None) -> None:
    """Send one POST on a kept-alive connection."""
    length = len(body) if declared is None else declared
    head = f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    sock.sendall(f"{head}Content-Length: {length}\r\n\r\n".encode() + body)


def test_keep_alive_survives_read_bodies_and_ends_after_an_unread_one(server):
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        body = json.dumps({"display_name": "Keeper", "device": "d" * 22}).encode()
        for _ in range(3):  # one connection, three requests: the bodies were read
            post(sock, "/api/rooms", body)
            assert read_response(sock)[0] == 201
        post(sock, "/api/rooms", b"{", declared=10**9)  # refused before it is read
        status, _ = read_response(sock)
        assert status == 413
        sock.settimeout(5)
        assert sock.recv(1) == b""  # closed, not drained for the next request
