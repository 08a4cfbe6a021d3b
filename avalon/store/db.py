"""Database connection handling: one pooled database, short units of work."""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any
from typing import TypeVar

import gevent
from gevent.event import AsyncResult
from gevent.event import Event
from peewee import Database
from peewee import DatabaseError
from peewee import DatabaseProxy
from peewee import IntegrityError
from peewee import ModelSelect
from peewee import OperationalError
from peewee import PeeweeException
from playhouse import db_url
from playhouse.pool import MaxConnectionsExceeded

from avalon.ops import metrics
from avalon.ops.failures import log_failure

log = logging.getLogger(__name__)
Query = TypeVar("Query", bound="ModelSelect[Any]")
Result = TypeVar("Result")

database = DatabaseProxy()


def sqlite_text(moment: datetime) -> str:
    """A datetime as SQLite stores it: `YYYY-MM-DD HH:MM:SS[.ffffff]`, sortable as text."""
    return moment.isoformat(" ")


# sqlite3's default datetime adapter (the same text) is deprecated from Python 3.12:
# every write, peewee's and the hand-written chat INSERT alike, goes through this one.
sqlite3.register_adapter(datetime, sqlite_text)

# SQLite waits for locks inside C, freezing the whole gevent worker: keep that wait tiny
# and wait for the write lock cooperatively instead (write() retries with gevent.sleep).
SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "synchronous": "normal",
    "foreign_keys": 1,
    "busy_timeout": 20,
}
WRITE_LOCK_WAIT = 3.0  # seconds a write waits for SQLite's lock before giving up
LOCK_RETRY_FIRST = 0.005  # the first pause between attempts; it doubles up to ...
LOCK_RETRY_MAX = 0.1  # ... this
FAILURE_MEMORY = 30.0  # seconds a failed write keeps the database reported as failing
_last_write_failure = 0.0  # monotonic time of the last write the database refused


class Unavailable(PeeweeException):
    """The database refused or could not take a write: the client may try again later."""


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


class PoolUse:
    """This worker's units of work holding a pooled connection, and those waiting for one."""

    in_use = 0
    waiting = 0


pool = PoolUse()
metrics.gauge("avalon_db_connections_in_use", lambda: float(pool.in_use))
metrics.gauge("avalon_db_connections_waiting", lambda: float(pool.waiting))


@contextmanager
def unit() -> Iterator[None]:
    """Hold a pooled connection for one short unit of work (reentrant).

    A pool still full after POOL_WAIT_SECONDS is Unavailable, as a refusing database:
    the caller answers `unavailable` (or closes with 1013), never a 500.
    """
    if not database.is_closed():  # reentrant: this greenlet holds one already
        yield
        return
    pool.waiting += 1
    connected = False
    try:
        with database.connection_context():
            connected = True
            pool.waiting -= 1
            pool.in_use += 1
            try:
                yield
            finally:
                pool.in_use -= 1
    except MaxConnectionsExceeded as exc:
        raise refused(exc) from exc
    finally:
        if not connected:
            pool.waiting -= 1


@contextmanager
def write() -> Iterator[None]:
    """Run a write transaction; a database that refuses it raises Unavailable.

    IntegrityError passes through: callers use unique indexes to decide races.
    """
    try:
        with unit(), _sqlite_write_lock() if is_sqlite() else database.atomic():
            yield
    except IntegrityError:
        raise
    except PeeweeException as exc:
        raise refused(exc) from exc


def retry_while_locked(attempt: Callable[[], Result]) -> Result:
    """Run attempt(), again after a cooperative pause while SQLite's write lock is held
    by another connection, for up to WRITE_LOCK_WAIT; any other failure passes through.
    """
    deadline = time.monotonic() + WRITE_LOCK_WAIT
    pause = LOCK_RETRY_FIRST
    while True:
        try:
            return attempt()
        except OperationalError as exc:
            busy = "locked" in str(exc) or "busy" in str(exc)
            if not busy or not is_sqlite() or time.monotonic() + pause > deadline:
                raise
        gevent.sleep(pause)  # other greenlets run while this one waits for the lock
        pause = min(LOCK_RETRY_MAX, pause * 2)


@contextmanager
def _sqlite_write_lock() -> Iterator[None]:
    """BEGIN IMMEDIATE, retried cooperatively while another writer holds the lock."""

    def begin() -> Any:
        transaction = database.atomic("IMMEDIATE")
        transaction.__enter__()
        return transaction

    transaction = retry_while_locked(begin)
    try:
        yield
    except BaseException as exc:
        transaction.__exit__(type(exc), exc, exc.__traceback__)
        raise
    transaction.__exit__(None, None, None)


