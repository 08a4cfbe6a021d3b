"""Groups: the friends of a room made a standing group, with their own ladder and numbers.

A game is the group's when every person at its table (bots aside) is a member, two at
least. The ladder is OpenSkill again, from the group's rated games alone, everyone
starting new: who is best among these friends, whatever they do elsewhere.
"""

from __future__ import annotations

import secrets
from collections import Counter
from collections import defaultdict

from avalon.accounts import ratings
from avalon.accounts.models import Account
from avalon.accounts.models import AccountSeat
from avalon.accounts.models import GroupGame
from avalon.accounts.models import GroupMember
from avalon.accounts.models import PlayedGame
from avalon.accounts.models import PlayedSeat
from avalon.accounts.models import PlayerGroup
from avalon.accounts.profiles import game_payload
from avalon.accounts.profiles import kept_games
from avalon.protocol.errors import ApiError
from avalon.store import db
from avalon.store.models import Room
from avalon.store.models import isoformat
from avalon.store.queries import active_players

GROUP_GAMES_SHOWN = 50  # the newest games a group page lists
MOST_PLAYED = 5


def create(code: str, account: Account, name: str) -> PlayerGroup:
    """The host makes the room's seated accounts a group (the room's one group: asked
    again, it takes in who sits there now and keeps its link)."""
    with db.write():
        room = Room.get_or_none(Room.code == code)
        if room is None:
            raise ApiError("room_not_found", f"no room with code {code}", 404)
        host_seat = AccountSeat.get_or_none(AccountSeat.player == room.host_id)
        if host_seat is None or host_seat.account_id != account.id:
            raise ApiError("not_host", "only the room's host, signed in, makes its group", 403)
        seated = [member.id for member in active_players(room.id) if not member.spectator]
        links = AccountSeat.select().where(AccountSeat.player.in_(seated))  # type: ignore[attr-defined]
        members = {link.account_id for link in links}
        if len(members) < 2:
            message = "a group needs two people with accounts at the table"
            raise ApiError("too_few_accounts", message, 409)
        group = PlayerGroup.get_or_none(PlayerGroup.room_id == room.id)
        if group is None:
            group = PlayerGroup.create(
                public_id=secrets.token_urlsafe(12), name=name, room_id=room.id, created_by=account
            )
        else:
            group.name = name
            group.save()
        rows = [{"group": group.id, "account": member} for member in sorted(members)]
        GroupMember.insert_many(rows).on_conflict_ignore().execute()
        file_games(group)
    return group


def file_games(group: PlayerGroup) -> None:
    """File every played game whose people were all members under the group."""
    members = {row.account_id for row in GroupMember.select().where(GroupMember.group == group)}
    candidates = PlayedSeat.select(PlayedSeat.game).where(PlayedSeat.account.in_(members))  # type: ignore[attr-defined]
    people: dict[int, list[int | None]] = defaultdict(list)
    query = PlayedSeat.select().where(PlayedSeat.game.in_(candidates) & ~PlayedSeat.bot)  # type: ignore[attr-defined, operator]
    for seat in query:
        people[seat.game_id].append(seat.account_id)
    rows = [
        {"group": group.id, "game": game}
        for game, accounts in people.items()
        if len(accounts) >= 2 and set(accounts) <= members
    ]
    if rows:
        GroupGame.insert_many(rows).on_conflict_ignore().execute()


def page(public_id: str) -> dict | None:
    """A group's page: members, their ladder among themselves, games and numbers."""
    with db.unit():
        group = PlayerGroup.get_or_none(PlayerGroup.public_id == public_id)
        if group is None:
            return None
        members = list(
            Account.select(Account)
            .join(GroupMember)
            .where(GroupMember.group == group)
            .order_by(Account.name)
        )
        games = list(
            PlayedGame.select()
            .join(GroupGame)
            .where(GroupGame.group == group)
            .order_by(PlayedGame.finished_at, PlayedGame.id)
        )
        seats: dict[int, list[PlayedSeat]] = defaultdict(list)
        ids = [game.id for game in games]
        for seat in PlayedSeat.select().where(PlayedSeat.game.in_(ids)):  # type: ignore[attr-defined]
            seats[seat.game_id].append(seat)
        alive = kept_games([game.game_id for game in games[-GROUP_GAMES_SHOWN:]])
    return {
        "group_id": group.public_id,
        "name": group.name,
        "created_at": isoformat(group.created_at),
        "members": [{"account_id": m.id, "name": m.name, "public": m.public} for m in members],
        "ladder": ladder(members, games, seats),
        "games": [game_payload(game, alive) for game in reversed(games[-GROUP_GAMES_SHOWN:])],
        "stats": statistics(games, seats),
    }


def ladder(
    members: list[Account], games: list[PlayedGame], seats: dict[int, list[PlayedSeat]]
) -> list[dict]:
    """The members by their rating from the group's rated games, best first."""
    rated = []
    for game in games:
        if not game.rated:
            continue
        # A deleted member's seat still played: it keeps a stand-in id of its own.
        rated.append(
            [
                ratings.Seat(seat.account_id or -seat.player_id, seat.side, seat.won)
                for seat in seats[game.id]
            ]
        )
    table = ratings.ladder(rated)
    rows = []
    for member in members:
        mu, sigma, played, wins = table.get(
            member.id, (ratings.MODEL.mu, ratings.MODEL.sigma, 0, 0)
        )
        rows.append(
            {
                "account_id": member.id,
                "name": member.name,
                "ordinal": round(ratings.ordinal(mu, sigma), 3),
                "mu": round(mu, 3),
                "sigma": round(sigma, 3),
                "games": played,
                "wins": wins,
            }
        )
    return sorted(rows, key=lambda row: (row["games"] == 0, -row["ordinal"], row["name"]))


def statistics(games: list[PlayedGame], seats: dict[int, list[PlayedSeat]]) -> dict:
    """Good's win rate by setup, and the roles played most, over the group's games."""
    setups: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0, 0])
    for game in games:
        if game.winner is None:
            continue
        entry = setups[(game.players, game.setup)]
        entry[0] += 1
        entry[1] += int(game.winner == "good")
    roles = Counter(seat.role for game in games for seat in seats[game.id] if not seat.bot)
    return {
        "games": len(games),
        "by_setup": [
            {
                "players": players,
                "roles": [role for role in setup.split(",") if role],
                "games": played,
                "good_wins": good,
                "good_win_rate": round(good / played, 3),
            }
            for (players, setup), (played, good) in sorted(setups.items())
        ],
        "most_played": [
            {"role": role, "games": count} for role, count in roles.most_common(MOST_PLAYED)
        ],
    }
