"""The parts of a stored game beside the rules' state: absent seats, the end vote, the log.

Each lives as JSON in a column of the game record (store/models.py), is read and written
here, and is public: the view of every member carries it (`table_parts`).
"""

from __future__ import annotations

import json
import time
from typing import Any

from avalon.game.rules import Game
from avalon.services import turns
from avalon.store.models import GameRecord

LOG_KEEP = 200  # presence lines a game keeps at most
END_VOTE_SECONDS = 120.0  # an end vote nobody settled closes after this
STAND_IN_HOST_WAIT = 10.0  # a host may hand a seat to a stand-in once it is offline this long
RELOAD_SECONDS = 10.0  # a seat back within this, nothing else logged meanwhile: a reload


def absence_of(record: GameRecord) -> dict[str, Any]:
    """Absent seats (player id -> offline since, epoch seconds; 0: left) and stand-ins."""
    data = json.loads(record.stand_ins) if record.stand_ins else {}
    return {"absent": dict(data.get("absent", {})), "playing": list(data.get("playing", []))}


def set_absence(record: GameRecord, absence: dict[str, Any]) -> None:
    """Store the absent seats and stand-ins."""
    record.stand_ins = json.dumps(absence, separators=(",", ":"))


def stand_ins_of(record: GameRecord) -> list[int]:
    """The seats stand-ins play now."""
    return absence_of(record)["playing"]


def movers_of(record: GameRecord) -> set[int]:
    """The seats the computer moves for: bots, and stand-ins for absent people."""
    return set(turns.bots_of(record)) | set(stand_ins_of(record))


def humans_gone(game: Game, record: GameRecord, grace: float, now: float) -> bool:
    """Tell whether every seated human left or has been offline past the grace."""
    absent = absence_of(record)["absent"]
    bots = set(turns.bots_of(record))
    humans = [player for player in game.players if player not in bots]
    return all(str(player) in absent and now - absent[str(player)] >= grace for player in humans)


def absent_due(game: Game, record: GameRecord, grace: float) -> float | None:
    """When an awaited absent seat should get a stand-in (epoch seconds), if any."""
    if game.phase == "game_over":
        return None
    absence = absence_of(record)
    awaited = set(game.waiting_on()) - set(absence["playing"])
    dues = [since + grace for pid, since in absence["absent"].items() if int(pid) in awaited]
    return min(dues) if dues else None


def log_of(record: GameRecord) -> list[dict[str, Any]]:
    """The game's public presence lines, oldest first."""
    return list(json.loads(record.log)) if record.log else []


def add_log(record: GameRecord, event: str, **fields: Any) -> dict[str, Any]:
    """Append a public line to the game's log; return it."""
    line = {"at": round(time.time(), 3), "event": event, **fields}
    record.log = json.dumps((log_of(record) + [line])[-LOG_KEEP:], separators=(",", ":"))
    return line


def withdraw_away(record: GameRecord, player_id: int, within: float) -> bool:
    """Drop the player's "away" line if it is the last line and younger than `within` s.

    A reload closes a socket and opens the next within a second: no news for the table.
    """
    lines = log_of(record)
    if not lines:
        return False
    last = lines[-1]
    if (last["event"], last.get("player_id")) != ("away", player_id):
        return False
    if time.time() - last["at"] >= within:
        return False
    record.log = json.dumps(lines[:-1], separators=(",", ":"))
    return True


def end_vote_of(record: GameRecord) -> dict[str, Any] | None:
    """The open vote to end the game, if any (one older than END_VOTE_SECONDS is closed)."""
    if not record.end_vote:
        return None
    vote = json.loads(record.end_vote)
    return vote if time.time() - vote["opened"] < END_VOTE_SECONDS else None


def set_end_vote(record: GameRecord, vote: dict[str, Any] | None) -> None:
    """Store the end vote (None: no vote open)."""
    record.end_vote = None if vote is None else json.dumps(vote, separators=(",", ":"))


def unpause_votes_of(record: GameRecord) -> list[int]:
    """Seated players who asked to end the pause."""
    return list(json.loads(record.unpause_votes)) if record.unpause_votes else []


def end_vote_view(record: GameRecord) -> dict[str, Any] | None:
    """The end vote as every member sees it: who proposed it, who voted how, how many it needs."""
    vote = end_vote_of(record)
    if vote is None:
        return None
    votes = vote["votes"]
    return {
        "by": vote["by"],
        "yes": [int(pid) for pid, yes in votes.items() if yes],
        "no": [int(pid) for pid, yes in votes.items() if not yes],
        "needed": vote["needed"],
        "closes_at": vote["opened"] + END_VOTE_SECONDS,
    }


def table_parts(game: Game, record: GameRecord) -> dict[str, Any]:
    """The public parts of every member's view beside the rules' own."""
    timer = turns.timer_view(game, record)
    if timer is not None and timer["paused"]:
        timer["unpause_votes"] = unpause_votes_of(record)
    return {
        "timer": timer,
        "stand_ins": stand_ins_of(record),
        "end_vote": end_vote_view(record),
        "log": log_of(record),
    }
