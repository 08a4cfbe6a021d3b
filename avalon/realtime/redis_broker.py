"""Room delivery and presence across workers and hosts through Redis, and its outages.

Every room message goes through the room's Redis channel, the publishing worker's own
sockets included, so every member sees one order. Each worker subscribes to a room
while it holds a socket of it (realtime/redis_subscriptions.py). Presence is in
realtime/redis_presence.py.

When a publish or the listener fails or times out (a stall is an outage), messages go
straight to this worker's sockets, handlers never wait on Redis, and the rooms whose
messages did not cross workers are noted; once Redis answers, each worker sends its
sockets of such a room a fresh snapshot (a cut listener: all its sockets). A message
whose publish timed out but reached Redis after all is not delivered twice.
"""

from __future__ import annotations

import itertools
import json
import logging
import time
import uuid
from collections.abc import Callable
from typing import Any

import gevent
import redis
from gevent.event import Event
from gevent.queue import Full
from gevent.queue import Queue
from redis.backoff import NoBackoff
from redis.retry import Retry

from avalon.ops import metrics
from avalon.protocol.errors import CloseSocket
from avalon.realtime import hub
from avalon.realtime.connection import Connection
from avalon.realtime.hub import REPLACED
from avalon.realtime.hub import Delivery
from avalon.realtime.redis_presence import HEARTBEAT_SECONDS
from avalon.realtime.redis_presence import Keys
from avalon.realtime.redis_presence import Presence
from avalon.realtime.redis_publisher import Publisher
from avalon.realtime.redis_subscriptions import Subscriptions
from avalon.realtime.redis_subscriptions import next_message

log = logging.getLogger(__name__)

HANDLER_TIMEOUT = 0.1  # seconds a request or socket handler may wait on Redis at most
STREAM_TIMEOUT = 0.25  # the publisher's and listener's Redis calls: a slower Redis is down
OUTBOX_SIZE = 10000  # messages waiting to be published before new ones go local
PUBLISH_BATCH = 256  # messages sent to Redis in one round trip
RETRY_FIRST, RETRY_MAX = 0.25, 2.0  # seconds between tries while Redis is down
LOCAL_COPY_MEMORY = 120.0  # seconds a message delivered here after a failed publish is kept
REDIS_ERRORS = (redis.RedisError, OSError)
POOL_SIZE, POOL_WAIT = 100, 0.5  # handlers' connections a worker; beyond: wait (s), not fail


