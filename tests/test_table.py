"""The table between and during games (PROTOCOL section 5), over real sockets.

Seats change between games, the host runs the lobby, history survives a reload, the turn
timer shows its deadline, can be paused and never decides a game by chance.
"""

from __future__ import annotations

import random
import time

import pytest

from tests.game_driver import Table
from tests.support import ServerProcess
from tests.support import WsClient

pytestmark = pytest.mark.timeout(120)


def answer(client: WsClient, correlation_id: str, timeout: float = 10) -> dict:
    """The reply (event, state or error) that carries this correlation id."""
    return client.recv_until(lambda m: m.get("correlation_id") == correlation_id, timeout)


def act(table: Table, player: int, name: str, correlation_id: str, **fields) -> dict:
    """Send a room action and return its answer to the actor."""
    table.action(player, name, correlation_id, **fields)
    return answer(table.clients[player], correlation_id)


def play_quests_to_success(table: Table, quests: int) -> None:
    """Propose the leader's team, approve it, play only success: `quests` quests won."""
    for _ in range(quests):
        view = table.view
        team = view["players"][: view["team_sizes"][view["quest"] - 1]]
        table.send(view["leader"], "action", {"action": "propose_team", "players": team})
        table.sync(view["version"] + 1)
        for player in table.view["players"]:
            version = table.view["version"]
            table.send(player, "vote", {"approve": True})
            table.sync(version + 1)
        for player in table.view["team"]:
            version = table.view["version"]
            table.send(player, "action", {"action": "play_quest", "success": True})
            table.sync(version + 1)


def test_two_games_in_a_row_with_a_late_player_and_a_spectator_taking_a_seat(server):
    seats = server.room_with_players(5)
    code = seats[0]["code"]
    watcher = server.join(code, "Watcher", spectator=True)
    table = Table(server, seats, [watcher])
    try:
        table.start()
        status, body = server.request("POST", f"/api/rooms/{code}/join", {"display_name": "Late"})
        assert (status, body["error"]["code"]) == (409, "game_in_progress")
        final = table.play_to_end(random.Random(1))
        assert final["phase"] == "game_over"
        # Between games: a late friend sits down at once, the spectator takes a seat.
        late = server.join(code, "Late")
        assert late["spectator"] is False
        reply = act(table, watcher["player_id"], "take_seat", "sit")
        assert reply["event"] == "seat_taken"
        seated = [p["player_id"] for p in reply["payload"]["room"]["players"]]
        assert watcher["player_id"] in seated and late["player_id"] in seated
        assert reply["payload"]["room"]["spectators"] == []
        table.seats[late["player_id"]] = late
        table.reconnect(late["player_id"])
        second = table.start()
        assert second["number"] == 2 and len(second["players"]) == 7
        assert set(second["players"]) == {*seated}
        assert second["lady"] is not None  # seven players: the Lady is on by default
        assert table.play_to_end(random.Random(2))["phase"] == "game_over"
    finally:
        table.close()


def test_seats_change_only_between_games_and_anyone_can_leave(server):
    seats = server.room_with_players(5)
    code = seats[0]["code"]
    table = Table(server, seats)
    try:
        fifth = seats[4]["player_id"]
        reply = act(table, fifth, "leave_seat", "watch")
        assert reply["event"] == "seat_left"
        assert fifth in [p["player_id"] for p in reply["payload"]["room"]["spectators"]]
        assert act(table, fifth, "leave_seat", "again")["event"] == "not_allowed"
        assert act(table, fifth, "take_seat", "back")["event"] == "seat_taken"
        table.start()
        assert act(table, fifth, "leave_seat", "mid")["event"] == "not_allowed"
        assert act(table, fifth, "take_seat", "mid2")["event"] == "not_allowed"
        assert act(table, fifth, "leave_seat", "bad", extra=1)["event"] == "invalid_payload"
        # Leaving during a game: the seat stays in the game as absent, the token stops.
        left = act(table, fifth, "leave_room", "bye")
        assert left["event"] == "player_left"
        assert table.clients[fifth].expect_close() == 1000
        assert fifth in table.view["players"]
        refused = server.connect(seats[4])
        assert refused.expect_close() == 4401
        refused.close()
        status, room = server.request("GET", f"/api/rooms/{code}")
        assert fifth not in [p["player_id"] for p in room["players"] + room["spectators"]]
    finally:
        table.close()


