"""Database connection handling: one pooled database, short units of work."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from typing import TypeVar

from peewee import Database
from peewee import DatabaseProxy
from peewee import ModelSelect
from playhouse import db_url

log = logging.getLogger(__name__)
Query = TypeVar("Query", bound="ModelSelect[Any]")

database = DatabaseProxy()

# SQLite waits for locks inside C, freezing the whole gevent worker: keep the wait short.
SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "synchronous": "normal",
    "foreign_keys": 1,
    "busy_timeout": 500,
}
POOL_WAIT_SECONDS = 10  # how long a unit of work waits for a free pooled connection
STALE_SECONDS = 300  # pooled connections older than this are reopened


def pooled_url(url: str) -> str:
    """Turn a plain sqlite:// or postgres:// URL into its pooled form."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise ValueError(f"DATABASE_URL {url!r} is not a URL")
    if scheme in ("sqlite", "postgres", "postgresql"):
        scheme += "+pool"
    return f"{scheme}://{rest}"


def is_postgres(url: str) -> bool:
    """Tell whether a database URL names PostgreSQL."""
    return url.split(":", 1)[0].split("+", 1)[0] in ("postgres", "postgresql")


def open_database(url: str, pool_size: int) -> Database:
    """Open the pooled database named by a URL (nothing connects until first use)."""
    options: dict[str, Any] = {
        "max_connections": pool_size,
        "stale_timeout": STALE_SECONDS,
        "timeout": POOL_WAIT_SECONDS,
    }
    if url.startswith("sqlite"):
        options["pragmas"] = SQLITE_PRAGMAS
    elif is_postgres(url):
        make_psycopg_cooperative()
    return db_url.connect(pooled_url(url), **options)


def make_psycopg_cooperative() -> None:
    """Let psycopg2 yield to other greenlets instead of blocking the worker."""
    from gevent import monkey

    if monkey.is_module_patched("socket"):
        from psycogreen.gevent import patch_psycopg

        patch_psycopg()


def configure(url: str, pool_size: int) -> None:
    """Point the module-level database at the given URL."""
    current = database.obj
    if current is not None:
        current.close_all() if hasattr(current, "close_all") else current.close()
    database.initialize(open_database(url, pool_size))


@contextmanager
def unit() -> Iterator[None]:
    """Hold a pooled connection for one short unit of work (reentrant)."""
    with database.connection_context():
        yield


@contextmanager
def write() -> Iterator[None]:
    """Run a write transaction that takes the write lock up front on SQLite."""
    with unit():
        if is_sqlite():
            # BEGIN IMMEDIATE: fail fast on a busy database instead of deadlocking later.
            with database.atomic("IMMEDIATE"):
                yield
        else:
            with database.atomic():
                yield


def is_sqlite() -> bool:
    """Tell whether the configured database is SQLite."""
    return database.obj is not None and type(database.obj).__name__.endswith("SqliteDatabase")


def locked(query: Query) -> Query:
    """Add FOR UPDATE where the database has it (SQLite's write lock covers the rest)."""
    return query if is_sqlite() else query.for_update()


def ping() -> bool:
    """Tell whether the database answers a trivial query."""
    try:
        with unit():
            database.execute_sql("SELECT 1")
        return True
    except Exception:  # any driver error means "not healthy"
        log.exception("database health check failed")
        return False
