"""A player's own data: all of it as JSON, and the account deleted.

Deleting keeps the games (the other players' history and ratings, the groups' numbers):
the account's seats are named "a former player", its played seats no longer name it,
and everything else that is the account's (passkeys, sessions, ratings, memberships,
its links to seats) goes. A game no account plays in any more, and no group files,
goes with it.
"""

from __future__ import annotations

import json

from avalon.accounts import profiles
from avalon.accounts.models import FORMER_PLAYER
from avalon.accounts.models import Account
from avalon.accounts.models import AccountSeat
from avalon.accounts.models import AccountSession
from avalon.accounts.models import Challenge
from avalon.accounts.models import ClaimedDevice
from avalon.accounts.models import GroupGame
from avalon.accounts.models import GroupMember
from avalon.accounts.models import Passkey
from avalon.accounts.models import PlayedGame
from avalon.accounts.models import PlayedSeat
from avalon.accounts.models import PlayerGroup
from avalon.accounts.models import Rating
from avalon.store import db
from avalon.store.models import Room
from avalon.store.models import RoomPlayer
from avalon.store.models import isoformat


def when(moment: object) -> str | None:
    """A stored time for the export."""
    return None if moment is None else isoformat(moment)  # type: ignore[arg-type]


def export(account: Account) -> dict:
    """Every stored fact about the account."""
    with db.unit():
        seats = (
            AccountSeat.select(AccountSeat, RoomPlayer, Room)
            .join(RoomPlayer)
            .join(Room)
            .where(AccountSeat.account == account.id)
        )
        played = profiles.seats_of(account.id)
        groups = (
            GroupMember.select(GroupMember, PlayerGroup)
            .join(PlayerGroup)
            .where(GroupMember.account == account.id)
        )
        return {
            "account": {
                "account_id": account.id,
                "name": account.name,
                "public": account.public,
                "created_at": when(account.created_at),
                "webauthn_user_handle": account.user_handle,
            },
            "passkeys": [
                passkey_payload(row)
                for row in Passkey.select().where(Passkey.account == account.id)
            ],
            "sessions": [
                {"created_at": when(row.created_at), "expires_at": when(row.expires_at)}
                for row in AccountSession.select().where(AccountSession.account == account.id)
            ],
            "seats": [
                {
                    "room_code": row.player.room.code,
                    "player_id": row.player.id,
                    "display_name": row.player.display_name,
                    "claimed": row.claimed,
                    "linked_at": when(row.linked_at),
                }
                for row in seats
            ],
            "claimed_devices": [
                {"device_sha256": row.device_hash, "claimed_at": when(row.claimed_at)}
                for row in ClaimedDevice.select().where(ClaimedDevice.account == account.id)
            ],
            "games": [game_of(seat) for seat in played],
            "ratings": profiles.ratings_of(account.id),
            "groups": [
                {
                    "group_id": row.group.public_id,
                    "name": row.group.name,
                    "joined_at": when(row.joined_at),
                }
                for row in groups
            ],
        }


def passkey_payload(row: Passkey) -> dict:
    """A passkey as the account sees it (the public key and counter are facts kept)."""
    return {
        "id": row.id,
        "credential_id": row.credential_id,
        "public_key": row.public_key,
        "sign_count": row.sign_count,
        "transports": json.loads(row.transports) if row.transports else [],
        "created_at": when(row.created_at),
        "last_used_at": when(row.last_used_at),
    }


def game_of(seat: PlayedSeat) -> dict:
    """One played seat with its game, for the export."""
    return {
        **profiles.game_payload(seat.game, set()),
        "player_id": seat.player_id,
        "role": seat.role,
        "side": seat.side,
        "won": seat.won,
        "rating_before": seat.rating_before,
        "rating_after": seat.rating_after,
    }


def delete(account: Account) -> None:
    """Delete the account; its games stay, played by "a former player"."""
    with db.write():
        players = AccountSeat.select(AccountSeat.player).where(AccountSeat.account == account.id)
        RoomPlayer.update(display_name=FORMER_PLAYER).where(RoomPlayer.id.in_(players)).execute()  # type: ignore[attr-defined]
        games = [
            row.game_id
            for row in PlayedSeat.select(PlayedSeat.game).where(PlayedSeat.account == account.id)
        ]
        PlayedSeat.update(account=None).where(PlayedSeat.account == account.id).execute()
        ClaimedDevice.update(account=None).where(ClaimedDevice.account == account.id).execute()
        PlayerGroup.update(created_by=None).where(PlayerGroup.created_by == account.id).execute()
        for model in (AccountSeat, AccountSession, Passkey, Rating, GroupMember, Challenge):
            model.delete().where(model.account == account.id).execute()  # type: ignore[attr-defined]
        Account.delete().where(Account.id == account.id).execute()
        someone = PlayedSeat.select(PlayedSeat.game).where(PlayedSeat.account.is_null(False))  # type: ignore[attr-defined]
        filed = GroupGame.select(GroupGame.game)
        orphans = PlayedGame.id.in_(games) & PlayedGame.id.not_in(someone)  # type: ignore[attr-defined]
        PlayedGame.delete().where(orphans & PlayedGame.id.not_in(filed)).execute()  # type: ignore[attr-defined]
