"""Room delivery and presence behind one small interface.

The services only ever call `publish()` and the presence methods of the broker the
app factory chose: the in-process one here, or the Redis one when REDIS_URL is set,
so players of one room can sit on different workers and hosts.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from avalon.realtime import hub
from avalon.realtime.connection import Connection
from avalon.realtime.hub import REPLACED
from avalon.realtime.hub import Delivery


class Broker(Protocol):
    on_resync: Callable[[], None] | None  # send every local socket a fresh snapshot
    on_catch_up: Callable[[str, int | None], None] | None  # the same for one room
    reaches_every_worker: bool
    ever_connected: bool  # its backing service answered at least once since start

    def start(self) -> None: ...
    def stop(self) -> None: ...
    def publish(self, delivery: Delivery) -> None: ...
    def connect(self, conn: Connection) -> bool: ...
    def disconnect(self, conn: Connection) -> bool: ...
    def online(self, room: str) -> set[int]: ...
    def close_player(self, room: str, player_id: int, code: int, reason: str) -> None: ...
    def healthy(self) -> bool: ...
    def in_outage(self) -> bool: ...


class LocalBroker:
    """Deliver within this process: enough for one worker."""

    on_resync: Callable[[], None] | None = None  # nothing is ever lost in-process
    on_catch_up: Callable[[str, int | None], None] | None = None
    reaches_every_worker = False  # delivery stops at this process's sockets
    ever_connected = True  # nothing to connect to

    def start(self) -> None:
        """Nothing to start in-process."""

    def stop(self) -> None:
        """Nothing to stop in-process."""

    def publish(self, delivery: Delivery) -> None:
        """Deliver to this worker's sockets of the room."""
        hub.deliver(delivery)

    def connect(self, conn: Connection) -> bool:
        """Register a socket; tell whether its player just came online.

        Raises CloseSocket (REPLACED) if the player's socket here was opened after it.
        """
        older = hub.register(conn)
        if older is not None:
            older.close(*REPLACED)
            return False
        return True

    def disconnect(self, conn: Connection) -> bool:
        """Unregister a socket; tell whether its player went offline."""
        return hub.unregister(conn)

    def online(self, room: str) -> set[int]:
        """Players of the room with an open socket."""
        return hub.local_players(room)

    def healthy(self) -> bool:
        """The in-process broker is always available."""
        return True

    def in_outage(self) -> bool:
        """In-process delivery has no outages."""
        return False

    def close_player(self, room: str, player_id: int, code: int, reason: str) -> None:
        """Close a player's socket, wherever it is."""
        conn = hub.local_connection(room, player_id)
        if conn is not None:
            conn.close(code, reason)
