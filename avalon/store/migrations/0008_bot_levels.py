"""Bot levels (PROTOCOL section 10): how a computer player reasons, chosen when added."""

from __future__ import annotations

from typing import Any

from peewee import CharField


def up(migrator: Any, db: Any) -> None:
    """Add roomplayer.bot_level (null for people; bots added before it play `normal`)."""
    migrator.migrate(
        migrator.add_column("roomplayer", "bot_level", CharField(max_length=8, null=True)),
    )
