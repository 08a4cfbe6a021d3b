"""Rate limits: token buckets, and the one policy of every limit kept per seat or address.

A `Limiter` counts each key (a seat, an address) in a token bucket of this worker, and
with Redis also in the `limits` library's sliding window counter that every worker and
host shares. When Redis fails the bucket alone decides, with the same burst and rate:
no limit is lifted and nobody is refused for the outage. `RedisCounts` is the Redis side
that every limit of a worker shares: one connection pool, one back-off.
"""

from __future__ import annotations

import logging
import math
import time
from collections import OrderedDict
from collections import deque
from collections.abc import Callable
from typing import TypeVar

from limits import RateLimitItem
from limits import RateLimitItemPerSecond
from limits.errors import StorageError
from limits.storage import RedisStorage
from limits.strategies import SlidingWindowCounterRateLimiter
from redis import ConnectionPool
from redis import RedisError
from redis.backoff import NoBackoff
from redis.retry import Retry

from avalon.ops import metrics

log = logging.getLogger(__name__)

REDIS_TIMEOUT = 0.1  # seconds a limit check may wait on Redis (to connect, then to answer)
BACKOFF_FIRST = 1.0  # seconds Redis is left alone after it fails ...
BACKOFF_LONGEST = 30.0  # ... doubling while it keeps failing, up to this
# What a failing Redis raises: the library wraps redis-py's errors, a socket may not be.
REDIS_FAILURES = (StorageError, RedisError, OSError)

T = TypeVar("T")


class TokenBucket:
    """Allow bursts of `burst` actions, refilled at `rate` per second."""

    __slots__ = ("burst", "rate", "tokens", "updated")

    def __init__(self, burst: float, rate: float, now: float | None = None) -> None:
        self.burst = burst
        self.rate = rate
        self.tokens = burst
        self.updated = time.monotonic() if now is None else now

    def allow(self, now: float | None = None) -> bool:
        """Take one token if there is one; tell whether the action may go ahead."""
        now = time.monotonic() if now is None else now
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


class SlidingWindow:
    """Count events in the last `window` seconds and tell when more than `limit` happened."""

    __slots__ = ("limit", "window", "times")

    def __init__(self, limit: int, window: float) -> None:
        self.limit = limit
        self.window = window
        # Made at the first event: every socket has one of these, few ever use it.
        self.times: deque[float] | None = None

    def exceeded(self, now: float | None = None) -> bool:
        """Record one event; tell whether the window now holds more than `limit`."""
        now = time.monotonic() if now is None else now
        if self.times is None:
            self.times = deque(maxlen=self.limit + 1)
        self.times.append(now)
        return len(self.times) > self.limit and now - self.times[0] <= self.window


class KeyedBuckets:
    """One token bucket per key (a seat, an address), remembering at most `capacity` keys."""

    def __init__(self, burst: float, rate: float, capacity: int = 10000) -> None:
        self.burst = burst
        self.rate = rate
        self.capacity = capacity
        self.buckets: OrderedDict[str, TokenBucket] = OrderedDict()

    def allow(self, key: str, now: float | None = None) -> bool:
        """Take one token from this key's bucket."""
        bucket = self.buckets.pop(key, None)
        if bucket is None:
            bucket = TokenBucket(self.burst, self.rate, now)
            if len(self.buckets) >= self.capacity:
                self.buckets.popitem(last=False)  # forget the least recently used key
        self.buckets[key] = bucket
        return bucket.allow(now)

    def refund(self, key: str) -> None:
        """Give back the token just taken for an action that did not happen after all."""
        bucket = self.buckets.get(key)
        if bucket is not None:
            bucket.tokens = min(bucket.burst, bucket.tokens + 1)

    def seconds_until_allowed(self, key: str) -> int:
        """Whole seconds until this key's bucket holds a token again (at least 1)."""
        bucket = self.buckets.get(key)
        missing = 1.0 if bucket is None else max(0.0, 1.0 - bucket.tokens)
        return max(1, math.ceil(missing / self.rate))


def window_item(burst: float, rate: float, namespace: str = "addr") -> RateLimitItem:
    """`burst` requests per `burst / rate` seconds: a burst, then `rate` per second.

    The sliding window counter weighs the previous window's count down as time passes,
    so after a burst the allowance comes back at about `rate` per second, as a token
    bucket of that size and refill rate would give it back.
    """
    amount = max(1, int(burst))
    return RateLimitItemPerSecond(amount, max(1, math.ceil(amount / rate)), namespace=namespace)


