"""The newer roles over real sockets: start_game takes them and their options, refuses a
broken setup with what to change, and every seat plays from its own view to the end."""

from __future__ import annotations

import json
import random

import pytest

from tests.game_driver import Table
from tests.roles_oracle import NEW_ROLES
from tests.support import ServerProcess

pytestmark = pytest.mark.timeout(120)


def test_new_roles_start_and_play_over_sockets(server: ServerProcess):
    seats = server.room_with_players(5)
    table = Table(server, seats)
    try:
        host = table.clients[table.host]
        table.action(table.host, "start_game", "bad", roles=["merlin", "assassin", "tristan"])
        error = host.recv_until(lambda m: m.get("correlation_id") == "bad")
        assert error["payload"]["code"] == "invalid_payload", error
        assert "add isolde" in error["payload"]["message"]
        roles = ["merlin_pure", "cleric", "good_lancelot", "evil_lancelot", "mordred_assassin"]
        view = table.start(roles=roles, lancelot_variant="deck_forced", cleric_assassination=True)
        assert view["lancelot"]["variant"] == "deck_forced"
        assert "cleric_named" in view and "revealed" not in view
        final = table.play_from_views(random.Random(1))
        assert final["lancelot"]["deck"] is not None  # the unturned cards, at the end
        status, record = server.request("GET", f"/api/rooms/{seats[0]['code']}/games/1")
        assert status == 200, record
        assert set(record["night"]) == {str(p) for p in final["players"]}
        assert record["options"]["lancelot_variant"] == "deck_forced"
        view = table.start(roles=["merlin", "assassin", "witch"])
        assert view["hidden_quests"] == [] and view["witch_checker"] is None
        final = table.play_from_views(random.Random(2))
        assert '"roles"' in json.dumps(final)
    finally:
        table.close()


def test_the_rules_api_serves_every_role(client):
    served = client.get("/api/rules").get_json()
    table = {role["name"]: role for role in served["role_table"]}
    assert list(table) == served["roles"]
    assert set(NEW_ROLES) <= set(table)
    for role in table.values():
        assert role["side"] in ("good", "evil") and role["player_counts"] == list(range(5, 11))
        assert role["texts"]["name"] == f"role.{role['name']}" and role["summary"]
    assert table["moregano"]["group"] == "house" and table["moregano"]["reads_as"] == "morgana"
    assert (
        table["wraith"]["seen_by_merlin"] is False and table["trickster"]["shown_loyalty"] == "good"
    )
    assert served["lancelot_variants"] == ["deck", "schedule", "know_each_other", "deck_forced"]
    assert served["setup_rules"]["pairs"] == [
        ["good_lancelot", "evil_lancelot"],
        ["tristan", "isolde"],
    ]
    assert "witch" in served["phases"] and "lovers_assassinated" in served["reasons"]
