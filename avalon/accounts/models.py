"""The accounts' tables: passkeys, sessions, linked seats, ratings, played games, groups.

Every change to a model needs a migration in `avalon/store/migrations/` (0009 made these).
A played game names its room's game by plain ids, never a foreign key: rooms expire
(AVALON_ROOM_RETENTION_DAYS) and a player's history, ratings and groups outlive them.
"""

from __future__ import annotations

from peewee import BigIntegerField
from peewee import BooleanField
from peewee import CharField
from peewee import DateTimeField
from peewee import FloatField
from peewee import ForeignKeyField
from peewee import IntegerField
from peewee import Model
from peewee import TextField

from avalon.store.models import BaseModel
from avalon.store.models import RoomPlayer
from avalon.store.models import utcnow

FORMER_PLAYER = "a former player"  # the seats' name once their account is deleted


class Account(BaseModel):
    name = CharField(max_length=24)
    # Both keys of names (as in a room): no two accounts read as the same name.
    name_key = CharField(max_length=96, unique=True)
    shape_key = CharField(max_length=96, unique=True)
    public = BooleanField(default=False)  # the profile and leaderboard entry are shown
    user_handle = CharField(max_length=96, unique=True)  # WebAuthn's user id, random
    created_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "account"


class Passkey(BaseModel):
    account_id: int
    account = ForeignKeyField(Account, backref="passkeys", on_delete="CASCADE")
    credential_id = CharField(max_length=1400, unique=True)  # base64url, up to 1023 bytes
    public_key = TextField()  # COSE, base64url
    sign_count = BigIntegerField(default=0)  # the authenticator's counter, up to 2**32
    transports = TextField(null=True)  # JSON list the browser reported
    created_at = DateTimeField(default=utcnow)
    last_used_at = DateTimeField(null=True)

    class Meta:
        table_name = "passkey"


class Challenge(BaseModel):
    """A WebAuthn challenge handed out and not yet answered: each is answered once."""

    account_id: int | None
    challenge = CharField(max_length=128, unique=True)  # base64url
    purpose = CharField(max_length=16)  # register | login | add
    account = ForeignKeyField(Account, null=True, on_delete="CASCADE")  # "add": whose
    name = CharField(max_length=24, null=True)  # "register": the name asked for
    user_handle = CharField(max_length=96, null=True)  # "register": the new user id
    expires_at = DateTimeField(index=True)

    class Meta:
        table_name = "account_challenge"


class AccountSession(BaseModel):
    """A signed-in browser: the cookie holds a random token, only its hash is stored."""

    account_id: int
    token_hash = CharField(max_length=64, unique=True)
    account = ForeignKeyField(Account, backref="sessions", on_delete="CASCADE")
    created_at = DateTimeField(default=utcnow)
    expires_at = DateTimeField(index=True)

    class Meta:
        table_name = "account_session"


class AccountSeat(BaseModel):
    """A seat (room member) that is the account's: joined signed in, or claimed."""

    account_id: int
    player_id: int
    player = ForeignKeyField(RoomPlayer, unique=True, on_delete="CASCADE")
    account = ForeignKeyField(Account, backref="seats", on_delete="CASCADE")
    claimed = BooleanField(default=False)  # by the browser's device, after the game
    linked_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "account_seat"


class ClaimedDevice(BaseModel):
    """A browser whose past seats were claimed: once per device, kept as a hash only."""

    device_hash = CharField(max_length=64, unique=True)
    account = ForeignKeyField(Account, null=True, on_delete="SET NULL")
    claimed_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "claimed_device"


class Rating(BaseModel):
    """An account's OpenSkill rating of one kind: overall, as good, as evil."""

    account_id: int
    account = ForeignKeyField(Account, backref="ratings", on_delete="CASCADE")
    kind = CharField(max_length=8)
    mu = FloatField()
    sigma = FloatField()
    ordinal = FloatField()  # mu - 3 sigma: what the ladders sort by
    games = IntegerField(default=0)
    wins = IntegerField(default=0)
    updated_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "rating"
        indexes = ((("account", "kind"), True), (("kind", "ordinal"), False))


class PlayedGame(BaseModel):
    """A finished game with at least one account at its table, as the accounts keep it."""

    game_id = IntegerField(unique=True)  # the room's game record (gone once the room is)
    room_id = IntegerField(index=True)
    room_code = CharField(max_length=5)
    number = IntegerField()
    players = IntegerField()
    setup = CharField(max_length=400)  # the special roles in play, sorted, comma separated
    winner = CharField(max_length=8, null=True)  # good | evil | None (abandoned)
    reason = CharField(max_length=32, null=True)
    rated = BooleanField(default=False)
    finished_at = DateTimeField(default=utcnow, index=True)

    class Meta:
        table_name = "played_game"


class PlayedSeat(BaseModel):
    account_id: int | None
    game_id: int
    game = ForeignKeyField(PlayedGame, backref="seats", on_delete="CASCADE")
    player_id = IntegerField()
    account = ForeignKeyField(Account, null=True, on_delete="SET NULL")
    bot = BooleanField(default=False)
    role = CharField(max_length=32)
    side = CharField(max_length=8)  # the seat's side at the end (a Lancelot may switch)
    won = BooleanField(default=False)
    rating_before = FloatField(null=True)  # overall ordinal around a rated game
    rating_after = FloatField(null=True)

    class Meta:
        table_name = "played_seat"
        indexes = ((("game", "player_id"), True),)


class PlayerGroup(BaseModel):
    """Friends who play together: a standing link made from a room's seated accounts."""

    public_id = CharField(max_length=32, unique=True)  # the link's id: not guessable
    name = CharField(max_length=40)
    room_id = IntegerField(null=True, unique=True)  # the room that made it
    created_by = ForeignKeyField(Account, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "player_group"


class GroupMember(BaseModel):
    account_id: int
    group_id: int
    group = ForeignKeyField(PlayerGroup, backref="members", on_delete="CASCADE")
    account = ForeignKeyField(Account, on_delete="CASCADE")
    joined_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "group_member"
        indexes = ((("group", "account"), True),)


class GroupGame(BaseModel):
    """A game whose every person at the table was a member of the group."""

    game_id: int
    group = ForeignKeyField(PlayerGroup, backref="games", on_delete="CASCADE")
    game = ForeignKeyField(PlayedGame, on_delete="CASCADE")

    class Meta:
        table_name = "group_game"
        indexes = ((("group", "game"), True),)


ACCOUNT_MODELS: list[type[Model]] = [
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
