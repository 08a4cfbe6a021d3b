"""A stranger against the room socket of a real server: floods, probes, look-alikes,
a database that refuses writes, deployments sharing one Redis, tokens in logs."""

from __future__ import annotations

import socket
import sqlite3
import time

import pytest

from tests.attack_support import Bystander
from tests.services import REDIS_URL
from tests.services import require_service
from tests.support import Closed
from tests.support import wait_for

pytestmark = pytest.mark.timeout(120)


def chat_answers(client, count: int, prefix: str) -> list[str]:
    """Send `count` chat messages; return each one's answer (`chat` or an error code).

    Refusals come straight back while accepted messages go round through the broker,
    so answers may arrive out of order: collect them by correlation id.
    """
    wanted = {f"{prefix}{number}" for number in range(count)}
    for correlation_id in sorted(wanted):
        client.chat(correlation_id, correlation_id=correlation_id)
    answers: dict[str, str] = {}
    while len(answers) < count:
        message = client.recv_until(lambda m: m.get("correlation_id") in wanted)
        answers[message["correlation_id"]] = message["event"]
    return [answers[correlation_id] for correlation_id in sorted(wanted)]


@pytest.mark.parametrize("redis", [False, True])
def test_the_chat_limit_belongs_to_the_seat_not_the_socket(make_server, redis):
    env = {"AVALON_CHAT_BURST": "5", "AVALON_CHAT_RATE": "0.5"}
    if redis:
        require_service("Redis", "127.0.0.1", 6379)
        env["REDIS_URL"] = REDIS_URL
    server = make_server(workers=2 if redis else 1, **env)
    seat = server.create_room("Flooder")
    answers = []
    for attempt in range(6):  # reconnecting in a loop, as the review did
        client, _ = server.join_socket(seat)
        answers += chat_answers(client, 4, f"r{attempt}-")
        client.close()
    assert answers.count("chat") <= 5 + 3  # the burst, plus what 0.5/s refilled meanwhile
    assert answers.count("rate_limited") >= 14
    stored = server.request("GET", f"/api/rooms/{seat['code']}")
    assert stored[0] == 200


def test_a_seat_cannot_flood_moves(make_server):
    server = make_server(AVALON_MOVE_BURST="10", AVALON_MOVE_RATE="1")
    seat = server.create_room("Mover")
    client, _ = server.join_socket(seat)
    try:
        client.send_many(
            [
                {"type": "vote", "correlation_id": f"v{number}", "payload": {"approve": True}}
                for number in range(30)
            ]
        )
        codes = [
            client.recv_until(lambda m, c=f"v{n}": m.get("correlation_id") == c)["event"]
            for n in range(20)
        ]
    except Closed as closed:
        codes = [f"closed {closed.code}"]
    finally:
        client.close()
    assert codes[:10] == ["not_allowed"] * 10  # no game: refused, but counted
    assert "rate_limited" in codes[10:] or codes == ["closed 1008"]


def test_probing_room_codes_through_the_socket_gives_no_oracle(make_server):
    server = make_server(AVALON_ROOM_REQUEST_BURST="60", AVALON_ROOM_REQUEST_RATE="1")
    real = server.create_room("Owner")
    closes = []
    for number in range(40):
        code = real["code"] if number % 2 else "ZZZZZ"
        client = server.connect(code=code, player_id=1, token=f"forged{number}")
        closes.append(client.expect_close())
        client.close()
    # The first failures tell 4404 from 4401; past the limit everything is 4401.
    assert set(closes[:6]) == {4404, 4401}
    assert set(closes[-10:]) == {4401}
    flood = []
    for _ in range(40):  # the address's socket allowance runs out too
        client = server.connect(code="ZZZZZ", player_id=1, token="x")
        flood.append(client.expect_close())
        client.close()
    assert flood[-1] == 1008


def test_look_alike_names_cannot_sit_beside_alice(server):
    host = server.create_room("Alice")
    code = host["code"]
    for name in ["\u0410lice", "\uff21lice", "alic\u00e9", "Alice\u0301", "ALICE"]:
        status, body = server.request("POST", f"/api/rooms/{code}/join", {"display_name": name})
        assert (status, body["error"]["code"]) == (409, "name_taken"), name
    for name in ["Alice\ufe0f", "Alice\u2800", "\u3164", "Bob\u202e", "Z\u0301\u0302\u0303oe"]:
        status, body = server.request("POST", f"/api/rooms/{code}/join", {"display_name": name})
        assert (status, body["error"]["code"]) == (400, "invalid_display_name"), name
    client, _ = server.join_socket(host)
    client.chat("look \u202eereh", correlation_id="rlo")
    answer = client.recv_until(lambda m: m.get("correlation_id") == "rlo")
    client.close()
    assert answer["event"] == "invalid_payload"


