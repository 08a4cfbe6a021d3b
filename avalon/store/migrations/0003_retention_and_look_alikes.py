"""Room activity for retention, and name keys that fold look-alike names together."""

from __future__ import annotations

from typing import Any

from peewee import AutoField
from peewee import CharField
from peewee import DateTimeField
from peewee import IntegerField
from peewee import Model


def up(migrator: Any, db: Any) -> None:
    """Add room.active_at (from created_at) and recompute every member's name key."""
    from avalon.protocol.names import name_key  # the key function this step adopts

    migrator.migrate(
        migrator.add_column("room", "active_at", DateTimeField(null=True)),
        migrator.add_index("room", ("active_at",), False),
    )
    db.execute_sql("UPDATE room SET active_at = created_at")

    class Member(Model):  # a frozen view of the columns this step reads and writes
        id = AutoField()
        room_id = IntegerField()
        display_name = CharField()
        name_key = CharField(null=True)

        class Meta:
            database = db
            table_name = "roomplayer"

    taken: set[tuple[int, str]] = set()
    for member in Member.select().where(Member.name_key.is_null(False)).order_by(Member.id):
        key = name_key(member.display_name)
        # Two old names that now share a key: the later one keeps its seat, unkeyed.
        new_key = None if (member.room_id, key) in taken else key
        taken.add((member.room_id, key))
        Member.update(name_key=new_key).where(Member.id == member.id).execute()
