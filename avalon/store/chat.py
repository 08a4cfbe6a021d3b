"""Chat persistence in batches: one INSERT for every message waiting, ids returned.

The statements are written by hand and run on the driver's cursor (building them with
peewee cost more than SQLite running them), on one connection the chat writer holds.
A message is stored by its own handler when nothing else is being stored; whatever
queues up meanwhile goes into one INSERT, so batches form exactly when stores overlap.
"""

from __future__ import annotations

import functools
import time
from datetime import datetime

import gevent
from gevent.event import AsyncResult
from gevent.lock import Semaphore
from gevent.queue import Queue

from avalon.store import db
from avalon.store.models import ChatMessage
from avalon.store.models import Room
from avalon.store.models import RoomPlayer
from avalon.store.models import chat_payload
from avalon.store.models import utcnow

MAX_BATCH = 200  # messages stored by one statement at most
STORE_TIMEOUT = 10.0  # seconds a handler waits for its message to be stored (expire())
RECENT_CHAT = 50  # chat messages in the first state frame
MAX_CHAT_SINCE = 500  # chat messages sent at most for a since= reconnect
# The order of the INSERT's values.
CHAT_COLUMNS = ("room", "player", "message", "sent_at", "channel")
ALL, SPECTATORS = "all", "spectators"  # who reads a message: everyone, or spectators only
BOT = "bot"  # a computer player's line (speech.py): everyone reads it, in their language
DIRECT_GAP = 0.005  # seconds without a store after which a handler stores its own message
BATCH_LINGER = 0.003  # seconds a busy worker's writer lets messages gather before storing
TOUCH_EVERY = 60.0  # seconds between two marks of a chatting room as active (retention)


class ChatWriter:
    """Stores chat messages on one connection of its own, in batches when they queue up.

    When chat is quiet (nothing stored for DIRECT_GAP) a handler stores its message
    itself, at once: no greenlet switch, no waiting. Otherwise it queues the message and
    one writer greenlet stores everything that queued up in one statement: under load
    every commit costs (SQLite writes and, at checkpoints, syncs its log while the whole
    worker waits), and batches keep their number down. While batches hold more than one
    message, the writer lets the next one gather for BATCH_LINGER before storing it.
    """

    def __init__(self) -> None:
        self.lock = Semaphore()  # held while a statement runs on the connection
        self.pending: Queue = Queue()
        self.writer: gevent.Greenlet | None = None
        self.held = db.HeldConnection()  # a pooled connection, kept for chat
        self.touched: dict[int, float] = {}  # room id -> when its active_at was last set
        self.batch: list[tuple] = []  # the queued batch being stored ...
        self.batch_started = 0.0  # ... since then (monotonic)
        self.last_store = 0.0  # when the last statement finished (monotonic)
        self.linger = False  # the last batch held several messages: let the next gather
        # Handlers whose queued message has not come back to them yet: until it has (and
        # been published), a direct store would overtake it and break the room's order.
        self.queued = 0

    def store(
        self, room_id: int, player_id: int, display_name: str, text: str, channel: str = ALL
    ) -> dict:
        """Store one chat message and return its payload (with its id)."""
        quiet = time.monotonic() - self.last_store >= DIRECT_GAP and not self.queued
        if quiet and self.lock.acquire(blocking=False):
            try:
                sent_at = utcnow()
                row = (room_id, player_id, display_name, text, channel)
                (message_id,) = self._write([row], sent_at)
                self.linger = False  # quiet again
            finally:
                self.lock.release()
                if not self.pending.empty():
                    self._wake()
            return chat_payload(message_id, player_id, display_name, text, sent_at, channel)
        result: AsyncResult = AsyncResult()
        self.queued += 1
        try:
            self.pending.put((room_id, player_id, display_name, text, channel, result))
            self._wake()
            # No timer per message: the worker's sweep calls expire() (STORE_TIMEOUT).
            return result.get()
        finally:
            self.queued -= 1  # the caller publishes before it next yields

    def _wake(self) -> None:
        if self.writer is None or self.writer.dead:
            self.writer = gevent.spawn(self._write_queued)

    def expire(self, now: float) -> None:
        """Fail every waiting message if the batch being stored is older than STORE_TIMEOUT."""
        if not self.batch or now - self.batch_started < STORE_TIMEOUT:
            return
        failure = db.Unavailable("storing chat timed out")
        waiting = self.batch
        self.batch = []
        while not self.pending.empty():
            waiting.append(self.pending.get_nowait())
        for *_, result in waiting:
            if not result.ready():
                result.set_exception(failure)

    def _write_queued(self) -> None:
        """Forever: store what queued up, in batches (at most one timer a batch, none a message)."""
        while True:
            first = self.pending.get()
            if self.linger and self.pending.qsize() < MAX_BATCH:  # a backlog goes at once
                # Nothing queues while a statement runs (it blocks the worker), so
                # without this pause a batch is only what one turn of the loop read.
                # The batch's handlers then resume in one turn, so the frames they send
                # to one socket join into fewer writes (bench/README.md: 2,000 msg/s).
                # Only while messages overlap: a quiet room's message never waits.
                gevent.sleep(BATCH_LINGER)
            with self.lock:
                batch = [first]
                while len(batch) < MAX_BATCH and not self.pending.empty():
                    batch.append(self.pending.get_nowait())
                self.linger = len(batch) > 1  # messages overlap: let the next batch gather
                sent_at = utcnow()
                self.batch, self.batch_started = batch, time.monotonic()
                try:
                    ids = self._write(batch, sent_at)
                except Exception as exc:  # every waiting handler gets the failure
                    for *_, result in batch:
                        result.set_exception(exc)
                    continue
                finally:
                    self.batch = []
            for message_id, row in zip(ids, batch, strict=True):
                _, player_id, name, text, channel, result = row
                result.set(chat_payload(message_id, player_id, name, text, sent_at, channel))

    def _write(self, batch: list[tuple], sent_at: datetime) -> list[int]:
        """Insert the batch with one prepared statement; touch rooms not touched lately."""
        params: list = []
        for row in batch:
            params += (row[0], row[1], row[3], sent_at, row[4])
        now = time.monotonic()
        stale = {
            row[0] for row in batch if now - self.touched.get(row[0], -TOUCH_EVERY) >= TOUCH_EVERY
        }
        connection = self.held.get()
        try:
            # Rows get ascending ids in VALUES order; RETURNING's own order is not
            # promised by either database, so sort rather than trust it.
            sql = insert_sql(len(batch))
            ids = sorted(row[0] for row in db.write_returning(sql, params, connection))
            if stale:
                sql = touch_sql(len(stale))
                db.write_returning(sql, [sent_at, *stale], connection, rows=False)
        except BaseException:
            self.held.discard()  # the next statement gets a fresh connection
            raise
        self.last_store = time.monotonic()
        for room_id in stale:
            self.touched[room_id] = now
        if len(self.touched) > 10 * MAX_BATCH:  # forget rooms gone quiet
            self.touched = {k: v for k, v in self.touched.items() if now - v < TOUCH_EVERY}
        return ids


