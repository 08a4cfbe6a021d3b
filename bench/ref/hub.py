"""A featureless flask-sock + gevent room hub: every text message goes to the whole room.

No storage, validation, limits or framing tricks: each message is relayed as received,
with simple-websocket's send() to each member in turn. Run by bench/compare.py as
`gunicorn -k gevent hub:app` from bench/ref, in the benchmark virtualenv.
"""

from __future__ import annotations

import threading  # a gevent lock under gunicorn's gevent worker

from flask import Flask
from flask_sock import Sock

app = Flask(__name__)
app.config["SOCK_SERVER_OPTIONS"] = {"ping_interval": 25}
sock = Sock(app)
rooms: dict[str, set] = {}
lock = threading.Lock()


@app.get("/healthz")
def healthz() -> str:
    return "ok"


@sock.route("/ws/<room>")
def member(ws, room: str) -> None:
    with lock:
        rooms.setdefault(room, set()).add(ws)
    try:
        while True:
            data = ws.receive()
            with lock:
                members = list(rooms[room])
            for other in members:
                try:
                    other.send(data)
                except Exception:  # a closing member: its own loop cleans up
                    pass
    finally:
        with lock:
            rooms[room].discard(ws)
            if not rooms[room]:
                del rooms[room]
