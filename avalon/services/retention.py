"""Retention: rooms idle for AVALON_ROOM_RETENTION_DAYS go, with everything in them.

Deleted in small batches, each its own short transaction, so a sweep never holds the
write lock for long, and the database stays bounded however many rooms are made.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import gevent
from flask import current_app

from avalon.ops import beat
from avalon.ops.failures import log_failure
from avalon.realtime import hub
from avalon.store import db
from avalon.store.models import ChatMessage
from avalon.store.models import GameRecord
from avalon.store.models import Room
from avalon.store.models import RoomPlayer
from avalon.store.models import utcnow

log = logging.getLogger(__name__)

BATCH = 100  # rooms deleted per transaction
SWEEP_EVERY_MAX = 600.0  # seconds between sweeps, at most


def delete_idle_rooms(days: float) -> int:
    """Delete rooms without activity for `days` (none with a socket here); return how many."""
    cutoff = utcnow() - timedelta(days=days)
    here = set(hub.local_rooms())
    deleted = 0
    while True:
        with db.write():
            rows = list(
                Room.select(Room.id, Room.code)
                .where((Room.active_at < cutoff) & Room.code.not_in(here or {""}))  # type: ignore[attr-defined]
                .limit(BATCH)
            )
            ids = [row.id for row in rows]
            if ids:
                ChatMessage.delete().where(ChatMessage.room.in_(ids)).execute()  # type: ignore[attr-defined]
                GameRecord.delete().where(GameRecord.room.in_(ids)).execute()  # type: ignore[attr-defined]
                RoomPlayer.delete().where(RoomPlayer.room.in_(ids)).execute()  # type: ignore[attr-defined]
                Room.delete().where(Room.id.in_(ids)).execute()  # type: ignore[attr-defined]
        deleted += len(ids)
        if len(ids) < BATCH:
            break
        gevent.sleep(0)  # let sockets run between batches
    if deleted:
        log.info("event=rooms_expired count=%d days=%g", deleted, days)
    return deleted


def sweep_forever() -> None:
    """Forever: delete idle rooms now and then (runs in the app context)."""
    days = float(current_app.config["ROOM_RETENTION_DAYS"])
    every = min(SWEEP_EVERY_MAX, max(1.0, days * 86400 / 10))
    while True:
        try:
            delete_idle_rooms(days)
        except Exception as error:
            log_failure(log, "retention_failed", error)
        beat.sleep_to_next(every)
