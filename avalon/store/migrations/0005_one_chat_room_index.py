"""Chat keeps one room index: (room_id, id) serves every lookup that (room_id) did."""

from __future__ import annotations

from typing import Any


def up(migrator: Any, db: Any) -> None:
    """Drop chatmessage's single-column room index.

    Every chat read is a room's messages by id, and the cascade from a deleted room
    finds them through the leading column of (room_id, id) in both databases. One index
    fewer is one page fewer written with every stored message.
    """
    db.execute_sql('DROP INDEX IF EXISTS "chatmessage_room_id"')
