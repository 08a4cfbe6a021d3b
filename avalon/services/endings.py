"""Ending a game and a pause by the table's majority, and pauses that end by themselves.

Any seated person may propose to end the game (`propose_end`); seated people vote
(`vote_end`); once more than half of the seated people who are connected say yes the
game ends with no winner (`abandoned`), every role revealed. A pause ends when the host
resumes it, when more than half of the connected seated people ask (`pause_timer`
`{"paused": false}` from anyone but the host), or by itself after AVALON_MAX_PAUSE.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import timedelta

from flask import current_app

from avalon.game.options import Event
from avalon.protocol import codes
from avalon.protocol import envelopes
from avalon.protocol.errors import ProtocolError
from avalon.services import context
from avalon.services import games
from avalon.services import table_state
from avalon.services import turns
from avalon.store import db
from avalon.store.models import GameRecord
from avalon.store.models import Room
from avalon.store.models import utcnow

log = logging.getLogger(__name__)


def connected_humans(room_code: str, players: list[int], record: GameRecord) -> list[int]:
    """The game's seated people with a socket open now (bots are not people)."""
    online = context.broker().online(room_code)
    bots = set(turns.bots_of(record))
    return [player for player in players if player in online and player not in bots]


def majority(count: int) -> int:
    """More than half of `count` (at least one)."""
    return count // 2 + 1


def seated_person(record: GameRecord, players: list[int], player_id: int) -> None:
    """Refuse anyone but a person seated in the game."""
    if player_id not in players or player_id in turns.bots_of(record):
        raise ProtocolError(codes.NOT_ALLOWED, "only the people at the table decide this")


def propose_end(room_id: int, player_id: int, correlation_id: str | None) -> None:
    """A seated person opens a vote to end the game (their own vote is yes)."""
    vote(room_id, player_id, True, correlation_id, opening=True)


def vote_end(room_id: int, player_id: int, end: object, correlation_id: str | None) -> None:
    """A seated person votes on ending the game."""
    if not isinstance(end, bool):
        raise ProtocolError(codes.INVALID_PAYLOAD, "end must be true or false")
    vote(room_id, player_id, end, correlation_id, opening=False)


def vote(room_id: int, player_id: int, end: bool, cid: str | None, opening: bool) -> None:
    """Record a vote on ending the game; end it, drop the vote, or keep it open."""
    code = room_code(room_id)
    for _ in range(games.MOVE_ATTEMPTS):  # a move elsewhere may win the race: read again
        done = record_vote(room_id, code, player_id, end, cid, opening)
        if done:
            return
    raise ProtocolError(codes.CONFLICT, "the game changed meanwhile: try again")


def record_vote(
    room_id: int, code: str, player_id: int, end: bool, cid: str | None, opening: bool
) -> bool:
    """One attempt at recording a vote on ending the game; False if a move came first."""
    with db.write():
        record = games.latest(room_id, for_update=True)
        if record is None or record.phase == "game_over":
            raise ProtocolError(codes.NOT_ALLOWED, "no game is in progress")
        game = games.load(record)
        seated_person(record, game.players, player_id)
        current = table_state.end_vote_of(record)
        if opening and current is not None:
            raise ProtocolError(codes.NOT_ALLOWED, "a vote to end the game is already open")
        if not opening and current is None:
            raise ProtocolError(codes.NOT_ALLOWED, "no vote to end the game is open")
        if not opening and str(player_id) in current["votes"]:  # type: ignore[index]
            raise ProtocolError(codes.NOT_ALLOWED, "you already voted on ending the game")
        vote_ = current or {"by": player_id, "votes": {}, "opened": time.time()}
        vote_["votes"][str(player_id)] = end
        connected = connected_humans(code, game.players, record)
        vote_["needed"] = needed = majority(len(connected))
        yes = sum(1 for value in vote_["votes"].values() if value)
        no = len(vote_["votes"]) - yes
        events: list[Event] = []
        if opening:
            events.append(Event("end_proposed", {"by": player_id}))
        else:
            events.append(Event("end_vote_cast", {"player_id": player_id}))
        if yes >= needed:
            table_state.add_log(record, "ended_by_vote")
            events += game.abandon()  # a new version, every role revealed
            table_state.set_end_vote(record, None)
        else:  # the table's change, not the game's: the same version, sent again
            if no > len(connected) - needed:  # yes can no longer reach the majority
                table_state.add_log(record, "end_refused")
                events.append(Event("end_vote_result", {"ended": False}))
                table_state.set_end_vote(record, None)
            else:
                table_state.set_end_vote(record, vote_)
        if not games.save(record, game, {} if game.phase != "game_over" else None):
            return False
        games.finish_room(room_id, game)
    if game.phase == "game_over":
        log.info("event=game_abandoned room=%s game=%s", code, game.number)
    games.announce(code, room_id, game, record, events, player_id, cid)
    return True


