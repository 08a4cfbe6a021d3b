"""SQLite's log copied into the database file by a thread, off the event loop.

SQLite "checkpoints" its write-ahead log inside whichever commit takes the log past
1,000 pages, and with synchronous=NORMAL that checkpoint also syncs the files: the
whole gevent worker waits, and every socket's latency with it. A worker's connections
turn that off; once a second, when the log has grown, the worker checkpoints it in a
thread of gevent's pool (SQLite releases the GIL while it works), on a connection of
its own. Pages written many times in that second are copied once.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from typing import Any

import gevent

from avalon.store import db

log = logging.getLogger(__name__)


class Checkpointer:
    """Checkpoints one SQLite database file when its write-ahead log has changed."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.log_path = path + "-wal"
        self.seen: tuple[int, int] | None = None  # the log's (size, mtime) at the last look
        self.connection: sqlite3.Connection | None = None

    def changed(self) -> bool:
        """Tell whether the log was written since the last look (one stat, no query)."""
        try:
            stat = os.stat(self.log_path)
        except FileNotFoundError:
            return False
        seen = (stat.st_size, stat.st_mtime_ns)
        if seen == self.seen:
            return False
        self.seen = seen
        return True

    def run(self) -> bool:
        """Checkpoint now, in the calling thread; tell whether the whole log was copied."""
        if self.connection is None:
            # Used only from the pool's threads, one at a time (the sweep waits for it).
            self.connection = sqlite3.connect(
                self.path, timeout=0, isolation_level=None, check_same_thread=False
            )
        busy, frames, copied = self.connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        return not busy and copied >= frames

    def tick(self) -> None:
        """If the log changed, checkpoint it in a pool thread while other greenlets run."""
        if not self.changed():
            return
        try:
            done = gevent.get_hub().threadpool.apply(self.run)
        except sqlite3.Error as exc:  # a busy or locked file
            log.info("event=checkpoint_skipped error=%s", exc)
            done = False
        if not done:  # readers held frames back, or another worker was at it: look again
            self.seen = None


def take_over() -> Checkpointer | None:
    """Stop commits checkpointing on this worker's connections; return who does it instead.

    None unless the database is an SQLite file (PostgreSQL, in-memory SQLite).
    """
    database: Any = db.database.obj
    if not db.is_sqlite() or database.database in ("", ":memory:"):
        return None
    with db.unit():
        database.pragma("wal_autocheckpoint", 0, permanent=True)  # every later connection
    database.close_idle()  # pooled connections opened before get it when reopened
    return Checkpointer(os.path.abspath(database.database))
