"""What the room socket's read loop knows about its authenticated player."""

from __future__ import annotations

from dataclasses import dataclass

from avalon.realtime.connection import Connection
from avalon.services.context import AppState
from avalon.services.limits import SlidingWindow
from avalon.store.models import Room
from avalon.store.models import RoomPlayer


@dataclass(slots=True)
class Session:
    """One authenticated socket: its connection, room, player and limits."""

    conn: Connection
    room: Room
    player: RoomPlayer
    errors: SlidingWindow
    came_online: bool  # False when this socket replaced one of the same player
    # Looked up once per socket rather than through Flask's proxies on every message.
    state: AppState
    chat_max_length: int
