"""OpenSkill ratings: overall and per side, changed only by rated games.

The model is OpenSkill's Plackett-Luce with its defaults: a new player starts at mu 25,
sigma 25/3; beta is 25/6 and tau (the drift added before each game) 25/300. A game is
two teams, good and evil, ranked by who won. The overall rating rates everyone's overall
ratings against each other; the side ratings rate the good team's "good" ratings against
the evil team's "evil" ones. Ladders sort by the ordinal, mu - 3 sigma: a rating the
player is very likely above, so a few lucky games do not top a ladder.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from openskill.models import PlackettLuce
from openskill.models import PlackettLuceRating

from avalon.accounts.models import Rating
from avalon.store import db
from avalon.store.models import utcnow

MODEL = PlackettLuce()
KINDS = ("overall", "good", "evil")


@dataclass(frozen=True)
class Seat:
    """One person at a rated table: whose account, the side at the end, and whether it won."""

    account_id: int
    side: str
    won: bool


def ordinal(mu: float, sigma: float) -> float:
    """The conservative rating ladders sort by."""
    return mu - 3 * sigma


def rating_payload(row: Rating | None) -> dict:
    """A rating as the API shows it (a new player's defaults when there is no row)."""
    if row is None:
        mu, sigma, games, wins = MODEL.mu, MODEL.sigma, 0, 0
    else:
        mu, sigma, games, wins = row.mu, row.sigma, row.games, row.wins
    return {
        "mu": round(mu, 3),
        "sigma": round(sigma, 3),
        "ordinal": round(ordinal(mu, sigma), 3),
        "games": games,
        "wins": wins,
    }


def rows_of(account_ids: Iterable[int], kind: str) -> dict[int, Rating]:
    """The accounts' ratings of one kind, locked for the update; new ones where missing."""
    wanted = set(account_ids)
    query = Rating.select().where(Rating.account.in_(wanted) & (Rating.kind == kind))  # type: ignore[attr-defined]
    rows = {row.account_id: row for row in db.locked(query)}
    for account_id in wanted - set(rows):
        rows[account_id] = Rating(
            account=account_id,
            kind=kind,
            mu=MODEL.mu,
            sigma=MODEL.sigma,
            ordinal=ordinal(MODEL.mu, MODEL.sigma),
        )
    return rows


def play(before: dict[int, PlackettLuceRating], seats: list[Seat]) -> dict[int, PlackettLuceRating]:
    """Each seat's new rating after one game: the good team against the evil one."""
    good = [seat.account_id for seat in seats if seat.side == "good"]
    evil = [seat.account_id for seat in seats if seat.side != "good"]
    good_won = any(seat.won for seat in seats if seat.side == "good")
    teams = MODEL.rate(
        [[before[account] for account in good], [before[account] for account in evil]],
        ranks=[0, 1] if good_won else [1, 0],
    )
    return dict(zip(good + evil, [*teams[0], *teams[1]], strict=True))


def update(rows: dict[int, Rating], seats: list[Seat]) -> None:
    """Rate one kind's rows (good seats against evil seats) and store them."""
    before = {account: MODEL.rating(mu=row.mu, sigma=row.sigma) for account, row in rows.items()}
    after = play(before, seats)
    for seat in seats:
        row, new = rows[seat.account_id], after[seat.account_id]
        row.mu, row.sigma = new.mu, new.sigma
        row.ordinal = ordinal(new.mu, new.sigma)
        row.games += 1
        row.wins += int(seat.won)
        row.updated_at = utcnow()
        row.save()


def rate_game(seats: list[Seat]) -> dict[int, tuple[float, float]]:
    """Update every seat's overall and side ratings; return each account's overall
    ordinal before and after (inside the caller's write transaction)."""
    overall = rows_of((seat.account_id for seat in seats), "overall")
    before = {account_id: row.ordinal for account_id, row in overall.items()}
    update(overall, seats)
    good = [seat for seat in seats if seat.side == "good"]
    evil = [seat for seat in seats if seat.side != "good"]
    side_rows = {
        **rows_of((seat.account_id for seat in good), "good"),
        **rows_of((seat.account_id for seat in evil), "evil"),
    }
    update(side_rows, seats)
    return {account_id: (before[account_id], row.ordinal) for account_id, row in overall.items()}


def ladder(seats_by_game: list[list[Seat]]) -> dict[int, tuple[float, float, int, int]]:
    """Overall ratings from these games alone, in order, everyone starting new: each
    account's (mu, sigma, games, wins). A group's ladder among its members."""
    ratings: dict[int, PlackettLuceRating] = {}
    counts: dict[int, list[int]] = {}
    for seats in seats_by_game:
        for seat in seats:
            ratings.setdefault(seat.account_id, MODEL.rating())
            counts.setdefault(seat.account_id, [0, 0])
            counts[seat.account_id][0] += 1
            counts[seat.account_id][1] += int(seat.won)
        ratings.update(play(ratings, seats))
    return {
        account: (rating.mu, rating.sigma, counts[account][0], counts[account][1])
        for account, rating in ratings.items()
    }
