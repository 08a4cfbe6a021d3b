"""The game over real sockets: complete games, secrets, options, kicks, hosts, timers."""

from __future__ import annotations

import copy
import json
import random
import threading

import pytest

from tests.game_driver import GOOD
from tests.game_driver import Table
from tests.services import REDIS_URL
from tests.services import require_service

pytestmark = pytest.mark.timeout(120)

ROLE_NAMES = ["merlin", "percival", "loyal_servant", "assassin", "morgana", "mordred"]
ROLE_NAMES += ["oberon", "minion"]
EVIL = {"assassin", "morgana", "mordred", "oberon", "minion"}
SETUPS = {
    5: {"roles": ["merlin", "assassin", "percival", "morgana"]},
    7: {"roles": ["merlin", "percival", "assassin", "morgana", "oberon"]},
    10: {"roles": ["merlin", "percival", "assassin", "morgana", "mordred", "oberon"]},
}


HISTORY_KEYS = {
    "quest", "proposal", "leader", "team", "votes", "approved", "auto", "auto_proposal"
}  # fmt: skip
TIMER_KEYS = {"seconds", "deadline", "paused", "remaining", "resumes_at"}


def expected_sees(player: int, roles: dict[int, str]) -> list[dict]:
    """Night knowledge per PROTOCOL section 4, written independently of the rules module."""
    role = roles[player]
    seen = []
    for other in sorted(roles):
        other_role = roles[other]
        if other == player:
            continue
        if role == "merlin" and other_role in EVIL and other_role != "mordred":
            seen.append({"player_id": other, "as": "evil"})
        elif role == "percival" and other_role in ("merlin", "morgana"):
            seen.append({"player_id": other, "as": "merlin_or_morgana"})
        elif role in EVIL - {"oberon"} and other_role in EVIL - {"oberon"}:
            seen.append({"player_id": other, "as": "evil"})
    return seen


def game_of(message: dict) -> dict | None:
    """The game view a message carries, if any."""
    if message["type"] != "state":
        return None
    payload = message["payload"]
    return payload if message["event"] == "game" else payload.get("game")


def assert_frame_keeps_secrets(message: dict, player: int, roles: dict[int, str]) -> None:
    """Check one frame received before game over by one member (None role: spectator)."""
    role = roles.get(player)
    assert '"roles":' not in json.dumps(message)  # the key appears in no message before the end
    stripped = copy.deepcopy(message)
    game = game_of(stripped)
    if game is not None:
        if role is None:
            assert game["you"] is None and game["lady_results"] == []
        else:
            you = game["you"]
            assert (you["player_id"], you["role"]) == (player, role)
            assert you["alignment"] == ("good" if role in GOOD else "evil")
            assert you["sees"] == expected_sees(player, roles)
            own_checks = (
                [c["target"] for c in game["lady"]["checks"] if c["holder"] == player]
                if (game["lady"])
                else []
            )
            for result in game["lady_results"]:
                assert result["target"] in own_checks
                truth = "good" if roles[result["target"]] in GOOD else "evil"
                assert result["alignment"] == truth
            del you["role"], you["alignment"]
        if game["phase"] == "voting":
            assert game["votes"] is None
            # The vote in progress is never part of the history, not even who voted how.
            current = (game["quest"], game["proposal"])
            assert all((p["quest"], p["proposal"]) != current for p in game["history"])
        for proposal in game["history"]:
            assert set(proposal) == HISTORY_KEYS
            assert set(proposal["votes"]) == {str(p) for p in game["players"]}
        assert game["timer"] is None or set(game["timer"]) == TIMER_KEYS
        assert "assassination" not in game
        del game["roles_in_play"], game["lady_results"]
    event, payload = message.get("event"), message.get("payload", {})
    if event == "game_started":
        del stripped["payload"]["roles_in_play"]
    if event == "vote_cast":
        assert set(payload) == {"player_id", "auto"}
    if event == "quest_result":
        assert set(payload) <= {"quest", "team", "fails", "success", "auto"}
    if event == "lady_result":
        assert role is not None
        truth = "good" if roles[payload["target"]] in GOOD else "evil"
        assert payload["alignment"] == truth
        del stripped["payload"]["alignment"]
    text = json.dumps(stripped)
    assert '"alignment"' not in text
    for name in ROLE_NAMES:
        assert f'"{name}"' not in text, (name, message)


