"""Failures that repeat, logged once per kind per interval.

A database or Redis that is down fails every background pass, probe and request until it
is back: a traceback each time would bury the one line an operator needs (about 1 MB
per host in 70 s). The first failure of a kind is logged, then at most one line per
REPEAT_SECONDS with how many were left out. Failures of a service that is down are
expected: one `key=value` line without a traceback. Anything else keeps its traceback.
"""

from __future__ import annotations

import logging
import time

from peewee import PeeweeException
from playhouse.pool import MaxConnectionsExceeded
from redis.exceptions import RedisError

REPEAT_SECONDS = 60.0
# A database or Redis that refuses, drops or times out a connection, or a full pool.
EXPECTED: tuple[type[BaseException], ...] = (PeeweeException, RedisError, MaxConnectionsExceeded)

_last: dict[tuple[str, str], float] = {}  # (event, error type) -> when it was last logged
_left_out: dict[tuple[str, str], int] = {}  # ... and how many since were not


def expected(error: BaseException) -> bool:
    """Tell whether an error is a service being down rather than a bug."""
    return isinstance(error, EXPECTED)


def log_failure(logger: logging.Logger, event: str, error: BaseException, **fields: object) -> None:
    """Log a failure unless one of its kind was logged within REPEAT_SECONDS."""
    key = (event, type(error).__name__)
    now = time.monotonic()
    last = _last.get(key)
    if last is not None and now - last < REPEAT_SECONDS:
        _left_out[key] = _left_out.get(key, 0) + 1
        return
    _last[key] = now
    left_out = _left_out.pop(key, 0)
    extra = "".join(f" {name}={value}" for name, value in fields.items())
    detail = " ".join(str(error).split())[:160]  # one line, however the driver words it
    message = "event=%s error=%s%s repeated=%d detail=%r"
    arguments = (event, key[1], extra, left_out, detail)
    if expected(error):
        logger.warning(message, *arguments)
    else:
        logger.error(message, *arguments, exc_info=error)
