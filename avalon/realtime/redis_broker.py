"""Room delivery and presence across workers and hosts through Redis.

Every room message goes through the room's Redis channel, the publishing worker's
own sockets included, so every member sees one order. Each worker subscribes to a
room while it holds a socket of it. Presence lives in Redis with an expiry that each
worker's heartbeat renews, so a worker that dies cannot leave players online.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable
from typing import Any

import gevent
import redis
from gevent.event import Event
from gevent.queue import Full
from gevent.queue import Queue

from avalon.ops import metrics
from avalon.protocol.errors import CloseSocket
from avalon.realtime import hub
from avalon.realtime.connection import Connection
from avalon.realtime.hub import REPLACED
from avalon.realtime.hub import Delivery

log = logging.getLogger(__name__)

PRESENCE_TTL = 30  # seconds a socket stays "online" without its worker's heartbeat
HEARTBEAT_SECONDS = PRESENCE_TTL / 3
LISTEN_POLL = 0.1  # seconds between checks for rooms to (un)subscribe while idle
SUBSCRIBE_WAIT = 2.0  # how long a new socket waits for its room's subscription
OUTBOX_SIZE = 10000  # messages waiting to be published before new ones are dropped
PUBLISH_BATCH = 256  # messages sent to Redis in one round trip
RECONNECT_MAX = 5.0  # seconds between reconnection attempts at most
REDIS_ERRORS = (redis.RedisError, OSError)

# KEYS: conn key, online zset; ARGV: conn id, player id, ttl, when the socket opened.
# Returns {1, the previous conn id or ''} once claimed, or {0, the holder's conn id} when
# the seat's socket was opened later (conn ids end in "@" and their opening time; an id
# without one, from a worker of an earlier release, never wins).
CLAIM = """
local previous = redis.call('GET', KEYS[1])
if previous then
  local opened = tonumber(string.match(previous, '@([%d%.]+)$'))
  if opened and opened > tonumber(ARGV[4]) then
    return {0, previous}
  end
end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[3])
local now = redis.call('TIME')[1]
redis.call('ZADD', KEYS[2], now + ARGV[3], ARGV[2])
redis.call('EXPIRE', KEYS[2], ARGV[3] * 2)
return {1, previous or ''}
"""
# KEYS: conn key, online zset; ARGV: conn id, player id. Returns 1 if this socket owned it.
RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  redis.call('ZREM', KEYS[2], ARGV[2])
  return 1
end
return 0
"""
# KEYS: conn key, online zset; ARGV: conn id, player id, ttl. Renew unless another socket
# took the seat (a Redis restart loses every key: the heartbeat then restores them).
RENEW = """
local owner = redis.call('GET', KEYS[1])
if owner == false or owner == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[3])
  local now = redis.call('TIME')[1]
  redis.call('ZADD', KEYS[2], now + ARGV[3], ARGV[2])
  redis.call('EXPIRE', KEYS[2], ARGV[3] * 2)
end
return 0
"""
# KEYS: online zset. Returns the players whose presence has not expired.
ONLINE = """
local now = redis.call('TIME')[1]
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
return redis.call('ZRANGE', KEYS[1], 0, -1)
"""


class Keys:
    """Every Redis key and channel name, under the deployment's namespace.

    Pub/sub channels ignore the Redis database number, so two deployments sharing one
    Redis are kept apart only by this prefix (AVALON_NAMESPACE).
    """

    def __init__(self, namespace: str) -> None:
        self.namespace = namespace
        self.channel_prefix = f"{namespace}:room:"

    def channel(self, room: str) -> str:
        """The pub/sub channel of a room."""
        return self.channel_prefix + room

    def conn(self, room: str, player_id: int) -> str:
        """The key naming the socket that holds a player's seat."""
        return f"{self.namespace}:conn:{room}:{player_id}"

    def online(self, room: str) -> str:
        """The sorted set of a room's online players, scored by expiry."""
        return f"{self.namespace}:online:{room}"

    def presence(self, room: str, player_id: int) -> list[str]:
        """The keys the presence scripts take: the seat's socket, the room's online set."""
        return [self.conn(room, player_id), self.online(room)]


