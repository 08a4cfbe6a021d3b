"""Small rate limiters kept per connection."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections import deque


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


class AddressLimiter:
    """One token bucket per client address, remembering at most `capacity` addresses."""

    def __init__(self, burst: float, rate: float, capacity: int = 10000) -> None:
        self.burst = burst
        self.rate = rate
        self.capacity = capacity
        self.buckets: OrderedDict[str, TokenBucket] = OrderedDict()

    def allow(self, address: str, now: float | None = None) -> bool:
        """Take one token from this address's bucket."""
        bucket = self.buckets.pop(address, None)
        if bucket is None:
            bucket = TokenBucket(self.burst, self.rate, now)
            if len(self.buckets) >= self.capacity:
                self.buckets.popitem(last=False)  # forget the least recently seen address
        self.buckets[address] = bucket
        return bucket.allow(now)
