"""Upgrades keep every game: a database of the last release, upgraded, plays on.

The release's own code (from git history) builds and fills the database through its
own server: rooms, players, chat, a finished game and a game in progress. The current
code then upgrades the schema and the game in progress is played to its end.
"""

from __future__ import annotations

import contextlib
import os
import random
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from peewee import SqliteDatabase
from playhouse.db_url import connect

from avalon.store.schema import ALL_MODELS
from tests.game_driver import Table
from tests.services import fresh_postgres_database
from tests.support import IN_CI
from tests.support import ROOT
from tests.support import ServerProcess

pytestmark = pytest.mark.timeout(180)

RELEASE = "97f5648"  # the last landed commit before schema migrations existed


def release_checkout(tmp_path: Path) -> Path:
    """The release's files, exported from git history into a folder."""
    target = tmp_path / "release"
    target.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", RELEASE], capture_output=True, check=False
    )
    if archive.returncode != 0:
        message = f"git history with {RELEASE} is needed: {archive.stderr.decode()[:200]}"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive.stdout, check=True)
    return target


@pytest.fixture(params=["sqlite", "postgres"])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database URL with nothing in it: a SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'upgrade.db'}"
        return
    with fresh_postgres_database("avalon_upgrade") as url:
        yield url


def flask_command(root: Path, database_url: str, *args: str) -> str:
    """Run the app's CLI of a checkout against a database; return what it printed."""
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=root,
        env={**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "x"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_a_release_database_upgrades_and_its_game_plays_on(tmp_path, empty_database):
    release = release_checkout(tmp_path)
    old = ServerProcess(tmp_path, {"DATABASE_URL": empty_database}, root=release).start()
    try:
        finished_seats = old.room_with_players(5)
        finished = Table(old, finished_seats)
        finished.clients[finished.host].chat("good game, everyone")
        finished.start()
        finished.play_to_end(random.Random(5))
        finished.close()
        seats = old.room_with_players(7)
        watcher = old.join(seats[0]["code"], "Watcher", spectator=True)
        table = Table(old, seats, [watcher])
        table.clients[table.host].chat("before the upgrade")
        table.start()
        rng = random.Random(7)
        for _ in range(8):
            table.play_move(rng)
        before = table.view
        table.close()
    finally:
        old.stop()

    guests_before = guest_rows(empty_database)
    applied = flask_command(ROOT, empty_database, "db", "upgrade")
    assert (
        "Applied 0001_initial, 0002_table_between_games, 0003_retention_and_look_alikes, "
        "0004_bots, 0005_one_chat_room_index, 0006_ids_never_reused, "
        "0007_absent_players_and_moderation, " in applied
    )
    assert "0009_accounts" in applied
    assert "Schema is current." in flask_command(ROOT, empty_database, "db", "upgrade")
    status = flask_command(ROOT, empty_database, "db", "status")
    assert "0009_accounts: applied" in status and "pending" not in status
    # The guests' rooms, members, chat and games are the rows they were, and no account
    # claims any of them.
    assert guest_rows(empty_database, like=guests_before) == guests_before
    assert account_rows(empty_database) == 0
    # The release's tables, adopted and upgraded, are the tables the models declare.
    assert table_schema(empty_database) == declared_schema(empty_database, tmp_path)

    new = ServerProcess(tmp_path, {"DATABASE_URL": empty_database}).start()
    try:
        status, record = new.request("GET", f"/api/rooms/{finished_seats[0]['code']}/games/1")
        assert status == 200 and record["winner"] in ("good", "evil")
        status, room = new.request("GET", f"/api/rooms/{seats[0]['code']}")
        assert status == 200 and room["status"] == "in_game" and room["locked"] is False
        assert len(room["players"]) == 7 and len(room["spectators"]) == 1
        table = Table(new, seats, [watcher])
        first = table.views[table.host]
        table.game_id = first["game_id"]
        assert (first["version"], first["phase"]) == (before["version"], before["phase"])
        assert first["history"] == [] or first["history"][0]["quest"] == 1
        chat = table.reconnect(watcher["player_id"])["payload"]["chat"]
        assert [m["message"] for m in chat] == ["before the upgrade"]
        final = table.play_to_end(random.Random(8))
        assert final["phase"] == "game_over" and final["version"] > before["version"]
        table.close()
    finally:
        new.stop()


GUEST_TABLES = ("room", "roomplayer", "chatmessage", "game")


def guest_rows(url: str, like: dict | None = None) -> dict[str, tuple[list[str], list[tuple]]]:
    """The columns and rows (by id) of the guests' tables; only `like`'s columns, if given."""
    database = connect(url)
    try:
        rows = {}
        for table in GUEST_TABLES:
            names = sorted(column.name for column in database.get_columns(table))
            if like is not None:
                names = [name for name in names if name in like[table][0]]
            quoted = ", ".join(f'"{name}"' for name in names)
            cursor = database.execute_sql(f'SELECT {quoted} FROM "{table}" ORDER BY "id"')
            rows[table] = (names, [tuple(map(str, row)) for row in cursor.fetchall()])
        return rows
    finally:
        database.close()


def account_rows(url: str) -> int:
    """How many rows the accounts' tables hold."""
    database = connect(url)
    try:
        tables = ("account", "account_seat", "played_game", "rating", "player_group")
        return sum(
            database.execute_sql(f'SELECT count(*) FROM "{table}"').fetchone()[0]
            for table in tables
        )
    finally:
        database.close()


def table_schema(url: str) -> dict[str, dict[str, Any]]:
    """Each model table's columns, indexes and foreign keys as the database at url has them."""
    database = connect(url)
    try:
        schema = {}
        for model in ALL_MODELS:
            table = model._meta.table_name  # type: ignore[attr-defined]
            columns = database.get_columns(table)
            indexes = database.get_indexes(table)
            keys = database.get_foreign_keys(table)
            schema[table] = {
                "columns": sorted((c.name, c.data_type.lower(), c.null) for c in columns),
                # Not by name: peewee names a model's indexes after the model
                # (gamerecord_bot_due) and a migration's after the table (game_bot_due).
                "indexes": sorted((tuple(i.columns), i.unique) for i in indexes),
                "foreign_keys": sorted((k.column, k.dest_table, k.dest_column) for k in keys),
                "ids": id_kind(database, table, columns),
            }
        return schema
    finally:
        database.close()


def id_kind(database: Any, table: str, columns: list) -> str:
    """How a table hands out ids: both kinds of database must never hand one out twice."""
    if isinstance(database, SqliteDatabase):
        (sql,) = database.execute_sql(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
        ).fetchone()
        return "autoincrement" if "AUTOINCREMENT" in sql else "max(id) + 1"
    (default,) = [column.default for column in columns if column.name == "id"]
    return "sequence" if str(default).startswith("nextval(") else str(default)


def declared_schema(like_url: str, tmp_path: Path) -> dict[str, dict[str, Any]]:
    """The schema the models declare: their tables made in a new database of that kind."""
    with contextlib.ExitStack() as stack:
        if like_url.startswith("sqlite"):
            url = f"sqlite:///{tmp_path / 'declared.db'}"
        else:
            url = stack.enter_context(fresh_postgres_database("avalon_declared"))
        database = connect(url)
        with database.bind_ctx(ALL_MODELS):
            database.create_tables(ALL_MODELS)
        database.close()
        return table_schema(url)


def test_the_migrations_build_the_schema_the_models_declare(tmp_path, empty_database):
    flask_command(ROOT, empty_database, "db", "upgrade")
    built = table_schema(empty_database)
    assert built == declared_schema(empty_database, tmp_path)
    assert {table["ids"] for table in built.values()} <= {"autoincrement", "sequence"}