class RedisBroker:
    """Fan-out and presence through Redis pub/sub for rooms spread over workers."""

    reaches_every_worker = True

    def __init__(self, url: str, namespace: str) -> None:
        self.keys = Keys(namespace)
        self.worker_id = uuid.uuid4().hex[:12]
        # Short timeouts: a Redis outage must never hold a request greenlet for long.
        self.client = redis.Redis.from_url(
            url, socket_connect_timeout=1, socket_timeout=2, health_check_interval=10
        )
        self.claim = self.client.register_script(CLAIM)
        self.release = self.client.register_script(RELEASE)
        self.renew = self.client.register_script(RENEW)
        self.list_online = self.client.register_script(ONLINE)
        self.outbox: Queue = Queue(OUTBOX_SIZE)
        self.subscribed: set[str] = set()  # rooms asked for
        self.confirmed: set[str] = set()  # rooms whose subscription Redis confirmed
        self.waiting: dict[str, Event] = {}
        # Sockets registered here whose presence claim has not run yet: the heartbeat
        # leaves them alone, or it would claim the seat for them before they compared
        # opening times with its holder.
        self.claiming: set[Connection] = set()
        self.greenlets: list[gevent.Greenlet] = []
        self.connected = Event()
        self.on_resync: Callable[[], None] | None = None

    # Lifecycle

    def start(self) -> None:
        """Start the listener, publisher and heartbeat greenlets of this worker."""
        if not self.greenlets:
            self.greenlets = [
                gevent.spawn(self._listen),
                gevent.spawn(self._publish_loop),
                gevent.spawn(self._heartbeat),
            ]

    def stop(self) -> None:
        """Stop this worker's greenlets."""
        gevent.killall(self.greenlets, block=False)
        self.greenlets = []

    def healthy(self) -> bool:
        """Tell whether Redis answers."""
        try:
            return bool(self.client.ping())
        except REDIS_ERRORS:
            return False

    # Delivery

    def publish(self, delivery: Delivery) -> None:
        """Queue a message for the room's channel; never waits on Redis."""
        header: dict[str, Any] = {"to": delivery.to, "x": delivery.exclude}
        header.update(r=delivery.reply_to, c=delivery.correlation_id)
        self._queue(delivery.room, header, delivery.data)

    def _queue(self, room: str, header: dict, data: bytes) -> None:
        """Put one channel message (a JSON header line, then the envelope) in the outbox."""
        message = json.dumps(header, separators=(",", ":")).encode() + b"\n" + data
        try:
            self.outbox.put_nowait((self.keys.channel(room), message))
        except Full:
            metrics.inc("avalon_redis_errors_total", operation="outbox_full")
            log.error("redis outbox full: dropping a message for room %s", room)

    def _publish_loop(self) -> None:
        """Send queued messages to Redis in batches, in order, from one greenlet."""
        while True:
            batch = [self.outbox.get()]
            while len(batch) < PUBLISH_BATCH and not self.outbox.empty():
                batch.append(self.outbox.get_nowait())
            try:
                pipe = self.client.pipeline(transaction=False)
                for channel, message in batch:
                    pipe.publish(channel, message)
                pipe.execute()
            except REDIS_ERRORS as exc:
                # Lost: the listener sees the outage too and resyncs every socket later.
                metrics.inc("avalon_redis_errors_total", operation="publish")
                log.warning("redis publish failed, %d messages lost: %s", len(batch), exc)

    def _listen(self) -> None:
        """Own the subscription: follow local rooms, deliver messages, survive outages."""
        delay = 0.25
        outage = False
        while True:
            pubsub = self.client.pubsub()
            try:
                self.subscribed, self.confirmed = set(), set()
                self._sync_subscriptions(pubsub)
                pubsub.ping()
                self.connected.set()
                if outage:
                    log.warning("redis is back: resynchronising every socket")
                    outage = False
                    self._renew_all()
                    if self.on_resync is not None:
                        gevent.spawn(self.on_resync)
                delay = 0.25
                while True:
                    self._sync_subscriptions(pubsub)
                    message = pubsub.get_message(timeout=LISTEN_POLL)
                    while message is not None:
                        try:
                            self._handle(message)
                        except Exception:  # one bad message must not stop the listener
                            log.exception("could not handle a redis message")
                        message = pubsub.get_message(timeout=0)
            except REDIS_ERRORS as exc:
                self.connected.clear()
                if not outage:
                    log.error("redis unavailable, retrying: %s", exc)
                outage = True
                metrics.inc("avalon_redis_errors_total", operation="listen")
            finally:
                try:
                    pubsub.close()
                except REDIS_ERRORS:
                    pass
            gevent.sleep(delay)
            delay = min(RECONNECT_MAX, delay * 2)

    def _sync_subscriptions(self, pubsub: redis.client.PubSub) -> None:
        """Subscribe to rooms that gained a local socket, unsubscribe from emptied ones."""
        wanted = set(hub.local_rooms()) | set(self.waiting)
        added, removed = wanted - self.subscribed, self.subscribed - wanted
        if added:
            pubsub.subscribe(*(self.keys.channel(room) for room in added))
        if removed:
            pubsub.unsubscribe(*(self.keys.channel(room) for room in removed))
            # Not confirmed from now on: a socket arriving before the next subscribe
            # must wait for it, or the messages in between would reach nobody here.
            self.confirmed -= removed
        self.subscribed = wanted

    def _handle(self, message: dict) -> None:
        """Deliver one channel message to this worker's sockets."""
        if message["type"] not in ("message", "subscribe", "unsubscribe"):
            return  # pongs of the health check
        room = message["channel"].decode().removeprefix(self.keys.channel_prefix)
        if message["type"] == "subscribe":
            self.confirmed.add(room)
            waiter = self.waiting.pop(room, None)
            if waiter is not None:
                waiter.set()
            return
        if message["type"] == "unsubscribe":
            self.confirmed.discard(room)
            return
        head, _, data = message["data"].partition(b"\n")
        header = json.loads(head)
        if "close" in header:
            player_id, only_conn, code, reason = header["close"]
            conn = hub.local_connection(room, player_id)
            if conn is not None and (only_conn is None or only_conn == self.conn_id(conn)):
                conn.close(code, reason)
            return
        hub.deliver(Delivery(room, data, header["to"], header["x"], header["r"], header["c"]))

    def _wait_subscribed(self, room: str) -> None:
        """Block a new socket until its room's messages reach this worker."""
        if room in self.confirmed or not self.connected.is_set():
            return
        waiter = self.waiting.setdefault(room, Event())
        if not waiter.wait(SUBSCRIBE_WAIT):
            log.warning("subscription to room %s not confirmed in time", room)

    # Presence

    def conn_id(self, conn: Connection) -> str:
        """A name for one socket, unique across workers, ending in when it was opened."""
        return f"{self.worker_id}:{id(conn)}@{conn.opened_at:.6f}"

    def connect(self, conn: Connection) -> bool:
        """Register a socket; close the player's older one wherever it is.

        Raises CloseSocket (REPLACED) if the player's socket, here or on another worker,
        was opened after this one (the hosts' clocks decide across hosts).
        """
        self.claiming.add(conn)
        try:
            older = hub.register(conn)
            if older is not None:
                older.close(*REPLACED)
            self._wait_subscribed(conn.room_code)
            return self._claim(conn, older)
        finally:
            self.claiming.discard(conn)

    def _claim(self, conn: Connection, older: Connection | None) -> bool:
        """Claim the seat's presence for a registered socket; close or refuse the other."""
        room, player_id = conn.room_code, conn.player_id
        try:
            keys = self.keys.presence(room, player_id)
            args: list[str | int] = [
                self.conn_id(conn),
                player_id,
                PRESENCE_TTL,
                f"{conn.opened_at:.6f}",
            ]
            claimed, previous = self.claim(keys=keys, args=args)
        except REDIS_ERRORS as exc:
            metrics.inc("avalon_redis_errors_total", operation="presence")
            log.warning("presence unavailable for room %s: %s", room, exc)
            return older is None
        if not claimed:  # a socket opened after this one holds the seat elsewhere
            hub.unregister(conn)
            raise CloseSocket(*REPLACED)
        if not previous:
            return older is None
        previous_id = previous.decode()
        if older is None or previous_id != self.conn_id(older):
            # The older socket lives on another worker (or host): ask it to close.
            self._queue(room, {"close": [player_id, previous_id, *REPLACED]}, b"")
        return False

    def disconnect(self, conn: Connection) -> bool:
        """Unregister a socket; tell whether its player is now offline everywhere."""
        if not hub.unregister(conn):
            return False
        keys = self.keys.presence(conn.room_code, conn.player_id)
        try:
            return bool(self.release(keys=keys, args=[self.conn_id(conn), conn.player_id]))
        except REDIS_ERRORS:
            metrics.inc("avalon_redis_errors_total", operation="presence")
            return True

    def online(self, room: str) -> set[int]:
        """Players of the room with a live socket on any worker."""
        try:
            return {int(player) for player in self.list_online(keys=[self.keys.online(room)])}
        except REDIS_ERRORS:
            metrics.inc("avalon_redis_errors_total", operation="presence")
            return hub.local_players(room)

    def close_player(self, room: str, player_id: int, code: int, reason: str) -> None:
        """Close a player's socket on whichever worker holds it."""
        self._queue(room, {"close": [player_id, None, code, reason]}, b"")

    def _heartbeat(self) -> None:
        """Renew the presence of every local socket before it expires."""
        while True:
            gevent.sleep(HEARTBEAT_SECONDS)
            self._renew_all()

    def _renew_all(self) -> None:
        """Renew (or restore) the presence of every local socket in one round trip."""
        connections = [conn for conn in hub.all_connections() if conn not in self.claiming]
        if connections:
            try:
                pipe = self.client.pipeline(transaction=False)
                for conn in connections:
                    keys = self.keys.presence(conn.room_code, conn.player_id)
                    args: list[str | int] = [self.conn_id(conn), conn.player_id, PRESENCE_TTL]
                    self.renew(keys=keys, args=args, client=pipe)
                pipe.execute()
            except REDIS_ERRORS as exc:
                metrics.inc("avalon_redis_errors_total", operation="heartbeat")
                log.warning("presence heartbeat failed: %s", exc)
