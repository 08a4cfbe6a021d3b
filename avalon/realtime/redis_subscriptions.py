"""The rooms a worker's Redis subscription follows, and reading the next message from it."""

from __future__ import annotations

import logging

import gevent
import redis
from gevent.event import Event

from avalon.realtime import hub
from avalon.realtime.redis_presence import Keys

log = logging.getLogger(__name__)

LISTEN_POLL = 0.1  # seconds between checks for rooms to (un)subscribe while idle
SUBSCRIBE_WAIT = 2.0  # how long a new socket waits for its room's subscription


class Subscriptions:
    """The rooms one worker follows: asked for, confirmed by Redis, awaited by new sockets."""

    def __init__(self, keys: Keys) -> None:
        self.keys = keys
        self.waiting: dict[str, Event] = {}  # rooms a new socket waits for (they outlive resets)
        self.reset()

    def reset(self) -> None:
        """A new subscription: nothing asked for or confirmed on it yet."""
        self.subscribed: set[str] = set()  # rooms asked for
        self.confirmed: set[str] = set()  # rooms whose subscription Redis confirmed
        self.synced_at = -1  # hub.room_changes() when the subscription last followed the rooms

    def sync(self, pubsub: redis.client.PubSub) -> None:
        """Subscribe to rooms that gained a local socket, unsubscribe from emptied ones."""
        changes = hub.room_changes()
        if changes == self.synced_at and self.subscribed.issuperset(self.waiting):
            return  # nothing changed since the last look (the usual case, ten times a second)
        self.synced_at = changes
        wanted = set(hub.local_rooms()) | set(self.waiting)
        added, removed = wanted - self.subscribed, self.subscribed - wanted
        if added:
            pubsub.subscribe(*(self.keys.channel(room) for room in added))
        if removed:
            pubsub.unsubscribe(*(self.keys.channel(room) for room in removed))
            # Unconfirmed: a socket arriving before the next subscribe must wait for it.
            self.confirmed -= removed
        self.subscribed = wanted

    def note(self, kind: str, room: str) -> None:
        """Take in Redis's confirmation of a subscribe or an unsubscribe."""
        if kind == "subscribe":
            self.confirmed.add(room)
            waiter = self.waiting.pop(room, None)
            if waiter is not None:
                waiter.set()
        else:
            self.confirmed.discard(room)

    def wait(self, room: str) -> None:
        """Block a new socket until its room's messages reach this worker (or give up)."""
        if room in self.confirmed:
            return
        waiter = self.waiting.setdefault(room, Event())
        if not waiter.wait(SUBSCRIBE_WAIT):
            log.warning("event=subscription_late room=%s", room)


def next_message(pubsub: redis.client.PubSub) -> dict | None:
    """The subscription's next message, or None when none came within LISTEN_POLL.

    A blocking read under a gevent timeout rather than get_message(timeout=...), which
    polls the socket twice before every read (ready? closed?): 8 % of a worker's CPU on
    PostgreSQL and Redis at the quiet load (bench/README.md). The timeout fires only while
    the read waits for bytes, and a reply half read stays in the parser for the next read.
    """
    with gevent.Timeout(LISTEN_POLL, False):
        return pubsub.get_message(timeout=None)  # type: ignore[arg-type]  # None: block
    return None
