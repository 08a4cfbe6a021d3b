"""The room socket of PROTOCOL section 3: authentication, snapshot, chat, presence, errors."""

from __future__ import annotations

import json
import re
import socket
import sqlite3
import time

import pytest
from itsdangerous import TimestampSigner
from itsdangerous import URLSafeTimedSerializer

from avalon.services.tokens import SALT
from tests.support import SECRET_KEY
from tests.support import Closed

pytestmark = pytest.mark.timeout(60)


class PastSigner(TimestampSigner):
    def get_timestamp(self) -> int:
        return int(time.time()) - 10**7


def expired_token(room_id: int, player_id: int) -> str:
    serializer = URLSafeTimedSerializer(SECRET_KEY, salt=SALT, signer=PastSigner)
    return serializer.dumps({"room_id": room_id, "room_player_id": player_id})


def refused(server, expected_code, seat=None, **kwargs):
    """Connect, expect an error envelope and then the close code."""
    client = server.connect(seat, **kwargs)
    try:
        error = client.recv()
        assert error["type"] == "error" and error["payload"]["code"]
        assert client.expect_close() == expected_code
    finally:
        client.close()


# Authentication, in the protocol's order


def test_valid_token_gets_room_snapshot_first(server):
    host = server.create_room("Alice")
    client, first = server.join_socket(host)
    try:
        payload = first["payload"]
        assert payload["you"] == {
            "player_id": host["player_id"],
            "display_name": "Alice",
            "is_host": True,
            "spectator": False,
        }
        assert payload["room"]["code"] == host["code"]
        assert payload["room"]["players"][0]["online"] is True
        assert payload["chat"] == [] and payload["game"] is None
    finally:
        client.close()


def test_bearer_header_replaces_token_query(server):
    host = server.create_room()
    client, first = server.join_socket(
        host, token=None, headers=[f"Authorization: Bearer {host['token']}"]
    )
    client.close()
    assert first["payload"]["you"]["player_id"] == host["player_id"]


@pytest.mark.parametrize(
    "params",
    [
        {"player_id": None},
        {"token": None},
        {"player_id": "abc"},
        {"player_id": "-1"},
        {"player_id": "1.5"},
        {"since": "x"},
        {"since": "-3"},
    ],
)
def test_missing_or_malformed_credentials_close_4400(server, params):
    host = server.create_room()
    refused(server, 4400, host, **params)


def test_unknown_room_closes_4404(server):
    host = server.create_room()
    refused(server, 4404, host, code="ZZZZZ")
    refused(server, 4404, host, code="not-a-code")


@pytest.mark.parametrize("token", ["garbage", "a.b.c", "eyJ9.x.y"])
def test_bad_tokens_close_4401(server, token):
    host = server.create_room()
    refused(server, 4401, host, token=token)


def test_expired_token_closes_4401(server):
    host = server.create_room()
    refused(server, 4401, host, token=expired_token(host["room_id"], host["player_id"]))


def test_token_of_another_player_closes_4401(server):
    host = server.create_room("Alice")
    bob = server.join(host["code"], "Bob")
    refused(server, 4401, host, token=bob["token"])


def test_token_for_another_room_closes_4403(server):
    host = server.create_room()
    other = server.create_room()
    refused(server, 4403, other, code=host["code"])


def test_foreign_origin_closes_4403_before_anything_else(server):
    host = server.create_room()
    refused(server, 4403, host, player_id=None, origin="http://evil.example")


def test_own_origin_is_accepted(server):
    host = server.create_room()
    client, _ = server.join_socket(host, origin=f"http://127.0.0.1:{server.port}")
    client.close()


