"""Chat persistence in batches: one INSERT for every message waiting, ids returned.

Storing each message with its own statement made SQLite the most expensive part of a
chat's trip through the server. The handler greenlets hand their message to one
writer greenlet per worker and wait for its id; whatever queued up during the previous
INSERT goes into the next one, so batches grow exactly when traffic does.
"""

from __future__ import annotations

import gevent
from gevent.event import AsyncResult
from gevent.queue import Queue

from avalon.store import db
from avalon.store.models import ChatMessage
from avalon.store.models import RoomPlayer
from avalon.store.models import chat_payload
from avalon.store.models import touch_rooms
from avalon.store.models import utcnow

MAX_BATCH = 200  # messages stored by one statement at most
STORE_TIMEOUT = 10.0  # seconds a handler waits for its message to be stored
RECENT_CHAT = 50  # chat messages in the first state frame
MAX_CHAT_SINCE = 500  # chat messages sent at most for a since= reconnect


class ChatWriter:
    """One writer greenlet per worker that stores queued chat messages in batches."""

    def __init__(self) -> None:
        self.pending: Queue = Queue()
        self.writer: gevent.Greenlet | None = None

    def store(self, room_id: int, player_id: int, display_name: str, text: str) -> dict:
        """Store one chat message and return its payload (with its id)."""
        result: AsyncResult = AsyncResult()
        self.pending.put((room_id, player_id, display_name, text, result))
        if self.writer is None or self.writer.dead:
            self.writer = gevent.spawn(self._write_forever)
        return result.get(timeout=STORE_TIMEOUT)

    def _write_forever(self) -> None:
        """Store whatever is waiting, in one statement, for as long as the worker lives."""
        while True:
            batch = [self.pending.get()]
            while len(batch) < MAX_BATCH and not self.pending.empty():
                batch.append(self.pending.get_nowait())
            sent_at = utcnow()
            rows = [
                {"room": room_id, "player": player_id, "message": text, "sent_at": sent_at}
                for room_id, player_id, _, text, _ in batch
            ]
            try:
                with db.write():
                    # Rows get ascending ids in VALUES order; RETURNING's own order is
                    # not promised by either database, so sort rather than trust it.
                    ids = sorted(row[0] for row in _insert(rows))
                    touch_rooms({row["room"] for row in rows})
            except Exception as exc:  # every waiting handler gets the failure
                for *_, result in batch:
                    result.set_exception(exc)
                continue
            for message_id, (_, player_id, name, text, result) in zip(ids, batch, strict=True):
                result.set(chat_payload(message_id, player_id, name, text, sent_at))


def _insert(rows: list[dict]) -> list[tuple[int]]:
    """Insert the rows and return their ids, in order."""
    query = ChatMessage.insert_many(rows).returning(ChatMessage.id)  # type: ignore[attr-defined]
    return list(query.tuples().execute())


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
