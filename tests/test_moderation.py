"""Moderation over real sockets: kicks and their undo, look-alike names, spectators' chat."""

from __future__ import annotations

import pytest

from tests.game_driver import Table

pytestmark = pytest.mark.timeout(120)


def test_host_kicks_in_the_lobby_and_the_token_stops_working(server):
    seats = server.room_with_players(3)
    table = Table(server, seats)
    kicked = seats[2]["player_id"]
    try:
        table.action(seats[1]["player_id"], "kick", player_id=kicked)
        assert table.clients[seats[1]["player_id"]].recv_event("not_allowed")
        table.action(table.host, "kick", player_id=kicked)
        assert table.clients[kicked].expect_close() == 4401
        event = table.clients[seats[1]["player_id"]].recv_event("player_kicked")
        assert event["payload"]["player_id"] == kicked
        client = server.connect(seats[2])
        assert client.recv()["type"] == "error"
        assert client.expect_close() == 4401
        client.close()
        status, room = server.request("GET", f"/api/rooms/{seats[0]['code']}")
        assert kicked not in [player["player_id"] for player in room["players"]]
        assert [gone["display_name"] for gone in room["removed"]] == [seats[2]["display_name"]]
        # The name, and its look-alikes, stay taken until the host lifts the removal.
        body = {"display_name": seats[2]["display_name"]}
        answer = server.request("POST", f"/api/rooms/{seats[0]['code']}/join", body)
        assert (answer[0], answer[1]["error"]["code"]) == (409, "name_taken")
        look_alike = {"display_name": seats[2]["display_name"].upper().replace("E", "\u0395")}
        answer = server.request("POST", f"/api/rooms/{seats[0]['code']}/join", look_alike)
        assert (answer[0], answer[1]["error"]["code"]) == (409, "name_taken")
        table.action(table.host, "unban", display_name=seats[2]["display_name"])
        table.clients[table.host].recv_event("player_unbanned")
        server.join(seats[0]["code"], seats[2]["display_name"])
    finally:
        table.close()


def test_a_spectators_chat_reaches_spectators_only_until_the_host_opens_it(server):
    seats = server.room_with_players(5)
    table = Table(server, seats)
    host = table.clients[table.host]
    try:
        table.start()
        watcher, _ = server.join_socket(server.join(seats[0]["code"], "Watcher", spectator=True))
        other, _ = server.join_socket(server.join(seats[0]["code"], "Other", spectator=True))
        # During a game a spectator's chat reaches spectators only (no coaching the table).
        watcher.chat("Merlin is obviously the quiet one", correlation_id="tip")
        tip = watcher.recv_event("chat")["payload"]
        assert tip["channel"] == "spectators"
        assert other.recv_event("chat")["payload"]["message"] == tip["message"]
        host.chat("marker")
        assert host.recv_event("chat")["payload"]["message"] == "marker"  # not the tip
        again = table.reconnect(seats[1]["player_id"])  # a player's snapshot: not there either
        assert tip["message"] not in str(again["payload"]["chat"])
        table.action(seats[1]["player_id"], "spectator_chat", "no", to="all")
        reply = table.clients[seats[1]["player_id"]].recv_until(
            lambda m: m.get("correlation_id") == "no"
        )
        assert reply["event"] == "not_allowed"
        # The host opens it to everyone.
        table.action(table.host, "spectator_chat", to="all")
        opened = host.recv_event("spectator_chat")["payload"]["room"]
        assert opened["spectator_chat"] == "all"
        watcher.chat("enjoying the show")
        shown = host.recv_event("chat")["payload"]
        assert shown["message"] == "enjoying the show" and "channel" not in shown
        watcher.close()
        other.close()
    finally:
        table.close()