def assert_no_secret_leaked(table: Table, roles: dict[int, str]) -> None:
    """Every frame every member received before game over keeps every other secret."""
    for player, client in table.clients.items():
        for message in client.received:
            if message.get("event") == "game_over" or (
                (game_of(message) or {}).get("phase") == "game_over"
            ):
                break
            assert_frame_keeps_secrets(message, player, roles)


def assert_view_sizes_hide_roles(table: Table, roles: dict[int, str]) -> None:
    """Every seated player's view of one version has one size, whatever the role."""
    sizes: dict[int, set[int]] = {}
    for player, client in table.clients.items():
        if player not in roles:
            continue  # spectators get the public view
        for message in client.received:
            game = message["payload"] if message.get("event") == "game" else None
            if game is None or message.get("correlation_id") or game["phase"] == "game_over":
                continue
            encoded = json.dumps(game, separators=(",", ":"), ensure_ascii=False)
            sizes.setdefault(game["version"], set()).add(len(encoded))
    assert sizes and all(len(found) == 1 for found in sizes.values()), sizes


@pytest.mark.parametrize("players", [5, 7, 10])
def test_complete_game_keeps_every_secret(server, players):
    seats = server.room_with_players(players)
    watcher = server.join(seats[0]["code"], "Watcher", spectator=True)
    table = Table(server, seats, [watcher])
    try:
        first = table.start(**SETUPS[players])
        assert first["phase"] == "team_building" and first["quest"] == 1
        # random_seats (the default) shuffles the seat order at each start.
        assert sorted(first["players"]) == [seat["player_id"] for seat in seats]
        assert (first["lady"] is not None) == (players >= 7)
        final = table.play_to_end(random.Random(players))
        assert final["phase"] == "game_over"
        assert final["winner"] in ("good", "evil") and final["reason"]
        roles = {int(player): role for player, role in final["roles"].items()}
        for player in roles:
            assert table.views[player]["roles"] == final["roles"]
            assert table.views[player]["you"]["role"] == roles[player]
        assert sorted(roles.values()) == sorted(first["roles_in_play"])
        assert table.views[watcher["player_id"]]["you"] is None
        assert_no_secret_leaked(table, roles)
        assert_view_sizes_hide_roles(table, roles)
        # The record is public now, and agrees with what was played.
        status, record = server.request(
            "GET", f"/api/rooms/{seats[0]['code']}/games/{final['number']}"
        )
        assert status == 200
        assert record["roles"] == final["roles"] and record["winner"] == final["winner"]
        assert record["quest_results"] == final["quest_results"]
        assert all(
            len(proposal["votes"]) == players
            for proposal in record["proposals"]
            if proposal.get("votes")
        )
    finally:
        table.close()


@pytest.mark.parametrize(
    ("options", "code"),
    [
        ({"roles": ["merlin"]}, "invalid_payload"),
        ({"roles": ["merlin", "assassin", "wizard"]}, "invalid_payload"),
        ({"roles": ["merlin", "assassin", "morgana", "mordred"]}, "invalid_payload"),
        ({"roles": "merlin"}, "invalid_payload"),
        ({"lady_of_the_lake": "yes"}, "invalid_payload"),
        ({"turn_timer": 5}, "invalid_payload"),
        ({"colour": "red"}, "invalid_payload"),
    ],
)
def test_start_options_are_validated(server, options, code):
    seats = server.room_with_players(5)
    table = Table(server, seats)
    try:
        table.action(table.host, "start_game", correlation_id="s1", **options)
        error = table.clients[table.host].recv_event(code)
        assert error["correlation_id"] == "s1" or error["type"] == "error"
        assert error["payload"]["message"]
    finally:
        table.close()


