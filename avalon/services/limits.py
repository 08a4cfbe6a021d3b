"""Rate limiters: token buckets per connection, seat and address; Redis-shared by `limits`."""

from __future__ import annotations

import logging
import math
import time
from collections import OrderedDict
from collections import deque

from limits import RateLimitItem
from limits import RateLimitItemPerSecond
from limits.errors import StorageError
from limits.storage import RedisStorage
from limits.strategies import SlidingWindowCounterRateLimiter

from avalon.ops import metrics

log = logging.getLogger(__name__)

REDIS_TIMEOUT = 0.5  # seconds one limit check may wait on Redis before counting in-process
REDIS_RETRY = 5.0  # seconds after a Redis failure before the shared limit is tried again


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

    def seconds_until_allowed(self, key: str) -> int:
        """Whole seconds until this key's bucket holds a token again (at least 1)."""
        bucket = self.buckets.get(key)
        missing = 1.0 if bucket is None else max(0.0, 1.0 - bucket.tokens)
        return max(1, math.ceil(missing / self.rate))


def window_item(burst: float, rate: float) -> RateLimitItem:
    """`burst` requests per `burst / rate` seconds: a burst, then `rate` per second.

    The sliding window counter weighs the previous window's count down as time passes,
    so after a burst the allowance comes back at about `rate` per second, as a token
    bucket of that size and refill rate would give it back.
    """
    amount = max(1, int(burst))
    return RateLimitItemPerSecond(amount, max(1, round(amount / rate)), namespace="addr")


class AddressLimiter:
    """A per-address limit shared by every worker and host through Redis, else in-process.

    When Redis fails, each worker counts on its own for REDIS_RETRY seconds (a looser
    limit, never a refusal of everyone) and then tries Redis again.
    """

    def __init__(
        self, burst: float, rate: float, redis_url: str | None = None, prefix: str = "avalon"
    ) -> None:
        self.item = window_item(burst, rate)
        self.burst, self.rate = burst, rate
        self.prefix = prefix
        self.redis_url = redis_url
        self._shared: SlidingWindowCounterRateLimiter | None = None
        self._local: KeyedBuckets | None = None
        self.redis_down_until = 0.0

    def shared(self) -> SlidingWindowCounterRateLimiter | None:
        """The Redis-backed limiter, while Redis is configured and not failing."""
        if self.redis_url is None or time.monotonic() < self.redis_down_until:
            return None
        if self._shared is None:
            storage = RedisStorage(
                self.redis_url,
                key_prefix=f"{self.prefix}:limits",
                wrap_exceptions=True,
                socket_connect_timeout=REDIS_TIMEOUT,
                socket_timeout=REDIS_TIMEOUT,
            )
            self._shared = SlidingWindowCounterRateLimiter(storage)
        return self._shared

    def local(self) -> KeyedBuckets:
        """The in-process allowance: a token bucket per address, as burst and rate say.

        Not the limits library's MemoryStorage: it starts a timer 10 ms after every hit
        that walks every key, a wake-up of the worker per request (a reconnect storm's
        2,000 handshakes each paid for one).
        """
        if self._local is None:
            self._local = KeyedBuckets(self.burst, self.rate)
        return self._local

    def allow(self, address: str) -> tuple[bool, int]:
        """Count one request from an address; (allowed, seconds to wait when refused)."""
        limiter = self.shared()
        if limiter is not None:
            try:
                return self._hit(limiter, address)
            except StorageError as error:
                metrics.inc("avalon_redis_errors_total", operation="rate_limit")
                log.warning("event=rate_limit_redis_failed error=%s", type(error).__name__)
                self.redis_down_until = time.monotonic() + REDIS_RETRY
        buckets = self.local()
        if buckets.allow(address):
            return True, 0
        return False, buckets.seconds_until_allowed(address)

    def _hit(self, limiter: SlidingWindowCounterRateLimiter, address: str) -> tuple[bool, int]:
        """Hit the limit; when refused, read when the next request would be let through."""
        if limiter.hit(self.item, address):
            return True, 0
        reset_at = limiter.get_window_stats(self.item, address).reset_time
        return False, max(1, math.ceil(reset_at - time.time()))