def insert_sql(count: int) -> str:
    """INSERT ... RETURNING id for `count` chat rows, in the database's parameter style."""
    return _insert_sql(count, db.param())


def touch_sql(count: int) -> str:
    """UPDATE room SET active_at = ? WHERE id IN (`count` ids)."""
    return _touch_sql(count, db.param())


@functools.lru_cache(maxsize=256)
def _insert_sql(count: int, param: str) -> str:
    fields = ChatMessage._meta.fields  # type: ignore[attr-defined]
    columns = ", ".join(f'"{fields[name].column_name}"' for name in CHAT_COLUMNS)
    row = "(" + ", ".join([param] * len(CHAT_COLUMNS)) + ")"
    table = ChatMessage._meta.table_name  # type: ignore[attr-defined]
    return f'INSERT INTO "{table}" ({columns}) VALUES {", ".join([row] * count)} RETURNING "id"'


@functools.lru_cache(maxsize=256)
def _touch_sql(count: int, param: str) -> str:
    table = Room._meta.table_name  # type: ignore[attr-defined]
    column = Room._meta.fields["active_at"].column_name  # type: ignore[attr-defined]
    ids = ", ".join([param] * count)
    return f'UPDATE "{table}" SET "{column}" = {param} WHERE "id" IN ({ids})'


def history(room_id: int, since: int | None, spectator: bool = False) -> list[dict]:
    """The last RECENT_CHAT messages, or those after `since` (at most MAX_CHAT_SINCE).

    Messages spectators wrote to spectators only are read by spectators only.
    """
    # Every handshake reads this: the SQL is written once (peewee building it and a
    # model per row cost several times what the database spent).
    param = db.param()
    with db.unit():
        if since is None:
            params: tuple = (room_id, spectator, RECENT_CHAT)
            rows = db.database.execute_sql(_history_sql(param, False), params).fetchall()
            rows.reverse()
        else:
            params = (room_id, since, spectator, MAX_CHAT_SINCE)
            rows = db.database.execute_sql(_history_sql(param, True), params).fetchall()
    sent_at = ChatMessage.sent_at.python_value
    return [
        chat_payload(i, player, name, text, sent_at(at), channel)
        for i, player, name, text, at, channel in rows
    ]


@functools.lru_cache(maxsize=8)
def _history_sql(param: str, after: bool) -> str:
    """Chat rows of a room with their sender's name: newest first, or oldest after an id."""
    chat = ChatMessage._meta.table_name  # type: ignore[attr-defined]
    members = RoomPlayer._meta.table_name  # type: ignore[attr-defined]
    room, player = ChatMessage.room.column_name, ChatMessage.player.column_name
    message, sent_at = ChatMessage.message.column_name, ChatMessage.sent_at.column_name
    name, channel = RoomPlayer.display_name.column_name, ChatMessage.channel.column_name
    where = f'c."{room}" = {param}' + (f' AND c."id" > {param}' if after else "")
    where += f" AND (c.\"{channel}\" <> '{SPECTATORS}' OR {param})"  # spectators read theirs too
    return (
        f'SELECT c."id", c."{player}", p."{name}", c."{message}", c."{sent_at}", c."{channel}"'
        f' FROM "{chat}" AS c JOIN "{members}" AS p ON p."id" = c."{player}"'
        f' WHERE {where} ORDER BY c."id" {"ASC" if after else "DESC"} LIMIT {param}'
    )
