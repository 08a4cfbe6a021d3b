"""The limiter's one policy: token buckets, Redis-shared counts, and Redis faults.

A killed Redis refuses at once and a stopped one (SIGSTOP) answers nothing: through
both, every limit keeps its burst and rate per worker, at most one check per back-off
pays the Redis timeout, and checks go back to Redis once it answers again.
"""

from __future__ import annotations

import itertools
import json
import logging
import signal
import sqlite3
import time
import uuid
from pathlib import Path

import pytest
import redis
import websocket

from avalon.ops import metrics
from avalon.services.limits import AddressLimiter
from avalon.services.limits import Limiter
from avalon.services.limits import RedisCounts
from tests.services import REDIS_URL
from tests.services import require_service
from tests.support import WsClient
from tests.support import wait_for

pytestmark = pytest.mark.timeout(30)
ERRORS = ("avalon_redis_errors_total", "rate_limit")  # the metric's key in this process
WAITED = 0.05  # seconds: a check slower than this waited on Redis
NEW_KEYS = itertools.count()  # names of seats that have not acted yet
SLOW = 0.2  # seconds no check may take (generously), bar the first to meet a stalled Redis


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def keys_in(url: str, prefix: str) -> list[bytes]:
    """The limit keys stored under a prefix."""
    client = redis.Redis.from_url(url, socket_timeout=2)
    try:
        return client.keys(f"{prefix}:limits:*")
    finally:
        client.close()


def counted_in_redis(limiter: Limiter, url: str, prefix: str) -> bool:
    """Make one check for a new key; tell whether Redis holds its count."""
    key = f"new{next(NEW_KEYS)}"
    assert limiter.allow(key)
    return any(f"/{key}/".encode() in stored for stored in keys_in(url, prefix))


def timed(limiter: Limiter, key: str) -> tuple[bool, float]:
    """One check and the seconds it took."""
    started = time.monotonic()
    allowed = limiter.allow(key)
    return allowed, time.monotonic() - started


def events(caplog: pytest.LogCaptureFixture, name: str) -> list[str]:
    """The limiter's log lines of one event."""
    return [r.getMessage() for r in caplog.records if f"event={name} " in r.getMessage() + " "]


def test_without_redis_each_key_has_a_token_bucket():
    clock = Clock()
    limiter = Limiter("chat", burst=3, rate=2, clock=clock)
    assert [limiter.allow("a") for _ in range(4)] == [True, True, True, False]
    assert limiter.allow("b")  # every key has its own allowance
    assert limiter.retry_after("a") == 1
    clock.now = 0.4  # 0.8 of a token
    assert not limiter.allow("a")
    clock.now = 0.5
    assert [limiter.allow("a"), limiter.allow("a")] == [True, False]
    clock.now = 100.0  # refilled up to the burst, never beyond
    assert [limiter.allow("a") for _ in range(4)] == [True, True, True, False]
    slow = AddressLimiter(burst=2, rate=0.01)
    assert [slow.allow("x")[0] for _ in range(2)] == [True, True]
    assert slow.allow("x") == (False, 100)  # one token at 0.01 a second


def test_the_shared_limit_is_one_count_for_every_worker():
    require_service("Redis", "127.0.0.1", 6379)
    prefix = f"limits-test-{uuid.uuid4().hex}"
    workers = [Limiter("chat", 10, 0.01, RedisCounts(REDIS_URL, prefix)) for _ in range(2)]
    try:
        # Alternating workers: each one's bucket would allow 10, Redis allows 10 in all.
        answers = [workers[n % 2].allow("ROOM:1") for n in range(14)]
        assert answers == [True] * 10 + [False] * 4
        assert workers[0].allow("ROOM:2")  # another seat
        assert 1 <= workers[1].retry_after("ROOM:1") <= 1000
        stored = keys_in(REDIS_URL, prefix)
        assert stored and all(b"chat/ROOM:" in key for key in stored)
    finally:
        client = redis.Redis.from_url(REDIS_URL)
        for key in client.keys(f"{prefix}:*"):
            client.delete(key)
        client.close()


