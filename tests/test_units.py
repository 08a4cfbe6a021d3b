"""Unit tests of the small pure pieces: tokens, validation, limiters, frames, logs."""

from __future__ import annotations

import json
import subprocess
import sys
import types
import uuid
from datetime import datetime

import pytest
from flask import Flask
from wsproto.frame_protocol import FrameProtocol
from wsproto.frame_protocol import Opcode

from avalon import config
from avalon.ops.logs import redact
from avalon.protocol.codes import CloseCode
from avalon.protocol.errors import CloseSocket
from avalon.protocol.errors import ProtocolError
from avalon.protocol.validation import clean_chat_message
from avalon.protocol.validation import clean_display_name
from avalon.protocol.validation import normalise_code
from avalon.protocol.validation import parse_non_negative_int
from avalon.realtime import hub
from avalon.realtime.connection import Connection
from avalon.realtime.hub import with_correlation_id
from avalon.realtime.redis_broker import RedisBroker
from avalon.realtime.transport import text_frame
from avalon.services.limits import SlidingWindow
from avalon.services.limits import TokenBucket
from avalon.services.tokens import TokenError
from avalon.services.tokens import issue_token
from avalon.services.tokens import read_token
from avalon.store.db import sqlite_text
from tests.services import REDIS_URL
from tests.services import require_service

pytestmark = pytest.mark.timeout(10)


@pytest.fixture
def app_context():
    app = Flask(__name__)
    app.config.update(SECRET_KEY="unit-test-key", TOKEN_MAX_AGE=60)
    with app.app_context():
        yield


# Tokens


def test_token_round_trip(app_context):
    claims = read_token(issue_token(3, 7))
    assert (claims.room_id, claims.room_player_id) == (3, 7)


def test_tampered_token_is_rejected(app_context):
    token = issue_token(3, 7)
    forged = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
    with pytest.raises(TokenError):
        read_token(forged)


def test_token_signed_with_another_key_is_rejected(app_context):
    with pytest.raises(TokenError):
        read_token(issue_token(3, 7, secret_key="some-other-key"))


def test_expired_token_is_rejected(app_context):
    token = issue_token(3, 7)
    with pytest.raises(TokenError, match="expired"):
        read_token(token, max_age=-1)


@pytest.mark.parametrize("garbage", ["", "x", "a.b.c", "eyJ4IjoxfQ.abc.def"])
def test_garbage_tokens_are_rejected(app_context, garbage):
    with pytest.raises(TokenError):
        read_token(garbage)


# Validation


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("abcde", "ABCDE"), (" XYZ23 ", "XYZ23"), ("ABCD", None), ("ABCD0", None), ("ABCDI", None)],
)
def test_room_codes(raw, expected):
    assert normalise_code(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (" Alice ", "Alice"),
        ("x" * 24, "x" * 24),
        ("x" * 25, None),
        ("", None),
        ("a\tb", None),
        ("a\u200bb", None),
        ("Zoë 🎲", "Zoë 🎲"),
        (None, None),
        (7, None),
    ],
)
def test_display_names(raw, expected):
    assert clean_display_name(raw) == expected


def test_chat_message_rules():
    assert clean_chat_message("  hi\nthere  ", 500) == "hi\nthere"
    assert clean_chat_message("é" * 500, 500) == "é" * 500
    for bad, code in [
        ("", "invalid_payload"),
        ("  \n ", "invalid_payload"),
        ("a\x00b", "invalid_payload"),
        ("a\rb", "invalid_payload"),
        (12, "invalid_payload"),
        ("x" * 501, "message_too_long"),
    ]:
        with pytest.raises(ProtocolError) as error:
            clean_chat_message(bad, 500)
        assert error.value.code == code


@pytest.mark.parametrize(("raw", "expected"), [(None, None), ("0", 0), ("42", 42)])
def test_non_negative_ints(raw, expected):
    assert parse_non_negative_int(raw) == expected


@pytest.mark.parametrize("raw", ["", "-1", "1.0", "x", "١٢", "9" * 30])
def test_non_negative_ints_reject(raw):
    with pytest.raises(ValueError):
        parse_non_negative_int(raw)


# Rate limiters


def test_token_bucket_bursts_then_refills():
    bucket = TokenBucket(burst=3, rate=2, now=0.0)
    assert [bucket.allow(now=0.0) for _ in range(4)] == [True, True, True, False]
    assert bucket.allow(now=0.4) is False  # 0.8 of a token
    assert bucket.allow(now=0.5) is True
    assert [bucket.allow(now=100.0) for _ in range(4)] == [True, True, True, False]


def test_sliding_window_counts_recent_events_only():
    window = SlidingWindow(limit=3, window=10.0)
    assert [window.exceeded(now=t) for t in (0, 1, 2)] == [False, False, False]
    assert window.exceeded(now=3) is True
    window = SlidingWindow(limit=3, window=10.0)
    assert [window.exceeded(now=t) for t in (0, 5, 11, 12)] == [False, False, False, False]


# Frames and envelopes


@pytest.mark.parametrize("size", [0, 125, 126, 65535, 65536, 1 << 20])
def test_text_frame_parses_as_one_complete_message(size):
    payload = ("é" * size).encode()[:size]
    payload = payload.decode(errors="ignore").encode()
    parser = FrameProtocol(client=True, extensions=[])
    parser.receive_bytes(text_frame(payload))
    frames = list(parser.received_frames())
    assert len(frames) == 1
    assert frames[0].opcode is Opcode.TEXT and frames[0].message_finished
    assert frames[0].payload == payload.decode()


def test_correlation_id_is_spliced_without_reencoding():
    data = json.dumps({"type": "event", "event": "chat", "payload": {"message": "hi"}}).encode()
    spliced = json.loads(with_correlation_id(data, 'c"1'))
    assert spliced == {**json.loads(data), "correlation_id": 'c"1'}
    assert with_correlation_id(data, None) == data


