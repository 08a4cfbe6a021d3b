"""The in-process hub: which sockets of which rooms live in this worker.

A module-level dict of room code to {player id: Connection}, guarded by a lock
that is never held while writing to a socket: delivery copies the targets out
first and only enqueues (never writes) to each connection.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

from gevent.lock import Semaphore

from avalon.ops import metrics
from avalon.protocol.codes import CloseCode
from avalon.protocol.errors import CloseSocket
from avalon.realtime.connection import Connection
from avalon.realtime.transport import text_frame

# gevent's own lock (in C): the monkey-patched threading.Lock wraps one in Python code.
_lock = Semaphore()
_rooms: dict[str, dict[int, Connection]] = {}
_shutting_down = False  # set once per worker, when its sockets are being closed
_refusing = False  # set once per worker, when SIGTERM arrives (before the closes)
_room_changes = 0  # bumped when a room gains its first local socket or loses its last
SHUTTING_DOWN = (CloseCode.GOING_AWAY, "server shutting down")
REPLACED = (CloseCode.REPLACED, "connected again elsewhere")


@dataclass(slots=True)
class Delivery:
    """One message for a room, encoded once, with who should receive it."""

    room: str
    data: bytes  # the JSON envelope (UTF-8) as sent to every recipient
    to: int | None = None  # only this player
    exclude: int | None = None  # everyone but this player
    reply_to: int | None = None  # this player's copy carries correlation_id
    correlation_id: str | None = None
    chat_id: int | None = None  # a chat message's id: each recipient notes the newest seen
    only: list[int] | None = None  # only these players (spectators' chat during a game)

    def reply_data(self) -> bytes:
        """The envelope with correlation_id added, for the player being answered."""
        return with_correlation_id(self.data, self.correlation_id)


def with_correlation_id(data: bytes, correlation_id: str | None) -> bytes:
    """Insert a correlation_id as the envelope's first key without re-encoding the rest."""
    if correlation_id is None:
        return data
    return b'{"correlation_id":' + json.dumps(correlation_id).encode() + b"," + data[1:]


def register(conn: Connection) -> Connection | None:
    """Add a connection; return the older connection of the same player it replaces.

    A connection opened before the player's registered one is refused instead (raises
    CloseSocket with REPLACED): a dead socket whose authentication ended late must not
    take the seat from the socket its player opened after it.
    """
    global _room_changes
    with _lock:
        members = _rooms.get(conn.room_code)
        if members is None:
            members = _rooms[conn.room_code] = {}
            _room_changes += 1
        current = members.get(conn.player_id)
        newer = current is not None and current.opened_at > conn.opened_at
        if not newer:
            members[conn.player_id] = conn
    if newer:
        raise CloseSocket(*REPLACED)
    return current


def unregister(conn: Connection) -> bool:
    """Remove a connection if it is still the player's current one; tell whether it was."""
    global _room_changes
    with _lock:
        members = _rooms.get(conn.room_code)
        if members is None or members.get(conn.player_id) is not conn:
            return False
        del members[conn.player_id]
        if not members:
            del _rooms[conn.room_code]  # empty room hubs are removed
            _room_changes += 1
    return True


def room_changes() -> int:
    """A number that changes whenever the set of local rooms may have changed."""
    return _room_changes


def local_players(room: str) -> set[int]:
    """Players of a room with a socket in this worker."""
    with _lock:
        return set(_rooms.get(room, ()))


def local_connection(room: str, player_id: int) -> Connection | None:
    """This worker's socket of one player, if any."""
    with _lock:
        return _rooms.get(room, {}).get(player_id)


def room_connections(room: str) -> list[Connection]:
    """This worker's sockets of one room."""
    with _lock:
        return list(_rooms.get(room, {}).values())


def local_rooms() -> list[str]:
    """Rooms with at least one socket in this worker."""
    with _lock:
        return list(_rooms)


def deliver(delivery: Delivery) -> None:
    """Frame a message once and enqueue it to every local recipient."""
    with _lock:
        members = _rooms.get(delivery.room)
        if members is None:
            return
        if delivery.to is not None:
            target = members.get(delivery.to)
            targets = [target] if target is not None else []
        elif delivery.only is not None:
            targets = [members[pid] for pid in delivery.only if pid in members]
        else:
            targets = list(members.values())
    if not targets:
        return
    started = time.perf_counter()
    frame = text_frame(delivery.data)
    chat_id = delivery.chat_id
    for conn in targets:
        if conn.player_id == delivery.exclude:
            continue
        if chat_id is not None and chat_id > conn.chat_seen:
            conn.chat_seen = chat_id
        if conn.player_id == delivery.reply_to and delivery.correlation_id is not None:
            conn.send_frame(text_frame(delivery.reply_data()))
        else:
            conn.send_frame(frame)
    metrics.observe("avalon_fanout_seconds", time.perf_counter() - started)


def all_connections() -> list[Connection]:
    """Every registered connection of this worker."""
    with _lock:
        return [conn for members in _rooms.values() for conn in members.values()]


def shutting_down() -> bool:
    """Tell whether this worker is closing its sockets (a shutdown's cleanup is lighter)."""
    return _shutting_down


def refuse_new_sockets() -> None:
    """Refuse sockets from now on (SIGTERM came; this worker may listen a second more).

    A stopping worker still takes connections until gunicorn closes its listener, and
    in a whole deployment's restart those are the sockets other stopping workers just
    closed. Served in full, each would cost a handshake now and a close soon after,
    and the last of them would hold the worker's exit (and its fresh successor) back.
    """
    global _refusing
    _refusing = True


def refusing_new_sockets() -> bool:
    """Tell whether a socket arriving now is told to go elsewhere (1001) unheard."""
    return _refusing or _shutting_down


def close_all(code: int, reason: str) -> list[Connection]:
    """Ask every socket of this worker to close (shutdown); return them to wait on."""
    global _shutting_down
    _shutting_down = True  # sockets accepted from now on are closed at once
    connections = all_connections()
    for conn in connections:
        conn.close(code, reason)
    return connections


def connection_count() -> int:
    """Number of registered connections in this worker."""
    with _lock:
        return sum(len(members) for members in _rooms.values())


def room_count() -> int:
    """Number of rooms with sockets in this worker."""
    with _lock:
        return len(_rooms)


metrics.gauge("avalon_open_sockets", connection_count)
metrics.gauge("avalon_rooms", room_count)
metrics.gauge("avalon_rooms_deployment", room_count)  # one worker: its rooms (Redis: all)


def shutdown(code: int, reason: str, wait: float) -> None:
    """Close every socket of this worker and wait up to `wait` seconds for their cleanup."""
    connections = close_all(code, reason)
    deadline = time.monotonic() + wait
    for conn in connections:
        conn.wait_closed(max(0.0, deadline - time.monotonic()))
