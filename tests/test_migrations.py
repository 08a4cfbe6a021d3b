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

from tests.game_driver import Table
from tests.support import IN_CI
from tests.support import ROOT
from tests.support import ServerProcess
from tests.support import fresh_postgres_database

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

    assert (
        "Applied 0001_initial, 0002_table_between_games, 0003_retention_and_look_alikes, "
        "0004_bots, 0005_one_chat_room_index."
        in flask_command(ROOT, empty_database, "db", "upgrade")
    )
    assert "Schema is current." in flask_command(ROOT, empty_database, "db", "upgrade")
    status = flask_command(ROOT, empty_database, "db", "status")
    assert "0005_one_chat_room_index: applied" in status

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


def model_classes() -> list[Any]:
    """Every model of the app, in the order their tables are created."""
    from avalon.store import models

    return [models.Room, models.RoomPlayer, models.ChatMessage, models.GameRecord]


def table_schema(database: Any) -> dict[str, tuple[list[str], set[tuple]]]:
    """Each model table's columns and its indexes (columns, unique) as a database has them."""
    schema = {}
    for model in model_classes():
        table = model._meta.table_name
        columns = sorted(column.name for column in database.get_columns(table))
        indexes = {(tuple(index.columns), index.unique) for index in database.get_indexes(table)}
        schema[table] = (columns, indexes)
    return schema


def test_the_migrations_build_the_schema_the_models_declare(tmp_path, empty_database):
    from playhouse.db_url import connect

    flask_command(ROOT, empty_database, "db", "upgrade")
    with contextlib.ExitStack() as stack:
        if empty_database.startswith("sqlite"):
            declared_url = f"sqlite:///{tmp_path / 'declared.db'}"
        else:
            declared_url = stack.enter_context(fresh_postgres_database("avalon_declared"))
        migrated, declared = connect(empty_database), connect(declared_url)
        stack.callback(migrated.close)  # before the declared database is dropped
        stack.callback(declared.close)
        with declared.bind_ctx(model_classes()):
            declared.create_tables(model_classes())
        assert table_schema(migrated) == table_schema(declared)