def test_a_seat_moving_to_another_worker_keeps_what_it_spent():
    require_service("Redis", "127.0.0.1", 6379)
    prefix = f"limits-test-{uuid.uuid4().hex}"
    workers = [Limiter("chat", 10, 0.01, RedisCounts(REDIS_URL, prefix), seat=True) for _ in "ab"]
    try:
        # A quiet seat's messages are counted here alone until half its burst is spent.
        assert [workers[0].allow("ROOM:1") for _ in range(4)] == [True] * 4
        assert count_in_redis(REDIS_URL, prefix, "ROOM:1") == 1  # its first message only
        assert [workers[0].allow("ROOM:1") for _ in range(2)] == [True] * 2
        assert count_in_redis(REDIS_URL, prefix, "ROOM:1") == 6  # half spent: all counted
        workers[0].allow("ROOM:2")
        workers[0].allow("ROOM:2")  # uncounted until its socket leaves
        workers[0].settle("ROOM:2")
        assert count_in_redis(REDIS_URL, prefix, "ROOM:2") == 2
        # The socket leaves, the seat reconnects through the other worker: 10 in all.
        workers[0].settle("ROOM:1")
        assert [workers[1].allow("ROOM:1") for _ in range(6)] == [True] * 4 + [False] * 2
    finally:
        client = redis.Redis.from_url(REDIS_URL)
        for key in client.keys(f"{prefix}:*"):
            client.delete(key)
        client.close()


def count_in_redis(url: str, prefix: str, key: str) -> int:
    """The hits Redis holds for a chat key, over its current and previous windows."""
    client = redis.Redis.from_url(url, socket_timeout=2)
    try:
        stored = [k for k in client.keys(f"{prefix}:limits:*") if f"/{key}/".encode() in k]
        return sum(int(client.get(k) or 0) for k in stored if client.type(k) == b"string")
    finally:
        client.close()


def test_backing_off_doubles_while_redis_keeps_failing(own_redis, caplog):
    caplog.set_level(logging.INFO)
    clock = Clock()
    prefix = f"limits-test-{uuid.uuid4().hex}"
    counts = RedisCounts(own_redis.url, prefix, clock=clock)
    limiter = Limiter("moves", 100000, 100000, counts, clock=clock)  # the bucket never refuses
    assert limiter.allow("seat")
    own_redis.kill()
    asked = []  # when a check asked Redis (each time in vain: one more error counted)
    for tenth in range(700):
        clock.now = tenth / 10
        before = metrics._pending[ERRORS]
        assert limiter.allow("seat")  # never refused for the outage
        if metrics._pending[ERRORS] > before:
            asked.append(clock.now)
    assert asked == [0, 1, 3, 7, 15, 31, 61]  # 1, 2, 4, 8, 16, then 30 s at most
    assert len(events(caplog, "limits_redis_down")) == 1  # one line per outage
    own_redis.start()
    clock.now = 91.0
    assert limiter.allow("seat") and keys_in(own_redis.url, prefix)
    assert len(events(caplog, "limits_redis_back")) == 1
    own_redis.kill()  # a new outage starts from the shortest back-off again
    before = metrics._pending[ERRORS]
    for moment in (92.0, 92.5, 93.0):
        clock.now = moment
        assert limiter.allow("seat")
    assert metrics._pending[ERRORS] == before + 2
    assert len(events(caplog, "limits_redis_down")) == 2


def test_a_killed_redis_leaves_every_worker_the_same_limit(own_redis, caplog):
    caplog.set_level(logging.INFO)
    prefix = f"limits-test-{uuid.uuid4().hex}"
    limiter = Limiter("chat", 10, 0.01, RedisCounts(own_redis.url, prefix))
    assert [limiter.allow("seat") for _ in range(5)] == [True] * 5
    assert keys_in(own_redis.url, prefix)  # counted in Redis
    own_redis.kill()
    checks = [timed(limiter, "seat") for _ in range(10)]
    assert [allowed for allowed, _ in checks] == [True] * 5 + [False] * 5  # 10 in all
    assert max(took for _, took in checks) < SLOW  # a refused connection costs nothing
    assert limiter.allow("another seat")  # nobody is refused for the outage
    assert len(events(caplog, "limits_redis_down")) == 1
    own_redis.start()
    # Back to Redis after the back-off: a seat's check is counted there again.
    wait_for(lambda: counted_in_redis(limiter, own_redis.url, prefix), timeout=5)
    assert len(events(caplog, "limits_redis_back")) == 1
    assert not limiter.allow("seat")  # what was spent during the outage stays spent


