"""The full snapshot a socket receives first, and again after any resync."""

from __future__ import annotations

import logging
import time

from avalon.protocol import envelopes
from avalon.realtime import hub
from avalon.realtime.connection import Connection
from avalon.services import context
from avalon.services import games
from avalon.services import rooms
from avalon.store import chat
from avalon.store import db
from avalon.store import queries
from avalon.store.models import Room
from avalon.store.models import RoomPlayer

log = logging.getLogger(__name__)


def room_state(room_id: int, player_id: int, since: int | None) -> dict:
    """The `state`/`room` envelope for one member: who they are, the room, chat, game."""
    # One pooled connection for every query of the snapshot: on PostgreSQL each checkout
    # is a round trip of its own (the pool's liveness check), as much as a query.
    with db.unit():
        room = queries.by_id(Room, room_id)
        player = queries.by_id(RoomPlayer, player_id)
        payload = {
            "you": {
                "player_id": player.id,
                "display_name": player.display_name,
                "is_host": player.id == room.host_id,
                "spectator": player.spectator,
            },
            "room": rooms.room_payload(room, context.broker().online(room.code)),
            "chat": chat.history(room.id, since, player.spectator),
            "game": games.view_for(room, player),
            "server_time": time.time(),
        }
    return envelopes.state("room", payload)


def send_snapshot(conn: Connection, since: int | None) -> None:
    """Send one socket a fresh snapshot whose chat starts after `since`."""
    try:
        conn.send_envelope(room_state(conn.room_id, conn.player_id, since))
    except Exception:
        log.exception("event=resync_failed room=%s player=%s", conn.room_code, conn.player_id)


def resync_all() -> None:
    """Send every local socket a fresh snapshot (after messages may have been lost).

    The chat in each starts from what that socket surely had (its mark from the start of
    the outage, else the newest it was sent): clients merge chat by id.
    """
    for conn in hub.all_connections():
        send_snapshot(conn, conn.take_chat_mark())


def catch_up(room: str, since: int | None) -> None:
    """Send this worker's sockets of a room a fresh snapshot after its messages were lost.

    `since`: the chat id before the first lost message (None: no chat was lost).
    """
    for conn in hub.room_connections(room):
        mark = conn.take_chat_mark()
        send_snapshot(conn, mark if since is None else min(mark, since))