class RedisBroker:
    """Fan-out and presence through Redis pub/sub for rooms spread over workers."""

    reaches_every_worker = True

    def __init__(self, url: str, namespace: str) -> None:
        self.keys = Keys(namespace)
        self.worker_id = uuid.uuid4().hex[:12]
        # Handlers wait at most HANDLER_TIMEOUT; the publisher and listener have their own.
        timeouts = {"socket_connect_timeout": HANDLER_TIMEOUT, "socket_timeout": HANDLER_TIMEOUT}
        pool = redis.BlockingConnectionPool.from_url(
            url, max_connections=POOL_SIZE, timeout=POOL_WAIT, **timeouts
        )
        self.client = redis.Redis(connection_pool=pool)
        self.stream = stream_client(url)  # the publisher's pipelines, the recovery's ping
        # The listener's own client retries nothing: redis-py would otherwise reconnect
        # inside a read (under the listener's poll timeout, which could cut a handshake
        # short) and resubscribe silently, with no resync for what the gap missed. Every
        # failure surfaces here instead: an outage, then a fresh subscription and a resync.
        # Its health check pings a subscription that has been quiet for a second.
        self.listen_client = stream_client(
            url, health_check_interval=1, retry=Retry(NoBackoff(), 0, supported_errors=())
        )
        self.publisher = Publisher(url, self.keys, self.stream, STREAM_TIMEOUT)
        self.presence = Presence(self.client, self.keys, self.worker_id)
        self.outbox: Queue = Queue(OUTBOX_SIZE)
        self.sequence = itertools.count(1)
        self.subscriptions = Subscriptions(self.keys)
        # Sockets whose presence claim has not run yet: the heartbeat leaves them alone,
        # or it would claim the seat for them before they compared opening times.
        self.claiming: set[Connection] = set()
        self.greenlets: list[gevent.Greenlet] = []
        self.listening = Event()  # the listener is connected and following the rooms
        self.on_resync: Callable[[], None] | None = None  # every local socket anew
        self.on_catch_up: Callable[[str, int | None], None] | None = None  # one room anew
        # The outage: messages go local; the rooms they were for (-> the smallest chat id
        # they lost, minus one); whether the listener was cut; copies delivered here
        # after a failed publish (sequence -> when), dropped if Redis delivers them too.
        self.outage = False
        self.lost: dict[str, int | None] = {}
        self.closes_to_retry: list[tuple[str, dict]] = []
        self.listener_cut = False
        self.local_copies: dict[int, float] = {}
        self.ever_connected = False
        metrics.gauge("avalon_redis_outbox", self.outbox.qsize)

    # Lifecycle

    def start(self) -> None:
        """Start the listener, publisher and heartbeat greenlets of this worker."""
        if not self.greenlets:
            loops = (self._listen, self._publish_loop, self._heartbeat)
            self.greenlets = [gevent.spawn(loop) for loop in loops]

    def stop(self) -> None:
        """Stop this worker's greenlets."""
        gevent.killall(self.greenlets, block=False)
        self.greenlets = []

    def healthy(self) -> bool:
        """Tell whether Redis answers (within a handler's timeout)."""
        try:
            answered = bool(self.client.ping())
        except REDIS_ERRORS:
            return False
        self.ever_connected = self.ever_connected or answered
        return answered

    def in_outage(self) -> bool:
        """Tell whether messages go to this worker's sockets only, Redis being down."""
        return self.outage

    # Delivery

    def publish(self, delivery: Delivery) -> None:
        """Queue a message for the room's channel; never waits on Redis."""
        header: dict[str, Any] = {"to": delivery.to, "x": delivery.exclude, "o": delivery.only}
        header.update(r=delivery.reply_to, c=delivery.correlation_id, k=delivery.chat_id)
        self._queue(delivery.room, header, delivery.data)

    def close_player(self, room: str, player_id: int, code: int, reason: str) -> None:
        """Close a player's socket on whichever worker holds it."""
        self._queue(room, {"close": [player_id, None, code, reason]}, b"")

    def _queue(self, room: str, header: dict, data: bytes) -> None:
        """Put one channel message in the outbox, or apply it here during an outage."""
        if self.outage:
            self._apply_locally(room, header, data)
            return
        header["w"], header["i"] = self.worker_id, next(self.sequence)
        try:
            self.outbox.put_nowait((room, header, data))
        except Full:
            metrics.inc("avalon_redis_errors_total", operation="outbox_full")
            self._begin_outage("the outbox is full")
            self._apply_locally(room, header, data)

    def _publish_loop(self) -> None:
        """Send queued messages to Redis in batches, in order, from one greenlet."""
        while True:
            batch = [self.outbox.get()]
            while len(batch) < PUBLISH_BATCH and not self.outbox.empty():
                batch.append(self.outbox.get_nowait())
            if not self.outage:
                try:
                    self.publisher.send(batch)
                    continue
                except REDIS_ERRORS as exc:
                    metrics.inc("avalon_redis_errors_total", operation="publish")
                    self._begin_outage(f"publish failed: {type(exc).__name__}: {exc}")
            now = time.monotonic()
            for room, header, data in batch:  # to this worker's sockets at least
                self.local_copies[header["i"]] = now
                self._apply_locally(room, header, data)

    def _apply_locally(self, room: str, header: dict, data: bytes) -> None:
        """Do what a channel message does, for this worker's sockets; note what others lost."""
        if "close" in header:
            self.closes_to_retry.append((room, header))  # its socket may be elsewhere
        elif "catchup" not in header:
            self._note_lost(room, header.get("k"))
        self._apply(room, header, data)

    def _note_lost(self, room: str, chat_id: int | None) -> None:
        """Remember a room whose message reached no other worker (and its chat id, if any)."""
        since = None if chat_id is None else chat_id - 1
        if room not in self.lost:
            self.lost[room] = since
        elif since is not None:
            known = self.lost[room]
            self.lost[room] = since if known is None else min(known, since)

    def _apply(self, room: str, header: dict, data: bytes) -> None:
        """Deliver one channel message to this worker's sockets (or close, or catch up)."""
        if "close" in header:
            player_id, only, code, reason = header["close"]
            conn = hub.local_connection(room, player_id)
            if conn is not None and (only is None or only == self.presence.conn_id(conn)):
                conn.close(code, reason)
        elif "catchup" in header:
            if self.on_catch_up is not None:
                gevent.spawn(self.on_catch_up, room, header["catchup"])
        else:
            delivery = Delivery(room, data, header["to"], header["x"], header["r"], header["c"])
            delivery.chat_id, delivery.only = header.get("k"), header.get("o")
            hub.deliver(delivery)

    # Outages

    def _begin_outage(self, why: str) -> None:
        """From now on deliver here only, and remember what each socket surely has."""
        if self.outage:
            return
        self.outage = True
        log.error("event=redis_outage worker=%s reason=%r until_back=local", self.worker_id, why)
        for conn in hub.all_connections():
            conn.mark_chat()
        gevent.spawn(self._recover)

    def _recover(self) -> None:
        """Wait for Redis and the listener; then end the outage and make everyone catch up."""
        delay = RETRY_FIRST
        while True:
            gevent.sleep(delay)
            delay = min(RETRY_MAX, delay * 2)
            try:
                self.stream.ping()
            except REDIS_ERRORS:
                continue
            if self.listening.is_set():
                break
        # Idle connections that died in the outage, unnoticed: the next use connects anew (one
        # in use fails and reconnects by itself; closing it would break its command midway).
        self.publisher.reset()
        self.client.connection_pool.disconnect(inuse_connections=False)
        lost, self.lost = self.lost, {}
        closes, self.closes_to_retry = self.closes_to_retry, []
        self.outage = False
        log.warning("event=redis_back worker=%s rooms_to_catch_up=%d", self.worker_id, len(lost))
        for room, header in closes:
            self._queue(room, {"close": header["close"]}, b"")
        for room, since in lost.items():
            self._queue(room, {"catchup": since}, b"")
        self._renew_all()
        if self.listener_cut:
            self.listener_cut = False
            if self.on_resync is not None:
                gevent.spawn(self.on_resync)

    def _listen(self) -> None:
        """Own the subscription: follow local rooms, deliver messages, survive outages."""
        while True:
            pubsub = self.listen_client.pubsub()
            try:
                self.subscriptions.reset()
                self.subscriptions.sync(pubsub)
                pubsub.ping()
                self.ever_connected = True
                self.listening.set()
                while True:
                    self.subscriptions.sync(pubsub)
                    message = next_message(pubsub)
                    if message is not None:
                        try:
                            self._handle(message)
                        except Exception:  # one bad message must not stop the listener
                            log.exception("event=redis_message_failed")
            except REDIS_ERRORS as exc:
                self.listening.clear()
                metrics.inc("avalon_redis_errors_total", operation="listen")
                self.listener_cut = True
                if not self.ever_connected and not self.outage:
                    # Never reached since this worker started: most likely a wrong REDIS_URL.
                    log.error("event=redis_unreachable error=%r check=REDIS_URL", str(exc))
                self._begin_outage(f"listener failed: {type(exc).__name__}")
            finally:
                try:
                    pubsub.close()
                except REDIS_ERRORS:
                    pass
            gevent.sleep(RETRY_FIRST)

    def _handle(self, message: dict) -> None:
        """Deliver one channel message to this worker's sockets."""
        if message["type"] not in ("message", "subscribe", "unsubscribe"):
            return  # pongs of the health check
        room = message["channel"].decode().removeprefix(self.keys.channel_prefix)
        if message["type"] != "message":
            self.subscriptions.note(message["type"], room)
            return
        head, _, data = message["data"].partition(b"\n")
        header = json.loads(head)
        if header.get("w") == self.worker_id and header.get("i") in self.local_copies:
            del self.local_copies[header["i"]]  # its publish timed out, yet Redis had it
            return
        self._apply(room, header, data)

    # Presence

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
            if not self.outage and self.listening.is_set():  # else nothing to wait for
                self.subscriptions.wait(conn.room_code)
            return self._claim(conn, older)
        finally:
            self.claiming.discard(conn)

    def _claim(self, conn: Connection, older: Connection | None) -> bool:
        """Claim the seat's presence for a registered socket; close or refuse the other."""
        if self.outage:
            return older is None
        try:
            claimed, previous = self.presence.claim(conn)
        except REDIS_ERRORS as exc:
            metrics.inc("avalon_redis_errors_total", operation="presence")
            self._begin_outage(f"presence failed: {type(exc).__name__}")
            return older is None
        if not claimed:  # a socket opened after this one holds the seat elsewhere
            hub.unregister(conn)
            raise CloseSocket(*REPLACED)
        if previous is None:
            return older is None
        if older is None or previous != self.presence.conn_id(older):
            # The older socket lives on another worker (or host): ask it to close.
            self._queue(conn.room_code, {"close": [conn.player_id, previous, *REPLACED]}, b"")
        return False

    def disconnect(self, conn: Connection) -> bool:
        """Unregister a socket; tell whether its player is now offline everywhere."""
        if not hub.unregister(conn):
            return False
        if self.outage:
            return True
        try:
            return self.presence.release(conn)
        except REDIS_ERRORS:
            metrics.inc("avalon_redis_errors_total", operation="presence")
            return True

    def online(self, room: str) -> set[int]:
        """Players of the room with a live socket on any worker (this one's in an outage)."""
        if not self.outage:
            try:
                return self.presence.online(room)
            except REDIS_ERRORS as exc:
                metrics.inc("avalon_redis_errors_total", operation="presence")
                self._begin_outage(f"presence failed: {type(exc).__name__}")
        return hub.local_players(room)

    def _heartbeat(self) -> None:
        """Renew the presence of every local socket before it expires; forget old copies."""
        while True:
            gevent.sleep(HEARTBEAT_SECONDS)
            if not self.outage:
                self._renew_all()
            forget_before = time.monotonic() - LOCAL_COPY_MEMORY
            self.local_copies = {i: t for i, t in self.local_copies.items() if t > forget_before}

    def _renew_all(self) -> None:
        """Renew (or restore) the presence of every local socket in one round trip."""
        connections = [conn for conn in hub.all_connections() if conn not in self.claiming]
        try:  # with no socket here too: the deployment's room count stays fresh
            self.presence.renew(connections)
        except REDIS_ERRORS as exc:
            metrics.inc("avalon_redis_errors_total", operation="heartbeat")
            log.warning("event=presence_heartbeat_failed error=%s", type(exc).__name__)


def stream_client(url: str, **options: Any) -> redis.Redis:
    """A client for the publisher or the listener: a Redis slower than STREAM_TIMEOUT is down."""
    return redis.Redis.from_url(
        url, socket_connect_timeout=STREAM_TIMEOUT, socket_timeout=STREAM_TIMEOUT, **options
    )
