"""Games in rooms: durable state, one short transaction per move, per-player views.

The rules live in `avalon.game.rules` (pure); this module stores each game as JSON
in the database, applies a move in a transaction that re-reads the state and checks
its version, and after the commit sends the public events and each member's own view.
"""

from __future__ import annotations

import copy
import functools
import json
import logging
import random
import time
from datetime import UTC
from datetime import datetime

from flask import current_app

from avalon.accounts import results
from avalon.bots.timeline import belief_steps
from avalon.game.options import SPECIAL_ROLES
from avalon.game.options import Event
from avalon.game.options import RuleError
from avalon.game.options import setup_warnings
from avalon.game.rules import Game
from avalon.game.variants import FLAGS
from avalon.ops import metrics
from avalon.protocol import codes
from avalon.protocol import envelopes
from avalon.protocol.errors import ProtocolError
from avalon.services import context
from avalon.services import table_state
from avalon.services import turns
from avalon.services.rooms import require_host
from avalon.services.views import seated_views
from avalon.store import db
from avalon.store import queries
from avalon.store.models import GameRecord
from avalon.store.models import Room
from avalon.store.models import RoomPlayer
from avalon.store.models import utcnow
from avalon.store.queries import active_players

log = logging.getLogger(__name__)

MOVE_ATTEMPTS = 5  # a move that lost a race re-reads the state and tries again
DEFAULT_ROLES = ["merlin", "assassin"]
START_OPTIONS = frozenset(
    {
        "roles",
        "lady_of_the_lake",
        "turn_timer",
        "random_seats",
        "lancelot_variant",
        "cleric_assassination",
        "turn_timers",
        "bot_chat",  # computer players say short lines (avalon.bots.speech)
        "lady",
        *FLAGS,
    }
)

_rng = random.SystemRandom()  # roles and first leaders must not be predictable


def load(record: GameRecord) -> Game:
    """Rebuild a stored game."""
    return Game.from_dict(json.loads(record.state))


def latest(room_id: int, for_update: bool = False) -> GameRecord | None:
    """The room's most recent game, if it ever had one."""
    query = GameRecord.select().where(GameRecord.room == room_id).order_by(GameRecord.number.desc())
    return (db.locked(query) if for_update else query).first()


def view_for(room: Room, player: RoomPlayer) -> dict | None:
    """A member's view of the room's current (or last) game, for a snapshot."""
    if room.status == "lobby":
        return None  # before the first game, or the host brought the table back
    with db.unit():
        record = latest(room.id)
    if record is None:
        return None
    game = load(record)
    views = seated_views(game, table_state.table_parts(game, record))
    return views[player.id] if not player.spectator and player.id in views else views[None]


MAX_GAME_NUMBER = 2**31 - 1  # larger than any stored game, and than SQLite's integers


def exists(room_id: int, number: int) -> bool:
    """Tell whether a room has a game with this number (finished or not)."""
    with db.unit():
        query = GameRecord.select().where(
            (GameRecord.room == room_id) & (GameRecord.number == number)
        )
        return bool(query.exists())


def record_of(room_id: int, number: int) -> dict | None:
    """The full record of a finished game, None if there is no such game."""
    with db.unit():
        record = GameRecord.get_or_none(
            (GameRecord.room == room_id) & (GameRecord.number == number)
        )
    if record is None:
        return None
    try:
        game_record = load(record).record()
    except RuleError as err:
        raise ProtocolError(err.code, err.message) from None
    # The names the seats had, so a replay reads like the table did (left members too).
    with db.unit():
        names = {
            str(member.id): member.display_name
            for member in RoomPlayer.select().where(RoomPlayer.id.in_(game_record["players"]))  # type: ignore[attr-defined]
        }
    bots = turns.bots_of(record)
    beliefs = beliefs_of(record.state)
    extra = {"names": names, "options": options_of(record), "bots": bots, "beliefs": beliefs}
    return {**game_record, **extra, "log": table_state.log_of(record)}


@functools.lru_cache(maxsize=64)  # a finished game never changes: a replay's reloads reuse it
def beliefs_of(state: str) -> list[dict]:
    """What the table could have known after each step of a stored game (the replay draws it)."""
    return belief_steps(Game.from_dict(json.loads(state)).view(None))