def test_a_stalled_redis_costs_one_timeout_per_backoff(own_redis, caplog):
    caplog.set_level(logging.INFO)
    prefix = f"limits-test-{uuid.uuid4().hex}"
    limiter = Limiter("chat", 10, 0.01, RedisCounts(own_redis.url, prefix))
    assert [limiter.allow("seat") for _ in range(5)] == [True] * 5
    flooder, others = [], []
    own_redis.signal(signal.SIGSTOP)
    try:
        stalled = time.monotonic()
        while time.monotonic() - stalled < 2.5:
            flooder.append(timed(limiter, "seat"))
            # A seat with tokens left: without the back-off, each of these would ask Redis.
            others.append(timed(limiter, f"s{len(others)}"))
            time.sleep(0.01)  # a pace of traffic, not a wait for something
    finally:
        own_redis.signal(signal.SIGCONT)
    allowed = [answer for answer, _ in flooder]
    assert allowed == [True] * 5 + [False] * (len(flooder) - 5)  # the burst held throughout
    assert all(answer for answer, _ in others)
    durations = [took for pair in zip(flooder, others, strict=True) for _, took in pair]
    waited = [took for took in durations if took > WAITED]
    # The check that found the stall, then at most one probe a back-off (1 s, then 2 s).
    assert 1 <= len(waited) <= 2, waited
    assert max(durations[1:]) < SLOW and durations[0] < 0.5, waited
    assert len(durations) > 200
    assert len(events(caplog, "limits_redis_down")) == 1
    # Back to Redis once it answers, at the end of the back-off (2 s after the probe).
    wait_for(lambda: counted_in_redis(limiter, own_redis.url, prefix), timeout=5)
    assert len(events(caplog, "limits_redis_back")) == 1
    assert not limiter.allow("seat")


def chat_envelope(correlation_id: str, text: str) -> dict:
    """A chat message with a correlation id."""
    return {"type": "chat", "correlation_id": correlation_id, "payload": {"message": text}}


def stored_chat(database: Path, pattern: str) -> int:
    """How many stored chat messages match a LIKE pattern."""
    with sqlite3.connect(database) as connection:
        return connection.execute(
            "SELECT count(*) FROM chatmessage WHERE message LIKE ?", (pattern,)
        ).fetchone()[0]


def read_refusals(client: WsClient, wanted: int) -> tuple[int, int | None]:
    """Count the flood's `rate_limited` answers until `wanted`, a close or 5 s of silence."""
    refused, close_code = 0, None
    client.ws.settimeout(5)
    while refused < wanted and close_code is None:
        # Frame by frame: the library's own answer to a close could hit a socket already shut.
        try:
            frame = client.ws.recv_frame()
        except websocket.WebSocketTimeoutException:
            break  # no more refusals: what got through is counted in the database
        if frame.opcode == websocket.ABNF.OPCODE_CLOSE:
            close_code = int.from_bytes(frame.data[:2], "big")  # too many errors: cut off
        elif frame.opcode == websocket.ABNF.OPCODE_TEXT:
            message = json.loads(frame.data)
            if str(message.get("correlation_id")).startswith("f"):
                assert message["event"] in ("rate_limited", "chat"), message  # or delivered
                refused += message["event"] == "rate_limited"
    return refused, close_code


@pytest.mark.timeout(60)
def test_a_chat_flood_while_redis_is_down_gets_the_burst_and_no_more(
    make_server, own_redis, tmp_path
):
    database = tmp_path / "flood.db"
    server = make_server(
        REDIS_URL=own_redis.url,
        DATABASE_URL=f"sqlite:///{database}",
        AVALON_CHAT_BURST="10",
        AVALON_CHAT_RATE="2",
    )
    seat = server.create_room("Flooder")
    client, _ = server.join_socket(seat)
    own_redis.kill()
    started = time.monotonic()
    client.send_many([chat_envelope(f"f{n}", f"flood {n}") for n in range(200)])
    refused, close_code = read_refusals(client, 190)
    finished = time.monotonic()
    client.close()
    accepted = stored_chat(database, "flood %")
    refill = 2 * (finished - started)
    assert 10 <= accepted <= 10 + refill + 1, (accepted, refill)
    assert close_code == 1008 or refused == 200 - accepted, (close_code, refused)
    assert refused >= 1
    # Once the bucket refilled, the seat chats again (on a new socket if it was closed).
    time.sleep(max(0.0, finished + 1.0 - time.monotonic()))  # 2 tokens at 2 a second
    again, _ = server.join_socket(seat)
    try:
        again.send(chat_envelope("after", "after the refill"))
        again.send({"type": "system", "correlation_id": "ping", "payload": {"action": "ping"}})
        again.recv_event("pong")  # answers come in order: the chat's came first, if any
        answers = [m for m in again.received if m.get("correlation_id") == "after"]
        assert all(m["event"] == "chat" for m in answers), answers
    finally:
        again.close()
    assert stored_chat(database, "after the refill") == 1
    assert len(server.log_events("limits_redis_down")) == 1  # a line per outage, not per call
    assert "Traceback" not in server.log()
