"""The adapters that reach past a library's public API, held against the installed library.

Each test fails with a message that names the adapter to change when an upgrade moves
what it relies on.
"""

from __future__ import annotations

import base64
import os

import pytest
import simple_websocket
from gevent import socket as gsocket
from simple_websocket import ConnectionClosed
from wsproto import WSConnection

from avalon.realtime import websocket_adapter
from avalon.realtime.reader import InlineReader

pytestmark = pytest.mark.timeout(10)

ADAPTER = "avalon/realtime/websocket_adapter.py"


def handshake_environ(sock: gsocket.socket) -> dict:
    """The WSGI environ gunicorn gives a WebSocket upgrade, with its socket."""
    return {
        "gunicorn.socket": sock,
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/ws",
        "QUERY_STRING": "",
        "HTTP_HOST": "127.0.0.1",
        "HTTP_UPGRADE": "websocket",
        "HTTP_CONNECTION": "Upgrade",
        "HTTP_SEC_WEBSOCKET_KEY": base64.b64encode(os.urandom(16)).decode(),
        "HTTP_SEC_WEBSOCKET_VERSION": "13",
        "HTTP_SEC_WEBSOCKET_PROTOCOL": "avalon, avalon.token.abc",
    }


def test_simple_websocket_still_has_what_the_adapter_releases():
    server_side, client_side = gsocket.socketpair()
    try:
        ws = simple_websocket.Server(
            handshake_environ(server_side), subprotocols=["avalon"], thread_class=InlineReader
        )
        answer = client_side.recv(4096)
        assert answer.startswith(b"HTTP/1.1 101"), answer
        assert b"Sec-WebSocket-Protocol: avalon\r\n" in answer, answer
        assert isinstance(getattr(ws, "ws", None), WSConnection), (
            f"simple_websocket {simple_websocket.__name__}.Server no longer keeps its wsproto "
            f"connection in `.ws`: change {ADAPTER} (what to release) and this test"
        )
        assert getattr(ws, "connected", None) is True, (
            f"simple_websocket.Server no longer has a `connected` flag: change {ADAPTER}"
        )
        websocket_adapter.release(ws)
        with pytest.raises(ConnectionClosed):
            ws.close()  # what flask-sock calls after the handler: it must write nothing
        client_side.settimeout(0.2)
        with pytest.raises(TimeoutError):
            client_side.recv(1)
    finally:
        server_side.close()
        client_side.close()
