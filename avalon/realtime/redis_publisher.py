"""Sending a worker's room messages to their Redis channels, in order, from one greenlet."""

from __future__ import annotations

import json

import redis

from avalon.realtime.redis_presence import Keys

Outgoing = tuple[str, dict, bytes]  # a room, the channel message's header, the envelope


class Publisher:
    """Publishes batches of channel messages: one message alone, or many in one pipeline.

    A quiet worker's batch is one message. It goes on a connection of the publisher's own:
    checking one out of a pool polls the socket for every command, as much as the publish.
    """

    def __init__(self, url: str, keys: Keys, stream: redis.Redis, timeout: float) -> None:
        self.url = url
        self.keys = keys
        self.stream = stream  # the broker's client of its publisher (and its recovery's ping)
        self.timeout = timeout
        self.single: redis.Redis | None = None  # made at the first send (it connects at once)

    def send(self, batch: list[Outgoing]) -> None:
        """Publish every message of the batch in order, in one round trip."""
        if len(batch) == 1:
            room, header, data = batch[0]
            # A failure is an outage, and the broker's recovery resets this connection.
            self.single = self.single or self._single_connection()
            self.single.publish(self.keys.channel(room), encode(header, data))
            return
        pipe = self.stream.pipeline(transaction=False)
        for room, header, data in batch:
            pipe.publish(self.keys.channel(room), encode(header, data))
        pipe.execute()

    def reset(self) -> None:
        """Drop the publisher's own connection (it may have died unnoticed in an outage)."""
        single, self.single = self.single, None
        if single is not None:
            try:
                single.close()
            except (redis.RedisError, OSError):
                pass  # closing a broken connection: nothing to save

    def _single_connection(self) -> redis.Redis:
        """A client holding one connection (it connects at once: a failure is an outage)."""
        timeouts = {"socket_connect_timeout": self.timeout, "socket_timeout": self.timeout}
        return redis.Redis.from_url(self.url, single_connection_client=True, **timeouts)


def encode(header: dict, data: bytes) -> bytes:
    """One channel message: a JSON header line, then the envelope."""
    return json.dumps(header, separators=(",", ":")).encode() + b"\n" + data
