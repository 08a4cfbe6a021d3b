"""Room operations shared by the HTTP API and the socket: create, join, chat."""

from __future__ import annotations

import secrets
from collections.abc import Iterable

from flask import current_app
from peewee import IntegrityError

from avalon import db
from avalon.errors import ApiError
from avalon.models import ChatMessage
from avalon.models import Room
from avalon.models import RoomPlayer
from avalon.validation import CODE_ALPHABET
from avalon.validation import CODE_LENGTH
from avalon.validation import name_key

MAX_PLAYERS = 10
RECENT_CHAT = 50  # chat messages in the first state frame
MAX_CHAT_SINCE = 500  # chat messages sent at most for a since= reconnect
CODE_ATTEMPTS = 20  # new codes tried before giving up (the space holds 28 million)


def new_code() -> str:
    """Draw a random room code."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def create_room(display_name: str) -> tuple[Room, RoomPlayer]:
    """Create a room with its first player as host."""
    for _ in range(CODE_ATTEMPTS):
        try:
            with db.write():
                room = Room.create(code=new_code())
                player = RoomPlayer.create(
                    room=room, display_name=display_name, name_key=name_key(display_name)
                )
                room.host_id = player.id
                room.save()
                return room, player
        except IntegrityError:
            continue  # code collision: draw again
    raise ApiError("room_code_exhausted", "could not allocate a room code", 503)


def find_room(code: str) -> Room | None:
    """Return the room with this canonical code, if any."""
    with db.unit():
        return Room.get_or_none(Room.code == code)


def join_room(code: str, display_name: str, spectator: bool = False) -> tuple[Room, RoomPlayer]:
    """Add a player (in the lobby) or a spectator (any time) to a room."""
    try:
        with db.write():
            room = db.locked(Room.select().where(Room.code == code)).first()
            if room is None:
                raise ApiError("room_not_found", f"no room with code {code}", 404)
            members = list(active_players(room.id))
            if any(member.name_key == name_key(display_name) for member in members):
                raise ApiError("name_taken", "that name is taken in this room", 409)
            seated = sum(not member.spectator for member in members)
            most = current_app.config["MAX_SPECTATORS"]
            if spectator and len(members) - seated >= most:
                raise ApiError("room_full", f"a room holds at most {most} spectators", 409)
            if not spectator and room.status != "lobby":
                raise ApiError(
                    "game_in_progress", "a game is in progress: join as a spectator", 409
                )
            if not spectator and seated >= MAX_PLAYERS:
                raise ApiError("room_full", f"a room holds at most {MAX_PLAYERS} players", 409)
            player = RoomPlayer.create(
                room=room,
                display_name=display_name,
                name_key=name_key(display_name),
                spectator=spectator,
            )
            return room, player
    except IntegrityError:
        # Two joins with one name raced past the check: the unique index decided.
        raise ApiError("name_taken", "that name is taken in this room", 409) from None


def active_players(room_id: int) -> Iterable[RoomPlayer]:
    """Members of a room (players and spectators) who were not kicked, in join order."""
    return (
        RoomPlayer.select()
        .where((RoomPlayer.room == room_id) & (RoomPlayer.kicked == False))  # noqa: E712
        .order_by(RoomPlayer.id)
    )


def room_payload(room: Room, online: set[int]) -> dict:
    """Describe a room as GET /api/rooms/{code} does."""
    with db.unit():
        members = list(active_players(room.id))

    def describe(member: RoomPlayer) -> dict:
        return {
            "player_id": member.id,
            "display_name": member.display_name,
            "is_host": member.id == room.host_id,
            "online": member.id in online,
        }

    return {
        "code": room.code,
        "status": room.status,
        "players": [describe(member) for member in members if not member.spectator],
        "spectators": [describe(member) for member in members if member.spectator],
    }


def chat_history(room_id: int, since: int | None) -> list[dict]:
    """The last RECENT_CHAT messages, or those after `since` (at most MAX_CHAT_SINCE)."""
    with db.unit():
        query = (
            ChatMessage.select(ChatMessage, RoomPlayer.display_name)
            .join(RoomPlayer)
            .where(ChatMessage.room == room_id)
        )
        if since is None:
            newest_first = ChatMessage.id.desc()  # type: ignore[attr-defined]
            rows = list(query.order_by(newest_first).limit(RECENT_CHAT))
            rows.reverse()
        else:
            rows = list(
                query.where(ChatMessage.id > since).order_by(ChatMessage.id).limit(MAX_CHAT_SINCE)
            )
    return [row.payload(row.player.display_name) for row in rows]
