"""Per-worker background work: the broker, the turn timer, metrics, shutdown."""

from __future__ import annotations

import atexit
import gc
import logging
import time
from collections.abc import Callable

import gevent
from flask import Flask

from avalon.ops import metrics
from avalon.realtime import hub
from avalon.realtime import reader
from avalon.services import context
from avalon.services import retention
from avalon.services import snapshot
from avalon.services import timer_sweep
from avalon.services import token_refresh

log = logging.getLogger(__name__)

SHUTDOWN_WAIT = 5.0  # seconds the shutdown hook waits for sockets to finish
LISTENER_WAIT = 2.0  # seconds the shutdown waits for the worker to stop accepting
SHUTDOWN_POLL = 0.25  # seconds between looks at whether the worker is still alive


def in_app(app: Flask, work: Callable[[], None]) -> Callable[[], None]:
    """Wrap background work so it runs inside the app's context."""

    def run() -> None:
        with app.app_context():
            work()

    return run


def start_worker(app: Flask, share_metrics: bool = True) -> None:
    """Start this worker's broker, timer sweep, socket sweep and metrics publisher.

    The publisher writes this worker's numbers for scrapes answered by its siblings
    (`share_metrics`); a lone worker answers every scrape itself and skips it.
    """
    broker = context.state(app).broker
    broker.on_resync = in_app(app, snapshot.resync_all)
    broker.start()
    gevent.spawn(in_app(app, timer_sweep.sweep_timers))
    gevent.spawn(in_app(app, token_refresh.refresh_forever))
    gevent.spawn(in_app(app, retention.sweep_forever))
    if share_metrics:
        gevent.spawn(metrics.publish_forever)
    config = app.config
    # One sweep for idle sockets, pings, idle writers and chat stuck in storage.
    expire_chat = context.state(app).chat_writer.expire
    gevent.spawn(reader.sweep_forever, config["PING_INTERVAL"], config["IDLE_TIMEOUT"], expire_chat)
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
    """

    def watch() -> None:
        while alive():
            gevent.sleep(SHUTDOWN_POLL)
        began = time.monotonic()
        while accepting is not None and accepting() and time.monotonic() < began + LISTENER_WAIT:
            gevent.sleep(0.05)
        waited = time.monotonic() - began
        log.info("event=worker_stopping closing_with=1001 waited_for_listeners=%.2f", waited)
        stop_worker(app)

    return gevent.spawn(watch)
