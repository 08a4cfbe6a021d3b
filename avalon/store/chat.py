"""Chat persistence in batches: one INSERT for every message waiting, ids returned.

Storing each message with its own statement made SQLite the most expensive part of a
chat's trip through the server. The handler greenlets hand their message to one
writer greenlet per worker and wait for its id; whatever queued up during the previous
INSERT goes into the next one, so batches grow exactly when traffic does.
"""

from __future__ import annotations

import functools
import time
from datetime import datetime

import gevent
from gevent.event import AsyncResult
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
CHAT_COLUMNS = ("room", "player", "message", "sent_at")  # the order of the INSERT's values
TOUCH_EVERY = 60.0  # seconds between two marks of a chatting room as active (retention)


class ChatWriter:
    """One writer greenlet per worker that stores queued chat messages in batches."""

    def __init__(self) -> None:
        self.pending: Queue = Queue()
        self.writer: gevent.Greenlet | None = None
        self.touched: dict[int, float] = {}  # room id -> when its active_at was last set
        self.batch: list[tuple] = []  # the batch being stored ...
        self.batch_started = 0.0  # ... since then (monotonic)

    def store(self, room_id: int, player_id: int, display_name: str, text: str) -> dict:
        """Store one chat message and return its payload (with its id)."""
        result: AsyncResult = AsyncResult()
        self.pending.put((room_id, player_id, display_name, text, result))
        if self.writer is None or self.writer.dead:
            self.writer = gevent.spawn(self._write_forever)
        # No timer per message: the worker's sweep calls expire() (STORE_TIMEOUT).
        return result.get()

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

    def _write_forever(self) -> None:
        """Store whatever is waiting, in one statement, for as long as the worker lives."""
        while True:
            batch = [self.pending.get()]
            while len(batch) < MAX_BATCH and not self.pending.empty():
                batch.append(self.pending.get_nowait())
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
            for message_id, (_, player_id, name, text, result) in zip(ids, batch, strict=True):
                result.set(chat_payload(message_id, player_id, name, text, sent_at))

    def _write(self, batch: list[tuple], sent_at: datetime) -> list[int]:
        """Insert the batch with one prepared statement; touch rooms not touched lately."""
        stamp = ChatMessage.sent_at.db_value(sent_at)
        params: list = []
        for room_id, player_id, _, text, _ in batch:
            params += (room_id, player_id, text, stamp)
        now = time.monotonic()
        stale = {
            row[0] for row in batch if now - self.touched.get(row[0], -TOUCH_EVERY) >= TOUCH_EVERY
        }
        # The writer greenlet keeps its pooled connection between batches (a checkout
        # per batch cost more than the INSERT) and gives it back after any failure.
        try:
            # Rows get ascending ids in VALUES order; RETURNING's own order is not
            # promised by either database, so sort rather than trust it.
            ids = sorted(row[0] for row in db.write_returning(insert_sql(len(batch)), params))
            if stale:
                db.write_returning(touch_sql(len(stale)), [stamp, *stale], rows=False)
        except BaseException:
            db.release()
            raise
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


def history(room_id: int, since: int | None) -> list[dict]:
    """The last RECENT_CHAT messages, or those after `since` (at most MAX_CHAT_SINCE)."""
    with db.unit():
        query = (
            ChatMessage.select(ChatMessage, RoomPlayer.display_name)
            .join(RoomPlayer)
            .where(ChatMessage.room == room_id)
        )
        if since is None:
            newest_first = ChatMessage.id.desc()  # type: ignore[attr-defined]
            rows = list(query.order_by(newest_first).limit(RECENT_CHAT))
            rows.reverse()
        else:
            rows = list(
                query.where(ChatMessage.id > since).order_by(ChatMessage.id).limit(MAX_CHAT_SINCE)
            )
    return [row.payload(row.player.display_name) for row in rows]
