"""Per-worker background work: the schema check, broker, turn timer, metrics, shutdown."""

from __future__ import annotations

import atexit
import fcntl
import gc
import logging
import signal
import time
from collections.abc import Callable
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

import gevent
from flask import Flask
from gevent.event import Event

from avalon.ops import beat
from avalon.ops import metrics
from avalon.realtime import hub
from avalon.realtime import sweep
from avalon.services import bots
from avalon.services import context
from avalon.services import retention
from avalon.services import snapshot
from avalon.services import timer_sweep
from avalon.services import token_refresh
from avalon.store import checkpoint
from avalon.store import schema

log = logging.getLogger(__name__)

SHUTDOWN_WAIT = 5.0  # seconds the shutdown hook waits for sockets to finish
LISTENER_WAIT = 2.0  # seconds the shutdown waits for the worker to stop accepting
SHUTDOWN_POLL = 1.0  # seconds between looks at whether the worker is still alive (on the beat)


def in_app(app: Flask, work: Callable[[], None]) -> Callable[[], None]:
    """Wrap background work so it runs inside the app's context."""

    def run() -> None:
        with app.app_context():
            work()

    return run


def sqlite_file(url: str) -> Path | None:
    """The file of a sqlite: DATABASE_URL (None for an in-memory database)."""
    if not url.startswith("sqlite"):
        return None
    name = url.split(":///", 1)[1].split("?", 1)[0] if ":///" in url else ""
    return Path(name) if name and name != ":memory:" else None


@contextmanager
def migration_lock(database: Path) -> Iterator[None]:
    """Hold an exclusive lock beside the SQLite file while one worker migrates it.

    Workers start together; SQLite serialises writers but two runners would both see
    the same pending migrations. The lock makes the others wait and then find none.
    The wait blocks the whole worker, which is not serving yet.
    """
    database.parent.mkdir(parents=True, exist_ok=True)
    with open(database.with_name(database.name + ".migrate-lock"), "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def check_schema(app: Flask) -> list[str]:
    """Migrate an embedded SQLite database; log clearly when the schema is not current.

    PostgreSQL is migrated by the release step (`flask --app wsgi db upgrade`), never
    by workers. Returns the migrations still pending (what /readyz reports too).
    """
    url = app.config["DATABASE_URL"]
    with app.app_context():
        try:
            database = sqlite_file(url)
            if database is not None:
                with migration_lock(database):
                    schema.upgrade()
            missing = schema.pending()
        except Exception:  # an unreachable database: /readyz says so until it answers
            log.exception("event=schema_check_failed")
            return []
    if missing:
        log.error(
            "event=schema_not_current pending=%s the database schema is not current: run "
            "'flask --app wsgi db upgrade' (the release step); /readyz answers 503 until then",
            ",".join(missing),
        )
    return missing


def start_worker(app: Flask) -> None:
    """Check the schema; start the broker, the sweeps (timer, bots, sockets) and metrics."""
    check_schema(app)
    broker = context.state(app).broker
    broker.on_resync = in_app(app, snapshot.resync_all)
    broker.on_catch_up = lambda room, since: in_app(app, lambda: snapshot.catch_up(room, since))()
    broker.start()
    gevent.spawn(in_app(app, timer_sweep.sweep_timers))
    gevent.spawn(in_app(app, token_refresh.refresh_forever))
    gevent.spawn(in_app(app, retention.sweep_forever))
    gevent.spawn(in_app(app, bots.sweep_forever))
    gevent.spawn(metrics.refresh_forever)
    config = app.config
    # One sweep for idle sockets, pings, idle writers, chat stuck in storage and, on
    # SQLite, the write-ahead log's checkpoints (taken off the commits: see checkpoint.py).
    expire_chat = context.state(app).chat_writer.expire
    checkpointer = checkpoint.take_over()

    def each_sweep(now: float) -> None:
        expire_chat(now)
        if checkpointer is not None:
            checkpointer.tick()

    gevent.spawn(sweep.sweep_forever, config["PING_INTERVAL"], config["IDLE_TIMEOUT"], each_sweep)
    settle_heap()


def settle_heap() -> None:
    """Keep the garbage collector off the objects every worker has from its start.

    The app, its libraries and their caches are hundreds of thousands of objects that
    live as long as the worker. Every full collection walked them all, and so does
    every metrics scrape that counts greenlets (a walk of the heap). Frozen, they are
    never walked again; what is created later is collected as usual.
    """
    gc.collect()
    gc.freeze()
    # Thawed before the interpreter tears down, or the frozen objects would die after
    # their modules (logging's weak references then fail noisily at every worker exit).
    atexit.register(gc.unfreeze)


def stop_worker(app: Flask) -> None:
    """Close every socket with 1001, wait for their cleanup, stop the broker."""
    hub.shutdown(*hub.SHUTTING_DOWN, wait=SHUTDOWN_WAIT)
    context.state(app).broker.stop()


def watch_shutdown(
    app: Flask, alive: Callable[[], bool], accepting: Callable[[], bool] | None = None
) -> gevent.Greenlet:
    """Close the worker's sockets once `alive()` turns False (gunicorn's SIGTERM).

    Clients told to go (1001) come straight back: when `accepting()` says whether this
    worker still takes connections, the closes wait (at most LISTENER_WAIT) until it
    stopped, so the reconnects queue for a fresh worker instead of being refused here.
    Sockets that arrive meanwhile (those another stopping worker closed) are refused
    with 1001 before their handshake's work, and come back to a fresh worker too.

    SIGTERM wakes the watch at once; gunicorn's other ways of stopping a worker are seen
    on the worker's beat. A quicker poll woke an idle worker several times a second,
    and on some machines each wake costs more than a quiet worker's whole sweep
    (bench/README.md, idle CPU).
    """
    stopping = Event()
    wake_on_sigterm(stopping)

    def watch() -> None:
        # Once SIGTERM was seen the watch stops waiting: woken, it must not spin.
        while alive() and not stopping.is_set():
            stopping.wait(beat.until_next(SHUTDOWN_POLL))
        hub.refuse_new_sockets()  # the sockets' closes wait for the listener: new ones don't
        log.info("event=worker_refusing_sockets")
        began = time.monotonic()
        while accepting is not None and accepting() and time.monotonic() < began + LISTENER_WAIT:
            gevent.sleep(0.05)
        waited = time.monotonic() - began
        log.info("event=worker_stopping closing_with=1001 waited_for_listeners=%.2f", waited)
        stop_worker(app)

    return gevent.spawn(watch)


def wake_on_sigterm(event: Event) -> None:
    """Set `event` when SIGTERM arrives, after the handler already installed (gunicorn's).

    The handler chained after must make the watch's `alive()` False (gunicorn's does):
    once woken, the watch closes the worker's sockets. Without a Python handler to
    chain after (the default, which ends the process, or SIG_IGN) SIGTERM keeps its
    meaning and the watch relies on the beat alone.
    """
    previous = signal.getsignal(signal.SIGTERM)
    if not callable(previous):
        return
    loop = gevent.get_hub().loop

    def on_sigterm(signum: int, frame: FrameType | None) -> None:
        previous(signum, frame)
        loop.run_callback_threadsafe(event.set)  # a signal handler only schedules work

    signal.signal(signal.SIGTERM, on_sigterm)
    # As gunicorn has it: SIGTERM must not interrupt the system calls of open requests
    # (installing a handler makes them interruptible again).
    signal.siginterrupt(signal.SIGTERM, False)
