"""Seats that are an account's: joined signed in, or claimed afterwards by their browser."""

from __future__ import annotations

import hashlib
import json

from peewee import IntegrityError

from avalon.accounts import results
from avalon.accounts.models import Account
from avalon.accounts.models import AccountSeat
from avalon.accounts.models import ClaimedDevice
from avalon.accounts.models import PlayedGame
from avalon.accounts.models import PlayedSeat
from avalon.game.rules import Game
from avalon.protocol.errors import ApiError
from avalon.store import db
from avalon.store.models import GameRecord
from avalon.store.models import Room
from avalon.store.models import RoomPlayer


def device_hash(device: str) -> str:
    """How a claimed device is kept: enough to refuse a second claim, nothing more."""
    return hashlib.sha256(device.encode()).hexdigest()


def link(account_id: int, player_id: int) -> None:
    """Make a seat the account's (a signed-in create or join); a linked seat stays as it is."""
    with db.write():
        AccountSeat.insert(player=player_id, account=account_id).on_conflict_ignore().execute()


def claim(account: Account, device: str) -> int:
    """Make the seats this browser played the account's, once per browser; return how many.

    Finished games of those seats join the account's history (unrated: nobody's rating
    changes after the fact). A seat already an account's stays that account's.
    """
    try:
        with db.write():
            ClaimedDevice.create(device_hash=device_hash(device), account=account.id)
            linked = AccountSeat.select(AccountSeat.player)
            seats = list(
                RoomPlayer.select().where(
                    (RoomPlayer.device == device)
                    & ~RoomPlayer.bot  # type: ignore[operator]
                    & RoomPlayer.id.not_in(linked)  # type: ignore[attr-defined]
                )
            )
            if seats:
                rows = [
                    {"player": seat.id, "account": account.id, "claimed": True} for seat in seats
                ]
                AccountSeat.insert_many(rows).on_conflict_ignore().execute()
                file_past_games(account.id, seats)
    except IntegrityError:
        raise ApiError("device_claimed", "this browser's seats were claimed already", 409) from None
    return len(seats)


def file_past_games(account_id: int, seats: list[RoomPlayer]) -> None:
    """Put the finished games these seats played into the account's history."""
    mine = {seat.id for seat in seats}
    rooms = {seat.room_id for seat in seats}
    records = GameRecord.select().where(
        GameRecord.room.in_(rooms) & (GameRecord.phase == "game_over")  # type: ignore[attr-defined]
    )
    for record in records:
        game = Game.from_dict(json.loads(record.state))
        game.game_id = record.id
        played_here = mine & set(game.players)
        if not played_here:
            continue
        played = PlayedGame.get_or_none(PlayedGame.game_id == record.id)
        if played is not None:
            PlayedSeat.update(account=account_id).where(
                (PlayedSeat.game == played)
                & PlayedSeat.player_id.in_(played_here)  # type: ignore[attr-defined]
                & PlayedSeat.account.is_null()  # type: ignore[attr-defined]
            ).execute()
            continue
        accounts = results.accounts_of(game.players)
        room = Room.get_by_id(record.room_id)
        played = results.record_game(room, game, accounts, rated=False)
        people = [
            accounts.get(p) for p in game.players if p not in results.bots_among(game.players)
        ]
        results.add_to_groups(played, people)
