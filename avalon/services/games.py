"""Games in rooms: durable state, one short transaction per move, per-player views.

The rules live in `avalon.game.rules` (pure); this module stores each game as JSON
in the database, applies a move in a transaction that re-reads the state and checks
its version, and after the commit sends the public events and each member's own view.
"""

from __future__ import annotations

import json
import logging
import random
from datetime import timedelta
from typing import Any

import gevent
from flask import current_app

from avalon.game.rules import MOVES
from avalon.game.rules import SPECIAL_ROLES
from avalon.game.rules import Event
from avalon.game.rules import Game
from avalon.game.rules import RuleError
from avalon.protocol import codes
from avalon.protocol import envelopes
from avalon.protocol.errors import ProtocolError
from avalon.realtime import hub
from avalon.services import context
from avalon.services.rooms import active_players
from avalon.store import db
from avalon.store.models import GameRecord
from avalon.store.models import Room
from avalon.store.models import RoomPlayer
from avalon.store.models import utcnow

log = logging.getLogger(__name__)

TURN_SECONDS_MAX = 3600  # the host's turn timer, when set (the minimum is configured)
MOVE_ATTEMPTS = 5  # a move that lost a race re-reads the state and tries again
TIMER_SWEEP_SECONDS = 1.0  # how often each worker looks for games past their deadline
DEFAULT_ROLES = ["merlin", "assassin"]

_rng = random.SystemRandom()  # roles and first leaders must not be predictable


def load(record: GameRecord) -> Game:
    """Rebuild a stored game."""
    return Game.from_dict(json.loads(record.state))


def latest(room_id: int, for_update: bool = False) -> GameRecord | None:
    """The room's most recent game, if it ever had one."""
    query = GameRecord.select().where(GameRecord.room == room_id).order_by(GameRecord.number.desc())
    return (db.locked(query) if for_update else query).first()


def view_for(room_id: int, player: RoomPlayer) -> dict | None:
    """A member's view of the room's current (or last) game, for a snapshot."""
    with db.unit():
        record = latest(room_id)
    if record is None:
        return None
    return load(record).view(None if player.spectator else player.id)


def record_of(room_id: int, number: int) -> dict | None:
    """The full record of a finished game, None if there is no such game."""
    with db.unit():
        record = GameRecord.get_or_none(
            (GameRecord.room == room_id) & (GameRecord.number == number)
        )
    if record is None:
        return None
    try:
        return load(record).record()
    except RuleError as err:
        raise ProtocolError(err.code, err.message) from None


def deadline(game: Game, turn_seconds: int | None) -> Any:
    """When the turn timer next moves for absent players (None: no timer, or over)."""
    if turn_seconds is None or game.phase == "game_over":
        return None
    return utcnow() + timedelta(seconds=turn_seconds)


def parse_turn_timer(value: object) -> int | None:
    """Check the host's turn timer option."""
    low, high = current_app.config["TURN_TIMER_MIN"], TURN_SECONDS_MAX
    if value is None:
        return None
    if type(value) is not int or not low <= value <= high:
        raise ProtocolError(
            codes.INVALID_PAYLOAD, f"turn_timer must be null or {low}-{high} seconds"
        )
    return value


def start(room_id: int, host_id: int, options: dict, correlation_id: str | None) -> None:
    """Start a game (or the next one) with the room's seated players."""
    unknown = set(options) - {"roles", "lady_of_the_lake", "turn_timer"}
    if unknown:
        raise ProtocolError(codes.INVALID_PAYLOAD, f"unknown start_game options: {sorted(unknown)}")
    with db.write():
        room = db.locked(Room.select().where(Room.id == room_id)).get()
        if room.host_id != host_id:
            raise ProtocolError(codes.NOT_ALLOWED, "only the host can start the game")
        if room.status == "in_game":
            raise ProtocolError(codes.NOT_ALLOWED, "a game is already in progress")
        seated = [member.id for member in active_players(room_id) if not member.spectator]
        previous = latest(room_id)
        if not options and previous is not None:
            options = options_of(previous)  # "play again" keeps the last game's setup
        turn_seconds = parse_turn_timer(options.get("turn_timer"))
        try:
            game, events = Game.new(
                seated, options.get("roles", DEFAULT_ROLES), options.get("lady_of_the_lake"), _rng
            )
        except RuleError as err:
            raise ProtocolError(err.code, err.message) from None
        game.number = previous.number + 1 if previous else 1
        record = GameRecord.create(
            room=room_id,
            number=game.number,
            version=game.version,
            phase=game.phase,
            state="{}",
            turn_seconds=turn_seconds,
            deadline=deadline(game, turn_seconds),
        )
        game.game_id = record.id
        record.state = json.dumps(game.to_dict())
        record.save()
        room.status = "in_game"
        room.save()
    log.info("event=game_started room=%s game=%s players=%d", room.code, game.number, len(seated))
    announce(room.code, room_id, game, events, host_id, correlation_id)


