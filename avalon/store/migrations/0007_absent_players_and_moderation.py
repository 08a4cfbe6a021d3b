"""Absent players, endings and moderation (PROTOCOL section 9).

Members: when a seated player went offline, and when the host removed a member. Rooms:
who reads a spectator's chat during a game, the setup the host is choosing. Chat: the
channel of each message. Games: the seats stand-ins play, when an absent seat is next
looked at, the vote to end the game, the pause's start and who asked to end it, and the
game's public log of presence lines.
"""

from __future__ import annotations

from typing import Any

from peewee import CharField
from peewee import DateTimeField
from peewee import TextField


def up(migrator: Any, db: Any) -> None:
    """Add the columns of the absent players, endings and moderation."""
    migrator.migrate(
        migrator.add_column("roomplayer", "offline_since", DateTimeField(null=True)),
        migrator.add_column("roomplayer", "kicked_at", DateTimeField(null=True)),
        migrator.add_column(
            "room", "spectator_chat", CharField(max_length=16, default="spectators")
        ),
        migrator.add_column("room", "draft_options", TextField(null=True)),
        migrator.add_column("chatmessage", "channel", CharField(max_length=16, default="all")),
        migrator.add_column("game", "stand_ins", TextField(null=True)),
        migrator.add_column("game", "absent_due", DateTimeField(null=True)),
        migrator.add_column("game", "end_vote", TextField(null=True)),
        migrator.add_column("game", "paused_at", DateTimeField(null=True)),
        migrator.add_column("game", "unpause_votes", TextField(null=True)),
        migrator.add_column("game", "log", TextField(null=True)),
        migrator.add_index("game", ("absent_due",), False),
        migrator.add_index("game", ("paused_at",), False),
    )