def test_return_to_lobby_and_a_changed_role_set(server):
    seats = server.room_with_players(5)
    table = Table(server, seats)
    host = table.host
    try:
        table.start(roles=["merlin", "assassin"])
        assert act(table, host, "return_to_lobby", "early")["event"] == "not_allowed"
        table.play_to_end(random.Random(3))
        assert act(table, seats[1]["player_id"], "return_to_lobby", "not")["event"] == "not_allowed"
        reply = act(table, host, "return_to_lobby", "lobby")
        assert reply["event"] == "returned_to_lobby"
        assert reply["payload"]["room"]["status"] == "lobby"
        watcher = server.join(seats[0]["code"], "Watcher", spectator=True)
        fresh, first = server.join_socket(watcher)
        assert first["payload"]["game"] is None  # the lobby shows no game
        fresh.close()
        # In the lobby the host removes a player and starts with other roles.
        assert act(table, host, "kick", "kick", player_id=seats[4]["player_id"])["event"] == (
            "player_kicked"
        )
        table.clients.pop(seats[4]["player_id"]).close()
        table.server.join(seats[0]["code"], "Fifth")
        second = table.start(roles=["merlin", "assassin", "percival", "morgana"])
        assert second["number"] == 2
        assert "percival" in second["roles_in_play"] and "morgana" in second["roles_in_play"]
    finally:
        table.close()


def test_a_kick_sticks_to_the_browser_under_any_name(server: ServerProcess):
    host = server.create_room("Hostess")
    code = host["code"]
    troll = server.join(code, "Troll", device="troll-browser-1")
    host_socket, _ = server.join_socket(host)
    troll_socket, _ = server.join_socket(troll)
    try:
        host_socket.send(
            {
                "type": "action",
                "correlation_id": "k",
                "payload": {"action": "kick", "player_id": troll["player_id"]},
            }
        )
        kicked = troll_socket.recv_event("player_kicked")
        assert kicked["payload"]["player_id"] == troll["player_id"]
        assert troll_socket.expect_close() == 4401
        for name in ("Troll", "Nice Person", "troll"):
            body = {"display_name": name, "device": "troll-browser-1"}
            status, refused = server.request("POST", f"/api/rooms/{code}/join", body)
            assert (status, refused["error"]["code"]) == (409, "kicked"), name
        spectator = {"display_name": "Watcher", "device": "troll-browser-1", "spectator": True}
        status, refused = server.request("POST", f"/api/rooms/{code}/join", spectator)
        assert (status, refused["error"]["code"]) == (409, "kicked")
        # The removed name stays taken, whatever browser asks, and look-alikes with it ...
        for name in ("Troll", "TROLL", "Тroll"):  # the last with a Cyrillic Т
            body = {"display_name": name, "device": "friend-browser-2"}
            status, taken = server.request("POST", f"/api/rooms/{code}/join", body)
            assert (status, taken["error"]["code"]) == (409, "name_taken"), name
        # ... until the host lifts the removal: then the name and the browser are welcome.
        host_socket.send(
            {"type": "action", "correlation_id": "u", "payload": {"action": "unban",
                                                                 "display_name": "Troll"}}
        )  # fmt: skip
        unbanned = host_socket.recv_until(lambda m: m.get("correlation_id") == "u")
        assert (
            unbanned["event"] == "player_unbanned" and unbanned["payload"]["room"]["removed"] == []
        )
        assert server.join(code, "Troll", device="troll-browser-1")["display_name"] == "Troll"
        status, bad = server.request(
            "POST", f"/api/rooms/{code}/join", {"display_name": "X", "device": "no spaces!"}
        )
        assert (status, bad["error"]["code"]) == (400, "invalid_device")
    finally:
        host_socket.close()
        troll_socket.close()


def test_the_host_locks_and_unlocks_the_room(server):
    seats = server.room_with_players(2)
    code = seats[0]["code"]
    table = Table(server, seats)
    try:
        assert act(table, seats[1]["player_id"], "lock_room", "no", locked=True)["event"] == (
            "not_allowed"
        )
        assert act(table, table.host, "lock_room", "bad", locked="yes")["event"] == (
            "invalid_payload"
        )
        reply = act(table, table.host, "lock_room", "lock", locked=True)
        assert reply["event"] == "room_locked" and reply["payload"]["room"]["locked"] is True
        for spectator in (False, True):
            body = {"display_name": "Stranger", "spectator": spectator}
            status, refused = server.request("POST", f"/api/rooms/{code}/join", body)
            assert (status, refused["error"]["code"]) == (409, "room_locked")
        assert server.request("GET", f"/api/rooms/{code}")[1]["locked"] is True
        assert act(table, table.host, "lock_room", "open", locked=False)["event"] == "room_locked"
        assert server.join(code, "Stranger")["display_name"] == "Stranger"
    finally:
        table.close()


def test_history_is_the_same_for_a_fresh_socket_a_reload_and_a_spectator(server):
    seats = server.room_with_players(5)
    watcher = server.join(seats[0]["code"], "Watcher", spectator=True)
    table = Table(server, seats, [watcher])
    try:
        table.start(roles=["merlin", "assassin"], random_seats=False)
        # Two rejected proposals, then an approved one and its quest.
        for approve in (False, False, True):
            view = table.view
            team = view["players"][: view["team_sizes"][0]]
            table.send(view["leader"], "action", {"action": "propose_team", "players": team})
            table.sync(view["version"] + 1)
            for player in view["players"]:
                version = table.view["version"]
                table.send(player, "vote", {"approve": approve})
                table.sync(version + 1)
        history = table.view["history"]
        assert [(p["proposal"], p["approved"]) for p in history] == [
            (1, False),
            (2, False),
            (3, True),
        ]
        assert all(len(p["votes"]) == 5 for p in history)
        views = [table.views[p] for p in table.views]
        reloaded = table.reconnect(seats[1]["player_id"])["payload"]["game"]
        fresh_spectator = server.join(seats[0]["code"], "Late Watcher", spectator=True)
        late, late_first = server.join_socket(fresh_spectator)
        late.close()
        for game in [*views, reloaded, late_first["payload"]["game"]]:
            assert game["history"] == history
        # A vote in progress never shows in the history.
        table.send(table.view["team"][0], "action", {"action": "play_quest", "success": True})
        table.sync(table.view["version"] + 1)
    finally:
        table.close()


