"""Migration 0006: upgraded, a database never hands out an id twice, and keeps every row.

The database of the release before is made by the migrations up to 0005, filled, and
its newest rows deleted (as retention does); the app's own upgrade then rebuilds it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from playhouse.db_url import connect
from playhouse.migrations import Runner

from avalon.store import db
from avalon.store import schema
from avalon.store.db import SQLITE_PRAGMAS
from tests.services import fresh_postgres_database

pytestmark = pytest.mark.timeout(30)

PREVIOUS = "0005_one_chat_room_index"  # the last migration of the release before
TABLES = ("room", "roomplayer", "chatmessage", "game")
STAMP = "2024-05-01 12:00:00.000000"


STEP = "0006_ids_never_reused"  # the step under test (later ones change other things)


def build_previous_release(url: str) -> None:
    """Make the schema of the release before: the migrations up to PREVIOUS."""
    database = connect(url, **({"pragmas": SQLITE_PRAGMAS} if url.startswith("sqlite") else {}))
    try:
        Runner(database, str(schema.MIGRATIONS), table_name=schema.HISTORY_TABLE).up(PREVIOUS)
    finally:
        database.close()


def upgrade(url: str, through: str | None = STEP) -> list[str]:
    """Upgrade the database as the release step does, up to and with `through` (None: all);
    return the migrations applied."""
    db.configure(url, 2)
    try:
        with db.unit():
            return schema.runner().up(through)
    finally:
        db.database.close_all()


def fill(connection: Any, param: str = "?") -> None:
    """Four rooms of two members, each with a chat message and a game (ids from 1)."""
    cursor = connection.cursor()  # sqlite3's or psycopg2's; `param` is its placeholder
    for number in range(1, 5):
        cursor.execute(
            "INSERT INTO room (code, status, host_id, created_at, locked, active_at)"
            f" VALUES ({param}, 'lobby', NULL, {param}, FALSE, {param})",
            (f"ROOM{number}", STAMP, STAMP),
        )
        for name in ("Host", "Guest"):
            cursor.execute(
                "INSERT INTO roomplayer (room_id, display_name, name_key, kicked, spectator,"
                f' joined_at, "left", bot) VALUES ({param}, {param}, {param}, FALSE, FALSE,'
                f" {param}, FALSE, FALSE)",
                (number, name, name.lower(), STAMP),
            )
        cursor.execute(
            f"UPDATE room SET host_id = {param} WHERE id = {param}", (2 * number - 1, number)
        )
        cursor.execute(
            "INSERT INTO chatmessage (room_id, player_id, message, sent_at)"
            f" VALUES ({param}, {param}, 'hello', {param})",
            (number, 2 * number - 1, STAMP),
        )
        cursor.execute(
            "INSERT INTO game (room_id, number, version, phase, state, created_at)"
            f" VALUES ({param}, 1, 1, 'team_building', '{{}}', {param})",
            (number, STAMP),
        )


def delete_room(connection: sqlite3.Connection, room_id: int) -> None:
    """Delete a room and everything in it, in the order retention does."""
    for table in ("chatmessage", "game", "roomplayer"):
        connection.execute(f"DELETE FROM {table} WHERE room_id = ?", (room_id,))
    connection.execute("DELETE FROM room WHERE id = ?", (room_id,))


def rows(connection: sqlite3.Connection) -> dict[str, list[tuple]]:
    """Every row of the four tables, by id."""
    return {t: connection.execute(f"SELECT * FROM {t} ORDER BY id").fetchall() for t in TABLES}


def master(connection: sqlite3.Connection) -> set[tuple]:
    """What sqlite_master says of every table and index (not where their pages are)."""
    return set(connection.execute("SELECT type, name, tbl_name, sql FROM sqlite_master"))


def new_id(connection: sqlite3.Connection, table: str) -> int:
    """Insert a row into `table` (in room 1, by member 1) and return the id it got."""
    inserts = {
        "room": "INSERT INTO room (code, status, created_at, locked) VALUES"
        " (hex(randomblob(2)), 'lobby', '2024-06-01', 0)",
        "roomplayer": "INSERT INTO roomplayer (room_id, display_name, kicked, spectator,"
        " joined_at, \"left\", bot) VALUES (1, 'New', 0, 0, '2024-06-01', 0, 0)",
        "chatmessage": "INSERT INTO chatmessage (room_id, player_id, message, sent_at)"
        " VALUES (1, 1, 'new', '2024-06-01')",
        "game": "INSERT INTO game (room_id, number, version, phase, state, created_at)"
        " VALUES (1, (SELECT max(number) + 1 FROM game), 1, 'team_building', '{}', '2024-06-01')",
    }
    return connection.execute(inserts[table]).lastrowid or 0


@pytest.fixture
def previous_release(tmp_path: Path) -> Iterator[Path]:
    """A SQLite file of the release before, filled, its newest rows deleted since."""
    path = tmp_path / "previous.db"
    build_previous_release(f"sqlite:///{path}")
    with closing(sqlite3.connect(path, isolation_level=None)) as connection:
        connection.execute("PRAGMA foreign_keys = ON")
        fill(connection)
        # A member who joined last and whose row is gone, though his room still names
        # him as its host: the database still knows of id 9.
        connection.execute(
            "INSERT INTO roomplayer (room_id, display_name, kicked, spectator, joined_at,"
            " \"left\", bot) VALUES (3, 'Gone', 0, 0, '2024-05-01', 0, 0)"
        )
        connection.execute("UPDATE room SET host_id = 9 WHERE id = 3")
        connection.execute("DELETE FROM roomplayer WHERE id = 9")
        delete_room(connection, 4)  # the newest room: ids 4, 7 and 8 freed
    yield path


def test_an_upgraded_database_keeps_every_row_and_index_and_reuses_no_id(
    previous_release, tmp_path
):
    with closing(sqlite3.connect(previous_release)) as connection:
        rows_before, master_before = rows(connection), master(connection)
    assert upgrade(f"sqlite:///{previous_release}") == ["0006_ids_never_reused"]

    with closing(sqlite3.connect(previous_release, isolation_level=None)) as connection:
        connection.execute("PRAGMA foreign_keys = ON")
        assert rows(connection) == rows_before
        # The schema is the one before with AUTOINCREMENT ids: every column, default,
        # NOT NULL, unique and index (by name and statement) as it was.
        expected = {
            (kind, name, table, sql.replace("PRIMARY KEY", "PRIMARY KEY AUTOINCREMENT"))
            if name in TABLES
            else (kind, name, table, sql)
            for kind, name, table, sql in master_before
        }
        expected.add(
            (
                "table",
                "sqlite_sequence",
                "sqlite_sequence",
                "CREATE TABLE sqlite_sequence(name,seq)",
            )
        )
        assert master(connection) == expected
        assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        # Every id a row holds or names is past; room 4 and members 7 and 8, deleted
        # before the upgrade and named by nothing, are past knowing (their tokens are
        # refused for being older than whatever room gets their ids: test_tokens).
        sequences = dict(connection.execute("SELECT name, seq FROM sqlite_sequence"))
        assert sequences == {"room": 3, "roomplayer": 9, "chatmessage": 3, "game": 3}
        held = {
            table: {row[0] for row in rows_before[table]} | {sequences[table]} for table in TABLES
        }
        for table in TABLES:
            first = new_id(connection, table)
            assert first > max(held[table])
            # Deleted after the upgrade, the newest row's id never comes back.
            connection.execute(f"DELETE FROM {table} WHERE id = ?", (first,))
            assert new_id(connection, table) == first + 1

    fresh = tmp_path / "fresh.db"
    upgrade(f"sqlite:///{fresh}")  # a new database gets this step's shape from the start
    with closing(sqlite3.connect(fresh)) as connection:
        assert master(connection) == expected


def test_on_postgresql_the_upgrade_changes_nothing():
    with fresh_postgres_database("avalon_ids") as url:
        build_previous_release(url)
        database = connect(url)
        try:
            with database.atomic():
                fill(database.connection(), "%s")
            before = describe(database)
        finally:
            database.close()
        assert upgrade(url) == ["0006_ids_never_reused"]
        database = connect(url)
        try:
            assert describe(database) == before
            # Sequences never hand a value out twice: the next room is past every one.
            database.execute_sql("DELETE FROM room WHERE id = 4")
            (room_id,) = database.execute_sql(
                "INSERT INTO room (code, status, created_at, locked) VALUES"
                " ('NEWRM', 'lobby', now(), FALSE) RETURNING id"
            ).fetchone()
            assert room_id == 5
        finally:
            database.close()


def describe(database: Any) -> dict[str, tuple]:
    """The tables' columns, indexes and rows, as PostgreSQL reports them."""
    described = {}
    for table in TABLES:
        columns = database.get_columns(table)
        indexes = database.get_indexes(table)
        cursor = database.execute_sql(f'SELECT * FROM "{table}" ORDER BY id')
        described[table] = (
            sorted((c.name, c.data_type, c.null, c.default) for c in columns),
            sorted((i.name, i.sql) for i in indexes),
            cursor.fetchall(),
        )
    return described
