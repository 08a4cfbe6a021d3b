"""Fixtures: real gunicorn servers on loopback ports, on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask.testing import FlaskCliRunner

from tests.services import POSTGRES_URL
from tests.services import OwnRedis
from tests.services import ensure_worker_database
from tests.services import own_redis_server
from tests.services import require_service
from tests.support import SECRET_KEY
from tests.support import ServerProcess


def pytest_configure(config: pytest.Config) -> None:
    """Give this xdist worker its PostgreSQL database before any test asks for it."""
    ensure_worker_database()


# The slowest files, slowest first (each a minute or so of one process, most of them a
# browser's or several servers'). `make test` hands whole files to its processes
# (`--dist loadfile`), in this order and then the rest in theirs: started first, the long
# files never leave one process running alone at the end.
SLOW_FIRST = [
    "test_autobahn",  # builds the suite's Python 2 environment on a fresh checkout
    "test_cards_random", "test_browser_i18n", "test_browser_a11y", "test_browser_roles",
    "test_roles_frames", "test_browser_cards", "test_browser_cards_more", "test_browser_accounts",
    "test_browser_strong_bots", "test_browser_beliefs", "test_accounts_api", "test_ratings",
    "test_browser_board", "test_browser_game",
    "test_browser_table", "test_browser_absence", "test_browser_tells", "test_game",
    "test_browser_replay", "test_browser_reconnect", "test_multihost", "test_migrations",
    "test_browser_bots", "test_browser_alerts", "test_browser_tokens", "test_browser",
    "test_hub", "test_absence", "test_table", "test_bots", "test_soak", "test_fuzz_game",
    "test_redis_faults", "test_attacks_socket", "test_attacks_floods", "test_database_faults",
    "test_ops", "test_fuzz_envelopes", "test_fuzz_frames", "test_api", "test_rules_storage",
]  # fmt: skip


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Put the slowest files first, keeping each file's own order."""
    rank = {name: index for index, name in enumerate(SLOW_FIRST)}
    order = {id(item): index for index, item in enumerate(items)}
    items.sort(key=lambda item: (rank.get(item.path.stem, len(rank)), order[id(item)]))


def reset_postgres() -> None:
    """Drop and recreate the schema in the shared test database."""
    from avalon.store import db
    from avalon.store import schema

    db.configure(POSTGRES_URL, 2)
    with db.unit():
        db.database.drop_tables(schema.ALL_MODELS, safe=True, cascade=True)
        db.database.execute_sql(f"DROP TABLE IF EXISTS {schema.HISTORY_TABLE}")
    schema.upgrade()
    db.database.close_all()


def database_url(backend: str, tmp_path: Path) -> str:
    """The DATABASE_URL of a backend: a fresh SQLite file, or the shared PostgreSQL."""
    if backend == "postgres":
        require_service("PostgreSQL", "127.0.0.1", 5432)
        return POSTGRES_URL
    return f"sqlite:///{tmp_path / 'avalon.db'}"


@pytest.fixture(scope="session")
def postgres() -> str:
    """The shared PostgreSQL test database with a fresh schema (once per session)."""
    require_service("PostgreSQL", "127.0.0.1", 5432)
    reset_postgres()
    return POSTGRES_URL


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    """Each database the server supports; tests using `server` run once per backend."""
    if request.param == "postgres":
        request.getfixturevalue("postgres")
    return request.param


@pytest.fixture(scope="session")
def server(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """One gunicorn gevent worker with production defaults, shared by many tests."""
    tmp_path = tmp_path_factory.mktemp(f"server-{backend}")
    env = {"DATABASE_URL": database_url(backend, tmp_path)}
    process = ServerProcess(tmp_path, env).start()
    yield process
    process.stop(quick=True)


@pytest.fixture
def make_server(
    tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[Callable[..., ServerProcess]]:
    """Start servers with their own settings (SQLite unless DATABASE_URL is given).

    The browser tests' servers run without coverage: the socket and API tests measure the
    same server code, and tracing it there too made the suite a minute longer.
    """
    started: list[ServerProcess] = []
    measured = not request.path.name.startswith("test_browser")

    def start(workers: int = 1, **env: str) -> ServerProcess:
        env.setdefault("DATABASE_URL", f"sqlite:///{tmp_path / f'avalon-{len(started)}.db'}")
        process = ServerProcess(tmp_path, env, workers=workers, measured=measured)
        started.append(process)
        return process.start()

    yield start
    for process in started:
        process.stop(quick=True)


@pytest.fixture
def make_backend_server(
    make_server: Callable[..., ServerProcess], backend: str, tmp_path: Path
) -> Callable[..., ServerProcess]:
    """Like make_server, once on each database backend."""

    def start(workers: int = 1, **env: str) -> ServerProcess:
        env.setdefault("DATABASE_URL", database_url(backend, tmp_path))
        return make_server(workers, **env)

    return start


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[OwnRedis]:
    """A redis-server of the test's own (skips on a laptop without one, fails in CI)."""
    with own_redis_server(tmp_path) as server:
        yield server


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Flask]:
    """An app built in this process on a fresh SQLite file, schema created (flaskr style)."""
    from avalon import create_app
    from avalon.store import db
    from avalon.store import schema

    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": SECRET_KEY,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'app.db'}",
        }
    )
    with app.app_context():
        schema.create_tables()
    yield app
    db.database.close_all()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client for the in-process app's HTTP API."""
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    """A runner for the in-process app's CLI commands."""
    return app.test_cli_runner()


# -- browser tests (tests/browser_support.py drives Debian's Chromium through Playwright) --


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless Chromium per test module; skips on a laptop without it, fails in CI."""
    from tests.browser_support import chromium

    with chromium() as opened:
        yield opened


@pytest.fixture
def site(make_server: Callable[..., ServerProcess]) -> ServerProcess:
    """A server of its own for each browser test (a module may override its settings)."""
    return make_server()


@pytest.fixture
def new_player(browser: Any, site: ServerProcess) -> Iterator[Callable[..., Any]]:
    """Open a player's own browser context; fail the test on any script or CSP error."""
    from tests.browser_support import players

    with players(browser, site.url) as open_player:
        yield open_player
