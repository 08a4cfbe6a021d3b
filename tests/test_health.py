"""Health endpoints (PROTOCOL sections 6, 11): /livez, /readyz and its alias /healthz."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from pathlib import Path

import pytest
from flask import Flask

from avalon.store.schema import HISTORY_TABLE
from avalon.web.health import READY_MAX_AGE
from tests.services import fresh_postgres_database
from tests.support import ROOT
from tests.support import SECRET_KEY
from tests.support import ServerProcess
from tests.support import free_port
from tests.support import wait_for

ALL_MIGRATIONS = sorted(
    path.stem for path in (ROOT / "avalon" / "store" / "migrations").glob("[0-9]*.py")
)
pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def make_app(tmp_path: Path) -> Iterator:
    """Build in-process apps with their own settings, on a fresh SQLite file, no schema."""
    from avalon import create_app
    from avalon.store import db

    def build(**config: object) -> Flask:
        settings = {
            "TESTING": True,
            "SECRET_KEY": SECRET_KEY,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'bare.db'}",
            **config,
        }
        return create_app(settings)

    yield build
    db.database.close_all()


def test_livez_answers_without_touching_anything(client):
    response = client.get("/livez")
    assert (response.status_code, response.get_json()) == (200, {"status": "ok"})


@pytest.mark.parametrize("path", ["/readyz", "/healthz"])
def test_ready_when_the_database_answers_and_the_schema_is_current(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "schema": "current"}


def test_a_database_without_schema_is_not_ready_until_upgraded(make_app):
    app = make_app()
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "unavailable" and body["database"] == "ok"
    assert body["schema"] == "pending"
    assert body["pending"] == ALL_MIGRATIONS
    assert "flask --app wsgi db upgrade" in body["reason"]
    assert app.test_client().get("/livez").status_code == 200
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert "Applied" in result.output
    # The answer may come from a probe up to READY_MAX_AGE old.
    wait_for(lambda: app.test_client().get("/readyz").status_code == 200, timeout=3)


def test_a_redis_outage_is_reported_but_does_not_fail_readiness(make_app, own_redis):
    app = make_app(REDIS_URL=own_redis.url)
    app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert app.test_client().get("/readyz").get_json()["redis"] == "ok"
    own_redis.kill()
    time.sleep(1.05)  # readiness answers from a probe at most a second old
    response = app.test_client().get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {
        "status": "ok",
        "database": "ok",
        "schema": "current",
        "redis": "down",
    }


def test_a_redis_that_never_answered_fails_readiness(make_app):
    app = make_app(REDIS_URL=f"redis://127.0.0.1:{free_port()}/0")  # a wrong REDIS_URL
    app.test_cli_runner().invoke(args=["db", "upgrade"])
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["redis"] == "unreachable" and "REDIS_URL" in body["reason"]


def test_a_database_that_does_not_answer_fails_readiness(make_app):
    app = make_app(DATABASE_URL=f"postgresql://postgres@127.0.0.1:{free_port()}/nothing")
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert (body["database"], body["schema"]) == ("down", "unknown")
    assert body["reason"].startswith("the database does not answer (")
    assert app.test_client().get("/livez").status_code == 200


def test_a_server_on_a_database_without_schema_says_so(tmp_path):
    with fresh_postgres_database("avalon_health") as url:
        server = ServerProcess(tmp_path, {"DATABASE_URL": url}, workers=2).launch()
        try:
            assert server.request("GET", "/livez")[0] == 200
            status, body = server.request("GET", "/readyz")
            assert status == 503 and body["schema"] == "pending", body
            wait_for(lambda: len(server.log_events("schema_not_current")) == 2)
            assert "db upgrade" in server.log()
            # PostgreSQL is never migrated by the workers: the release step does it.
            subprocess.run(
                [sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"],
                cwd=ROOT,
                env=server.env,
                check=True,
                capture_output=True,
                timeout=60,
            )
            # Every worker sees it, without a restart, once its last probe has aged out.
            wait_for(lambda: all(server.request("GET", "/readyz")[0] == 200 for _ in range(4)))
        finally:
            server.stop()


def test_plain_gunicorn_on_a_new_sqlite_file_migrates_itself_once(tmp_path):
    database = tmp_path / "embedded.db"
    server = ServerProcess(tmp_path, {"DATABASE_URL": f"sqlite:///{database}"}, workers=3)
    server.launch()  # no init-db: three workers start together on a file that is not there
    try:
        wait_for(lambda: server.request("GET", "/readyz")[0] == 200, timeout=20)
        for _ in range(6):
            assert server.request("GET", "/readyz")[0] == 200
        assert server.create_room()["code"]
        migrated = [fields["migration"] for fields in server.log_events("migrated")]
        assert migrated == ALL_MIGRATIONS
        assert "Traceback" not in server.log()
        assert not server.log_events("schema_not_current")
    finally:
        server.stop()


def test_a_flood_of_probes_is_answered_from_one_probe_a_second(app, client):
    started = time.monotonic()
    assert client.get("/readyz").status_code == 200
    # Un-apply the last migration behind the app's back: any new probe would see it.
    database = app.config["DATABASE_URL"].removeprefix("sqlite:///")
    with closing(sqlite3.connect(database)) as other, other:
        other.execute(f"DELETE FROM {HISTORY_TABLE} WHERE name = ?", (ALL_MIGRATIONS[-1],))
    within_the_probes_life = []
    for _ in range(200):
        status = client.get("/readyz").status_code
        if time.monotonic() - started < READY_MAX_AGE:  # answered while the probe was fresh
            within_the_probes_life.append(status)
    assert len(within_the_probes_life) >= 50, "the flood was too slow to tell anything"
    assert set(within_the_probes_life) == {200}  # none of them asked the database again
    wait_for(lambda: client.get("/readyz").status_code == 503, timeout=3)
    body = client.get("/readyz").get_json()
    assert (body["schema"], body["pending"]) == ("pending", ALL_MIGRATIONS[-1:])


def test_concurrent_probes_wait_for_the_one_under_way(make_server):
    import psycopg2

    with fresh_postgres_database("avalon_probe") as url:
        server = make_server(DATABASE_URL=url)
        holder = psycopg2.connect(url)  # holds the history table: a probe blocks on it
        watcher = psycopg2.connect(url)
        watcher.autocommit = True

        def waiting_on_the_lock() -> int:
            with watcher.cursor() as cursor:
                cursor.execute(
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
                return cursor.fetchone()[0]

        stop = threading.Event()

        def probe_until_stopped() -> set[int]:
            statuses = set()
            while not stop.is_set():  # cached answers, until a probe blocks
                statuses.add(server.request("GET", "/readyz")[0])
            return statuses

        try:
            with holder.cursor() as cursor:
                cursor.execute(f"LOCK TABLE {HISTORY_TABLE} IN ACCESS EXCLUSIVE MODE")
            with ThreadPoolExecutor(21) as pool:
                try:
                    first = pool.submit(probe_until_stopped)
                    wait_for(lambda: waiting_on_the_lock() == 1)
                    stop.set()
                    flood = [pool.submit(server.request, "GET", "/readyz") for _ in range(20)]
                    # A second probe would show up as a second waiting backend; its absence
                    # has no event to wait on, so give the flood time to reach the worker.
                    time.sleep(0.5)
                    assert waiting_on_the_lock() == 1
                    assert not any(answer.done() for answer in flood)
                finally:
                    stop.set()
                    holder.rollback()
                answers = [answer.result(timeout=10) for answer in flood]
            assert first.result() == {200}
            assert {status for status, _ in answers} == {200}
            assert all(body == answers[0][1] for _, body in answers)
            assert "Traceback" not in server.log()
        finally:
            holder.close()
            watcher.close()
            server.stop()