def test_malformed_handshake_gets_400(server):
    host = server.create_room()
    request = (
        f"GET /ws/rooms/{host['code']}?player_id=1&token=x HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{server.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Version: 13\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(request.encode())
        answer = b""
        while b'"}}' not in answer:
            chunk = sock.recv(4096)
            assert chunk, answer
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 400")
    assert b'"bad_handshake"' in answer


# Chat and presence


def test_chat_reaches_everyone_with_correlation_id_for_sender(server):
    seats = server.room_with_players(3)
    clients = [server.join_socket(seat)[0] for seat in seats]
    try:
        clients[0].chat("  hello <b>world</b>  ", correlation_id="c1")
        for index, client in enumerate(clients):
            message = client.recv_event("chat")
            assert message["type"] == "event"
            payload = message["payload"]
            assert payload["message"] == "hello <b>world</b>"
            assert payload["player_id"] == seats[0]["player_id"]
            assert payload["display_name"] == "Player1"
            assert isinstance(payload["id"], int) and payload["sent_at"].endswith("Z")
            assert message.get("correlation_id") == ("c1" if index == 0 else None)
    finally:
        for client in clients:
            client.close()


def test_snapshot_carries_recent_chat_and_since_returns_missed(server):
    seats = server.room_with_players(2)
    alice, _ = server.join_socket(seats[0])
    try:
        sent = []
        for number in range(3):
            alice.chat(f"message {number}")
            sent.append(alice.recv_event("chat")["payload"])
        ids = [payload["id"] for payload in sent]
        bob, first = server.join_socket(seats[1])
        bob.close()
        assert [chat["message"] for chat in first["payload"]["chat"]] == [
            "message 0",
            "message 1",
            "message 2",
        ]
        assert first["payload"]["chat"] == sent  # as stored: ids, names, sent_at to the ms
        bob, first = server.join_socket(seats[1], since=ids[0])
        bob.close()
        assert [chat["id"] for chat in first["payload"]["chat"]] == ids[1:]
    finally:
        alice.close()


def test_chat_times_are_stored_as_sqlite_text_like_every_other_time(make_server, tmp_path):
    """Chat is written by hand: its times must sort and compare like peewee's (retention)."""
    database = tmp_path / "times.db"
    server = make_server(DATABASE_URL=f"sqlite:///{database}")
    seat = server.create_room("Hostess")
    client, _ = server.join_socket(seat)
    try:
        client.chat("a time to keep")
        client.recv_event("chat")
    finally:
        client.close()
    with sqlite3.connect(database) as conn:
        (sent_at,) = conn.execute("SELECT sent_at FROM chatmessage").fetchone()
        created_at, active_at = conn.execute("SELECT created_at, active_at FROM room").fetchone()
    peewee_text = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{6})?")
    for stored in (sent_at, created_at, active_at):
        assert peewee_text.fullmatch(stored), stored
    assert created_at <= active_at == sent_at  # the chat touched the room at its own time


def test_a_burst_from_everyone_is_stored_and_sent_in_one_order(server):
    """Messages that overlap are stored in batches: each keeps its id, text and sender."""
    seats = server.room_with_players(6)
    clients = [server.join_socket(seat)[0] for seat in seats]
    try:
        per_player = 8  # under the chat burst: none is refused
        for seat, client in zip(seats, clients, strict=True):
            pid = seat["player_id"]
            burst = [
                {
                    "type": "chat",
                    "correlation_id": f"{pid}:{n}",
                    "payload": {"message": f"{pid}:{n}"},
                }
                for n in range(per_player)
            ]
            client.send_many(burst)  # one write: the server reads them together
        orders = []
        for seat, client in zip(seats, clients, strict=True):
            chats = [client.recv_event("chat") for _ in range(per_player * len(seats))]
            for chat in chats:  # the sender's own copies, and only those, carry its cid
                mine = chat["payload"]["player_id"] == seat["player_id"]
                assert chat.get("correlation_id") == (chat["payload"]["message"] if mine else None)
            orders.append([chat["payload"] for chat in chats])
        assert all(order == orders[0] for order in orders)  # one order for everyone
        ids = [chat["id"] for chat in orders[0]]
        assert ids == sorted(set(ids))  # ascending, none twice
        for seat in seats:  # each sender's messages in the order sent
            pid = seat["player_id"]
            texts = [c["message"] for c in orders[0] if c["player_id"] == pid]
            assert texts == [f"{pid}:{n}" for n in range(per_player)]
        late, first = server.join_socket(seats[0], since=0)  # what was stored
        late.close()
        assert first["payload"]["chat"] == orders[0]
    finally:
        for client in clients:
            client.close()


def test_presence_events_go_to_everyone_else(server):
    seats = server.room_with_players(2)
    alice, _ = server.join_socket(seats[0])
    try:
        bob, first = server.join_socket(seats[1])
        online = {p["player_id"]: p["online"] for p in first["payload"]["room"]["players"]}
        assert online == {seats[0]["player_id"]: True, seats[1]["player_id"]: True}
        event = alice.recv_event("player_connected")
        assert event["payload"] == {"player_id": seats[1]["player_id"], "display_name": "Player2"}
        bob.close()
        event = alice.recv_event("player_disconnected")
        assert event["payload"]["player_id"] == seats[1]["player_id"]
    finally:
        alice.close()


