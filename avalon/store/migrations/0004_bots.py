"""Computer players: a bot flag on members, and when a game's bots are next due to move."""

from __future__ import annotations

from typing import Any

from peewee import BooleanField
from peewee import DateTimeField
from peewee import TextField


def up(migrator: Any, db: Any) -> None:
    """Add roomplayer.bot, game.bots (their ids) and game.bot_due."""
    migrator.migrate(
        migrator.add_column("roomplayer", "bot", BooleanField(default=False)),
        migrator.add_column("game", "bots", TextField(null=True)),
        migrator.add_column("game", "bot_due", DateTimeField(null=True)),
        migrator.add_index("game", ("bot_due",), False),
    )