class RedisCounts:
    """The Redis that every limit of a worker counts in, and when to leave it alone.

    After a failure Redis is not asked for BACKOFF_FIRST seconds, then twice as long
    after each failure in a row (up to BACKOFF_LONGEST), and only one check at a time
    asks whether it is back: a stalled Redis costs one timeout per back-off, not one per
    check. One log line says the outage started and one that it ended.
    """

    def __init__(
        self,
        url: str,
        prefix: str,
        *,
        timeout: float = REDIS_TIMEOUT,
        backoff: tuple[float, float] = (BACKOFF_FIRST, BACKOFF_LONGEST),
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        pool = ConnectionPool.from_url(
            url,
            socket_connect_timeout=timeout,
            socket_timeout=timeout,
            retry=Retry(NoBackoff(), 0),  # a retry would double what a stalled Redis costs
        )
        storage = RedisStorage(
            url, connection_pool=pool, key_prefix=f"{prefix}:limits", wrap_exceptions=True
        )
        self.strategy = SlidingWindowCounterRateLimiter(storage)
        self.first_backoff, self.longest_backoff = backoff
        self.clock = clock
        self.failures = 0  # failed attempts in a row: 0 while Redis answers
        self.resume_at = 0.0  # when Redis may be asked again (clock time)
        self.down_since = 0.0  # when the current outage was found (clock time)
        self.probing = False  # one check is finding out whether Redis is back

    def hit(self, item: RateLimitItem, key: str) -> bool | None:
        """Count one hit in Redis: whether it is allowed, or None when Redis cannot say."""
        return self._ask(lambda: self.strategy.hit(item, key))

    def reset_in(self, item: RateLimitItem, key: str) -> float | None:
        """Seconds until Redis lets this key through again, or None when it cannot say."""
        return self._ask(lambda: self.strategy.get_window_stats(item, key).reset_time - time.time())

    def _ask(self, call: Callable[[], T]) -> T | None:
        """Run one Redis call unless backing off; a failure starts or extends the back-off."""
        if self.probing or self.clock() < self.resume_at:
            return None
        probe = self.failures > 0
        self.probing = probe
        try:
            answer = call()
        except REDIS_FAILURES as error:
            self._failed(error, probe)
            return None
        finally:
            if probe:
                self.probing = False
        if self.failures:
            log.warning("event=limits_redis_back down_seconds=%.1f", self.clock() - self.down_since)
            self.failures = 0
        return answer

    def _failed(self, error: Exception, probe: bool) -> None:
        """Count a failure; back off from Redis, longer each time it fails in a row."""
        metrics.inc("avalon_redis_errors_total", operation="rate_limit")
        if self.failures and not probe:
            return  # asked before the outage was found: the back-off already holds
        now = self.clock()
        self.failures += 1
        wait = min(self.longest_backoff, self.first_backoff * 2 ** (self.failures - 1))
        self.resume_at = now + wait
        if self.failures == 1:
            self.down_since = now
            cause = getattr(error, "storage_error", error)
            log.warning(
                "event=limits_redis_down error=%s counting=per_worker retry_in=%.1f",
                type(cause).__name__,
                wait,
            )


class Limiter:
    """`burst` actions at once per key, then `rate` a second: the policy of every limit.

    This worker's token bucket for the key always counts; without Redis it is the limit
    (exact burst and refill). With Redis an action must also pass the shared sliding
    window, and while Redis fails the bucket alone decides: a key that spent its burst
    before the outage stays refused, and one refused locally costs no Redis round trip.
    """

    def __init__(
        self,
        name: str,
        burst: float,
        rate: float,
        redis: RedisCounts | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = name
        self.item = window_item(burst, rate, namespace=name)
        self.buckets = KeyedBuckets(burst, rate)
        self.redis = redis
        self.clock = clock

    def allow(self, key: str) -> bool:
        """Count one action of a key; tell whether it may go ahead."""
        if not self.buckets.allow(key, self.clock()):
            return False
        if self.redis is not None and self.redis.hit(self.item, key) is False:
            self.buckets.refund(key)  # refused deployment-wide: the action did not happen
            return False
        return True

    def retry_after(self, key: str) -> int:
        """Whole seconds (at least 1) until a refused key may act again."""
        local = self.buckets.seconds_until_allowed(key)
        shared = None if self.redis is None else self.redis.reset_in(self.item, key)
        return local if shared is None else max(local, math.ceil(shared))


class AddressLimiter:
    """The per-address limit on /api/rooms* and socket opens, with the wait when refused."""

    def __init__(self, burst: float, rate: float, redis: RedisCounts | None = None) -> None:
        self.limit = Limiter("addr", burst, rate, redis)

    def allow(self, address: str) -> tuple[bool, int]:
        """Count one request from an address; (allowed, seconds to wait when refused)."""
        if self.limit.allow(address):
            return True, 0
        return False, self.limit.retry_after(address)


def redis_counts(config: dict) -> RedisCounts | None:
    """The worker's Redis counts under the deployment's namespace, when REDIS_URL is set."""
    url = config.get("REDIS_URL")
    return RedisCounts(url, config["NAMESPACE"]) if url else None
