"""Tests for applying moves: payload shapes, turn order, versions and random moves."""

from __future__ import annotations

import random

import pytest

from tests.rules_support import MOVE_OF_PHASE
from tests.rules_support import SPECTATOR
from tests.rules_support import assert_rule_error
from tests.rules_support import make_game
from tests.rules_support import play_quests
from tests.rules_support import propose
from tests.rules_support import vote_all

pytestmark = pytest.mark.timeout(60)

# -- apply: payload shapes and turn order ----------------------------------------------


def started(phase):
    """A 5-player game (merlin servant servant | assassin minion) in the given phase."""
    game = make_game(5, lady=True)
    if phase in ("voting", "questing"):
        propose(game, game.players[:2])
    if phase == "questing":
        vote_all(game, True)
    if phase == "lady":
        play_quests(game, [True, True])
    if phase == "assassination":
        play_quests(game, [True, True, True])
    assert game.phase == phase
    return game


@pytest.mark.parametrize(
    ("phase", "kind", "payload"),
    [
        ("team_building", "propose_team", {"players": [90, True]}),
        ("team_building", "propose_team", {"players": [90, 90]}),
        ("team_building", "propose_team", {"players": [90]}),
        ("team_building", "propose_team", {"players": [90, 83, 76]}),
        ("team_building", "propose_team", {"players": [90, 12345]}),
        ("team_building", "propose_team", {"players": [90, "83"]}),
        ("team_building", "propose_team", {"players": [90, 83.0]}),
        ("team_building", "propose_team", {"players": "90,83"}),
        ("team_building", "propose_team", {"players": None}),
        ("team_building", "propose_team", {"team": [90, 83]}),
        ("team_building", "propose_team", {"players": [90, 83], "extra": 1}),
        ("team_building", "propose_team", [90, 83]),
        ("team_building", "propose_team", None),
        ("voting", "vote", {"approve": 1}),
        ("voting", "vote", {"approve": 0}),
        ("voting", "vote", {"approve": "true"}),
        ("voting", "vote", {"approve": None}),
        ("voting", "vote", {}),
        ("questing", "play_quest", {"success": 1}),
        ("questing", "play_quest", {"success": "yes"}),
        ("questing", "play_quest", {"fail": True}),
        ("assassination", "assassinate", {"target": True}),
        ("assassination", "assassinate", {"target": "90"}),
        ("assassination", "assassinate", {"target": 90.0}),
        ("assassination", "assassinate", {"target": 12345}),
        ("assassination", "assassinate", {}),
        ("lady", "lady_of_the_lake", {"target": False}),
        ("lady", "lady_of_the_lake", {"target": [83]}),
        ("lady", "lady_of_the_lake", {"target": 12345}),
        ("team_building", "start_game", {"roles": []}),
        ("team_building", "chat", {"message": "hi"}),
    ],
)
def test_apply_rejects_malformed_payloads(phase, kind, payload):
    game = started(phase)
    player = game.awaited()[0]
    before = game.to_dict()
    assert_rule_error("invalid_payload", game.apply, player, kind, payload)
    assert game.to_dict() == before


def test_apply_checks_shape_before_turn():
    game = started("team_building")
    assert_rule_error("invalid_payload", game.apply, game.players[1], "vote", {"approve": 1})
    assert_rule_error("not_allowed", game.apply, game.players[1], "vote", {"approve": True})


@pytest.mark.parametrize("phase", ["team_building", "voting", "questing", "lady", "assassination"])
@pytest.mark.parametrize(
    ("kind", "payload"),
    [
        ("propose_team", {"players": [90, 83]}),
        ("vote", {"approve": True}),
        ("play_quest", {"success": True}),
        ("assassinate", {"target": 83}),
        ("lady_of_the_lake", {"target": 62}),
    ],
)
def test_apply_out_of_phase_or_turn_is_not_allowed(phase, kind, payload):
    game = started(phase)
    awaited = game.awaited()
    before = game.to_dict()
    movers = [SPECTATOR] + [p for p in game.players if p not in awaited]
    phase_kind = MOVE_OF_PHASE[phase]
    if kind != phase_kind:
        movers += awaited
    for mover in movers:
        assert_rule_error("not_allowed", game.apply, mover, kind, payload)
    assert game.to_dict() == before


def test_apply_plays_a_whole_game():
    game = make_game(5)
    merlin, servant1, servant2, assassin, minion = game.players
    game.apply(merlin, "propose_team", {"players": [merlin, servant1]})
    for pid in game.players:
        game.apply(pid, "vote", {"approve": True})
    game.apply(merlin, "play_quest", {"success": True})
    events = game.apply(servant1, "play_quest", {"success": True})
    assert events[0].payload["success"] is True
    game.apply(servant1, "propose_team", {"players": [assassin, minion, servant2]})
    for pid in game.players:
        game.apply(pid, "vote", {"approve": pid != merlin})
    game.apply(assassin, "play_quest", {"success": False})
    game.apply(minion, "play_quest", {"success": True})
    events = game.apply(servant2, "play_quest", {"success": True})
    assert events[0].payload == {
        "quest": 2,
        "team": [assassin, minion, servant2],
        "fails": 1,
        "success": False,
        "auto": [],
    }
    play_quests(game, [True, True])
    events = game.apply(assassin, "assassinate", {"target": merlin})
    assert (game.winner, game.reason) == ("evil", "merlin_assassinated")
    view = game.view(servant1)
    assert view["roles"] == {
        str(merlin): "merlin",
        str(servant1): "loyal_servant",
        str(servant2): "loyal_servant",
        str(assassin): "assassin",
        str(minion): "minion",
    }
    for kind, payload in [("vote", {"approve": True}), ("assassinate", {"target": servant1})]:
        assert_rule_error("not_allowed", game.apply, assassin, kind, payload)
    assert game.awaited() == []
    assert_rule_error("not_allowed", game.random_move, assassin, random.Random(0))


def test_version_grows_by_one_per_move_and_not_on_errors():
    game = make_game(5)
    assert game.version == 1
    propose(game)
    assert game.version == 2
    assert_rule_error("not_allowed", propose, game)
    assert game.version == 2
    vote_all(game, True)
    assert game.version == 7
    assert game.view(None)["version"] == 7


# -- random moves ----------------------------------------------------------------------


def test_random_move_is_only_for_awaited_players():
    game = make_game(5)
    assert_rule_error("not_allowed", game.random_move, game.players[1], random.Random(0))
    assert_rule_error("not_allowed", game.random_move, SPECTATOR, random.Random(0))
    kind, payload = game.random_move(game.leader, random.Random(0))
    assert kind == "propose_team"
    assert len(payload["players"]) == 2


def test_random_move_never_fails_for_good_players():
    game = make_game(5)
    propose(game, game.players[:2])  # merlin and a servant
    vote_all(game, True)
    rng = random.Random(0)
    for _ in range(50):
        assert game.random_move(game.players[0], rng) == ("play_quest", {"success": True})