def test_only_the_host_starts_and_only_with_five_to_ten(server):
    seats = server.room_with_players(4)
    table = Table(server, seats)
    try:
        table.action(seats[1]["player_id"], "start_game")
        assert table.clients[seats[1]["player_id"]].recv_event("not_allowed")
        table.action(table.host, "start_game")
        assert (
            "5 to 10" in table.clients[table.host].recv_event("not_allowed")["payload"]["message"]
        )
        table.send(table.host, "vote", {"approve": True})
        assert table.clients[table.host].recv_event("not_allowed")
    finally:
        table.close()


def test_out_of_turn_moves_are_refused(server):
    seats = server.room_with_players(5)
    table = Table(server, seats)
    try:
        view = table.start()
        others = [p for p in view["players"] if p != view["leader"]]
        table.action(others[0], "propose_team", players=view["players"][:2])
        assert table.clients[others[0]].recv_event("not_allowed")
        table.send(others[0], "vote", {"approve": True})
        assert table.clients[others[0]].recv_event("not_allowed")
        table.action(view["leader"], "propose_team", players=view["players"][:3])
        assert table.clients[view["leader"]].recv_event("invalid_payload")
        table.action(view["leader"], "dance")
        assert table.clients[view["leader"]].recv_event("invalid_payload")
        assert table.view["version"] == 1
    finally:
        table.close()


def test_spectators_watch_and_cannot_play(server):
    seats = server.room_with_players(5)
    table = Table(server, seats)
    try:
        table.start()
        status, answer = server.request(
            "POST", f"/api/rooms/{seats[0]['code']}/join", {"display_name": "Late"}
        )
        assert (status, answer["error"]["code"]) == (409, "game_in_progress")
        late = server.join(seats[0]["code"], "Late", spectator=True)
        client, first = server.join_socket(late)
        game = first["payload"]["game"]
        assert game["you"] is None and game["phase"] == "team_building"
        client.send({"type": "vote", "payload": {"approve": True}})
        assert client.recv_event("not_allowed")
        client.close()
    finally:
        table.close()


def test_play_again_starts_the_next_game_and_keeps_the_record(server):
    seats = server.room_with_players(5)
    table = Table(server, seats)
    try:
        first = table.start(roles=["merlin", "assassin", "percival"], lady_of_the_lake=True)
        status, answer = server.request("GET", f"/api/rooms/{seats[0]['code']}/games/1")
        assert (status, answer["error"]["code"]) == (409, "game_in_progress")
        final = table.play_to_end(random.Random(1))
        status, room = server.request("GET", f"/api/rooms/{seats[0]['code']}")
        assert room["status"] == "finished"
        second = table.start(action="play_again")
        assert second["number"] == final["number"] + 1 and second["phase"] == "team_building"
        # Without options, the next game keeps the last one's setup.
        assert second["roles_in_play"] == first["roles_in_play"] and second["lady"] is not None
        status, room = server.request("GET", f"/api/rooms/{seats[0]['code']}")
        assert room["status"] == "in_game"
        status, record = server.request("GET", f"/api/rooms/{seats[0]['code']}/games/1")
        assert status == 200 and record["winner"] == final["winner"]
        status, answer = server.request("GET", f"/api/rooms/{seats[0]['code']}/games/9")
        assert (status, answer["error"]["code"]) == (404, "game_not_found")
    finally:
        table.close()


