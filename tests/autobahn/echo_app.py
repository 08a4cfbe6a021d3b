"""A test-only echo endpoint built from the product's socket pieces, for the fuzzing client.

It wires the socket exactly as the room socket does: a before_request hook declines
permessage-deflate, flask-sock's `Server` answers the handshake and is then released
(`realtime.websocket_adapter`), the handler's own greenlet reads through a `ClientSocket`
(`realtime.reader`, frames parsed by `realtime.frames`), and every message goes out
through a `Connection`: one bounded queue drained by one writer greenlet, written by the
`Transport`.

Serve it with gunicorn's gevent worker (never with --preload):

    gunicorn -k gevent --no-control-socket --bind 127.0.0.1:9001 tests.autobahn.echo_app:app
"""

from __future__ import annotations

import os

from flask import Flask
from flask import request
from flask_sock import Sock
from simple_websocket import Server

from avalon.realtime import reader
from avalon.realtime import websocket_adapter
from avalon.realtime.connection import Connection
from avalon.realtime.reader import ClientSocket
from avalon.realtime.transport import Transport
from avalon.realtime.transport import binary_frame
from avalon.realtime.transport import text_frame

WRITE_TIMEOUT = 10.0  # seconds, the product's default (AVALON_WRITE_TIMEOUT)
# The fuzzing client sends messages of up to 16 MiB (case group 9) and may have many
# echoes in flight at once: both limits sit far above what it needs.
MAX_MESSAGE_BYTES = 64 * 1024 * 1024
QUEUE_SIZE = 1024


def stock_write(self: Transport, data: bytes) -> None:
    """What simple-websocket does on its own: one send(), which may write part of data."""
    try:
        self.sock.send(data)
    except BlockingIOError:
        pass


if os.environ.get("AUTOBAHN_STOCK_WRITES") == "1":
    # Only to show that the suite catches the partial-write bug (run.py --stock-writes):
    # writes become single send() calls, as in stock simple-websocket.
    Transport._write = stock_write  # type: ignore[method-assign]

app = Flask(__name__)
app.config["SOCK_SERVER_OPTIONS"] = {
    "ping_interval": None,
    "thread_class": reader.InlineReader,
}
sock = Sock(app)


@app.before_request
def decline_compression() -> tuple[str, int] | None:
    """Do what avalon.web.socket.check_handshake does for the room socket, for /echo."""
    if request.endpoint != "echo":
        return None
    request.environ.pop("HTTP_SEC_WEBSOCKET_EXTENSIONS", None)
    if "gunicorn.socket" not in request.environ:
        return "run the echo app under gunicorn", 500
    return None


@sock.route("/echo")
def echo(ws: Server) -> None:
    """Echo every message back, text as text and binary as binary, through a Connection."""
    websocket_adapter.release(ws)
    client = ClientSocket(
        Transport(request.environ["gunicorn.socket"], WRITE_TIMEOUT), MAX_MESSAGE_BYTES
    )
    conn = Connection(client, "ECHO", 0, 0, "echo", QUEUE_SIZE)
    conn.start(b"")
    try:
        while not conn.closing:
            message = client.receive()
            if message is None:
                break
            if isinstance(message, str):
                conn.send_frame(text_frame(message.encode()))
            else:
                conn.send_frame(binary_frame(message))
    finally:
        client.finish()
        conn.close(1000, "bye")
        conn.wait_closed(WRITE_TIMEOUT + 3)
        client.transport.release()


@app.get("/healthz")
def healthz() -> dict:
    """Tell the runner the worker is up."""
    return {"status": "ok", "pid": os.getpid()}
