"""Tests for the Lady of the Lake, the assassination and moves made for timed-out players."""

from __future__ import annotations

import random

import pytest

from avalon.game.options import Event
from tests.rules_support import COUNTS
from tests.rules_support import SPECTATOR
from tests.rules_support import assert_rule_error
from tests.rules_support import by_role
from tests.rules_support import make_game
from tests.rules_support import play_quests
from tests.rules_support import propose
from tests.rules_support import side
from tests.rules_support import skip_lady

pytestmark = pytest.mark.timeout(60)

# -- Lady of the Lake ------------------------------------------------------------------


@pytest.mark.parametrize("n", COUNTS)
def test_lady_flow(n):
    game = make_game(n, lady=True, leader_seat=1)
    first = game.players[0]
    assert game.view(None)["lady"] == {"holder": first, "ineligible": [first], "checks": []}
    play_quests(game, [True])
    assert game.phase == "team_building"
    play_quests(game, [False])
    assert (game.phase, game.quest, game.proposal) == ("lady", 3, 1)
    assert game.awaited() == [first]
    version = game.version
    assert_rule_error("not_allowed", game.use_lady, first, first)
    assert_rule_error("not_allowed", game.use_lady, game.players[1], game.players[2])
    assert_rule_error("invalid_payload", game.use_lady, first, SPECTATOR)
    assert_rule_error("not_allowed", propose, game)
    assert game.version == version
    evil = side(game, "evil")[0]
    events = game.use_lady(first, evil)
    assert events == [
        Event("lady_used", {"holder": first, "target": evil, "auto": False}),
        Event("lady_result", {"target": evil, "alignment": "evil"}, to=first),
    ]
    assert game.phase == "team_building"
    assert game.view(None)["lady"] == {
        "holder": evil,
        "ineligible": [first, evil],
        "checks": [{"holder": first, "target": evil, "auto": False}],
    }
    assert game.view(first)["lady_results"] == [{"target": evil, "alignment": "evil"}]
    assert game.view(evil)["lady_results"] == []
    assert game.view(None)["lady_results"] == []
    # After quest 3 the new holder may not examine either former holder.
    play_quests(game, [True])
    assert game.phase == "lady"
    assert_rule_error("not_allowed", game.use_lady, evil, first)
    assert_rule_error("not_allowed", game.use_lady, evil, evil)
    good = side(game, "good")[1]
    assert game.use_lady(evil, good)[1].payload == {"target": good, "alignment": "good"}
    # After quest 4 the third holder gets a turn, then quest 5 has no Lady.
    play_quests(game, [False])
    assert game.phase == "lady"
    assert game.lady_holder == good
    assert game.lady_targets() == [p for p in game.players if p not in (first, evil, good)]
    skip_lady(game)
    assert game.quest == 5
    play_quests(game, [True])
    assert game.phase == "assassination"
    assert len(game.lady_checks) == 3


@pytest.mark.parametrize("n", [5, 7])
def test_no_lady_once_the_game_is_decided(n):
    game = make_game(n, lady=True)
    play_quests(game, [True, True, False, True])
    assert game.phase == "assassination"
    game = make_game(n, lady=True)
    play_quests(game, [False, True, False, False])
    assert game.phase == "game_over"
    assert len(game.lady_checks) == 2


def test_no_lady_when_off():
    game = make_game(8, lady=False)
    play_quests(game, [True, False])
    assert game.phase == "team_building"
    assert game.view(None)["lady"] is None
    assert_rule_error("not_allowed", game.use_lady, game.players[0], game.players[1])


# -- assassination ---------------------------------------------------------------------


@pytest.mark.parametrize("n", COUNTS)
@pytest.mark.parametrize("hit", [True, False])
def test_assassination(n, hit):
    game = make_game(n, ["merlin", "percival", "assassin"])
    events = play_quests(game, [True, False, True, True])
    assert events[-1] == Event("assassination_started", {})
    assert game.phase == "assassination"
    assert game.quest == 4
    assassin = by_role(game, "assassin")
    assert game.awaited() == [assassin]
    assert_rule_error("not_allowed", game.assassinate, game.players[0], game.players[1])
    assert_rule_error("not_allowed", game.assassinate, assassin, assassin)
    assert_rule_error("invalid_payload", game.assassinate, assassin, SPECTATOR)
    assert_rule_error("not_allowed", game.assassinate, SPECTATOR, game.players[0])
    target = by_role(game, "merlin") if hit else by_role(game, "percival")
    events = game.assassinate(assassin, target)
    expected = ("evil", "merlin_assassinated") if hit else ("good", "merlin_survived")
    assert (game.winner, game.reason) == expected
    assert [e.name for e in events] == ["game_over"]
    assert events[0].payload["winner"] == expected[0]
    assert events[0].payload["reason"] == expected[1]
    assert game.record()["assassin_target"] == target


def test_assassin_may_not_name_a_visible_teammate():
    game = make_game(7, ["merlin", "assassin", "morgana"], lady=False)
    play_quests(game, [True, True, True])
    assassin, morgana = by_role(game, "assassin"), by_role(game, "morgana")
    error = assert_rule_error("not_allowed", game.assassinate, assassin, morgana)
    assert "morgana" not in str(error).lower()  # the refusal names no role
    assert morgana not in game.assassin_targets()
    assert game.phase == "assassination"


def test_assassin_may_name_oberon_whom_it_does_not_see():
    game = make_game(7, ["merlin", "assassin", "oberon"], lady=False)
    play_quests(game, [True, True, True])
    assassin, oberon = by_role(game, "assassin"), by_role(game, "oberon")
    assert oberon in game.assassin_targets()
    events = game.assassinate(assassin, oberon)
    assert (game.winner, game.reason) == ("good", "merlin_survived")
    named = {"assassin": assassin, "target": oberon, "auto": False}
    assert events[0].payload["assassination"] == named
    assert game.view(None)["assassination"] == named


@pytest.mark.parametrize("n", COUNTS)
def test_timeout_moves_never_gamble(n):
    rng = random.Random(n)
    game = make_game(n, ["merlin", "assassin", "morgana"], lady=False)
    while game.phase != "game_over":
        for player_id in game.awaited():
            if game.phase == "game_over":
                break
            kind, payload = game.timeout_move(player_id, rng)
            if kind == "vote":
                assert payload == {"approve": True}
            if kind == "play_quest":
                assert payload == {"success": True}
            if kind == "assassinate":
                seen = {entry["player_id"] for entry in game.sees(player_id)}
                assert payload["target"] not in seen | {player_id}
            game.apply(player_id, kind, payload)
    # Every team is approved at once and every card succeeds: three quests, then the shot.
    assert game.reason in ("merlin_assassinated", "merlin_survived")
    assert [entry["proposal"] for entry in game.view(None)["history"]] == [1, 1, 1]
