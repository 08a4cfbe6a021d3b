"""peewee models: rooms, their members, their chat and their games.

Every change to a model needs a migration in `avalon/store/migrations/`.
"""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from typing import Any

from peewee import SQL
from peewee import AutoField
from peewee import BooleanField
from peewee import CharField
from peewee import DateTimeField
from peewee import FloatField
from peewee import ForeignKeyField
from peewee import IntegerField
from peewee import Model
from peewee import NodeList
from peewee import SqliteDatabase
from peewee import TextField

from avalon.store.db import database


def utcnow() -> datetime:
    """Return the current UTC time as a naive datetime (stored as UTC)."""
    return datetime.now(UTC).replace(tzinfo=None)


def isoformat(moment: datetime) -> str:
    """Format a stored UTC datetime for clients."""
    return moment.isoformat(timespec="milliseconds") + "Z"


class IdField(AutoField):
    """A primary key whose values are never handed out twice, SQLite's included."""

    # Without AUTOINCREMENT SQLite gives a new row the largest id plus one, so a deleted
    # newest row's id came back, and with it that row's tokens (migration 0006).
    # PostgreSQL's sequences never reuse a value: its column stays SERIAL.

    def ddl(self, ctx: Any) -> NodeList:
        """The column's definition, with AUTOINCREMENT when the table is made on SQLite."""
        definition = super().ddl(ctx)
        database = self.model._meta.database
        if isinstance(getattr(database, "obj", database), SqliteDatabase):
            return NodeList((definition, SQL("AUTOINCREMENT")))
        return definition


class BaseModel(Model):
    # Declared for type checkers as the value a row holds, as peewee's implicit id was.
    id: int = IdField()  # type: ignore[assignment]

    class Meta:
        database = database


class Room(BaseModel):
    code = CharField(max_length=5, unique=True)
    status = CharField(max_length=16, default="lobby")  # lobby | in_game | finished
    host_id = IntegerField(null=True)  # a RoomPlayer id; not a foreign key to avoid a cycle
    locked = BooleanField(default=False)  # the host's lock: no new members at all
    # Who reads a spectator's chat during a game: "spectators" (only) or "all".
    spectator_chat = CharField(max_length=16, default="spectators")
    draft_options = TextField(null=True)  # the setup the host is choosing, as JSON
    # Last join, chat, start or move: rooms idle past AVALON_ROOM_RETENTION_DAYS are deleted.
    active_at = DateTimeField(null=True, index=True, default=utcnow)
    created_at = DateTimeField(default=utcnow)


class RoomPlayer(BaseModel):
    room_id: int
    room = ForeignKeyField(Room, backref="players", on_delete="CASCADE")
    display_name = CharField(max_length=24)
    # Case-folded name for uniqueness; cleared when a player is kicked so the name frees up.
    name_key = CharField(max_length=96, null=True)
    kicked = BooleanField(default=False)
    spectator = BooleanField(default=False)  # watches and chats, never holds a seat
    # The browser's own id (sent on create/join); a kicked device cannot join the room again.
    device = CharField(max_length=64, null=True)
    left = BooleanField(default=False)  # gave up the seat and token (leave_room)
    bot = BooleanField(default=False)  # a computer player the host added
    bot_level = CharField(max_length=8, null=True)  # how a bot reasons (avalon.bots.LEVELS)
    joined_at = DateTimeField(default=utcnow)
    offline_since = DateTimeField(null=True)  # when a seated player's last socket closed
    kicked_at = DateTimeField(null=True)  # when the host removed this member

    class Meta:
        indexes = ((("room", "name_key"), True), (("room", "device"), False))


class ChatMessage(BaseModel):
    room_id: int
    player_id: int
    # No index of its own: (room, id) below serves it (migration 0005).
    room = ForeignKeyField(Room, backref="chat", on_delete="CASCADE", index=False)
    player = ForeignKeyField(RoomPlayer, on_delete="CASCADE")
    message = TextField()
    sent_at = DateTimeField(default=utcnow)
    channel = CharField(max_length=16, default="all")  # "spectators": read by spectators only

    class Meta:
        indexes = ((("room", "id"), False),)

    def payload(self, display_name: str) -> dict:
        """Build the chat payload clients receive."""
        return chat_payload(
            self.id, self.player_id, display_name, self.message, self.sent_at, self.channel
        )


def chat_payload(
    message_id: int,
    player_id: int,
    display_name: str,
    message: str,
    sent_at: datetime,
    channel: str = "all",
) -> dict:
    """The chat payload clients receive, the one shape for stored and new messages.

    A message to spectators only says so (`channel`); everyone else's has no channel.
    """
    payload = {
        "id": message_id,
        "player_id": player_id,
        "display_name": display_name,
        "message": message,
        "sent_at": isoformat(sent_at),
    }
    if channel != "all":
        payload["channel"] = channel
    return payload


class GameRecord(BaseModel):
    """One game of a room: the authoritative state, secrets included, as JSON."""

    room_id: int

    room = ForeignKeyField(Room, backref="games", on_delete="CASCADE")
    number = IntegerField()  # 1, 2, ... within the room ("play again" adds one)
    version = IntegerField()  # mirrors state["version"]; updates check it (no lost writes)
    phase = CharField(max_length=16)
    state = TextField()
    turn_seconds = IntegerField(null=True)  # the host's turn timer, if any
    deadline = DateTimeField(null=True, index=True)  # when the timer moves for the absent
    paused_left = FloatField(null=True)  # seconds left on the turn while the host paused it
    options = TextField(null=True)  # the start_game options as JSON (play again reuses them)
    bots = TextField(null=True)  # JSON list of the seats computer players hold
    bot_due = DateTimeField(null=True, index=True)  # when a bot the game awaits moves
    stand_ins = TextField(null=True)  # JSON list of the seats stand-ins play now
    absent_due = DateTimeField(null=True, index=True)  # when an absent seat is looked at
    end_vote = TextField(null=True)  # JSON {"by", "votes": {id: bool}} while one is open
    paused_at = DateTimeField(null=True, index=True)  # when the turn timer was paused
    unpause_votes = TextField(null=True)  # JSON list of players asking to end the pause
    log = TextField(null=True)  # JSON list of the game's public presence lines
    created_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "game"
        indexes = ((("room", "number"), True),)


def touch_rooms(room_ids: set[int]) -> None:
    """Mark rooms as active now (inside the caller's unit of work)."""
    if room_ids:
        Room.update(active_at=utcnow()).where(Room.id.in_(room_ids)).execute()  # type: ignore[attr-defined]


ALL_MODELS: list[type[Model]] = [Room, RoomPlayer, ChatMessage, GameRecord]
