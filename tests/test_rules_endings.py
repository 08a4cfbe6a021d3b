"""Moves not made by the person are marked, games can be abandoned, old games still load."""

from __future__ import annotations

import json

import pytest

from avalon.game.rules import Game
from tests.rules_support import assert_rule_error
from tests.rules_support import by_role
from tests.rules_support import make_game
from tests.rules_support import play_quests
from tests.rules_support import team_size

pytestmark = pytest.mark.timeout(30)


def test_moves_made_for_a_player_are_marked_in_the_events_and_the_history():
    game = make_game(5, lady=False)
    leader, others = game.leader, [p for p in game.players if p != game.leader]
    team = game.players[: team_size(game)]
    events = game.apply(leader, "propose_team", {"players": team}, auto=True)
    assert events[0].payload["auto"] is True
    assert game.view(None)["auto_proposal"] is True  # the team on the table says so
    for voter in game.players:
        if voter == game.players[-1]:  # the open vote shows whose ballots were cast for them
            assert game.view(None)["auto_voted"] == others[:2]
        events = game.apply(voter, "vote", {"approve": True}, auto=voter in others[:2])
    result = events[-1].payload
    assert result["auto"] == sorted(others[:2], key=game.players.index)
    assert result["auto_proposal"] is True
    assert game.view(None)["history"][0]["auto"] == result["auto"]
    for member in team:
        events = game.apply(member, "play_quest", {"success": True}, auto=member == team[0])
    assert events[0].payload["auto"] == [team[0]]
    assert game.view(None)["quest_results"][0]["auto"] == [team[0]]
    # The next proposal starts unmarked.
    game.apply(game.leader, "propose_team", {"players": game.players[: team_size(game)]})
    game.apply(game.players[0], "vote", {"approve": True})
    assert game.auto_ballots == [] and game.auto_proposal is False


def test_a_lady_check_and_an_assassination_made_for_the_player_say_so():
    game = make_game(7, ["merlin", "assassin"], lady=True)
    play_quests(game, [True, True])
    holder = game.lady_holder
    target = next(p for p in game.players if p not in game.lady_ineligible)
    events = game.apply(holder, "lady_of_the_lake", {"target": target}, auto=True)
    assert events[0].payload["auto"] is True
    assert game.view(None)["lady"]["checks"][-1]["auto"] is True
    play_quests(game, [True])
    assassin = by_role(game, "assassin")
    target = game.assassin_targets()[0]
    events = game.apply(assassin, "assassinate", {"target": target}, auto=True)
    assert events[-1].payload["assassination"]["auto"] is True
    assert game.record()["assassination_auto"] is True  # the replay says so too


def test_an_abandoned_game_has_no_winner_and_reveals_every_role():
    game = make_game(5)
    version = game.version
    events = game.abandon()
    assert (game.phase, game.winner, game.reason) == ("game_over", None, "abandoned")
    assert game.version == version + 1
    assert events[0].name == "game_over"
    assert events[0].payload["winner"] is None
    assert events[0].payload["roles"] == game.roles_by_id()
    assert game.record()["reason"] == "abandoned"
    assert_rule_error("not_allowed", game.abandon)


def test_a_game_stored_before_the_marks_existed_still_loads():
    game = make_game(5)
    stored = json.loads(json.dumps(game.to_dict()))
    for added in ("auto_proposal", "auto_ballots", "auto_played", "assassination_auto"):
        del stored[added]
    loaded = Game.from_dict(stored)
    assert loaded.auto_ballots == [] and loaded.view(None)["phase"] == "team_building"
    with pytest.raises(ValueError):
        Game.from_dict({**stored, "stranger": 1})
    del stored["leader"]
    with pytest.raises(ValueError):
        Game.from_dict(stored)
