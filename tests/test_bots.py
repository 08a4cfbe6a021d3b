"""Computer players over a real server: seated by the host, playing whole games, after a
restart too, through the same move path as people and from their own views."""

from __future__ import annotations

import random
import time

import pytest
import websocket

from tests.support import ServerProcess
from tests.support import WsClient
from tests.test_game import assert_frame_keeps_secrets
from tests.test_game import rules_part

pytestmark = pytest.mark.timeout(150)

BOT_ENV = {"AVALON_BOT_DELAY": "0.05"}


def act(client: WsClient, name: str, cid: str, **fields) -> dict:
    """Send a room action; return the answer carrying its correlation id."""
    client.send({"type": "action", "correlation_id": cid, "payload": {"action": name, **fields}})
    return client.recv_until(lambda m: m.get("correlation_id") == cid)


def add_bots(client: WsClient, count: int) -> list[int]:
    """Have the host seat `count` bots; return their ids."""
    ids = []
    for number in range(count):
        reply = act(client, "add_bot", f"bot{number}")
        assert reply["event"] == "bot_added", reply
        ids.append(reply["payload"]["player_id"])
    return ids


def my_move(view: dict, me: int, rng: random.Random) -> tuple[str, dict] | None:
    """A legal move for a person in seat `me`, if the game is waiting for it."""
    phase = view["phase"]
    if phase == "team_building" and view["leader"] == me:
        size = view["team_sizes"][view["quest"] - 1]
        return "action", {"action": "propose_team", "players": rng.sample(view["players"], size)}
    if phase == "voting" and me not in view["voted"]:
        return "vote", {"approve": True}
    if phase == "questing" and me in view["team"] and me not in view["played"]:
        return "action", {"action": "play_quest", "success": True}
    if phase == "lady" and view["lady"]["holder"] == me:
        targets = [p for p in view["players"] if p not in view["lady"]["ineligible"]]
        return "action", {"action": "lady_of_the_lake", "target": rng.choice(targets)}
    if phase == "assassination" and view["you"]["role"] == "assassin":
        seen = {entry["player_id"] for entry in view["you"]["sees"]}
        targets = [p for p in view["players"] if p != me and p not in seen]
        return "action", {"action": "assassinate", "target": rng.choice(targets)}
    return None


def play_until_over(
    client: WsClient, me: int | None, first: dict | None = None, timeout: float = 90
) -> dict:
    """Read game views (moving for `me` when awaited) until the game is over.

    `first` is a view already read (the answer to start_game): when the person leads
    the first team, no other view comes until they propose.
    """
    rng = random.Random(me)
    moved_at = -1
    while True:
        if first is not None:
            view, first = first, None
        else:
            view = client.recv_until(
                lambda m: m["type"] == "state" and m["event"] == "game", timeout=timeout
            )["payload"]
        if view["phase"] == "game_over":
            return view
        move = my_move(view, me, rng) if me is not None else None
        if move is not None and view["version"] != moved_at:
            moved_at = view["version"]
            client.send({"type": move[0], "payload": move[1]})


def test_one_person_and_four_bots_play_a_whole_game(make_server):
    server = make_server(**BOT_ENV)
    host = server.create_room("Solo")
    client, _ = server.join_socket(host)
    try:
        bots = add_bots(client, 4)
        status, room = server.request("GET", f"/api/rooms/{host['code']}")
        listed = {p["player_id"]: p for p in room["players"]}
        assert all(listed[bot]["bot"] and listed[bot]["online"] for bot in bots)
        assert listed[host["player_id"]]["bot"] is False
        started = act(
            client, "start_game", "go", roles=["merlin", "assassin", "percival", "morgana"]
        )
        assert started["type"] == "state" and started["event"] == "game", started
        final = play_until_over(client, host["player_id"], started["payload"])
        assert final["winner"] in ("good", "evil")
        roles = {int(p): r for p, r in final["roles"].items()}
        for message in client.received:
            if message.get("event") == "game_over":
                break
            assert_frame_keeps_secrets(message, host["player_id"], roles)
        assert len(final["history"]) >= 3
    finally:
        client.close()


