"""Room operations: create, join, describe, kick, and host succession."""

from __future__ import annotations

import json
import logging
import secrets
import time
from datetime import UTC
from datetime import datetime

import gevent
from flask import current_app
from peewee import IntegrityError

from avalon.game.options import MAX_PLAYERS
from avalon.protocol import codes
from avalon.protocol import envelopes
from avalon.protocol.codes import CloseCode
from avalon.protocol.errors import ApiError
from avalon.protocol.errors import ProtocolError
from avalon.protocol.names import name_key
from avalon.protocol.names import same_name
from avalon.protocol.validation import CODE_ALPHABET
from avalon.protocol.validation import CODE_LENGTH
from avalon.services import context
from avalon.store import db
from avalon.store import queries
from avalon.store.models import Room
from avalon.store.models import RoomPlayer
from avalon.store.models import touch_rooms
from avalon.store.models import utcnow

log = logging.getLogger(__name__)
CODE_ATTEMPTS = 20  # new codes tried before giving up (the space holds 28 million)


def new_code() -> str:
    """Draw a random room code."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def create_room(display_name: str, device: str | None = None) -> tuple[Room, RoomPlayer]:
    """Create a room with its first player as host."""
    for _ in range(CODE_ATTEMPTS):
        try:
            with db.write():
                room = Room.create(code=new_code())
                player = RoomPlayer.create(
                    room=room,
                    display_name=display_name,
                    name_key=name_key(display_name),
                    device=device,
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


def join_room(
    code: str, display_name: str, spectator: bool = False, device: str | None = None
) -> tuple[Room, RoomPlayer]:
    """Add a player (between games) or a spectator (any time) to a room."""
    try:
        with db.write():
            room = db.locked(Room.select().where(Room.code == code)).first()
            if room is None:
                raise ApiError("room_not_found", f"no room with code {code}", 404)
            if device is not None and is_barred(room.id, device):
                raise ApiError("kicked", "the host removed you from this room", 409)
            members = queries.active_players(room.id)
            same = [m for m in members if same_name(m.display_name, display_name)]
            if same and device is not None and same[0].device == device:
                return room, same[0]  # the same browser back: its seat, a fresh token
            if room.locked:
                raise ApiError("room_locked", "the host has locked this room", 409)
            removed = [m.display_name for m in queries.members(room.id) if m.kicked]
            if same or any(same_name(name, display_name) for name in removed):
                # A removed member's name stays theirs: nobody else takes it up.
                raise ApiError("name_taken", "that name is taken in this room", 409)
            seated = sum(not member.spectator for member in members)
            most = current_app.config["MAX_SPECTATORS"]
            if spectator and len(members) - seated >= most:
                raise ApiError("room_full", f"a room holds at most {most} spectators", 409)
            if not spectator and room.status == "in_game":
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
                device=device,
            )
            touch_rooms({room.id})
            return room, player
    except IntegrityError:
        # Two joins with one name raced past the check: the unique index decided.
        raise ApiError("name_taken", "that name is taken in this room", 409) from None


def is_barred(room_id: int, device: str) -> bool:
    """Tell whether the host removed a member who joined from this browser."""
    return (
        RoomPlayer.select()
        .where((RoomPlayer.room == room_id) & (RoomPlayer.device == device) & RoomPlayer.kicked)
        .exists()
    )


def room_payload(room: Room, online: set[int]) -> dict:
    """Describe a room as GET /api/rooms/{code} does."""
    with db.unit():
        members = queries.members(room.id)
        last_options = queries.last_options(room.id)

    def describe(member: queries.Member) -> dict:
        here = member.bot or member.id in online
        away = None if here or member.offline_since is None else epoch(member.offline_since)
        return {
            "player_id": member.id,
            "display_name": member.display_name,
            "is_host": member.id == room.host_id,
            "online": here,
            "bot": member.bot,
            "bot_level": (member.bot_level or "normal") if member.bot else None,
            "offline_since": away,  # epoch seconds (a seat the host may hand to a stand-in)
        }

    present = [member for member in members if not member.kicked]
    return {
        "code": room.code,
        "status": room.status,
        "locked": room.locked,
        # The setup of the last game (play again reuses it), for everyone to read, and
        # the one the host is choosing now.
        "last_options": last_options,
        "draft_options": json.loads(room.draft_options) if room.draft_options else None,
        "spectator_chat": room.spectator_chat,
        "players": [describe(member) for member in present if not member.spectator],
        "spectators": [describe(member) for member in present if member.spectator],
        # Whom the host removed: their names stay taken until the host lifts it (unban).
        "removed": [
            {"display_name": member.display_name, "removed_at": epoch(member.kicked_at)}
            for member in members
            if member.kicked and member.kicked_at is not None
        ],
    }


def epoch(moment: datetime) -> float:
    """Epoch seconds of a stored (naive UTC) datetime."""
    return round(moment.replace(tzinfo=UTC).timestamp(), 3)


def unban(room_id: int, host_id: int, display_name: object, correlation_id: str | None) -> None:
    """The host lets a removed member's browser back in and frees the name."""
    if not isinstance(display_name, str):
        raise ProtocolError(codes.INVALID_PAYLOAD, "display_name must be a removed member's name")
    require_host(room_id, host_id, "let removed members back in")
    with db.write():
        room = db.locked(Room.select().where(Room.id == room_id)).get()
        removed = RoomPlayer.select().where((RoomPlayer.room == room_id) & RoomPlayer.kicked)
        lifted = [member for member in removed if member.display_name == display_name.strip()]
        if not lifted:
            raise ProtocolError(codes.INVALID_PAYLOAD, "nobody of that name was removed")
        for member in lifted:
            member.kicked, member.left, member.name_key = False, True, None
            member.save()
    online = context.broker().online(room.code)
    payload = {"display_name": lifted[0].display_name, "room": room_payload(room, online)}
    context.publish(
        room.code,
        envelopes.event("player_unbanned", payload),
        reply_to=host_id,
        correlation_id=correlation_id,
    )


