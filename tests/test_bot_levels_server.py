"""Bot levels over a real server: the host picks a level per bot, the room lists it, a bad
level is refused with what to send, and a table of strong bots plays a whole game with a
person (its frames keeping every secret), as stand-ins do at the deployment's level."""

from __future__ import annotations

import pytest

from avalon.bots import speech
from tests.test_bots import BOT_ENV
from tests.test_bots import act
from tests.test_bots import play_until_over
from tests.test_game import assert_frame_keeps_secrets

pytestmark = pytest.mark.timeout(150)


def test_the_host_picks_each_bots_level_and_strong_bots_play_a_game(make_server):
    server = make_server(**BOT_ENV)
    host = server.create_room("Solo")
    client, _ = server.join_socket(host)
    try:
        refused = act(client, "add_bot", "bad", level="grandmaster")
        assert refused["event"] == "invalid_payload"
        assert "easy, normal, strong" in refused["payload"]["message"]
        assert act(client, "add_bot", "extra", level="easy", colour="red")["event"] == (
            "invalid_payload"
        )
        levels = ["strong", "strong", "easy", None]  # None: no level sent, so `normal`
        bots = []
        for number, level in enumerate(levels):
            fields = {} if level is None else {"level": level}
            reply = act(client, "add_bot", f"bot{number}", **fields)
            assert reply["event"] == "bot_added", reply
            bots.append(reply["payload"]["player_id"])
        status, room = server.request("GET", f"/api/rooms/{host['code']}")
        assert status == 200
        listed = {p["player_id"]: p for p in room["players"]}
        assert [listed[bot]["bot_level"] for bot in bots] == ["strong", "strong", "easy", "normal"]
        assert listed[host["player_id"]]["bot_level"] is None
        started = act(
            client, "start_game", "go", roles=["merlin", "assassin", "percival", "morgana"]
        )
        assert started["type"] == "state", started
        final = play_until_over(client, host["player_id"], started["payload"])
        assert final["winner"] in ("good", "evil")
        roles = {int(p): r for p, r in final["roles"].items()}
        for message in client.received:
            if message.get("event") == "game_over":
                break
            assert_frame_keeps_secrets(message, host["player_id"], roles)
    finally:
        client.close()


def bot_lines(client, bots: list[int]) -> list[dict]:
    """The bots' chat lines a socket received, each checked to be a known line by a bot."""
    lines = [
        m["payload"]
        for m in client.received
        if m.get("event") == "chat" and m["payload"].get("channel") == "bot"
    ]
    for line in lines:
        key, named, *_ = line["message"].split(":")
        assert line["player_id"] in bots and key in speech.LINES and named.isdigit(), line
    return lines


def test_bots_say_short_lines_kept_in_the_history_unless_the_host_turns_them_off(make_server):
    server = make_server(**BOT_ENV)
    host = server.create_room("Talker")
    client, _ = server.join_socket(host)
    roles = ["merlin", "assassin", "percival", "morgana"]
    try:
        bots = []
        for number, level in enumerate(["strong", "strong", "normal", "easy"]):
            reply = act(client, "add_bot", f"b{number}", level=level)
            bots.append(reply["payload"]["player_id"])
        said: list[dict] = []
        for attempt in range(3):  # a bot speaks half the times it has a reason: rarely never
            started = act(client, "start_game", f"go{attempt}", roles=roles)
            assert started["type"] == "state", started
            play_until_over(client, host["player_id"], started["payload"])
            said = bot_lines(client, bots)
            if said:
                break
            assert act(client, "return_to_lobby", f"back{attempt}")["event"] == "returned_to_lobby"
        assert said, "no bot spoke in three games"
        # Back after a reload, the page gets the lines in the chat history, channel and all.
        client.close()
        client, first = server.join_socket(host)
        history = {m["id"]: m for m in first["payload"]["chat"]}
        assert all(history[line["id"]].get("channel") == "bot" for line in said)
        # Turned off, the bots keep quiet for a whole game.
        assert act(client, "return_to_lobby", "back")["event"] == "returned_to_lobby"
        started = act(client, "start_game", "quiet", roles=roles, bot_chat=False)
        assert started["type"] == "state", started
        client.received.clear()
        play_until_over(client, host["player_id"], started["payload"])
        assert bot_lines(client, bots) == []
        assert act(client, "return_to_lobby", "again")["event"] == "returned_to_lobby"
        refused = act(client, "start_game", "bad", roles=roles, bot_chat="yes")
        assert refused["event"] == "invalid_payload" and "bot_chat" in refused["payload"]["message"]
    finally:
        client.close()
