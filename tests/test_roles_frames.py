"""PROTOCOL section 8's rule over real sockets: every frame of complete games with every
newer role keeps every secret until game over, and private results reach their holder.

Before game over a role name may appear only where the rule allows it: the player's own
role as they know it, the tags of `you.sees`, the public `roles_in_play` and setup, and a
`revealed` Revealer. Everything else a frame names a role by is a leak.
"""

from __future__ import annotations

import copy
import json
import random

import pytest

from avalon.game.roles import ROLES
from tests.game_driver import Table
from tests.roles_oracle import NEW_ROLES
from tests.support import ServerProcess

pytestmark = pytest.mark.timeout(180)

# Three tables of ten that hold every newer role between them (and both options).
SETUPS = [
    {
        "roles": ["merlin_pure", "percival", "tristan", "isolde", "cleric", "troublemaker"]
        + ["mordred_assassin", "morgana", "witch", "revealer"],
        "cleric_assassination": True,
    },
    {
        "roles": ["merlin", "good_lancelot", "guinevere", "melron", "moregano"]
        + ["assassin", "evil_lancelot", "trickster", "lunatic"],
        "lancelot_variant": "schedule",
    },
    {"roles": ["merlin", "percival", "assassin", "brute", "wraith", "hitberon"]},
]
PRIVATE_EVENTS = {"check_result": "check", "cleric_result": "cleric"}
# Where a role's name is public (a phase may share a role's name: "witch").
PUBLIC_PLACES = ("roles_in_play", "revealed", "setup", "warnings", "phase")


def test_the_setups_hold_every_newer_role():
    assert {role for setup in SETUPS for role in setup["roles"]} >= set(NEW_ROLES)


def without_public_places(value: object) -> object:
    """A copy of a frame without the places where a role name is public."""
    if isinstance(value, dict):
        return {k: without_public_places(v) for k, v in value.items() if k not in PUBLIC_PLACES}
    if isinstance(value, list):
        return [without_public_places(item) for item in value]
    return value


def own_game(message: dict) -> dict | None:
    """The game view a frame carries, if any."""
    if message.get("type") != "state":
        return None
    payload = message["payload"]
    return payload if message.get("event") == "game" else payload.get("game")


def check_frame(message: dict, player: int, known_as: str | None, results: list[dict]) -> None:
    """One frame received before game over by one seat keeps every other secret."""
    stripped = copy.deepcopy(message)
    game = own_game(stripped)
    if game is not None and game.get("you") is not None:
        you = game["you"]
        assert you["role"] == known_as, (player, you["role"], known_as)
        for result in you["results"]:  # only the viewer's own private results
            assert any(
                mine["target"] == result["target"] and mine["kind"] == result["kind"]
                for mine in results
            ), (player, result)
        del you["role"], you["results"]  # the viewer's own: its kind may name their role
        for seen in you["sees"]:
            del seen["as"]  # a tag, or an exact role for Merlin Pure's sight
    kind = PRIVATE_EVENTS.get(str(message.get("event")))
    if kind is not None:  # a private result's event reaches its holder alone
        target = message["payload"]["target"]
        assert any(r["kind"] == kind and r["target"] == target for r in results), message
        stripped["payload"].pop("kind", None)
    if message.get("event") == "role_revealed":  # the public `revealed` fact, as an event
        assert stripped["payload"].pop("role") == "revealer"
    text = json.dumps(without_public_places(stripped))
    assert '"roles":' not in text
    for name in ROLES:
        assert f'"{name}"' not in text, (player, name, message)


@pytest.mark.parametrize("setup", range(len(SETUPS)))
def test_every_frame_of_a_game_with_newer_roles_keeps_every_secret(make_server, setup):
    # One database is enough: what a frame carries is built the same on both.
    server: ServerProcess = make_server()
    seats = server.room_with_players(10)
    table = Table(server, seats)
    try:
        table.start(**SETUPS[setup])
        final = table.play_from_views(random.Random(setup))
        status, record = server.request("GET", f"/api/rooms/{seats[0]['code']}/games/1")
        assert status == 200, record
        roles = {int(player): role for player, role in record["roles"].items()}
        for player, client in table.clients.items():
            role = roles[player]
            known_as = ROLES[role].believes or role
            results = [r for r in record["results"] if r["to"] == player]
            frames = 0
            for message in client.received:
                game = own_game(message) or {}
                if message.get("event") == "game_over" or game.get("phase") == "game_over":
                    break
                check_frame(message, player, known_as, results)
                frames += 1
            assert frames > 20, (player, frames)
        assert final["phase"] == "game_over" and final["roles"] == record["roles"]
    finally:
        table.close()
