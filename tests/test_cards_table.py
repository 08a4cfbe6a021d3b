"""The cards and table options over real sockets: start_game takes them, refuses a broken
setup with what to change, every seat plays from its own view, and per-phase turn timers
time only their phases. The rules API lists every card and option with its text keys."""

from __future__ import annotations

import random

import pytest

from tests.game_driver import Table
from tests.support import ServerProcess

pytestmark = pytest.mark.timeout(120)
EVERYTHING = {
    "lady": "sea",
    "lady_announce": True,
    "sire_of_the_sea": True,
    "ref_of_the_rain": True,
    "excalibur": True,
    "plot_cards": True,
    "anonymous_votes": True,
    "hidden_history": True,
}


def test_every_card_and_option_starts_and_plays_over_sockets(server: ServerProcess):
    seats = server.room_with_players(7)
    table = Table(server, seats)
    try:
        host = table.clients[table.host]
        table.action(table.host, "start_game", "bad", lady_announce=True, lady=None)
        error = host.recv_until(lambda m: m.get("correlation_id") == "bad")
        assert error["payload"]["code"] == "invalid_payload"
        assert "set lady" in error["payload"]["message"]
        table.action(table.host, "start_game", "bad2", turn_timers={"team": 1, "nap": 5})
        error = host.recv_until(lambda m: m.get("correlation_id") == "bad2")
        assert error["payload"]["code"] == "invalid_payload"
        roles = ["merlin", "percival", "troublemaker", "assassin", "trickster"]
        view = table.start(roles=roles, **EVERYTHING)
        assert view["options"]["lady"] == "sea" and view["options"]["plot_cards"] is True
        assert view["history"] == [] and "plot" in view and "sire" in view
        final = table.play_from_views(random.Random(5))
        assert final["history"] and all(p["votes"] for p in final["history"])
        status, record = server.request("GET", f"/api/rooms/{seats[0]['code']}/games/1")
        assert status == 200, record
        assert record["options"]["plot_cards"] is True and "deck" in record["plot"]
    finally:
        table.close()


def test_per_phase_turn_timers_time_only_their_phases(make_backend_server):
    server = make_backend_server(AVALON_TURN_TIMER_MIN="1")
    seats = server.room_with_players(5)
    table = Table(server, seats)
    try:
        view = table.start(turn_timers={"team": 1}, lady_of_the_lake=False)
        assert view["timer"]["seconds"] == 1.0
        table.sync(2, timeout=10)  # the timer proposes for the leader
        assert table.view["phase"] == "voting" and table.view["timer"] is None  # votes wait
    finally:
        table.close()


def test_the_rules_api_lists_every_card_and_option(client):
    served = client.get("/api/rules").get_json()
    cards = {card["name"]: card for card in served["cards"]}
    assert len(cards) == 9 and cards["no_confidence"]["copies"] == {
        "5": 1,
        "6": 1,
        "7": 3,
        "8": 3,
        "9": 3,
        "10": 3,
    }
    assert cards["open_up"]["texts"] == {"name": "card.open_up", "text": "cardText.open_up"}
    assert served["plot_draws"]["9"] == 3
    names = [option["name"] for option in served["table_options"]]
    assert names == [
        "lady",
        "lady_announce",
        "sire_of_the_sea",
        "ref_of_the_rain",
        "excalibur",
        "plot_cards",
        "anonymous_votes",
        "hidden_history",
        "turn_timers",
    ]
    assert served["table_options"][4]["texts"]["name"] == "option.excalibur"
    assert served["turn_timer_keys"] == [
        "team",
        "vote",
        "quest",
        "lady",
        "excalibur",
        "assassination",
    ]
    assert {"plot", "excalibur", "lady_announce", "sire", "ref"} <= set(served["phases"])
