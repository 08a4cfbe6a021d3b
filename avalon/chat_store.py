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

from avalon import db
from avalon.models import ChatMessage
from avalon.models import chat_payload
from avalon.models import utcnow

MAX_BATCH = 200  # messages stored by one statement at most
STORE_TIMEOUT = 10.0  # seconds a handler waits for its message to be stored

_pending: Queue = Queue()
_writer: gevent.Greenlet | None = None


def store(room_id: int, player_id: int, display_name: str, text: str) -> dict:
    """Store one chat message and return its payload (with its id)."""
    global _writer
    result: AsyncResult = AsyncResult()
    _pending.put((room_id, player_id, display_name, text, result))
    if _writer is None or _writer.dead:
        _writer = gevent.spawn(_write_forever)
    return result.get(timeout=STORE_TIMEOUT)


def _write_forever() -> None:
    """Store whatever is waiting, in one statement, for as long as the worker lives."""
    while True:
        batch = [_pending.get()]
        while len(batch) < MAX_BATCH and not _pending.empty():
            batch.append(_pending.get_nowait())
        sent_at = utcnow()
        rows = [
            {"room": room_id, "player": player_id, "message": text, "sent_at": sent_at}
            for room_id, player_id, _, text, _ in batch
        ]
        try:
            with db.unit():
                # Rows get ascending ids in VALUES order; RETURNING's own order is
                # not promised by either database, so sort rather than trust it.
                ids = sorted(row[0] for row in _insert(rows))
        except Exception as exc:  # every waiting handler gets the failure
            for *_, result in batch:
                result.set_exception(exc)
            continue
        for message_id, (_, player_id, display_name, text, result) in zip(ids, batch, strict=True):
            result.set(chat_payload(message_id, player_id, display_name, text, sent_at))


def _insert(rows: list[dict]) -> list[tuple[int]]:
    """Insert the rows and return their ids, in order."""
    query = ChatMessage.insert_many(rows).returning(ChatMessage.id)  # type: ignore[attr-defined]
    return list(query.tuples().execute())
