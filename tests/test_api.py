"""The HTTP API of PROTOCOL section 2, against a real server."""

from __future__ import annotations

import re
import urllib.error
import urllib.request

import pytest

from avalon.protocol.validation import CODE_ALPHABET
from tests.support import wait_for

pytestmark = pytest.mark.timeout(60)


def test_create_room_returns_host_seat(server):
    status, body = server.request("POST", "/api/rooms", {"display_name": "  Alice  "})
    assert status == 201
    assert set(body) == {
        "code",
        "room_id",
        "player_id",
        "display_name",
        "is_host",
        "spectator",
        "token",
    }
    assert re.fullmatch(f"[{CODE_ALPHABET}]{{5}}", body["code"])
    assert body["display_name"] == "Alice"
    assert body["is_host"] is True and body["spectator"] is False


def test_join_room_with_lowercase_code(server):
    host = server.create_room("Alice")
    status, body = server.request(
        "POST", f"/api/rooms/{host['code'].lower()}/join", {"display_name": "Bob"}
    )
    assert status == 201
    assert body["code"] == host["code"] and body["is_host"] is False
    assert body["player_id"] != host["player_id"]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"display_name": ""},
        {"display_name": "   "},
        {"display_name": "x" * 25},
        {"display_name": "bad\x07name"},
        {"display_name": 42},
        {"display_name": None},
        {"display_name": ["Alice"]},
    ],
)
def test_invalid_display_names_are_rejected(server, body):
    status, answer = server.request("POST", "/api/rooms", body)
    assert status == 400
    assert answer["error"]["code"] == "invalid_display_name"
    assert answer["error"]["message"]


@pytest.mark.parametrize("raw", [b"not json", b"[1, 2]", b'"Alice"', b""])
def test_non_object_bodies_are_rejected_as_json(server, raw):
    status, answer = server.request("POST", "/api/rooms", raw=raw)
    assert status == 400
    assert answer["error"]["code"] in ("bad_json", "invalid_display_name")


def test_names_are_unique_case_insensitively(server):
    host = server.create_room("Alice")
    status, answer = server.request(
        "POST", f"/api/rooms/{host['code']}/join", {"display_name": "ALICE "}
    )
    assert (status, answer["error"]["code"]) == (409, "name_taken")


def test_room_holds_ten_players_and_spectators_beside_them(server):
    seats = server.room_with_players(10)
    path = f"/api/rooms/{seats[0]['code']}/join"
    status, answer = server.request("POST", path, {"display_name": "Eleventh"})
    assert (status, answer["error"]["code"]) == (409, "room_full")
    status, watcher = server.request("POST", path, {"display_name": "Watcher", "spectator": True})
    assert status == 201 and watcher["spectator"] is True
    status, answer = server.request("POST", path, {"display_name": "watcher", "spectator": True})
    assert (status, answer["error"]["code"]) == (409, "name_taken")
    status, answer = server.request("POST", path, {"display_name": "Odd", "spectator": "yes"})
    assert (status, answer["error"]["code"]) == (400, "invalid_spectator")
    status, room = server.request("GET", f"/api/rooms/{seats[0]['code']}")
    assert len(room["players"]) == 10
    assert [member["display_name"] for member in room["spectators"]] == ["Watcher"]


@pytest.mark.parametrize("code", ["ZZZZZ", "abc", "O0I1L", "TOOLONG"])
def test_unknown_rooms_are_404(server, code):
    status, answer = server.request("POST", f"/api/rooms/{code}/join", {"display_name": "Bob"})
    assert (status, answer["error"]["code"]) == (404, "room_not_found")
    status, answer = server.request("GET", f"/api/rooms/{code}")
    assert (status, answer["error"]["code"]) == (404, "room_not_found")


def test_get_room_lists_players_and_online_flags(server):
    host = server.create_room("Alice")
    bob = server.join(host["code"], "Bob")
    client, _ = server.join_socket(bob)
    try:
        status, room = server.request("GET", f"/api/rooms/{host['code']}")
        assert status == 200
        assert room["code"] == host["code"] and room["status"] == "lobby"
        assert room["players"] == [
            {
                "player_id": host["player_id"],
                "display_name": "Alice",
                "is_host": True,
                "online": False,
                "bot": False,
                "bot_level": None,
                "offline_since": None,  # never connected: not an absent seat
            },
            {
                "player_id": bob["player_id"],
                "display_name": "Bob",
                "is_host": False,
                "online": True,
                "bot": False,
                "bot_level": None,
                "offline_since": None,
            },
        ]
        assert room["locked"] is False and room["last_options"] is None
    finally:
        client.close()


def test_health_and_json_errors(server):
    status, health = server.request("GET", "/healthz")
    assert status == 200 and health["status"] == "ok" and health["database"] == "ok"
    status, answer = server.request("GET", "/no/such/route")
    assert status == 404 and answer["error"]["code"] == "not_found"
    status, answer = server.request("DELETE", "/api/rooms")
    assert status == 405 and "code" in answer["error"]


def test_plain_get_on_socket_route_is_json_400(server):
    host = server.create_room()
    status, answer = server.request("GET", f"/ws/rooms/{host['code']}")
    assert status == 400
    assert answer["error"]["code"] == "websocket_required"


def test_token_never_reaches_the_log(server):
    host = server.create_room()
    client, _ = server.join_socket(host)
    client.close()
    server.request("GET", f"/api/rooms/{host['code']}?token={host['token']}")
    # gunicorn writes the access line just after the response (a socket's when it closes),
    # in the app's own format: key=value, the query's token redacted.
    wait_for(lambda: f'path=/api/rooms/{host["code"]} query="token=[redacted]"' in server.log())

    def socket_lines() -> list[str]:
        path = f"path=/ws/rooms/{host['code']} "
        return [line for line in server.log().splitlines() if path in line]

    wait_for(lambda: len(socket_lines()) == 1)  # written once the socket's cleanup ends
    sockets = socket_lines()
    assert "gunicorn.access event=http" in sockets[0]
    assert "token=[redacted]" in sockets[0] and "status=101" in sockets[0]
    assert host["token"] not in server.log()


def test_no_response_sets_or_reads_a_cookie(server):
    """Seats are held by tokens: no page or API answer sets a cookie, a sent one is ignored."""
    host = server.create_room("Alice")
    paths = [
        ("GET", "/", None),
        ("GET", f"/r/{host['code']}", None),
        ("GET", f"/api/rooms/{host['code']}", None),
        ("POST", "/api/rooms", b'{"display_name": "Bob"}'),
        ("POST", "/api/rooms", b"{"),  # an error answer too
    ]
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    for method, path, body in paths:
        request = urllib.request.Request(server.url + path, data=body, method=method)
        request.add_header("Content-Type", "application/json")
        request.add_header("Cookie", "session=eyJhIjoxfQ.forged.signature")
        try:
            with opener.open(request, timeout=10) as response:
                status, headers = response.status, response.headers
        except urllib.error.HTTPError as error:
            with error:
                status, headers = error.code, error.headers
        assert status < 500, (method, path, status)
        assert headers.get_all("Set-Cookie") is None, (method, path)
        assert "Cookie" not in (headers.get("Vary") or ""), (method, path)
