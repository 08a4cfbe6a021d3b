"""Absent players: no game waits for ever on someone who is gone (PROTOCOL section 9).

A seated person whose last socket closed during a game is absent from then on (one who
left the room, at once). Once the game has waited on an absent seat for
AVALON_ABSENT_GRACE, or when the host asks, a stand-in plays it: a bot moving from that
seat's own view (services/bots.py), each of its moves marked. The moment the person's
socket is back, the seat is theirs again. Each change is a public line of the game's log.

These are changes to the table, not to the game: every member is sent its view again with
the same version (clients take a view of the version they have), so that a game's
version counts its moves alone.
"""

from __future__ import annotations

import logging
import time

from flask import current_app

from avalon.game.rules import Game
from avalon.protocol import codes
from avalon.protocol import envelopes
from avalon.protocol.errors import ProtocolError
from avalon.services import context
from avalon.services import games
from avalon.services import table_state
from avalon.services.rooms import require_host
from avalon.store import db
from avalon.store.models import GameRecord
from avalon.store.models import RoomPlayer
from avalon.store.models import utcnow

log = logging.getLogger(__name__)

LEFT = 0.0  # the "offline since" of a seat whose player left the room: long gone


def game_in_progress(room_id: int) -> tuple[GameRecord, Game] | None:
    """The room's game and its record, locked for this transaction, while one is played."""
    record = games.latest(room_id, for_update=True)
    if record is None or record.phase == "game_over":
        return None
    return record, games.load(record)


def player_offline(room_id: int, player_id: int, left: bool = False) -> None:
    """A seated person's last socket closed (or they left): their seat is absent from now."""
    with db.write():
        RoomPlayer.update(offline_since=utcnow()).where(RoomPlayer.id == player_id).execute()
        found = game_in_progress(room_id)
        if found is None or player_id not in found[1].players:
            return
        record, game = found
        if player_id in table_state.movers_of(record) and not left:
            return  # a bot, or a seat a stand-in already plays
        absence = table_state.absence_of(record)
        absence["absent"][str(player_id)] = LEFT if left else time.time()
        table_state.set_absence(record, absence)
        line = table_state.add_log(record, "left" if left else "away", player_id=player_id)
        if not games.save(record, game, {}):
            return
        code = games.finish_room(room_id, game)
    context.publish(code, envelopes.event("presence_line", line))
    games.announce(code, room_id, game, record, [], None, None)
    if left:
        stand_in_now(room_id, player_id, "left")


def player_back(room_id: int, player_id: int) -> None:
    """A person's socket is back: their seat is theirs again at once."""
    with db.write():
        RoomPlayer.update(offline_since=None).where(RoomPlayer.id == player_id).execute()
        found = game_in_progress(room_id)
        if found is None:
            return
        record, game = found
        absence = table_state.absence_of(record)
        if absence["absent"].pop(str(player_id), None) is None:
            return
        events = []
        if player_id in absence["playing"]:
            absence["playing"].remove(player_id)
            events.append(("stand_in_ended", {"player_id": player_id}))
        table_state.set_absence(record, absence)
        line = None
        if not table_state.withdraw_away(record, player_id, table_state.RELOAD_SECONDS):
            line = table_state.add_log(record, "back", player_id=player_id)
        if not games.save(record, game, {}):
            return
        code = games.finish_room(room_id, game)
    for name, payload in events:
        context.publish(code, envelopes.event(name, payload))
    if line is not None:
        context.publish(code, envelopes.event("presence_line", line))
    games.announce(code, room_id, game, record, [], None, None)


def stand_in_now(room_id: int, player_id: int, reason: str) -> bool:
    """Hand an absent seat to a stand-in now; tell whether it was handed."""
    with db.write():
        found = game_in_progress(room_id)
        if found is None:
            return False
        record, game = found
        absence = table_state.absence_of(record)
        if str(player_id) not in absence["absent"] or player_id in absence["playing"]:
            return False
        absence["playing"].append(player_id)
        table_state.set_absence(record, absence)
        line = table_state.add_log(record, "stand_in", player_id=player_id, reason=reason)
        if not games.save(record, game, {}):
            return False
        code = games.finish_room(room_id, game)
    log.info("event=stand_in room=%s player=%s reason=%s", code, player_id, reason)
    payload = {"player_id": player_id, "reason": reason}
    context.publish(code, envelopes.event("stand_in", payload))
    context.publish(code, envelopes.event("presence_line", line))
    games.announce(code, room_id, game, record, [], None, None)
    return True


def host_stand_in(room_id: int, host_id: int, target: object, correlation_id: str | None) -> None:
    """The host hands a seat offline for STAND_IN_HOST_WAIT seconds or more to a stand-in."""
    if type(target) is not int:
        raise ProtocolError(codes.INVALID_PAYLOAD, "player_id must be a seat's player id")
    require_host(room_id, host_id, "call a stand-in")
    with db.unit():
        record = games.latest(room_id)
    if record is None or record.phase == "game_over":
        raise ProtocolError(codes.NOT_ALLOWED, "no game is in progress")
    since = table_state.absence_of(record)["absent"].get(str(target))
    if since is None or time.time() - since < table_state.STAND_IN_HOST_WAIT:
        wait = int(table_state.STAND_IN_HOST_WAIT)
        message = f"a stand-in plays only a seat that has been offline for {wait} s or more"
        raise ProtocolError(codes.NOT_ALLOWED, message)
    if not stand_in_now(room_id, target, "host"):
        raise ProtocolError(codes.NOT_ALLOWED, "that seat is already played by a stand-in")


def stand_in_due(record_id: int) -> None:
    """The game waited on absent seats past the grace: stand-ins play them."""
    with db.unit():
        record = GameRecord.get_or_none(GameRecord.id == record_id)
    if record is None or record.phase == "game_over":
        return
    game = games.load(record)
    grace = float(current_app.config["ABSENT_GRACE"])
    absence = table_state.absence_of(record)
    now = time.time()
    handed = False
    if table_state.humans_gone(game, record, grace, now):
        awaited: list[int] = []  # nobody left to play for: the game waits for a person
    else:
        awaited = game.waiting_on()  # never the Witch's seat alone: it would name her
    for player_id in awaited:
        since = absence["absent"].get(str(player_id))
        if since is not None and now - since >= grace and player_id not in absence["playing"]:
            handed = stand_in_now(record.room_id, player_id, "absent") or handed
    if not handed:  # nothing to hand now: look again when the game next waits on someone
        with db.write():
            GameRecord.update(absent_due=None).where(
                (GameRecord.id == record.id) & (GameRecord.version == record.version)
            ).execute()