def test_http_join_announces_player_joined(server):
    host = server.create_room("Alice")
    alice, _ = server.join_socket(host)
    try:
        bob = server.join(host["code"], "Bob")
        event = alice.recv_event("player_joined")
        assert event["payload"]["player_id"] == bob["player_id"]
        assert event["payload"]["display_name"] == "Bob"
    finally:
        alice.close()


def test_second_socket_replaces_first_without_presence_events(server):
    seats = server.room_with_players(2)
    alice, _ = server.join_socket(seats[0])
    bob_first, _ = server.join_socket(seats[1])
    try:
        alice.recv_event("player_connected")
        bob_second, _ = server.join_socket(seats[1])
        assert bob_first.expect_close() == 4409
        # Alice hears nothing about Bob: a chat after the swap is the next thing she gets.
        bob_second.chat("still here")
        assert alice.recv()["event"] == "chat"
        bob_second.close()
        assert (
            alice.recv_event("player_disconnected")["payload"]["player_id"] == seats[1]["player_id"]
        )
    finally:
        alice.close()
        bob_first.close()


# Errors: each gets its envelope and the socket stays open


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("not json", "bad_json"),
        ("[" * 10000, "bad_json"),
        ("[1, 2]", "bad_envelope"),
        ('{"payload": {}}', "bad_envelope"),
        ('{"type": 5}', "bad_envelope"),
        ('{"type": "chat", "payload": "hi"}', "bad_envelope"),
        ('{"type": "dance", "payload": {}}', "unknown_type"),
        ('{"type": "chat", "payload": {}}', "invalid_payload"),
        ('{"type": "chat", "payload": {"message": "   "}}', "invalid_payload"),
        ('{"type": "chat", "payload": {"message": 5}}', "invalid_payload"),
        ('{"type": "chat", "payload": {"message": "a\\u0000b"}}', "invalid_payload"),
        ('{"type": "chat", "payload": {"message": "' + "x" * 501 + '"}}', "message_too_long"),
        ('{"type": "system", "payload": {"action": "reboot"}}', "invalid_payload"),
        ('{"type": "vote", "payload": {"approve": true}}', "not_allowed"),
        (b"\x00\x01binary", "binary_not_supported"),
    ],
)
def test_bad_messages_get_error_envelopes(server, raw, code):
    host = server.create_room()
    client, _ = server.join_socket(host)
    try:
        client.send(raw)
        error = client.recv()
        assert error["type"] == "error" and error["event"] == code
        assert error["payload"]["code"] == code and error["payload"]["message"]
        client.send({"type": "system", "correlation_id": "p1", "payload": {"action": "ping"}})
        pong = client.recv()
        assert pong["event"] == "pong" and pong["correlation_id"] == "p1"
        assert isinstance(pong["payload"]["server_time"], float)
    finally:
        client.close()


def test_error_echoes_correlation_id(server):
    host = server.create_room()
    client, _ = server.join_socket(host)
    try:
        client.send({"type": "chat", "correlation_id": "x9", "payload": {"message": ""}})
        error = client.recv()
        assert error["correlation_id"] == "x9" and error["event"] == "invalid_payload"
    finally:
        client.close()


def test_oversize_message_closes_1009(server):
    host = server.create_room()
    client, _ = server.join_socket(host)
    try:
        client.send(json.dumps({"type": "chat", "payload": {"message": "x" * 20000}}))
        assert client.expect_close() == 1009
    finally:
        client.close()


def test_chat_rate_limit_then_1008_on_abuse(server):
    host = server.create_room()
    client, _ = server.join_socket(host)
    try:
        spam = [{"type": "chat", "payload": {"message": f"spam {n}"}} for n in range(40)]
        client.send_many(spam)  # one write: the server closes part-way through on purpose
        events = []
        with pytest.raises(Closed) as closed:
            while True:
                events.append(client.recv()["event"])
        assert closed.value.code == 1008
        assert events[:10] == ["chat"] * 10
        assert "rate_limited" in events
    finally:
        client.close()
