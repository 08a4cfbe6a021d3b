"""Accounts (PROTOCOL section 12): passkeys, sessions, seats, ratings, played games, groups.

New tables only: rooms, members, chat, games and guests' tokens are not touched. Frozen
copies of the models as they were made, independent of `avalon.accounts.models`, so this
step means the same thing forever; their ids are never handed out twice (as 0006 made
every older table's).
"""

from __future__ import annotations

from typing import Any

from peewee import BigIntegerField
from peewee import BooleanField
from peewee import CharField
from peewee import DateTimeField
from peewee import FloatField
from peewee import ForeignKeyField
from peewee import IntegerField
from peewee import Model
from peewee import TextField

from avalon.store.models import IdField


def up(migrator: Any, db: Any) -> None:
    """Create the accounts' twelve tables."""

    class Base(Model):
        id = IdField()

        class Meta:
            database = db

    class RoomPlayer(Base):  # the existing table, named for the foreign key only
        class Meta:
            table_name = "roomplayer"

    class Account(Base):
        name = CharField(max_length=24)
        name_key = CharField(max_length=96, unique=True)
        shape_key = CharField(max_length=96, unique=True)
        public = BooleanField(default=False)
        user_handle = CharField(max_length=96, unique=True)
        created_at = DateTimeField()

        class Meta:
            table_name = "account"

    class Passkey(Base):
        account = ForeignKeyField(Account, on_delete="CASCADE")
        credential_id = CharField(max_length=1400, unique=True)
        public_key = TextField()
        sign_count = BigIntegerField(default=0)
        transports = TextField(null=True)
        created_at = DateTimeField()
        last_used_at = DateTimeField(null=True)

        class Meta:
            table_name = "passkey"

    class Challenge(Base):
        challenge = CharField(max_length=128, unique=True)
        purpose = CharField(max_length=16)
        account = ForeignKeyField(Account, null=True, on_delete="CASCADE")
        name = CharField(max_length=24, null=True)
        user_handle = CharField(max_length=96, null=True)
        expires_at = DateTimeField(index=True)

        class Meta:
            table_name = "account_challenge"

    class AccountSession(Base):
        token_hash = CharField(max_length=64, unique=True)
        account = ForeignKeyField(Account, on_delete="CASCADE")
        created_at = DateTimeField()
        expires_at = DateTimeField(index=True)

        class Meta:
            table_name = "account_session"

    class AccountSeat(Base):
        player = ForeignKeyField(RoomPlayer, unique=True, on_delete="CASCADE")
        account = ForeignKeyField(Account, on_delete="CASCADE")
        claimed = BooleanField(default=False)
        linked_at = DateTimeField()

        class Meta:
            table_name = "account_seat"

    class ClaimedDevice(Base):
        device_hash = CharField(max_length=64, unique=True)
        account = ForeignKeyField(Account, null=True, on_delete="SET NULL")
        claimed_at = DateTimeField()

        class Meta:
            table_name = "claimed_device"

    class Rating(Base):
        account = ForeignKeyField(Account, on_delete="CASCADE")
        kind = CharField(max_length=8)
        mu = FloatField()
        sigma = FloatField()
        ordinal = FloatField()
        games = IntegerField(default=0)
        wins = IntegerField(default=0)
        updated_at = DateTimeField()

        class Meta:
            table_name = "rating"
            indexes = ((("account", "kind"), True), (("kind", "ordinal"), False))

    class PlayedGame(Base):
        game_id = IntegerField(unique=True)
        room_id = IntegerField(index=True)
        room_code = CharField(max_length=5)
        number = IntegerField()
        players = IntegerField()
        setup = CharField(max_length=400)
        winner = CharField(max_length=8, null=True)
        reason = CharField(max_length=32, null=True)
        rated = BooleanField(default=False)
        finished_at = DateTimeField(index=True)

        class Meta:
            table_name = "played_game"

    class PlayedSeat(Base):
        game = ForeignKeyField(PlayedGame, on_delete="CASCADE")
        player_id = IntegerField()
        account = ForeignKeyField(Account, null=True, on_delete="SET NULL")
        bot = BooleanField(default=False)
        role = CharField(max_length=32)
        side = CharField(max_length=8)
        won = BooleanField(default=False)
        rating_before = FloatField(null=True)
        rating_after = FloatField(null=True)

        class Meta:
            table_name = "played_seat"
            indexes = ((("game", "player_id"), True),)

    class PlayerGroup(Base):
        public_id = CharField(max_length=32, unique=True)
        name = CharField(max_length=40)
        room_id = IntegerField(null=True, unique=True)
        created_by = ForeignKeyField(Account, null=True, on_delete="SET NULL")
        created_at = DateTimeField()

        class Meta:
            table_name = "player_group"

    class GroupMember(Base):
        group = ForeignKeyField(PlayerGroup, on_delete="CASCADE")
        account = ForeignKeyField(Account, on_delete="CASCADE")
        joined_at = DateTimeField()

        class Meta:
            table_name = "group_member"
            indexes = ((("group", "account"), True),)

    class GroupGame(Base):
        group = ForeignKeyField(PlayerGroup, on_delete="CASCADE")
        game = ForeignKeyField(PlayedGame, on_delete="CASCADE")

        class Meta:
            table_name = "group_game"
            indexes = ((("group", "game"), True),)

    db.create_tables(
        [
            Account,
            Passkey,
            Challenge,
            AccountSession,
            AccountSeat,
            ClaimedDevice,
            Rating,
            PlayedGame,
            PlayedSeat,
            PlayerGroup,
            GroupMember,
            GroupGame,
        ]
    )