def param() -> str:
    """The driver's parameter placeholder ("?" for SQLite, "%s" for PostgreSQL)."""
    return database.obj.param if database.obj is not None else "?"


class HeldConnection:
    """A pooled connection kept open for one long-lived user (the chat writer), any greenlet.

    peewee ties a connection to the greenlet that opened it, and checking one out and
    in costs about 17 us, a third of a quiet room's chat store. So a greenlet of its own
    opens one (peewee's public `connection()`) and holds it until `discard()`; the user
    runs statements on the driver connection from whichever greenlet it is in, one at a
    time (its own lock). It counts against the pool's size while held.
    """

    def __init__(self) -> None:
        self.connection: Any = None
        self.owner: Any = None  # the database it came from (tests reconfigure it)
        self.release: Event | None = None

    def get(self) -> Any:
        """The held driver connection, opened first if there is none."""
        if self.connection is None or self.owner is not database.obj:
            ready: AsyncResult = AsyncResult()
            self.release = release = Event()
            gevent.spawn(self._hold, ready, release)
            self.connection, self.owner = ready.get(), database.obj
        return self.connection

    @staticmethod
    def _hold(ready: AsyncResult, release: Event) -> None:
        try:
            ready.set(database.connection())
        except BaseException as exc:
            ready.set_exception(exc)
            return
        release.wait()
        database.close()  # back to the pool, which drops a broken connection

    def discard(self) -> None:
        """Give the connection back (after a failure: the next get() opens another)."""
        if self.release is not None:
            self.release.set()
        self.connection = self.release = None


def write_returning(sql: str, params: list, connection: Any, rows: bool = True) -> list[tuple]:
    """Run one hand-written write statement (autocommit) on a driver connection.

    For the hottest write (chat), on the driver's own cursor. The driver's errors (every
    DB-API connection names its exception classes) become peewee's, SQLite's write lock
    is waited for cooperatively as in write(), and a refused write is Unavailable.
    """

    def attempt() -> list[tuple]:
        try:
            cursor = connection.cursor()
            try:
                cursor.execute(sql, params)
                return cursor.fetchall() if rows else []
            finally:
                cursor.close()
        except connection.IntegrityError as exc:
            raise IntegrityError(str(exc)) from exc
        except connection.OperationalError as exc:
            raise OperationalError(str(exc)) from exc
        except connection.Error as exc:
            raise DatabaseError(str(exc)) from exc

    try:
        return retry_while_locked(attempt)
    except IntegrityError:
        raise
    except PeeweeException as exc:
        raise refused(exc) from exc


def refused(exc: Exception) -> Unavailable:
    """Remember that the database refused a write, for /readyz, and say so to the caller."""
    global _last_write_failure
    _last_write_failure = time.monotonic()
    log_failure(log, "database_refused", exc)
    return Unavailable(str(exc))


def writes_failing() -> bool:
    """Tell whether the database refused a write in the last FAILURE_MEMORY seconds."""
    return _last_write_failure > 0 and time.monotonic() - _last_write_failure < FAILURE_MEMORY


def is_sqlite() -> bool:
    """Tell whether the configured database is SQLite."""
    return database.obj is not None and type(database.obj).__name__.endswith("SqliteDatabase")


def locked(query: Query) -> Query:
    """Add FOR UPDATE where the database has it (SQLite's write lock covers the rest)."""
    return query if is_sqlite() else query.for_update()


def ping() -> str | None:
    """Ask the database a trivial query: None when it answers, else why not, in a word."""
    try:
        with unit():
            database.execute_sql("SELECT 1")
        return None
    except Exception as error:  # any driver error means "not healthy"
        log_failure(log, "database_check_failed", error)
        return failure_kind(error)


# Words of the drivers' messages and what the probe says for them.
FAILURE_KINDS = (
    ("refused", "connection refused"),
    ("timeout", "timed out"),
    ("timed out", "timed out"),
    ("authentication", "authentication failed"),
    ("does not exist", "no such database"),
)


def failure_kind(error: Exception) -> str:
    """Why a database did not answer, without its address (the probe is public)."""
    text = str(error).lower()
    return next((kind for word, kind in FAILURE_KINDS if word in text), type(error).__name__)