def options_of(record: GameRecord) -> dict:
    """The start_game options a stored game was started with."""
    game = load(record)
    special = [role for role in dict.fromkeys(game.roles_in_play()) if role in SPECIAL_ROLES]
    return {
        "roles": special,
        "lady_of_the_lake": game.lady_of_the_lake,
        "turn_timer": record.turn_seconds,
    }


def move(
    room_id: int, player_id: int, kind: str, payload: dict, correlation_id: str | None
) -> None:
    """Apply one player's move in a short transaction, then tell the room."""
    for _ in range(MOVE_ATTEMPTS):
        with db.write():
            record = latest(room_id, for_update=True)
            if record is None or record.phase == "game_over":
                raise ProtocolError(codes.NOT_ALLOWED, "no game is in progress")
            game = load(record)
            try:
                events = game.apply(player_id, kind, payload)
            except RuleError as err:
                raise ProtocolError(err.code, err.message) from None
            if not save(record, game):
                continue  # another worker moved first: read again
            room_code = finish_room(room_id, game)
        announce(room_code, room_id, game, events, player_id, correlation_id)
        return
    raise ProtocolError(codes.CONFLICT, "the game changed under this move: try again")


def save(record: GameRecord, game: Game) -> bool:
    """Write the new state if nobody else changed it since it was read."""
    updated = (
        GameRecord.update(
            state=json.dumps(game.to_dict()),
            version=game.version,
            phase=game.phase,
            deadline=deadline(game, record.turn_seconds),
        )
        .where((GameRecord.id == record.id) & (GameRecord.version == record.version))
        .execute()
    )
    return updated == 1


def finish_room(room_id: int, game: Game) -> str:
    """Mark the room finished when its game is over; return the room code."""
    room = Room.get_by_id(room_id)
    if game.phase == "game_over" and room.status != "finished":
        room.status = "finished"
        room.save()
    return room.code


def announce(
    room_code: str,
    room_id: int,
    game: Game,
    events: list[Event],
    actor: int | None,
    correlation_id: str | None,
) -> None:
    """Send the public events (and private ones to their owner), then every member's view."""
    for event in events:
        context.publish(room_code, envelopes.event(event.name, event.payload), to=event.to)
    with db.unit():
        members = list(active_players(room_id))
    spectator_view = envelopes.to_bytes(envelopes.state("game", game.view(None)))
    for member in members:
        if member.spectator or member.id not in game.players:
            data = spectator_view
        else:
            data = envelopes.to_bytes(envelopes.state("game", game.view(member.id)))
        context.send(room_code, data, to=member.id, reply_to=actor, correlation_id=correlation_id)


def move_for_absent(record_id: int) -> None:
    """Play a random legal move for everyone the game still awaits past its deadline."""
    with db.write():
        record = GameRecord.get_or_none(GameRecord.id == record_id)
        if record is None or record.deadline is None or record.deadline > utcnow():
            return  # someone moved meanwhile: the deadline moved on
        game = load(record)
        events: list[Event] = []
        for player_id in game.awaited():
            if game.phase == "game_over":
                break
            try:
                kind, payload = game.random_move(player_id, _rng)
                events += game.apply(player_id, kind, payload)
            except RuleError:
                continue  # the phase moved on within this loop
        if not save(record, game):
            return
        room_code = finish_room(record.room_id, game)
    log.info("event=timer_moved room=%s game=%s", room_code, game.number)
    announce(room_code, record.room_id, game, events, None, None)


def sweep_timers() -> None:
    """Forever: find games past their deadline and move for the absent players."""
    while True:
        gevent.sleep(TIMER_SWEEP_SECONDS)
        try:
            query = GameRecord.select(GameRecord.id).where(GameRecord.deadline < utcnow())
            if not context.broker().reaches_every_worker:
                # In-process delivery reaches only this worker's sockets: move only for
                # rooms whose players are here, or nobody would see the move.
                here = hub.local_rooms()
                if not here:
                    continue
                query = query.join(Room).where(Room.code.in_(here))
            with db.unit():
                due = [record.id for record in query]
            for record_id in due:
                move_for_absent(record_id)
        except Exception:
            log.exception("event=timer_sweep_failed")


def game_move(kind: str) -> bool:
    """Tell whether an action name is a move of the rules."""
    return kind in MOVES
