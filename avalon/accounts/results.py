"""A finished game, as the accounts at its table keep it: history, ratings, groups.

`game_over` runs inside the write transaction that ends the game (games.finish_room),
so a game's ratings change exactly when the game ends, or not at all.
"""

from __future__ import annotations

import logging
from typing import Any

from peewee import fn

from avalon.accounts import ratings
from avalon.accounts.models import AccountSeat
from avalon.accounts.models import GroupGame
from avalon.accounts.models import GroupMember
from avalon.accounts.models import PlayedGame
from avalon.accounts.models import PlayedSeat
from avalon.game.options import SPECIAL_ROLES
from avalon.game.state import GameState
from avalon.store.models import Room
from avalon.store.models import RoomPlayer

log = logging.getLogger(__name__)

SIDES = ("good", "evil")


def accounts_of(players: list[int]) -> dict[int, int]:
    """The seats among `players` that are accounts': player id -> account id."""
    query = AccountSeat.select(AccountSeat.player, AccountSeat.account).where(
        AccountSeat.player.in_(players)  # type: ignore[attr-defined]
    )
    return {row.player_id: row.account_id for row in query}


def bots_among(players: list[int]) -> set[int]:
    """The computer players among `players`."""
    query = RoomPlayer.select(RoomPlayer.id).where(RoomPlayer.id.in_(players) & RoomPlayer.bot)  # type: ignore[attr-defined]
    return {row.id for row in query}


def moved_for_someone(value: Any) -> bool:
    """Tell whether a stored game holds a move the timer or a stand-in made.

    Every such move is marked where the game keeps it ("auto", "auto_proposal",
    "assassination_auto", a list of seats under "auto"...), for the record's readers.
    """
    if isinstance(value, dict):
        for key, item in value.items():
            marked = key == "auto" or key.startswith("auto_") or key.endswith("_auto")
            if (marked and item) or moved_for_someone(item):
                return True
        return False
    if isinstance(value, list):
        return any(moved_for_someone(item) for item in value)
    return False


def is_rated(game: GameState, accounts: dict[int, int], bots: set[int]) -> bool:
    """Every seat a person with an account (each a different one), a winner, no move
    made for anyone (PROTOCOL section 12)."""
    return (
        game.winner in SIDES
        and game.reason != "abandoned"
        and not bots
        and set(accounts) == set(game.players)
        and len(set(accounts.values())) == len(game.players)
        and not moved_for_someone(game.to_dict())
    )


def record_game(room: Room, game: GameState, accounts: dict[int, int], rated: bool) -> PlayedGame:
    """Store a finished game and each of its seats (inside the caller's transaction)."""
    special = sorted({role for role in game.roles if role in SPECIAL_ROLES})
    played = PlayedGame.create(
        game_id=game.game_id,
        room_id=room.id,
        room_code=room.code,
        number=game.number,
        players=len(game.players),
        setup=",".join(special)[:400],
        winner=game.winner if game.winner in SIDES else None,
        reason=game.reason,
        rated=rated,
    )
    bots = bots_among(game.players)
    for player_id, role in zip(game.players, game.roles, strict=True):
        side = game.alignment_of(player_id)
        PlayedSeat.create(
            game=played,
            player_id=player_id,
            account=accounts.get(player_id),
            bot=player_id in bots,
            role=role,
            side=side,
            won=side == game.winner,
        )
    return played


def game_over(room: Room, game: GameState) -> None:
    """Keep a game that just ended for the accounts at its table; rate it if it is rated."""
    accounts = accounts_of(game.players)
    if not accounts or PlayedGame.get_or_none(PlayedGame.game_id == game.game_id) is not None:
        return  # guests only: nothing of the game is the accounts'
    bots = bots_among(game.players)
    rated = is_rated(game, accounts, bots)
    played = record_game(room, game, accounts, rated)
    if rated:
        sides = {player: game.alignment_of(player) for player in game.players}
        seats = [
            ratings.Seat(accounts[player], side, side == game.winner)
            for player, side in sides.items()
        ]
        changes = ratings.rate_game(seats)
        for player, account_id in accounts.items():
            before, after = changes[account_id]
            PlayedSeat.update(rating_before=before, rating_after=after).where(
                (PlayedSeat.game == played) & (PlayedSeat.player_id == player)
            ).execute()
        log.info("event=game_rated room=%s game=%s players=%d", room.code, game.number, len(seats))
    add_to_groups(played, [accounts.get(p) for p in game.players if p not in bots])


def add_to_groups(played: PlayedGame, people: list[int | None]) -> None:
    """File the game under every group whose members are all the people at its table."""
    if len(people) < 2 or None in people:
        return  # a guest at the table: the game is not one of the group's
    members = set(people)
    groups = (
        GroupMember.select(GroupMember.group)
        .where(GroupMember.account.in_(members))  # type: ignore[attr-defined]
        .group_by(GroupMember.group)
        .having(fn.COUNT(GroupMember.id) == len(members))
    )
    rows = [{"group": row.group_id, "game": played.id} for row in groups]
    if rows:
        GroupGame.insert_many(rows).on_conflict_ignore().execute()
