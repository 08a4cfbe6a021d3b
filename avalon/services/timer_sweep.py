"""The turn timer at work: moves for absent players once their deadline has passed."""

from __future__ import annotations

import functools
import logging
import random
import time
from datetime import timedelta
from typing import Any
from typing import cast

from flask import current_app

from avalon.game.options import Event
from avalon.game.options import RuleError
from avalon.ops import beat
from avalon.ops.failures import log_failure
from avalon.realtime import hub
from avalon.services import absence
from avalon.services import context
from avalon.services import endings
from avalon.services import games
from avalon.services import table_state
from avalon.services import turns
from avalon.store import db
from avalon.store.models import GameRecord
from avalon.store.models import Room
from avalon.store.models import utcnow

log = logging.getLogger(__name__)

TIMER_SWEEP_SECONDS = 1.0  # how often each worker looks for games past their deadline
_rng = random.SystemRandom()  # the timer's choices (team, Lady, Assassin) are not predictable


def move_for_absent(record_id: int) -> None:
    """Make the timer's move (never a gamble) for everyone the game awaits past its deadline.

    Each move is marked as the timer's. A game whose seated people are all gone stops.
    """
    with db.write():
        record = GameRecord.get_or_none(GameRecord.id == record_id)
        if record is None or record.deadline is None or record.deadline > utcnow():
            return  # someone moved or the host paused meanwhile: the deadline moved on
        game = games.load(record)
        if turns.turn_length(game, record) is None:
            # This phase has no turn of its own (per-phase timers): nothing to time out.
            GameRecord.update(deadline=None).where(GameRecord.id == record.id).execute()
            return
        grace = float(current_app.config["ABSENT_GRACE"])
        if table_state.humans_gone(game, record, grace, time.time()):
            GameRecord.update(deadline=None).where(GameRecord.id == record.id).execute()
            return
        events: list[Event] = []
        for player_id in game.awaited():
            if game.phase == "game_over":
                break
            try:
                kind, payload = game.timeout_move(player_id, _rng)
                events += game.apply(player_id, kind, payload, auto=True)
            except RuleError:
                continue  # the phase moved on within this loop
        if not games.save(record, game):
            return
        room_code = games.finish_room(record.room_id, game)
    log.info("event=timer_moved room=%s game=%s", room_code, game.number)
    games.announce(room_code, record.room_id, game, record, events, None, None)


def due_games(column: Any, earlier: float = 0.0) -> list[int]:
    """Games whose `column` (a due time) has passed, that this worker may move.

    In-process delivery reaches only this worker's sockets: without Redis, only rooms
    whose players are here are moved, or nobody would see the move. The query asks only
    for what is due (an indexed column, usually nothing) and the rooms are filtered
    here: a query naming every local room cost more than the rest of an idle worker.
    It is written by hand, as chat's INSERT is: two sweeps run it every second in every
    worker, and building it with peewee cost most of an idle worker's sweeps.
    """
    everywhere = context.broker().reaches_every_worker
    if not everywhere and not hub.local_rooms():
        return []
    with db.unit():
        before = utcnow() - timedelta(seconds=earlier)  # due `earlier` seconds after the time
        cursor = db.database.execute_sql(due_sql(column.column_name), (before,))
        due = cast(list[tuple[int, str]], cursor.fetchall())  # (game id, room code)
    if not due or everywhere:
        return [record_id for record_id, _ in due]
    here = set(hub.local_rooms())
    return [record_id for record_id, code in due if code in here]


def due_sql(column: str) -> str:
    """SELECT game id, room code of the games whose `column` is before the parameter."""
    return _due_sql(column, db.param())


@functools.lru_cache(maxsize=8)
def _due_sql(column: str, param: str) -> str:
    game = GameRecord._meta.table_name  # type: ignore[attr-defined]
    room = Room._meta.table_name  # type: ignore[attr-defined]
    room_id = GameRecord.room.column_name
    return (
        f'SELECT g."id", r."code" FROM "{game}" AS g JOIN "{room}" AS r ON r."id" = g."{room_id}"'
        f' WHERE g."{column}" < {param}'
    )


def sweep_timers() -> None:
    """Forever: moves past their deadline, absent seats past their grace, long pauses."""
    most = float(current_app.config["MAX_PAUSE"])
    while True:
        beat.sleep_to_next(TIMER_SWEEP_SECONDS)
        try:
            for record_id in due_games(GameRecord.deadline):
                move_for_absent(record_id)
            for record_id in due_games(GameRecord.absent_due):
                absence.stand_in_due(record_id)
            for record_id in due_games(GameRecord.paused_at, earlier=most):
                endings.end_long_pause(record_id)
        except Exception as error:
            log_failure(log, "timer_sweep_failed", error)