def test_a_database_that_refuses_writes_is_said_so_and_blocks_nobody(make_server, tmp_path):
    database = tmp_path / "locked.db"
    server = make_server(DATABASE_URL=f"sqlite:///{database}")
    host = server.create_room("Hostess")
    spectator = server.join(host["code"], "Watcher", spectator=True)
    client, _ = server.join_socket(host)
    watcher, _ = server.join_socket(spectator)
    holder = sqlite3.connect(database, timeout=0.1, isolation_level=None)
    try:
        with Bystander(server) as bystander:
            holder.execute("BEGIN IMMEDIATE")  # another writer holds the lock
            client.chat("while the database is locked", correlation_id="locked")
            answer = client.recv_until(lambda m: m.get("correlation_id") == "locked", timeout=15)
            assert answer["event"] == "unavailable"
            status, body = server.request("POST", "/api/rooms", {"display_name": "Late"})
            assert (status, body["error"]["code"]) == (503, "unavailable")
            started = time.monotonic()
            for number in range(20):  # the review's spectator trying start_game
                watcher.send(
                    {
                        "type": "action",
                        "correlation_id": f"s{number}",
                        "payload": {"action": "start_game"},
                    }
                )
            refusals = [
                watcher.recv_until(lambda m, c=f"s{n}": m.get("correlation_id") == c)["event"]
                for n in range(20)
            ]
            refused_in = time.monotonic() - started
            assert refusals == ["not_allowed"] * 20
            assert refused_in < 2  # decided from a read: no wait for the write lock
            status, health = server.request("GET", "/healthz")
            assert health.get("database_writes") == "failing"
            holder.execute("ROLLBACK")
            client.chat("after", correlation_id="after")
            assert client.recv_until(lambda m: m.get("correlation_id") == "after")["event"] == (
                "chat"
            )
        print(bystander.summary())
        assert bystander.median_ms < 50, bystander.latencies
    finally:
        holder.close()
        client.close()
        watcher.close()


def test_two_deployments_on_one_redis_see_nothing_of_each_other(make_server, tmp_path):
    require_service("Redis", "127.0.0.1", 6379)
    first = make_server(REDIS_URL=REDIS_URL, DATABASE_URL=f"sqlite:///{tmp_path / 'a.db'}")
    second = make_server(REDIS_URL=REDIS_URL, DATABASE_URL=f"sqlite:///{tmp_path / 'b.db'}")
    seat_a = first.create_room("Alice")
    seat_b = second.create_room("Bob")
    # The same room code in both deployments, and the same player ids.
    with sqlite3.connect(tmp_path / "b.db") as conn:
        conn.execute("UPDATE room SET code = ?", (seat_a["code"],))
    seat_b["code"] = seat_a["code"]
    assert seat_a["player_id"] == seat_b["player_id"]
    alice, _ = first.join_socket(seat_a)
    bob, _ = second.join_socket(seat_b)
    try:
        alice.chat("only for the first deployment", correlation_id="a")
        alice.recv_until(lambda m: m.get("correlation_id") == "a")
        bob.chat("only for the second", correlation_id="b")
        bob.recv_until(lambda m: m.get("correlation_id") == "b")
        with pytest.raises(Exception):  # noqa: B017 - a timeout: nothing crossed over
            bob.recv_until(lambda m: m.get("event") == "chat", timeout=1.5)
        assert not [
            m
            for m in alice.received
            if m.get("event") == "chat" and m["payload"]["message"] == "only for the second"
        ]
    finally:
        alice.close()
        bob.close()


def test_a_connected_player_gets_a_fresh_token_before_the_old_one_expires(make_server):
    server = make_server(AVALON_TOKEN_MAX_AGE="8")
    signed = time.monotonic()
    seat = server.create_room("Night Owl")
    client, _ = server.join_socket(seat)
    try:
        fresh = client.recv_event("token", timeout=10)["payload"]["token"]
        assert fresh != seat["token"]
        # Until the first token has expired (the fresh one is younger): only time to wait on.
        time.sleep(max(0.0, signed + 9.5 - time.monotonic()))  # whole seconds in tokens
        old = server.connect(seat)
        assert old.expect_close() == 4401
        old.close()
        renewed, first = server.join_socket({**seat, "token": fresh})
        assert first["payload"]["you"]["player_id"] == seat["player_id"]
        renewed.close()
    finally:
        client.close()


def test_no_token_reaches_the_error_log(make_server):
    server = make_server()
    seat = server.create_room("Alice")
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        line = (
            f"GET /ws/rooms/{seat['code']}?player_id=1&token={seat['token']} HTTP/1.1 junk\r\n\r\n"
        )
        sock.sendall(line.encode())
        sock.recv(4096)
    wait_for(lambda: "Invalid" in server.log() or "invalid" in server.log(), timeout=10)
    assert seat["token"] not in server.log()