def pause_timer(room_id: int, player_id: int, paused: object, correlation_id: str | None) -> None:
    """The host pauses or resumes the turn timer; anyone else seated asks to resume it."""
    if not isinstance(paused, bool):
        raise ProtocolError(codes.INVALID_PAYLOAD, "paused must be true or false")
    with db.unit():
        host = Room.select(Room.host_id).where(Room.id == room_id).scalar()
    if player_id == host:
        games.pause_timer(room_id, player_id, paused, correlation_id)
    elif paused:
        raise ProtocolError(codes.NOT_ALLOWED, "only the host can pause the timer")
    else:
        unpause_vote(room_id, player_id, correlation_id)


def unpause_vote(room_id: int, player_id: int, correlation_id: str | None) -> None:
    """A seated person asks to end the host's pause; a majority of the connected ends it."""
    code = room_code(room_id)
    with db.write():
        record = games.latest(room_id, for_update=True)
        if record is None or record.phase == "game_over" or record.paused_left is None:
            raise ProtocolError(codes.NOT_ALLOWED, "the turn timer is not paused")
        game = games.load(record)
        seated_person(record, game.players, player_id)
        voters = table_state.unpause_votes_of(record)
        if player_id in voters:
            raise ProtocolError(codes.NOT_ALLOWED, "you already asked to end the pause")
        voters.append(player_id)
        connected = connected_humans(code, game.players, record)
        if len(set(voters) & set(connected)) >= majority(len(connected)):
            game.version += 1  # as when the host resumes: the turn timer runs again
            columns = turns.resume(record)
            resumed = True
        else:
            columns = {"unpause_votes": json.dumps(voters)}
            resumed = False
        if not games.save(record, game, columns):
            raise ProtocolError(codes.CONFLICT, "the game changed meanwhile: try again")
    if resumed:
        payload = {"paused": False, "by": "table"}
        context.publish(code, envelopes.event("timer_paused", payload))
    games.announce(code, room_id, game, record, [], player_id, correlation_id)


def end_long_pause(record_id: int) -> None:
    """Resume a turn timer paused for longer than AVALON_MAX_PAUSE."""
    most = float(current_app.config["MAX_PAUSE"])
    with db.write():
        record = GameRecord.get_or_none(GameRecord.id == record_id)
        if record is None or record.paused_at is None or record.paused_left is None:
            return
        if record.paused_at > utcnow() - timedelta(seconds=most):
            return
        game = games.load(record)
        game.version += 1
        if not games.save(record, game, turns.resume(record)):
            return
        code = games.finish_room(record.room_id, game)
    log.info("event=pause_ended room=%s reason=max_pause", code)
    context.publish(code, envelopes.event("timer_paused", {"paused": False, "by": "time"}))
    games.announce(code, record.room_id, game, record, [], None, None)


def room_code(room_id: int) -> str:
    """The room's code, with a plain read."""
    with db.unit():
        return str(Room.select(Room.code).where(Room.id == room_id).scalar())