def start_bot_table(server: ServerProcess, bots: int) -> tuple[dict, WsClient, dict]:
    """A seated host with `bots` bots who starts the game: (host, socket, first view)."""
    host = server.create_room("Seated")
    client, _ = server.join_socket(host)
    add_bots(client, bots)
    reply = act(client, "start_game", "go", roles=["merlin", "assassin"])
    assert reply["type"] == "state", reply
    return host, client, reply["payload"]


def test_a_table_of_bots_alone_is_refused_and_watched_replays_open(make_server):
    server = make_server(**BOT_ENV)
    host = server.create_room("Watcher")
    client, _ = server.join_socket(host)
    try:
        add_bots(client, 5)
        assert act(client, "leave_seat", "watch")["event"] == "seat_left"
        refused = act(client, "start_game", "go", roles=["merlin", "assassin"])
        assert refused["event"] == "not_allowed" and "person" in refused["payload"]["message"]
        assert act(client, "take_seat", "sit")["event"] == "seat_taken"
    finally:
        client.close()


def test_bots_carry_on_after_a_restart(make_server):
    server = make_server(AVALON_BOT_DELAY="0.1")
    host, client, first = start_bot_table(server, 5)
    me = host["player_id"]
    rng = random.Random(me)
    view = first
    while view["version"] < 4:
        move = my_move(view, me, rng)
        if move is not None:
            client.send({"type": move[0], "payload": move[1]})
        view = client.recv_until(lambda m: m["type"] == "state" and m["event"] == "game")["payload"]
    client.close()
    server.restart()
    client, again = server.join_socket(host)
    try:
        assert again["payload"]["game"]["phase"] != "game_over"
        final = play_until_over(client, me, again["payload"]["game"])
        assert final["version"] > again["payload"]["game"]["version"]
        status, record = server.request("GET", f"/api/rooms/{host['code']}/games/1")
        assert status == 200 and set(record["names"]) == {str(p) for p in final["players"]}
        page = server.request("GET", f"/r/{host['code']}/games/1?lang=de")
        assert page[0] == 200 and '<html lang="de">' in page[1]
        assert server.request("GET", f"/r/{host['code']}/games/2")[0] == 404
    finally:
        client.close()


def test_a_table_whose_people_are_all_gone_stops_until_one_returns(make_server):
    server = make_server(AVALON_BOT_DELAY="0.05", AVALON_ABSENT_GRACE="1")
    host, client, first = start_bot_table(server, 4)
    client.close()  # the only person goes: after the grace the bots stop too
    time.sleep(2.5)
    watcher = server.join(host["code"], "Onlooker", spectator=True)
    looking, seen = server.join_socket(watcher)
    try:
        still = seen["payload"]["game"]
        with pytest.raises(websocket.WebSocketTimeoutException):  # nothing moves meanwhile
            looking.recv_until(
                lambda m: (
                    m.get("event") == "game" and rules_part(m["payload"]) != rules_part(still)
                ),
                timeout=2,
            )
        client, again = server.join_socket(host)  # back: the game goes on
        final = play_until_over(client, host["player_id"], again["payload"]["game"])
        assert final["phase"] == "game_over"
    finally:
        looking.close()
        client.close()


def test_only_the_host_seats_bots_and_only_between_games(make_server):
    server = make_server(**BOT_ENV)
    host = server.create_room("Hostess")
    guest = server.join(host["code"], "Guest")
    hosting, _ = server.join_socket(host)
    guesting, _ = server.join_socket(guest)
    try:
        assert act(guesting, "add_bot", "g")["event"] == "not_allowed"
        bots = add_bots(hosting, 8)  # ten seats: two people and eight bots
        assert act(hosting, "add_bot", "full")["event"] == "not_allowed"
        assert act(hosting, "remove_bot", "person", player_id=guest["player_id"])["event"] == (
            "invalid_payload"
        )
        assert act(hosting, "remove_bot", "one", player_id=bots[-1])["event"] == "bot_removed"
        assert act(hosting, "start_game", "go")["type"] == "state"
        assert act(hosting, "add_bot", "late")["event"] == "not_allowed"
        assert act(hosting, "remove_bot", "mid", player_id=bots[0])["event"] == "not_allowed"
    finally:
        hosting.close()
        guesting.close()
