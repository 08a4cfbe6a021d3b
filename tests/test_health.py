"""Health endpoints (PROTOCOL section 6): /livez, /readyz and its alias /healthz."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

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
    assert app.test_client().get("/readyz").status_code == 200


def test_a_redis_outage_is_reported_but_does_not_fail_readiness(make_app):
    app = make_app(REDIS_URL=f"redis://127.0.0.1:{free_port()}/0")
    app.test_cli_runner().invoke(args=["db", "upgrade"])
    response = app.test_client().get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {
        "status": "ok",
        "database": "ok",
        "schema": "current",
        "redis": "down",
    }


def test_a_database_that_does_not_answer_fails_readiness(make_app):
    app = make_app(DATABASE_URL=f"postgresql://postgres@127.0.0.1:{free_port()}/nothing")
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert (body["database"], body["schema"]) == ("down", "unknown")
    assert body["reason"] == "the database does not answer"
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
            for _ in range(4):  # every worker sees it, without a restart
                assert server.request("GET", "/readyz")[0] == 200
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
