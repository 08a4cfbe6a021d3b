"""Seats between games: take or give up a seat, leave, lock, return to the lobby.

Each action changes the room in one short transaction and then tells everyone: the
event carries the room as GET /api/rooms/{code} describes it, so clients redraw the
lobby from it.
"""

from __future__ import annotations

import json
import logging

from avalon.game.options import MAX_PLAYERS
from avalon.protocol import codes
from avalon.protocol import envelopes
from avalon.protocol.codes import CloseCode
from avalon.protocol.errors import ProtocolError
from avalon.realtime import hub
from avalon.services import absence
from avalon.services import context
from avalon.services.games import START_OPTIONS
from avalon.services.rooms import announce_host
from avalon.services.rooms import heir_of
from avalon.services.rooms import require_host
from avalon.services.rooms import room_payload
from avalon.store import db
from avalon.store.models import Room
from avalon.store.models import RoomPlayer
from avalon.store.queries import active_players

log = logging.getLogger(__name__)

BETWEEN_GAMES = ("lobby", "finished")  # room statuses in which seats may change
SPECTATOR_CHAT = ("all", "spectators")  # who reads a spectator's chat during a game


def announce_room(
    room: Room, name: str, member: RoomPlayer, actor: int, correlation_id: str | None
) -> None:
    """Send a room event naming the member it is about, with the room as it is now."""
    payload = {
        "player_id": member.id,
        "display_name": member.display_name,
        "room": room_payload(room, context.broker().online(room.code)),
    }
    context.publish(
        room.code,
        envelopes.event(name, payload),
        reply_to=actor,
        correlation_id=correlation_id,
    )


def _room_and_member(room_id: int, player_id: int) -> tuple[Room, RoomPlayer]:
    """Read (and lock) the room and the acting member inside a write transaction."""
    room = db.locked(Room.select().where(Room.id == room_id)).get()
    member = RoomPlayer.get_by_id(player_id)
    return room, member


def take_seat(room_id: int, player_id: int, correlation_id: str | None) -> None:
    """A spectator sits down at a free seat between games."""
    with db.write():
        room, member = _room_and_member(room_id, player_id)
        if not member.spectator:
            raise ProtocolError(codes.NOT_ALLOWED, "you already have a seat")
        if room.status not in BETWEEN_GAMES:
            raise ProtocolError(codes.NOT_ALLOWED, "seats change only between games")
        seated = sum(not other.spectator for other in active_players(room_id))
        if seated >= MAX_PLAYERS:
            raise ProtocolError(codes.NOT_ALLOWED, f"all {MAX_PLAYERS} seats are taken")
        member.spectator = False
        member.save()
    note_spectator(room.code, player_id, False)
    announce_room(room, "seat_taken", member, player_id, correlation_id)


def leave_seat(room_id: int, player_id: int, correlation_id: str | None) -> None:
    """A player steps back to watching between games."""
    with db.write():
        room, member = _room_and_member(room_id, player_id)
        if member.spectator:
            raise ProtocolError(codes.NOT_ALLOWED, "you are watching already")
        if room.status not in BETWEEN_GAMES:
            raise ProtocolError(codes.NOT_ALLOWED, "seats change only between games")
        member.spectator = True
        member.save()
    note_spectator(room.code, player_id, True)
    announce_room(room, "seat_left", member, player_id, correlation_id)


def note_spectator(room_code: str, player_id: int, spectator: bool) -> None:
    """Tell the member's socket here (the one that asked) whether it now watches."""
    conn = hub.local_connection(room_code, player_id)
    if conn is not None:
        conn.spectator = spectator


def leave_room(room_id: int, player_id: int, correlation_id: str | None) -> None:
    """Give up the seat and its token; during a game the seat plays on as absent."""
    heir = None
    with db.write():
        room, member = _room_and_member(room_id, player_id)
        member.left = True
        member.name_key = None  # the name is free again
        member.save()
        if room.host_id == player_id:
            heir = heir_of(room, player_id, context.broker().online(room.code))
            if heir is not None:
                room.host_id = heir.id
                room.save()
    log.info("event=left room=%s player=%s", room.code, player_id)
    announce_room(room, "player_left", member, player_id, correlation_id)
    if heir is not None:
        announce_host(room, player_id, heir)
    context.broker().close_player(room.code, player_id, CloseCode.NORMAL, "you left the room")
    if room.status == "in_game":  # the seat plays on: a stand-in takes it at once
        absence.player_offline(room_id, player_id, left=True)


def spectator_chat(room_id: int, host_id: int, to: object, correlation_id: str | None) -> None:
    """The host chooses who reads spectators' chat during a game: spectators, or everyone."""
    if to not in SPECTATOR_CHAT:
        raise ProtocolError(codes.INVALID_PAYLOAD, 'to must be "all" or "spectators"')
    require_host(room_id, host_id, "open the spectators' chat")
    with db.write():
        room, member = _room_and_member(room_id, host_id)
        room.spectator_chat = to
        room.save()
    announce_room(room, "spectator_chat", member, host_id, correlation_id)


def setup(room_id: int, host_id: int, options: object, correlation_id: str | None) -> None:
    """The host shares the setup being chosen, so that everyone sees it take shape."""
    if not isinstance(options, dict) or not set(options) <= START_OPTIONS:
        allowed = ", ".join(sorted(START_OPTIONS))
        raise ProtocolError(codes.INVALID_PAYLOAD, f"options must be an object of {allowed}")
    require_host(room_id, host_id, "choose the setup")
    with db.write():
        room, member = _room_and_member(room_id, host_id)
        if room.status not in BETWEEN_GAMES:
            raise ProtocolError(codes.NOT_ALLOWED, "the setup changes only between games")
        room.draft_options = json.dumps(options, separators=(",", ":"))
        room.save()
    announce_room(room, "setup_changed", member, host_id, correlation_id)


def lock_room(room_id: int, host_id: int, locked: object, correlation_id: str | None) -> None:
    """The host closes the room to new members (players and spectators), or opens it."""
    if not isinstance(locked, bool):
        raise ProtocolError(codes.INVALID_PAYLOAD, "locked must be true or false")
    require_host(room_id, host_id, "lock the room")
    with db.write():
        room, member = _room_and_member(room_id, host_id)
        if room.host_id != host_id:
            raise ProtocolError(codes.NOT_ALLOWED, "only the host can lock the room")
        room.locked = locked
        room.save()
    announce_room(room, "room_locked", member, host_id, correlation_id)


def return_to_lobby(room_id: int, host_id: int, correlation_id: str | None) -> None:
    """The host brings a finished game's table back to the lobby to change the setup."""
    require_host(room_id, host_id, "return to the lobby")
    with db.write():
        room, member = _room_and_member(room_id, host_id)
        if room.host_id != host_id:
            raise ProtocolError(codes.NOT_ALLOWED, "only the host can return to the lobby")
        if room.status != "finished":
            raise ProtocolError(codes.NOT_ALLOWED, "only a finished game returns to the lobby")
        room.status = "lobby"
        room.save()
    announce_room(room, "returned_to_lobby", member, host_id, correlation_id)
