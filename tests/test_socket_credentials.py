"""The room socket's credentials: the token as an offered subprotocol (the browser's way),
in the query or in `Authorization: Bearer` (other clients), and never in gunicorn's log."""

from __future__ import annotations

import http.client
from collections.abc import Callable

import pytest

from tests.credential_support import SUBPROTOCOL
from tests.credential_support import ProtocolClient
from tests.credential_support import browser_protocols
from tests.credential_support import connect_as_browser
from tests.credential_support import lines_showing
from tests.support import ServerProcess
from tests.support import WsClient
from tests.support import wait_for

pytestmark = pytest.mark.timeout(60)


def plain_get(server: ServerProcess, path: str, headers: dict[str, str]) -> int:
    """Send a GET that asks for no upgrade; return its status."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def access_lines(server: ServerProcess, path: str, status: int) -> list[str]:
    """The access-log lines of GETs of a path (`/ws/rooms/CODE`) answered with a status
    (a socket's is written by the app when it closes, with status 101)."""
    return [
        line
        for line in server.log().splitlines()
        if f"method=GET path={path} " in line and f"status={status} " in line
    ]


def close_code(client: WsClient) -> int | None:
    """Read until the server closes a socket; return its close code."""
    try:
        return client.expect_close()
    finally:
        client.close()


def test_a_token_offered_as_a_subprotocol_opens_the_seat(
    make_server: Callable[..., ServerProcess],
) -> None:
    server = make_server()
    ann = server.create_room("Ann")
    client = connect_as_browser(server, ann)
    try:
        # The answer names "avalon" alone: the token is never sent back.
        assert client.subprotocol == SUBPROTOCOL
        headers = client.ws.getheaders()
        assert headers is not None and headers["sec-websocket-protocol"] == SUBPROTOCOL
        first = client.recv()
        assert first["type"] == "state" and first["event"] == "room"
        assert first["payload"]["you"]["player_id"] == ann["player_id"]
        client.chat("over a header")
        assert client.recv_event("chat")["payload"]["message"] == "over a header"
    finally:
        client.close()
    wait_for(lambda: len(server.log_events("disconnected")) == 1)
    # The same header on a request the route refuses (400), which gunicorn does log.
    path = f"/ws/rooms/{ann['code']}"
    header = {"Sec-WebSocket-Protocol": ", ".join(browser_protocols(ann["token"]))}
    assert plain_get(server, f"{path}?player_id={ann['player_id']}", header) == 400
    wait_for(lambda: len(access_lines(server, path, 400)) == 1)
    assert len(access_lines(server, path, 101)) == 1  # the socket's own line
    assert lines_showing(server.log(), {ann["token"]}) == []


def test_a_wrong_token_in_the_subprotocol_is_4401(
    make_server: Callable[..., ServerProcess],
) -> None:
    server = make_server()
    ann = server.create_room("Ann")
    bob = server.join(ann["code"], "Bob")
    without_token = server.ws_url(ann, token=None)
    for token in ("forged." + ann["token"], bob["token"], "not-a-token"):
        client = ProtocolClient(without_token, browser_protocols(token))
        assert client.subprotocol == SUBPROTOCOL  # the handshake is done before the checks
        assert close_code(client) == 4401, token
        # Told why, and shown nothing of the room.
        assert [m["payload"]["code"] for m in client.received] == ["unauthorized"], token
    # The offered token is the one checked: a right one in the query does not rescue it.
    client = ProtocolClient(server.ws_url(ann), browser_protocols("forged." + ann["token"]))
    assert close_code(client) == 4401
    # An empty one is no token at all: the client is told one is required.
    client = ProtocolClient(without_token, [SUBPROTOCOL, "avalon.token."])
    assert close_code(client) == 4400
    [error] = client.received
    assert error["payload"]["message"] == "player_id and token are required"
    assert lines_showing(server.log(), {ann["token"], bob["token"]}) == []


def test_the_query_and_the_bearer_header_still_open_the_seat(
    make_server: Callable[..., ServerProcess],
) -> None:
    server = make_server()
    ann = server.create_room("Ann")
    player_id = ann["player_id"]
    in_query, first = server.join_socket(ann)
    in_query.close()
    assert first["payload"]["you"]["player_id"] == player_id
    assert in_query.ws.getsubprotocol() is None  # none offered, none chosen
    bearer = [f"Authorization: Bearer {ann['token']}"]
    in_header, first = server.join_socket(ann, token=None, headers=bearer)
    in_header.close()
    assert first["payload"]["you"]["player_id"] == player_id
    # Offering "avalon" alone is allowed too: the token then comes from the query.
    offered = ProtocolClient(server.ws_url(ann), [SUBPROTOCOL])
    try:
        assert offered.subprotocol == SUBPROTOCOL
        assert offered.recv()["payload"]["you"]["player_id"] == player_id
    finally:
        offered.close()
    wait_for(lambda: len(server.log_events("disconnected")) == 3)
    assert lines_showing(server.log(), {ann["token"]}) == []
