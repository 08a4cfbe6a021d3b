"""Who is online, across workers and hosts, in Redis: one key per seat naming its socket.

Each worker's heartbeat renews its sockets' keys, which expire on their own, so a worker
that dies cannot leave players online. Of one player's sockets the one opened last keeps
the seat: socket ids end in their opening time, and the claim compares them in Redis.
Every call here is bounded by the client's short timeouts; while the broker is in an
outage none is made at all (see RedisBroker.outage).
"""

from __future__ import annotations

import time
from collections.abc import Iterable

import redis

from avalon.ops import metrics
from avalon.realtime.connection import Connection

PRESENCE_TTL = 30  # seconds a socket stays "online" without its worker's heartbeat
HEARTBEAT_SECONDS = PRESENCE_TTL / 3

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

    def rooms(self) -> str:
        """The sorted set of every room with a socket on any worker, scored by expiry."""
        return f"{self.namespace}:rooms"

    def presence(self, room: str, player_id: int) -> list[str]:
        """The keys the presence scripts take: the seat's socket, the room's online set."""
        return [self.conn(room, player_id), self.online(room)]


class Presence:
    """The presence scripts of one worker, on one Redis client."""

    def __init__(self, client: redis.Redis, keys: Keys, worker_id: str) -> None:
        self.keys = keys
        self.worker_id = worker_id
        self.claim_script = client.register_script(CLAIM)
        self.release_script = client.register_script(RELEASE)
        self.renew_script = client.register_script(RENEW)
        self.online_script = client.register_script(ONLINE)
        self.client = client
        self.rooms = 0  # rooms with a socket anywhere, as of this worker's last renewal
        metrics.gauge("avalon_rooms_deployment", lambda: float(self.rooms))

    def conn_id(self, conn: Connection) -> str:
        """A name for one socket, unique across workers, ending in when it was opened."""
        return f"{self.worker_id}:{id(conn)}@{conn.opened_at:.6f}"

    def claim(self, conn: Connection) -> tuple[bool, str | None]:
        """Claim the seat for a socket: (claimed, the id of the socket that held it)."""
        keys = self.keys.presence(conn.room_code, conn.player_id)
        opened = f"{conn.opened_at:.6f}"
        args: list[str | int] = [self.conn_id(conn), conn.player_id, PRESENCE_TTL, opened]
        claimed, previous = self.claim_script(keys=keys, args=args)
        return bool(claimed), previous.decode() if previous else None

    def release(self, conn: Connection) -> bool:
        """Give up the seat's presence; tell whether this socket still held it."""
        keys = self.keys.presence(conn.room_code, conn.player_id)
        return bool(self.release_script(keys=keys, args=[self.conn_id(conn), conn.player_id]))

    def online(self, room: str) -> set[int]:
        """Players of the room with a live socket on any worker."""
        return {int(player) for player in self.online_script(keys=[self.keys.online(room)])}

    def renew(self, connections: Iterable[Connection]) -> None:
        """Renew (or restore) the presence of these sockets in one round trip.

        It also counts the rooms with a socket on any worker of the deployment (each
        worker's heartbeat renews its rooms in one shared set), for the metrics.
        """
        pipe = self.client.pipeline(transaction=False)
        rooms: dict[str, float] = {}
        expires = time.time() + PRESENCE_TTL
        for conn in connections:
            keys = self.keys.presence(conn.room_code, conn.player_id)
            args: list[str | int] = [self.conn_id(conn), conn.player_id, PRESENCE_TTL]
            self.renew_script(keys=keys, args=args, client=pipe)
            rooms[conn.room_code] = expires
        if rooms:
            pipe.zadd(self.keys.rooms(), rooms)
        pipe.zremrangebyscore(self.keys.rooms(), "-inf", time.time())
        pipe.zcard(self.keys.rooms())
        self.rooms = int(pipe.execute()[-1])