# Logs and configuration


def test_tokens_are_redacted_from_log_lines():
    line = "GET /ws/rooms/ABCDE?player_id=1&token=abc.def-ghi&since=3 HTTP/1.1"
    assert redact(line) == "GET /ws/rooms/ABCDE?player_id=1&token=[redacted]&since=3 HTTP/1.1"
    assert redact("TOKEN=x") == "TOKEN=[redacted]"


def test_configuration_from_environment():
    settings = config.from_environment(
        {"AVALON_PING_INTERVAL": "5", "AVALON_ALLOWED_ORIGINS": "https://a.example/, https://b"}
    )
    assert settings["PING_INTERVAL"] == 5.0
    assert settings["ALLOWED_ORIGINS"] == ["https://a.example", "https://b"]
    assert settings["DATABASE_URL"] == "sqlite:///avalon.db"
    with pytest.raises(config.ConfigError):
        config.from_environment({"AVALON_SEND_QUEUE": "lots"})
    with pytest.raises(config.ConfigError):
        config.from_environment({"AVALON_SEND_QUEUE": "0"})


def test_production_requires_secret_key(tmp_path):
    settings = config.from_environment({"AVALON_ENV": "production"})
    with pytest.raises(config.ConfigError):
        config.ensure_secret_key(settings, str(tmp_path))
    settings = config.from_environment({})
    config.ensure_secret_key(settings, str(tmp_path))
    again = config.from_environment({})
    config.ensure_secret_key(again, str(tmp_path))
    assert settings["SECRET_KEY"] == again["SECRET_KEY"] and len(settings["SECRET_KEY"]) > 40


@pytest.mark.parametrize(
    "moment, text",
    [
        (datetime(2026, 12, 3, 16, 5, 9, 120), "2026-12-03 16:05:09.000120"),
        (datetime(2026, 12, 3, 16, 5, 9), "2026-12-03 16:05:09"),  # no fraction at all
        (datetime(1, 1, 1), "0001-01-01 00:00:00"),
    ],
)
def test_times_are_written_as_sqlite_text_that_sorts(moment, text):
    assert sqlite_text(moment) == text
    # Without a fraction it is a prefix of the same second with one: text order holds.
    assert sqlite_text(moment.replace(microsecond=0)) <= sqlite_text(moment.replace(microsecond=1))


# The hub


def seat_socket(opened_at: float) -> Connection:
    """A registered-to-be connection of one seat; no socket is written to here."""
    return Connection(types.SimpleNamespace(transport=None), "UNITS", 1, 7, "Ann", 8, opened_at)


def test_the_seats_newest_socket_keeps_it_whichever_registers_first():
    older, newer, newest = seat_socket(100.0), seat_socket(200.0), seat_socket(300.0)
    try:
        assert hub.register(newer) is None
        # The older socket's authentication ended late: it is refused, the seat stays.
        with pytest.raises(CloseSocket) as refused:
            hub.register(older)
        assert refused.value.code == CloseCode.REPLACED
        assert hub.local_connection("UNITS", 7) is newer
        assert not hub.unregister(older)  # it was never registered
        # A socket opened later replaces the current one, as it always did.
        assert hub.register(newest) is newer
        assert hub.local_connection("UNITS", 7) is newest
    finally:
        for conn in (older, newer, newest):
            hub.unregister(conn)
    assert hub.local_players("UNITS") == set()


@pytest.fixture
def seat_on_redis():
    """A Redis broker of a namespace of its own and one seat's socket; its keys go after."""
    require_service("Redis", "127.0.0.1", 6379)
    broker = RedisBroker(REDIS_URL, f"units-{uuid.uuid4().hex[:8]}")
    conn = seat_socket(100.0)
    key = broker.keys.conn(conn.room_code, conn.player_id)
    yield broker, conn, key
    hub.unregister(conn)
    broker.client.delete(key, broker.keys.online(conn.room_code))
    broker.client.close()


def test_the_heartbeat_leaves_a_socket_still_claiming_its_seat_alone(seat_on_redis):
    # Claimed for it by the heartbeat, a socket would never compare its opening time
    # with the seat's holder elsewhere (whose key a Redis restart may have lost).
    broker, conn, key = seat_on_redis
    hub.register(conn)
    broker.claiming.add(conn)
    broker._renew_all()
    assert broker.client.get(key) is None
    broker.claiming.discard(conn)  # its claim ran: from now on the heartbeat renews it
    broker._renew_all()
    assert broker.client.get(key) == broker.presence.conn_id(conn).encode()


# The shutdown watch's signal handler

SIGTERM_SCRIPT = """
import os, signal
import gevent
from gevent.event import Event
from avalon.runtime import wake_on_sigterm

seen = []
signal.signal(signal.SIGTERM, lambda signum, frame: seen.append(signum))
woken = Event()
wake_on_sigterm(woken)
gevent.spawn_later(0.2, os.kill, os.getpid(), signal.SIGTERM)
print(woken.wait(5), seen == [signal.SIGTERM])
signal.signal(signal.SIGTERM, signal.SIG_DFL)
wake_on_sigterm(Event())
print(signal.getsignal(signal.SIGTERM) is signal.SIG_DFL)
"""


@pytest.mark.timeout(60)  # a fresh interpreter importing gevent, slow on a busy machine
def test_sigterm_wakes_the_watch_after_the_handler_before_it_and_leaves_the_default_alone():
    # A process of its own: the test must not replace pytest's own signal handlers.
    done = subprocess.run(
        [sys.executable, "-c", SIGTERM_SCRIPT], capture_output=True, text=True, timeout=45
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "True", "True"]