def require_host(room_id: int, player_id: int, what: str) -> None:
    """Refuse a non-host with a plain read, before any write lock is even asked for.

    The write transaction checks again (the host may change meanwhile); this check
    keeps a stranger's repeated attempts from queueing behind other rooms' writes.
    """
    if host_of(room_id) != player_id:
        raise ProtocolError(codes.NOT_ALLOWED, f"only the host can {what}")


def host_of(room_id: int) -> int | None:
    """The room's host now, with a plain read."""
    with db.unit():
        return Room.select(Room.host_id).where(Room.id == room_id).scalar()


def kick(room_id: int, host_id: int, target_id: object, correlation_id: str | None) -> None:
    """Remove a member: players only in the lobby, spectators any time."""
    if type(target_id) is not int or not 0 < target_id < 2**63:
        raise ProtocolError(codes.INVALID_PAYLOAD, "player_id must be a player id")
    require_host(room_id, host_id, "remove players")
    with db.write():
        room = db.locked(Room.select().where(Room.id == room_id)).get()
        if room.host_id != host_id:
            raise ProtocolError(codes.NOT_ALLOWED, "only the host can remove players")
        target = RoomPlayer.get_or_none(
            (RoomPlayer.id == target_id) & (RoomPlayer.room == room_id) & ~RoomPlayer.kicked
        )
        if target is None or target.id == host_id:
            raise ProtocolError(codes.INVALID_PAYLOAD, "no such player to remove")
        if room.status == "in_game" and not target.spectator:
            raise ProtocolError(codes.NOT_ALLOWED, "players can only be removed between games")
        target.kicked = True  # with its device: that browser cannot join this room again
        target.kicked_at = utcnow()  # its name stays taken in this room (until unban)
        target.save()
    payload = {"player_id": target.id, "display_name": target.display_name}
    context.publish(
        room.code,
        envelopes.event("player_kicked", payload),
        reply_to=host_id,
        correlation_id=correlation_id,
    )
    context.broker().close_player(
        room.code, target.id, CloseCode.UNAUTHORIZED, "removed from the room by the host"
    )


def heir_of(room: Room, host_id: int, online: set[int]) -> RoomPlayer | None:
    """The member who takes over from a host: the next online seated player, if any."""
    members = [
        m
        for m in queries.active_players(room.id)
        if m.id in online and m.id != host_id and not m.bot
    ]
    seated = [member for member in members if not member.spectator] or members
    if not seated:
        return None
    after = [member for member in seated if member.id > host_id]
    return (after or seated)[0]


def pass_host_if_away(room_id: int, host_id: int) -> None:
    """Give the host role to the next online seated player when the host is gone."""
    with db.write():
        room = db.locked(Room.select().where(Room.id == room_id)).get()
        online = context.broker().online(room.code)
        if room.host_id != host_id or host_id in online:
            return
        heir = heir_of(room, host_id, online)
        if heir is None:
            return  # nobody to hand it to: the host keeps it until someone returns
        room.host_id = heir.id
        room.save()
    announce_host(room, host_id, heir)


def announce_host(room: Room, host_id: int, heir: RoomPlayer) -> None:
    """Tell the room who hosts it now."""
    log.info("event=host_changed room=%s from=%s to=%s", room.code, host_id, heir.id)
    payload = {"player_id": heir.id, "display_name": heir.display_name}
    context.publish(room.code, envelopes.event("host_changed", payload))


def schedule_host_check(room_id: int, host_id: int, grace: float) -> None:
    """Check after a grace period (a page reload is not leaving) whether the host left.

    One pending check per room: a host who comes and goes again only pushes it back,
    so reconnect churn never piles up sleeping greenlets.
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    state = context.state(app)
    state.host_left[room_id] = (host_id, time.monotonic())
    if room_id in state.host_checks:
        return

    def check() -> None:
        try:
            while True:
                host, left_at = state.host_left[room_id]
                wait = left_at + grace - time.monotonic()
                if wait <= 0:
                    break
                gevent.sleep(wait)
            with app.app_context():
                pass_host_if_away(room_id, host)
        except Exception:
            log.exception("event=host_check_failed room_id=%s", room_id)
        finally:
            state.host_checks.pop(room_id, None)
            state.host_left.pop(room_id, None)

    state.host_checks[room_id] = gevent.spawn(check)
