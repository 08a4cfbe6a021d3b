"""Seats between games: locked rooms, barred devices, leaving, paused timers, options."""

from __future__ import annotations

from typing import Any

from peewee import BooleanField
from peewee import CharField
from peewee import FloatField
from peewee import TextField


def up(migrator: Any, db: Any) -> None:
    """Add the columns of PROTOCOL section 5."""
    migrator.migrate(
        migrator.add_column("room", "locked", BooleanField(default=False)),
        migrator.add_column("roomplayer", "device", CharField(max_length=64, null=True)),
        migrator.add_column("roomplayer", "left", BooleanField(default=False)),
        migrator.add_column("game", "paused_left", FloatField(null=True)),
        migrator.add_column("game", "options", TextField(null=True)),
        migrator.add_index("roomplayer", ("room_id", "device"), False),
    )
