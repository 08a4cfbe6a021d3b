"""A test-only echo endpoint built from the product's socket pieces, for the fuzzing client.

It wires the socket exactly as the room socket does: a before_request hook wraps the
server's client socket in `SerialSocket` and declines permessage-deflate, flask-sock's
`Server` speaks the protocol, read in the handler's own greenlet (`realtime.reader`), and
every message goes out through a `Connection`: one bounded queue drained by one writer
greenlet, frames built by `transport`.

Serve it with gunicorn's gevent worker (never with --preload):

    gunicorn -k gevent --no-control-socket --bind 127.0.0.1:9001 tests.autobahn.echo_app:app
"""

from __future__ import annotations

import os

from flask import Flask
from flask import request
from flask_sock import Sock
from simple_websocket import ConnectionClosed
from simple_websocket import Server

from avalon.realtime import reader
from avalon.realtime.connection import Connection
from avalon.realtime.transport import SerialSocket
from avalon.realtime.transport import binary_frame
from avalon.realtime.transport import text_frame
from avalon.realtime.transport import wrap_environ_socket

WRITE_TIMEOUT = 10.0  # seconds, the product's default (AVALON_WRITE_TIMEOUT)
# The fuzzing client sends messages of up to 16 MiB (case group 9) and may have many
# echoes in flight at once: both limits sit far above what it needs.
MAX_MESSAGE_BYTES = 64 * 1024 * 1024
QUEUE_SIZE = 1024


def stock_send(self: SerialSocket, data: bytes) -> int:
    """What simple-websocket does on its own: one send(), which may write part of data."""
    return self._sock.send(data)


if os.environ.get("AUTOBAHN_STOCK_WRITES") == "1":
    # Only to show that the suite catches the partial-write bug (run.py --stock-writes):
    # writes become single, unserialised send() calls, as in stock simple-websocket.
    SerialSocket.send = stock_send  # type: ignore[method-assign]
    SerialSocket.sendall = stock_send  # type: ignore[method-assign]

app = Flask(__name__)
app.config["SOCK_SERVER_OPTIONS"] = {
    "ping_interval": None,
    "max_message_size": MAX_MESSAGE_BYTES,
    "thread_class": reader.InlineReader,
}
sock = Sock(app)


@app.before_request
def wrap_socket() -> tuple[str, int] | None:
    """Do what avalon.web.socket.check_handshake does for the room socket, for /echo."""
    if request.endpoint != "echo":
        return None
    request.environ.pop("HTTP_SEC_WEBSOCKET_EXTENSIONS", None)
    if not wrap_environ_socket(request.environ, WRITE_TIMEOUT):
        return "run the echo app under gunicorn", 500
    return None


@sock.route("/echo")
def echo(ws: Server) -> None:
    """Echo every message back, text as text and binary as binary, through a Connection."""
    conn = Connection(ws, "ECHO", 0, 0, "echo", QUEUE_SIZE)
    conn.start(b"")
    try:
        while not conn.closing:
            message = reader.receive(ws)
            if message is None:
                break
            if isinstance(message, str):
                conn.send_frame(text_frame(message.encode()))
            else:
                conn.send_frame(binary_frame(message))
    except ConnectionClosed:
        pass
    finally:
        ws.thread.finish(ws)
        conn.close(1000, "bye")
        conn.wait_closed(WRITE_TIMEOUT + 3)


@app.get("/healthz")
def healthz() -> dict:
    """Tell the runner the worker is up."""
    return {"status": "ok", "pid": os.getpid()}
