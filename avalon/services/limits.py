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
from redis import BlockingConnectionPool
from redis import RedisError
from redis.backoff import NoBackoff
from redis.retry import Retry

from avalon.ops import metrics

log = logging.getLogger(__name__)

REDIS_TIMEOUT = 0.1  # seconds a limit check may wait on Redis (to connect, then to answer)
# A worker's connections for limit checks; in a storm more checks wait for one (at most
# POOL_WAIT seconds) rather than fail as if Redis were down.
POOL_SIZE = 100
POOL_WAIT = 0.5
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

    def knows(self, key: str) -> bool:
        """Tell whether this key has a bucket here (it acted here lately)."""
        return key in self.buckets

    def tokens(self, key: str) -> float:
        """The tokens left in this key's bucket (a full bucket for an unknown key)."""
        bucket = self.buckets.get(key)
        return self.burst if bucket is None else bucket.tokens

    def at_most(self, key: str, tokens: float) -> None:
        """Leave this key's bucket no more than `tokens` (what a shared count still allows)."""
        bucket = self.buckets.get(key)
        if bucket is not None:
            bucket.tokens = min(bucket.tokens, tokens)

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
        pool = BlockingConnectionPool.from_url(
            url,
            max_connections=POOL_SIZE,
            timeout=POOL_WAIT,
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

    def hit(self, item: RateLimitItem, key: str, cost: int = 1) -> bool | None:
        """Count `cost` hits in Redis: whether they are allowed, or None when Redis cannot say."""
        return self._ask(lambda: self.strategy.hit(item, key, cost=cost))

    def remaining(self, item: RateLimitItem, key: str) -> int | None:
        """Hits Redis still allows this key now, or None when it cannot say."""
        return self._ask(lambda: self.strategy.get_window_stats(item, key).remaining)

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

    A seat's limit (`seat=True`) acts on one worker at a time, where the seat's socket
    is: there Redis is asked at the seat's first action and again once its bucket is half
    spent, carrying the actions allowed in between; `settle` counts those when the socket
    leaves, so a socket opened on another worker finds the seat's spending in Redis and
    reconnecting refills nothing. A quiet seat's message then costs no Redis round trip
    (a tenth of a worker's CPU at the README's load).
    """

    def __init__(
        self,
        name: str,
        burst: float,
        rate: float,
        redis: RedisCounts | None = None,
        clock: Callable[[], float] = time.monotonic,
        seat: bool = False,
    ) -> None:
        self.name = name
        self.item = window_item(burst, rate, namespace=name)
        self.buckets = KeyedBuckets(burst, rate)
        self.redis = redis
        self.clock = clock
        self.seat = seat
        self.uncounted: dict[str, int] = {}  # actions allowed here that Redis has not counted

    def allow(self, key: str) -> bool:
        """Count one action of a key; tell whether it may go ahead."""
        known = self.buckets.knows(key)
        if not self.buckets.allow(key, self.clock()):
            return False
        if self.redis is None:
            return True
        if self.seat and known and self.buckets.tokens(key) >= self.buckets.burst / 2:
            self.uncounted[key] = self.uncounted.get(key, 0) + 1
            return True
        cost = self.uncounted.pop(key, 0) + 1
        answer = self.redis.hit(self.item, key, cost)
        if answer is False:
            # Refused deployment-wide: this action did not happen. The earlier ones are
            # not counted again: the shared window is full, which is what they would say.
            self.buckets.refund(key)
            return False
        if answer is None and self.seat:
            self.uncounted[key] = cost  # Redis is down: counted when the seat leaves
        elif self.seat and not known:
            # New here (a reconnect from another worker, say): what the seat spent
            # elsewhere holds here too, before any action goes uncounted.
            left = self.redis.remaining(self.item, key)
            if left is not None:
                self.buckets.at_most(key, left)
        return True

    def settle(self, key: str) -> None:
        """The key's socket left this worker: count in Redis what it did here uncounted."""
        cost = self.uncounted.pop(key, 0)
        if cost and self.redis is not None:
            self.redis.hit(self.item, key, cost)

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
