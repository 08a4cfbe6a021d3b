"""The reads of every handshake and snapshot, with their SQL written once.

peewee builds a query's SQL anew on every call, and for these point reads that cost
several times what the database spent running them (about 200 us a query: a socket's
handshake made seven). Here each statement is written once per parameter style, run by
`execute_sql`, and each row becomes a model instance through the model's constructor
(values converted by each field's `python_value`). Rows read here are for reading:
they are never saved. Callers hold a unit of work (db.unit()) as for any other read.
"""

from __future__ import annotations

import functools
import json
from datetime import datetime
from typing import Any
from typing import NamedTuple
from typing import TypeVar

from avalon.store import db
from avalon.store.models import GameRecord
from avalon.store.models import Room
from avalon.store.models import RoomPlayer

Row = TypeVar("Row", Room, RoomPlayer)


class Member(NamedTuple):
    """A room member as the hot paths need one (views to send, the room's description)."""

    id: int
    display_name: str
    spectator: bool
    bot: bool
    kicked: bool  # removed by the host: not in the room, the name still taken
    kicked_at: datetime | None
    offline_since: datetime | None
    bot_level: str | None  # how a bot reasons; None for people


def by_id(model: type[Row], row_id: int) -> Row:
    """The row with this id; the model's DoesNotExist when there is none (as get_by_id)."""
    row = first(model, "id", row_id)
    if row is None:
        missing = model.DoesNotExist  # type: ignore[attr-defined]
        raise missing(f"{model.__name__} {row_id} does not exist")
    return row


def first(model: type[Row], column: str, value: Any) -> Row | None:
    """The row of `model` whose `column` equals value (a unique column), or None."""
    rows = _models(model, _select_sql(model, f'"{column}" = {db.param()}'), (value,))
    return rows[0] if rows else None


def active_players(room_id: int) -> list[RoomPlayer]:
    """Members of a room (players and spectators) still in it, in join order."""
    return _models(RoomPlayer, _active_sql(db.param()), (room_id,))


def members(room_id: int) -> list[Member]:
    """Members of a room who did not leave it (removed ones too: `kicked`), in join order,
    as plain tuples (no model to build)."""
    flag, moment = RoomPlayer.bot.python_value, RoomPlayer.joined_at.python_value
    rows = db.database.execute_sql(_members_sql(db.param()), (room_id,)).fetchall()
    return [
        Member(row[0], row[1], flag(row[2]), flag(row[3]), flag(row[4]), moment(row[5]),
               moment(row[6]), row[7])
        for row in rows
    ]  # fmt: skip


def last_options(room_id: int) -> dict | None:
    """The setup of the room's last game (play again reuses it), None before any game."""
    cursor = db.database.execute_sql(_last_options_sql(db.param()), (room_id,))
    row = cursor.fetchone()
    return json.loads(row[0]) if row is not None and row[0] else None


def _models(model: type[Row], sql: str, params: tuple) -> list[Row]:
    """Run a SELECT of the model's columns (_select_sql) and build an instance a row."""
    converters = _converters(model)
    rows = []
    for values in db.database.execute_sql(sql, params).fetchall():
        pairs = zip(converters, values, strict=True)
        rows.append(model(**{name: convert(value) for (name, convert), value in pairs}))
    return rows


@functools.lru_cache(maxsize=8)
def _converters(model: type[Row]) -> tuple:
    """(field name, python_value) for the model's columns, in _select_sql's order."""
    fields = model._meta.sorted_fields  # type: ignore[attr-defined]
    return tuple((field.name, field.python_value) for field in fields)


@functools.lru_cache(maxsize=32)
def _select_sql(model: type[Row], where: str) -> str:
    fields = model._meta.sorted_fields  # type: ignore[attr-defined]
    columns = ", ".join(f'"{field.column_name}"' for field in fields)
    return f'SELECT {columns} FROM "{model._meta.table_name}" WHERE {where}'  # type: ignore[attr-defined]


@functools.lru_cache(maxsize=4)
def _active_sql(param: str) -> str:
    room, kicked = RoomPlayer.room.column_name, RoomPlayer.kicked.column_name
    left = RoomPlayer.left.column_name
    where = f'"{room}" = {param} AND NOT "{kicked}" AND NOT "{left}" ORDER BY "id"'
    return _select_sql(RoomPlayer, where)


@functools.lru_cache(maxsize=4)
def _members_sql(param: str) -> str:
    table = RoomPlayer._meta.table_name  # type: ignore[attr-defined]
    columns = [
        f'"{RoomPlayer._meta.fields[name].column_name}"'  # type: ignore[attr-defined]
        for name in ("id", "display_name", "spectator", "bot", "kicked", "kicked_at",
                     "offline_since", "bot_level")
    ]  # fmt: skip
    room, left = RoomPlayer.room.column_name, RoomPlayer.left.column_name
    where = f'"{room}" = {param} AND NOT "{left}" ORDER BY "id"'
    return f'SELECT {", ".join(columns)} FROM "{table}" WHERE {where}'


@functools.lru_cache(maxsize=4)
def _last_options_sql(param: str) -> str:
    table = GameRecord._meta.table_name  # type: ignore[attr-defined]
    room, number = GameRecord.room.column_name, GameRecord.number.column_name
    options = GameRecord.options.column_name
    return (
        f'SELECT "{options}" FROM "{table}" WHERE "{room}" = {param}'
        f' ORDER BY "{number}" DESC LIMIT 1'
    )