def start(room_id: int, host_id: int, options: dict, correlation_id: str | None) -> None:
    """Start a game (or the next one) with the room's seated players."""
    unknown = set(options) - START_OPTIONS
    if unknown:
        raise ProtocolError(codes.INVALID_PAYLOAD, f"unknown start_game options: {sorted(unknown)}")
    require_host(room_id, host_id, "start the game")
    with db.write():
        room = db.locked(Room.select().where(Room.id == room_id)).get()
        if room.host_id != host_id:
            raise ProtocolError(codes.NOT_ALLOWED, "only the host can start the game")
        if room.status == "in_game":
            raise ProtocolError(codes.NOT_ALLOWED, "a game is already in progress")
        members = [member for member in active_players(room_id) if not member.spectator]
        seated = [member.id for member in members]
        bots = [member.id for member in members if member.bot]
        if len(bots) == len(seated):
            raise ProtocolError(codes.NOT_ALLOWED, "a game needs at least one person at the table")
        previous = latest(room_id)
        if not options and previous is not None:
            options = options_of(previous)  # "play again" keeps the last game's setup
        turn_seconds = turns.parse_turn_timer(options.get("turn_timer"))
        turns.parse_turn_timers(options.get("turn_timers"))
        random_seats = options.get("random_seats", True)
        if not isinstance(random_seats, bool):
            raise ProtocolError(codes.INVALID_PAYLOAD, "random_seats must be true or false")
        if not isinstance(options.get("bot_chat", True), bool):
            raise ProtocolError(codes.INVALID_PAYLOAD, "bot_chat must be true or false")
        if random_seats:
            _rng.shuffle(seated)
        try:
            game, events = Game.new(
                seated,
                options.get("roles", DEFAULT_ROLES),
                options.get("lady_of_the_lake"),
                _rng,
                options.get("lancelot_variant"),
                options.get("cleric_assassination", False),
                {key: options[key] for key in ("lady", *FLAGS) if key in options},
            )
        except RuleError as err:
            raise ProtocolError(err.code, err.message) from None
        warnings = setup_warnings(game.roles_in_play())
        if warnings:
            events[0].payload["warnings"] = warnings  # game_started: e.g. Morgana alone
        game.number = previous.number + 1 if previous else 1
        record = GameRecord.create(
            room=room_id,
            number=game.number,
            version=game.version,
            phase=game.phase,
            state="{}",
            turn_seconds=turn_seconds,
            options=json.dumps({**options, "random_seats": random_seats}),
            bots=json.dumps(bots),
        )
        record.bot_due = turns.bot_due(game, set(bots))
        for column, value in turns.next_turn(game, record).items():
            setattr(record, column, value)
        game.game_id = record.id
        record.state = json.dumps(game.to_dict())
        record.save()
        room.status = "in_game"
        room.active_at = utcnow()
        room.save()
    log.info("event=game_started room=%s game=%s players=%d", room.code, game.number, len(seated))
    metrics.inc("avalon_games_started_total")
    announce(room.code, room_id, game, record, events, host_id, correlation_id)


def options_of(record: GameRecord) -> dict:
    """The start_game options a stored game was started with."""
    if record.options:
        return dict(json.loads(record.options))
    game = load(record)  # a game stored before options were
    special = [role for role in dict.fromkeys(game.roles_in_play()) if role in SPECIAL_ROLES]
    return {
        "roles": special,
        "lady_of_the_lake": game.lady_of_the_lake,
        "turn_timer": record.turn_seconds,
    }


def move(
    room_id: int,
    player_id: int,
    kind: str,
    payload: dict,
    correlation_id: str | None,
    auto: bool = False,
) -> None:
    """Apply one player's move in a short transaction, then tell the room.

    `auto`: a stand-in moves for the player (marked in the record and the events).
    """
    started = time.perf_counter()
    # One pooled connection for the whole move: on PostgreSQL each checkout is a round
    # trip of its own (the pool's liveness check), and a move made three or more.
    with db.unit():
        dry_run(room_id, player_id, kind, payload)
        for _ in range(MOVE_ATTEMPTS):
            with db.write():
                record = latest(room_id, for_update=True)
                if record is None or record.phase == "game_over":
                    raise ProtocolError(codes.NOT_ALLOWED, "no game is in progress")
                game = load(record)
                try:
                    events = game.apply(player_id, kind, payload, auto)
                except RuleError as err:
                    raise ProtocolError(err.code, err.message) from None
                if not save(record, game):
                    continue  # another worker moved first: read again
                room_code = finish_room(room_id, game)
            announce(room_code, room_id, game, record, events, player_id, correlation_id)
            metrics.inc("avalon_moves_total", by="auto" if auto else "person")
            metrics.observe("avalon_move_seconds", time.perf_counter() - started)
            return
    raise ProtocolError(codes.CONFLICT, "the game changed under this move: try again")