def test_timer_deadline_moves_and_the_host_pauses_and_resumes(make_server):
    server = make_server(AVALON_TURN_TIMER_MIN="1")
    seats = server.room_with_players(5)
    table = Table(server, seats)
    try:
        first = table.start(turn_timer=30)
        timer = first["timer"]
        assert timer["seconds"] == 30 and timer["paused"] is False
        assert time.time() + 25 < timer["deadline"] <= time.time() + 31
        watcher, snapshot = server.join_socket(server.join(seats[0]["code"], "W", spectator=True))
        watcher.close()
        assert abs(snapshot["payload"]["server_time"] - time.time()) < 5
        assert snapshot["payload"]["game"]["timer"]["deadline"] == timer["deadline"]
        # A move starts a fresh turn: the deadline moves on.
        view = table.view
        team = view["players"][: view["team_sizes"][0]]
        table.send(view["leader"], "action", {"action": "propose_team", "players": team})
        table.sync(view["version"] + 1)
        assert table.view["timer"]["deadline"] > timer["deadline"]
        assert act(table, seats[1]["player_id"], "pause_timer", "no", paused=True)["event"] == (
            "not_allowed"
        )
        assert act(table, table.host, "pause_timer", "p", paused=True)["event"] == "timer_paused"
        table.sync(table.view["version"] + 1)
        paused = table.view["timer"]
        assert paused["paused"] is True and paused["deadline"] is None
        assert 0 < paused["remaining"] <= 30
        assert act(table, table.host, "pause_timer", "p2", paused=True)["event"] == "not_allowed"
        assert act(table, table.host, "pause_timer", "r", paused=False)["event"] == "timer_paused"
        table.sync(table.view["version"] + 1)
        resumed = table.view["timer"]
        assert resumed["paused"] is False
        assert resumed["deadline"] <= time.time() + paused["remaining"] + 1
    finally:
        table.close()


def test_a_game_played_by_the_timer_alone_never_ends_by_chance(make_server):
    server = make_server(AVALON_TURN_TIMER_MIN="1")
    seats = server.room_with_players(7)
    table = Table(server, seats)
    try:
        table.start(roles=["merlin", "assassin", "morgana", "percival"], turn_timer=1)
        deadline = time.monotonic() + 90
        while table.view["phase"] != "game_over":
            assert time.monotonic() < deadline, table.view
            table.sync(table.view["version"] + 1, timeout=15)
        final = table.view
        # Timed-out votes approve and quest cards succeed: three quests, then the Assassin.
        assert final["reason"] in ("merlin_assassinated", "merlin_survived")
        assert all(p["approved"] for p in final["history"])
        assert all(q["success"] for q in final["quest_results"])
        shot = final["assassination"]
        roles = {int(p): r for p, r in final["roles"].items()}
        assert roles[shot["assassin"]] == "assassin"
        assert roles[shot["target"]] not in ("morgana", "assassin")  # never a visible teammate
    finally:
        table.close()


@pytest.mark.parametrize("evil", ["morgana", "oberon"])
def test_the_assassin_may_not_name_a_visible_teammate(server, evil):
    seats = server.room_with_players(7)
    table = Table(server, seats)
    try:
        table.start(roles=["merlin", "assassin", evil], lady_of_the_lake=False)
        play_quests_to_success(table, 3)
        assert table.view["phase"] == "assassination"
        assassin = next(p for p in table.view["players"] if table.role_of(p) == "assassin")
        teammate = next(p for p in table.view["players"] if table.role_of(p) == evil)
        seen = {entry["player_id"] for entry in table.views[assassin]["you"]["sees"]}
        version = table.view["version"]
        table.send(assassin, "action", {"action": "assassinate", "target": teammate}, "shot")
        if evil == "morgana":
            assert teammate in seen
            reply = answer(table.clients[assassin], "shot")
            assert reply["event"] == "not_allowed"
            assert "morgana" not in reply["payload"]["message"].lower()
        else:
            assert teammate not in seen  # Oberon hides from the Assassin and may be named
            table.sync(version + 1)
            over = table.view
            assert over["phase"] == "game_over" and over["reason"] == "merlin_survived"
            named = {"assassin": assassin, "target": teammate, "auto": False}
            assert over["assassination"] == named
    finally:
        table.close()
