"""A Flask-SocketIO (gevent) room broadcast: join a room, then every chat goes to it.

Run by bench/compare.py as `gunicorn -k gevent socketio_app:app` from bench/ref, in the
benchmark virtualenv. Default options (handlers run in their own greenlets). With
SOCKETIO_MESSAGE_QUEUE set (a Redis URL) it is what a Flask user deploys to scale out:
several workers sharing rooms through Flask-SocketIO's Redis message queue.
"""

from __future__ import annotations

import os

from flask import Flask
from flask import request
from flask_socketio import SocketIO
from flask_socketio import emit
from flask_socketio import join_room

app = Flask(__name__)
socketio = SocketIO(
    app,
    async_mode="gevent",
    cors_allowed_origins="*",
    message_queue=os.environ.get("SOCKETIO_MESSAGE_QUEUE") or None,
)
room_of: dict[str, str] = {}


@app.get("/healthz")
def healthz() -> str:
    return "ok"


@socketio.on("join")
def join(room: str) -> str:
    join_room(room)
    room_of[request.sid] = room  # type: ignore[attr-defined]
    return "ok"


@socketio.on("chat")
def chat(data: dict) -> None:
    emit("chat", data, to=room_of[request.sid])  # type: ignore[attr-defined]


@socketio.on("disconnect")
def leave(*_args: object) -> None:
    room_of.pop(request.sid, None)  # type: ignore[attr-defined]
