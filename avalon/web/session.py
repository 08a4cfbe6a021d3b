"""What the room socket's read loop knows about its authenticated player."""

from __future__ import annotations

from dataclasses import dataclass

from avalon.realtime.connection import Connection
from avalon.services.context import AppState
from avalon.services.limits import SlidingWindow


@dataclass(slots=True)
class Session:
    """One authenticated socket: its connection (which names the seat) and limits.

    No room or player model is kept: a session lives as long as its socket, and the
    connection holds the seat's ids and name as plain values.
    """

    conn: Connection
    errors: SlidingWindow
    came_online: bool  # False when this socket replaced one of the same player
    # Looked up once per socket rather than through Flask's proxies on every message.
    state: AppState
    chat_max_length: int
    was_away: bool = False  # the seat was offline before this socket: give it back
