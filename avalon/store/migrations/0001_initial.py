"""The schema of the first release: rooms, players, chat and games.

Frozen copies of the models as they were, independent of `avalon.store.models`, so
this step means the same thing forever. `safe=True` adopts a database that the old
`init-db` created: its tables are kept as they are, with every row.
"""

from __future__ import annotations

from typing import Any

from peewee import BooleanField
from peewee import CharField
from peewee import DateTimeField
from peewee import ForeignKeyField
from peewee import IntegerField
from peewee import Model
from peewee import TextField


def up(migrator: Any, db: Any) -> None:
    """Create the four tables of the first release where they are missing."""

    class Base(Model):
        class Meta:
            database = db

    class Room(Base):
        code = CharField(max_length=5, unique=True)
        status = CharField(max_length=16, default="lobby")
        host_id = IntegerField(null=True)
        created_at = DateTimeField()

    class RoomPlayer(Base):
        room = ForeignKeyField(Room, backref="players", on_delete="CASCADE")
        display_name = CharField(max_length=24)
        name_key = CharField(max_length=96, null=True)
        kicked = BooleanField(default=False)
        spectator = BooleanField(default=False)
        joined_at = DateTimeField()

        class Meta:
            indexes = ((("room", "name_key"), True),)

    class ChatMessage(Base):
        room = ForeignKeyField(Room, backref="chat", on_delete="CASCADE")
        player = ForeignKeyField(RoomPlayer, on_delete="CASCADE")
        message = TextField()
        sent_at = DateTimeField()

        class Meta:
            indexes = ((("room", "id"), False),)

    class GameRecord(Base):
        room = ForeignKeyField(Room, backref="games", on_delete="CASCADE")
        number = IntegerField()
        version = IntegerField()
        phase = CharField(max_length=16)
        state = TextField()
        turn_seconds = IntegerField(null=True)
        deadline = DateTimeField(null=True, index=True)
        created_at = DateTimeField()

        class Meta:
            table_name = "game"
            indexes = ((("room", "number"), True),)

    db.create_tables([Room, RoomPlayer, ChatMessage, GameRecord], safe=True)
