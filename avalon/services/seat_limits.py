"""Limits per seat (chat, moves) and per address (failed socket logins), across sockets.

A seat's allowance belongs to the seat, not to its socket, so reconnecting refills
nothing. With Redis the counts are shared by every worker and host (the `limits`
library's sliding window, under the deployment's namespace); without it they live in
this worker, which then holds every socket of the deployment.
"""

from __future__ import annotations

import logging
import math
from typing import Protocol

from limits import RateLimitItemPerSecond
from limits.storage import RedisStorage
from limits.strategies import SlidingWindowCounterRateLimiter

from avalon.ops import metrics
from avalon.services.limits import KeyedBuckets

log = logging.getLogger(__name__)

AUTH_FAILURE_BURST = 10  # failed socket logins an address may make at once ...
AUTH_FAILURE_RATE = 0.2  # ... then one every five seconds


class Limit(Protocol):
    def allow(self, key: str) -> bool: ...


class LocalLimit:
    """A token bucket per key in this process (the protocol's burst and refill exactly)."""

    def __init__(self, burst: float, rate: float) -> None:
        self.buckets = KeyedBuckets(burst, rate)

    def allow(self, key: str) -> bool:
        """Take one token from this key's bucket."""
        return self.buckets.allow(key)


class SharedLimit:
    """`burst` actions per `burst / rate` seconds per key, counted in Redis."""

    def __init__(self, storage: RedisStorage, name: str, burst: float, rate: float) -> None:
        self.limiter = SlidingWindowCounterRateLimiter(storage)
        amount = max(1, int(burst))
        self.item = RateLimitItemPerSecond(amount, max(1, math.ceil(amount / rate)))
        self.name = name

    def allow(self, key: str) -> bool:
        """Count one action; a Redis outage allows it (the per-socket checks still hold)."""
        try:
            return bool(self.limiter.hit(self.item, self.name, key))
        except Exception as exc:  # any storage failure: never lock players out
            metrics.inc("avalon_redis_errors_total", operation="limit")
            log.warning("event=limit_unavailable name=%s error=%s", self.name, type(exc).__name__)
            return True


class SeatLimits:
    """The chat and move allowance of every seat, and failed logins per address."""

    def __init__(self, config: dict) -> None:
        redis_url = config.get("REDIS_URL")
        if redis_url:
            storage = RedisStorage(
                redis_url,
                key_prefix=f"{config['NAMESPACE']}:limits",
                socket_connect_timeout=1,
                socket_timeout=2,
            )
            self.chat: Limit = SharedLimit(
                storage, "chat", config["CHAT_BURST"], config["CHAT_RATE"]
            )
            self.moves: Limit = SharedLimit(
                storage, "moves", config["MOVE_BURST"], config["MOVE_RATE"]
            )
        else:
            self.chat = LocalLimit(config["CHAT_BURST"], config["CHAT_RATE"])
            self.moves = LocalLimit(config["MOVE_BURST"], config["MOVE_RATE"])
        self.auth_failures = LocalLimit(AUTH_FAILURE_BURST, AUTH_FAILURE_RATE)

    def allow_chat(self, room: str, player_id: int) -> bool:
        """Take one chat message from a seat's allowance."""
        return self.chat.allow(f"{room}:{player_id}")

    def allow_move(self, room: str, player_id: int) -> bool:
        """Take one game move or room action from a seat's allowance."""
        return self.moves.allow(f"{room}:{player_id}")

    def allow_auth_failure(self, address: str) -> bool:
        """Count a failed socket login; False once an address has failed too often."""
        return self.auth_failures.allow(address)