def test_host_passes_when_the_host_leaves(make_backend_server):
    server = make_backend_server(AVALON_HOST_GRACE="0.2")
    seats = server.room_with_players(3)
    table = Table(server, seats)
    try:
        table.clients.pop(table.host).close()
        for seat in seats[1:]:
            event = table.clients[seat["player_id"]].recv_event("host_changed")
            assert event["payload"]["player_id"] == seats[1]["player_id"]
        status, room = server.request("GET", f"/api/rooms/{seats[0]['code']}")
        assert [p["is_host"] for p in room["players"]] == [False, True, False]
        # The new host's socket was opened before the role came to them: leaving now
        # hands it on again.
        table.clients.pop(seats[1]["player_id"]).close()
        event = table.clients[seats[2]["player_id"]].recv_event("host_changed")
        assert event["payload"]["player_id"] == seats[2]["player_id"]
    finally:
        table.close()


def test_turn_timer_moves_for_absent_players(make_backend_server):
    server = make_backend_server(AVALON_TURN_TIMER_MIN="1")
    seats = server.room_with_players(5)
    table = Table(server, seats)
    try:
        view = table.start(turn_timer=1)
        # Nobody moves: the timer proposes a team for the leader, then votes for everyone.
        table.sync(2, timeout=10)
        assert table.view["phase"] == "voting"
        assert len(table.view["team"]) == view["team_sizes"][0]
        table.sync(3, timeout=10)
    finally:
        table.close()


def rules_part(view: dict) -> dict:
    """A view without what presence changes (its version, log, padding)."""
    return {key: value for key, value in view.items() if key not in ("version", "log", "pad")}


def test_game_survives_a_server_restart(make_backend_server):
    server = make_backend_server()
    seats = server.room_with_players(7)
    table = Table(server, seats)
    rng = random.Random(7)
    try:
        table.start()
        for _ in range(6):
            table.play_move(rng)
        before = {player: rules_part(view) for player, view in table.views.items()}
        table.close()  # everyone goes away: the log says so (presence lines, new versions)
        server.restart()
        for player in before:
            first = table.reconnect(player)
            assert rules_part(first["payload"]["game"]) == before[player]

        # Each snapshot comes before its player's return is noted: wait for the last one
        # (an absence of a few seconds leaves no line; a longer one an "away" and a "back").
        def everyone_back(message: dict) -> bool:
            if message.get("event") != "game":
                return False
            lines = [(line["event"], line["player_id"]) for line in message["payload"]["log"]]
            return all(lines.count(("away", p)) == lines.count(("back", p)) for p in before)

        host_view = table.clients[table.host].recv_until(everyone_back)["payload"]
        assert {line["event"] for line in host_view["log"]} <= {"away", "back"}
        assert host_view["version"] == first["payload"]["game"]["version"]  # no move made
        final = table.play_to_end(rng)
        assert final["phase"] == "game_over"
    finally:
        table.close()


@pytest.fixture
def cluster(make_backend_server):
    require_service("Redis", "127.0.0.1", 6379)
    return make_backend_server(workers=3, REDIS_URL=REDIS_URL)


def test_simultaneous_votes_through_several_workers_count_once(cluster):
    seats = cluster.room_with_players(10)
    table = Table(cluster, seats)
    try:
        view = table.start()
        team = view["players"][: view["team_sizes"][0]]
        table.action(view["leader"], "propose_team", players=team)
        table.sync(2)
        barrier = threading.Barrier(len(seats))
        wanted = {player: player % 2 == 0 for player in view["players"]}

        def vote(player: int) -> None:
            barrier.wait()
            table.send(player, "vote", {"approve": wanted[player]})
            table.send(player, "vote", {"approve": not wanted[player]})  # refused: voted

        threads = [threading.Thread(target=vote, args=(p,)) for p in view["players"]]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
        table.sync(12, strict=False)
        assert table.view["votes"] == {str(p): approve for p, approve in wanted.items()}
        assert table.view["version"] == 12
        for player in view["players"]:
            if player not in table.errors:
                table.errors[player] = [table.clients[player].recv_event("not_allowed")]
            assert [error["event"] for error in table.errors[player]] == ["not_allowed"]
    finally:
        table.close()
