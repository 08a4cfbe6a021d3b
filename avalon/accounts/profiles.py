"""What the accounts show: a player's numbers, their last games, the global leaderboard."""

from __future__ import annotations

from collections import Counter
from typing import Any

from avalon.accounts import ratings
from avalon.accounts.models import Account
from avalon.accounts.models import PlayedGame
from avalon.accounts.models import PlayedSeat
from avalon.accounts.models import Rating
from avalon.store import db
from avalon.store.models import GameRecord
from avalon.store.models import isoformat

LAST_GAMES = 10  # the games a profile lists
MOST_PLAYED = 3  # the roles a profile names as played most
PAGE_SIZE = 20  # leaderboard rows per page


def seats_of(account_id: int) -> list[PlayedSeat]:
    """Every seat the account played, with its game, newest first."""
    query = (
        PlayedSeat.select(PlayedSeat, PlayedGame)
        .join(PlayedGame)
        .where(PlayedSeat.account == account_id)
        .order_by(PlayedGame.finished_at.desc(), PlayedGame.id.desc())  # type: ignore[attr-defined]
    )
    return list(query)


def tally(seats: list[PlayedSeat], key: Any) -> dict[str, dict[str, int]]:
    """Games and wins of decided games, by `key` of each seat (its side, its role)."""
    counts: dict[str, dict[str, int]] = {}
    for seat in seats:
        if seat.game.winner is None:
            continue
        entry = counts.setdefault(key(seat), {"games": 0, "wins": 0})
        entry["games"] += 1
        entry["wins"] += int(seat.won)
    return counts


def stats(seats: list[PlayedSeat]) -> dict:
    """A player's numbers: games, wins, by side and role, the roles played most."""
    decided = [seat for seat in seats if seat.game.winner is not None]
    roles = Counter(seat.role for seat in seats)
    return {
        "games": len(seats),
        "wins": sum(1 for seat in decided if seat.won),
        "rated_games": sum(1 for seat in seats if seat.game.rated),
        "by_side": {"good": {"games": 0, "wins": 0}, "evil": {"games": 0, "wins": 0}}
        | tally(seats, lambda seat: seat.side),
        "by_role": tally(seats, lambda seat: seat.role),
        "most_played": [
            {"role": role, "games": count} for role, count in roles.most_common(MOST_PLAYED)
        ],
    }


def replay_path(game: PlayedGame, alive: set[int]) -> str | None:
    """A game's replay page while its room is kept, else None."""
    return f"/r/{game.room_code}/games/{game.number}" if game.game_id in alive else None


def game_payload(game: PlayedGame, alive: set[int]) -> dict:
    """A played game as lists show it."""
    return {
        "room_code": game.room_code,
        "number": game.number,
        "players": game.players,
        "setup": [role for role in game.setup.split(",") if role],
        "winner": game.winner,
        "reason": game.reason,
        "rated": game.rated,
        "finished_at": isoformat(game.finished_at),
        "replay": replay_path(game, alive),
    }


def kept_games(game_ids: list[int]) -> set[int]:
    """Which of these room games still exist (their rooms have not expired)."""
    if not game_ids:
        return set()
    query = GameRecord.select(GameRecord.id).where(GameRecord.id.in_(game_ids))  # type: ignore[attr-defined]
    return {row.id for row in query}


def last_games(seats: list[PlayedSeat]) -> list[dict]:
    """The newest games of a player, with their seat and replay link."""
    newest = seats[:LAST_GAMES]
    alive = kept_games([seat.game.game_id for seat in newest])
    games = []
    for seat in newest:
        change = None
        if seat.rating_before is not None and seat.rating_after is not None:
            change = round(seat.rating_after - seat.rating_before, 3)
        entry = game_payload(seat.game, alive)
        entry.update(role=seat.role, side=seat.side, won=seat.won, rating_change=change)
        games.append(entry)
    return games


def ratings_of(account_id: int) -> dict[str, dict]:
    """The account's ratings: overall, as good, as evil."""
    rows = {row.kind: row for row in Rating.select().where(Rating.account == account_id)}
    return {kind: ratings.rating_payload(rows.get(kind)) for kind in ratings.KINDS}


def profile(account: Account) -> dict:
    """Everything a profile page shows."""
    with db.unit():
        seats = seats_of(account.id)
        return {
            "account_id": account.id,
            "name": account.name,
            "public": account.public,
            "stats": stats(seats),
            "ratings": ratings_of(account.id),
            "last_games": last_games(seats),
        }


def leaderboard(page: int) -> dict:
    """Public profiles with rated games, best overall rating first, a page at a time."""
    with db.unit():
        query = (
            Rating.select(Rating, Account)
            .join(Account)
            .where((Rating.kind == "overall") & (Rating.games > 0) & Account.public)
        )
        total = query.count()
        rows = query.order_by(Rating.ordinal.desc(), Account.id).paginate(page, PAGE_SIZE)
        players = [
            {
                "rank": (page - 1) * PAGE_SIZE + index + 1,
                "account_id": row.account.id,
                "name": row.account.name,
                **ratings.rating_payload(row),
            }
            for index, row in enumerate(rows)
        ]
    pages = max(1, -(-total // PAGE_SIZE))
    return {"page": page, "pages": pages, "total": total, "players": players}
