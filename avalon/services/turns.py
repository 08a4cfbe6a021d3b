"""When things happen: the turn timer's deadlines and pauses, and when bots move."""

from __future__ import annotations

import json
import random
from datetime import UTC
from datetime import datetime
from datetime import timedelta

from flask import current_app

from avalon.game.rules import Game
from avalon.game.variants import TIMER_KEYS
from avalon.protocol import codes
from avalon.protocol.errors import ProtocolError
from avalon.store.models import GameRecord
from avalon.store.models import utcnow

TURN_SECONDS_MAX = 3600  # the host's turn timer, when set (the minimum is configured)
ASSASSINATION_TURNS = 2  # the Assassin's decision gets twice the turn (PROTOCOL section 5)
_rng = random.SystemRandom()


def parse_turn_timer(value: object) -> int | None:
    """Check the host's turn timer option."""
    low, high = current_app.config["TURN_TIMER_MIN"], TURN_SECONDS_MAX
    if value is None:
        return None
    if type(value) is not int or not low <= value <= high:
        message = f"turn_timer must be null or {low}-{high} seconds"
        raise ProtocolError(codes.INVALID_PAYLOAD, message)
    return value


def parse_turn_timers(value: object) -> dict[str, int] | None:
    """Check the host's per-phase turn timers: seconds by phase, each optional."""
    low, high = current_app.config["TURN_TIMER_MIN"], TURN_SECONDS_MAX
    if value is None:
        return None
    keys = ", ".join(TIMER_KEYS)
    if not isinstance(value, dict) or not set(value) <= set(TIMER_KEYS):
        raise ProtocolError(codes.INVALID_PAYLOAD, f"turn_timers takes seconds for: {keys}")
    for key, seconds in value.items():
        if type(seconds) is not int or not low <= seconds <= high:
            message = f"turn_timers.{key} must be {low}-{high} seconds (or left out)"
            raise ProtocolError(codes.INVALID_PAYLOAD, message)
    return dict(value)


def turn_timers_of(record: GameRecord) -> dict[str, int]:
    """Seconds of each phase's turn: `turn_timer` for all (twice for the assassination),
    then the per-phase `turn_timers` over it (kept with the game's start options)."""
    timers: dict[str, int] = {}
    if record.turn_seconds is not None:
        timers = {key: record.turn_seconds for key in TIMER_KEYS}
        timers["assassination"] = record.turn_seconds * ASSASSINATION_TURNS
    if record.options:
        timers.update(json.loads(record.options).get("turn_timers") or {})
    return timers


def has_timer(record: GameRecord) -> bool:
    """Tell whether the game has a turn timer for any phase."""
    return bool(turn_timers_of(record))


def turn_length(game: Game, record: GameRecord) -> float | None:
    """Seconds the current turn lasts (None: no timer for this phase, or the game is over)."""
    key = game.timer_key()
    if key is None or game.phase == "game_over":
        return None
    seconds = turn_timers_of(record).get(key)
    return None if seconds is None else float(seconds)


def next_turn(game: Game, record: GameRecord) -> dict:
    """The timer columns after a move: a fresh turn, still paused if the host paused it."""
    length = turn_length(game, record)
    if length is None:
        return {"deadline": None, "paused_left": None, "paused_at": None}
    if record.paused_left is not None:
        return {"deadline": None, "paused_left": length}
    return {"deadline": utcnow() + timedelta(seconds=length), "paused_left": None}


def pause(record: GameRecord) -> dict:
    """The timer columns of a paused turn: the time it had left, no deadline, since when."""
    left = 0.0
    if record.deadline is not None:
        left = max(0.0, (record.deadline - utcnow()).total_seconds())
    return {"deadline": None, "paused_left": left, "paused_at": utcnow(), "unpause_votes": None}


def resume(record: GameRecord) -> dict:
    """The timer columns of a resumed turn: the time it had left, from now."""
    left = record.paused_left or 0.0
    deadline = utcnow() + timedelta(seconds=left)
    return {"deadline": deadline, "paused_left": None, "paused_at": None, "unpause_votes": None}


def epoch(moment: datetime) -> float:
    """Seconds since the epoch of a stored (naive UTC) datetime."""
    return moment.replace(tzinfo=UTC).timestamp()


def timer_view(game: Game, record: GameRecord) -> dict | None:
    """The view's `timer`: the turn's length, its deadline (server clock) and pause state."""
    length = turn_length(game, record)
    if length is None:
        return None
    paused = record.paused_left is not None
    resumes_at = None
    if paused and record.paused_at is not None:
        resumes_at = epoch(record.paused_at) + float(current_app.config["MAX_PAUSE"])
    return {
        "seconds": length,
        "deadline": None if paused or record.deadline is None else epoch(record.deadline),
        "paused": paused,
        "remaining": record.paused_left if paused else None,
        "resumes_at": resumes_at,  # a pause ends by itself (AVALON_MAX_PAUSE)
    }


def bots_of(record: GameRecord) -> list[int]:
    """The seats of a game that computer players hold."""
    return list(json.loads(record.bots)) if record.bots else []


def bot_due(game: Game, movers: set[int]) -> datetime | None:
    """When the next computer move is due (None: the game awaits no bot or stand-in)."""
    if game.phase == "game_over" or not set(game.awaited()) & movers:
        return None
    delay = float(current_app.config["BOT_DELAY"])
    return utcnow() + timedelta(seconds=delay * _rng.uniform(0.5, 1.5))