def dry_run(room_id: int, player_id: int, kind: str, payload: dict) -> None:
    """Refuse an illegal move from an unlocked read, before any write lock is asked for."""
    with db.unit():
        record = latest(room_id)
    if record is None or record.phase == "game_over":
        raise ProtocolError(codes.NOT_ALLOWED, "no game is in progress")
    try:
        load(record).apply(player_id, kind, copy.deepcopy(payload))
    except RuleError as err:
        raise ProtocolError(err.code, err.message) from None


def save(record: GameRecord, game: Game, timer: dict | None = None) -> bool:
    """Write the new state (and the next turn's timer) unless someone changed it meanwhile.

    The table's own columns (absent seats, stand-ins, the end vote, the log) are written
    as the record holds them: callers change them on the record first.
    """
    columns = turns.next_turn(game, record) if timer is None else dict(timer)
    columns["bot_due"] = turns.bot_due(game, table_state.movers_of(record))
    grace = float(current_app.config["ABSENT_GRACE"])
    due = table_state.absent_due(game, record, grace)
    columns["absent_due"] = None if due is None else from_epoch(due)
    columns["stand_ins"], columns["log"] = record.stand_ins, record.log
    if game.phase == "game_over":
        table_state.set_end_vote(record, None)
    columns["end_vote"] = record.end_vote
    updated = (
        GameRecord.update(
            state=json.dumps(game.to_dict()), version=game.version, phase=game.phase, **columns
        )
        .where((GameRecord.id == record.id) & (GameRecord.version == record.version))
        .execute()
    )
    if updated != 1:
        return False
    for column, value in columns.items():
        setattr(record, column, value)  # announce() reads the timer from the record
    record.version = game.version
    return True


def from_epoch(moment: float) -> datetime:
    """A stored (naive UTC) datetime from epoch seconds."""
    return datetime.fromtimestamp(moment, UTC).replace(tzinfo=None)


def finish_room(room_id: int, game: Game) -> str:
    """Mark the room finished when its game is over; return the room code."""
    room = Room.get_by_id(room_id)
    room.active_at = utcnow()
    if game.phase == "game_over" and room.status != "finished":
        room.status = "finished"
        metrics.inc("avalon_games_finished_total", reason=str(game.reason))
        results.game_over(room, game)  # ratings change in the transaction that ends the game
    room.save()
    return room.code


def announce(
    room_code: str,
    room_id: int,
    game: Game,
    record: GameRecord,
    events: list[Event],
    actor: int | None,
    correlation_id: str | None,
) -> None:
    """Send the public events (and private ones to their owner), then every member's view."""
    for event in events:
        context.publish(room_code, envelopes.event(event.name, event.payload), to=event.to)
    with db.unit():
        members = queries.members(room_id)
    views = seated_views(game, table_state.table_parts(game, record))
    spectator_view = envelopes.to_bytes(envelopes.state("game", views[None]))
    for member in members:
        if member.kicked:
            continue
        if member.spectator or member.id not in game.players:
            data = spectator_view
        else:
            data = envelopes.to_bytes(envelopes.state("game", views[member.id]))
        context.send(room_code, data, to=member.id, reply_to=actor, correlation_id=correlation_id)


def pause_timer(room_id: int, host_id: int, paused: object, correlation_id: str | None) -> None:
    """The host stops the turn timer (the time left is kept) or lets it run on."""
    if not isinstance(paused, bool):
        raise ProtocolError(codes.INVALID_PAYLOAD, "paused must be true or false")
    require_host(room_id, host_id, "pause the timer")
    with db.write():
        room = db.locked(Room.select().where(Room.id == room_id)).get()
        if room.host_id != host_id:
            raise ProtocolError(codes.NOT_ALLOWED, "only the host can pause the timer")
        record = latest(room_id, for_update=True)
        if record is None or record.phase == "game_over" or not turns.has_timer(record):
            raise ProtocolError(codes.NOT_ALLOWED, "no game with a turn timer is in progress")
        if paused == (record.paused_left is not None):
            raise ProtocolError(
                codes.NOT_ALLOWED, "the timer is already " + ("paused" if paused else "running")
            )
        game = load(record)
        game.version += 1  # clients redraw from the newest view: the pause is a change
        if not save(record, game, turns.pause(record) if paused else turns.resume(record)):
            raise ProtocolError(codes.CONFLICT, "the game changed meanwhile: try again")
    event = envelopes.event("timer_paused", {"paused": paused})
    context.publish(room.code, event, reply_to=host_id, correlation_id=correlation_id)
    announce(room.code, room_id, game, record, [], host_id, correlation_id)
