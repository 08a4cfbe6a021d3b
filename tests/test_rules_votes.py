"""Tests for proposals, votes, the proposal history and quests."""

from __future__ import annotations

import pytest

from avalon.game.options import Event
from tests.rules_support import COUNTS
from tests.rules_support import assert_rule_error
from tests.rules_support import by_role
from tests.rules_support import make_game
from tests.rules_support import play_quests
from tests.rules_support import propose
from tests.rules_support import run_quest
from tests.rules_support import side
from tests.rules_support import skip_lady
from tests.rules_support import team_size
from tests.rules_support import vote_all

pytestmark = pytest.mark.timeout(60)

# -- proposals and votes ---------------------------------------------------------------


@pytest.mark.parametrize("n", COUNTS)
def test_leader_rotation_and_five_rejections(n):
    # Start at the last seat so that rotation has to wrap around.
    game = make_game(n, leader_seat=n - 1)
    seat = n - 1
    for proposal in range(1, 6):
        assert game.phase == "team_building"
        assert game.leader == game.players[seat]
        assert game.proposal == proposal
        events = propose(game)
        assert events[0].payload == {
            "leader": game.players[seat],
            "team": game.players[: team_size(game)],
            "quest": 1,
            "proposal": proposal,
            "auto": False,
        }
        events = vote_all(game, set())
        seat = (seat + 1) % n
        assert game.leader == game.players[seat]
        result = [e for e in events if e.name == "vote_result"]
        assert result[0].payload["approved"] is False
    assert game.phase == "game_over"
    assert (game.winner, game.reason) == ("evil", "five_rejections")
    assert events[-1].name == "game_over"
    assert events[-1].payload["roles"] == {
        str(pid): role for pid, role in zip(game.players, game.roles, strict=True)
    }
    assert len(game.proposals) == 5


@pytest.mark.parametrize("n", COUNTS)
def test_proposal_resets_each_quest_and_leader_moves_after_approval(n):
    game = make_game(n, lady=False)
    for _ in range(3):
        propose(game)
        vote_all(game, set())
    assert game.proposal == 4
    assert game.leader == game.players[3 % n]
    run_quest(game)
    assert game.leader == game.players[4 % n]
    assert (game.quest, game.proposal, game.phase) == (2, 1, "team_building")
    assert game.team is None


@pytest.mark.parametrize(
    ("n", "yes", "approved"),
    [(n, yes, 2 * yes > n) for n in COUNTS for yes in range(n // 2 - 1, n // 2 + 2)],
)
def test_approval_needs_strict_majority_of_all_players(n, yes, approved):
    game = make_game(n)
    propose(game)
    events = vote_all(game, set(game.players[:yes]))
    result = events[-1]
    assert result.name == "vote_result"
    assert result.payload["approved"] is approved
    assert game.phase == ("questing" if approved else "team_building")


def test_votes_are_secret_until_everyone_voted():
    game = make_game(5)
    propose(game)
    voters = game.players[:4]
    for i, pid in enumerate(voters):
        cast = Event("vote_cast", {"player_id": pid, "auto": False})
        assert game.vote(pid, i % 2 == 0) == [cast]
        for viewer in [*game.players, None]:
            view = game.view(viewer)
            assert view["votes"] is None
            assert view["voted"] == voters[: i + 1]
    assert game.awaited() == [game.players[4]]
    assert_rule_error("not_allowed", game.vote, voters[0], True)
    events = game.vote(game.players[4], True)
    assert [e.name for e in events] == ["vote_cast", "vote_result"]
    votes = dict(zip(map(str, game.players), [True, False, True, False, True], strict=True))
    assert events[1].payload == {
        "approved": True,
        "votes": votes,
        "quest": 1,
        "proposal": 1,
        "leader": game.players[0],
        "team": game.players[:2],
        "auto": [],
        "auto_proposal": False,
    }
    view = game.view(None)
    assert view["votes"] == votes
    assert view["voted"] == []
    assert view["team"] == game.players[:2]
    # The last vote stays visible until the next proposal, which clears it until it completes.
    for pid in game.team:
        game.play_quest(pid, True)
    assert game.view(None)["votes"] == votes
    propose(game)
    assert game.view(None)["votes"] is None


def test_history_holds_completed_proposals_only():
    game = make_game(5, lady=False)
    leader = game.leader
    game.propose_team(leader, game.players[:2])
    for voter in game.players:
        game.vote(voter, False)
    game.propose_team(game.leader, game.players[1:3])
    game.vote(game.players[0], True)
    history = game.view(game.players[1])["history"]
    assert history == [
        {
            "quest": 1,
            "proposal": 1,
            "leader": leader,
            "team": game.players[:2],
            "votes": {str(p): False for p in game.players},
            "approved": False,
            "auto": [],
            "auto_proposal": False,
        }
    ]


# -- quests ----------------------------------------------------------------------------


def test_quest_plays_are_secret_and_counted():
    game = make_game(5, ["merlin", "assassin"])  # merlin servant servant | assassin minion
    assassin, minion = game.players[3], game.players[4]
    play_quests(game, [True])
    team = [assassin, minion, game.players[0]]
    propose(game, team)
    vote_all(game, True)
    assert game.awaited() == sorted(team, key=game.players.index)
    assert game.play_quest(minion, False) == []
    assert game.view(None)["played"] == [minion]
    assert game.awaited() == [game.players[0], assassin]
    assert_rule_error("not_allowed", game.play_quest, minion, True)
    assert_rule_error("not_allowed", game.play_quest, game.players[1], True)
    game.play_quest(assassin, False)
    events = game.play_quest(game.players[0], True)
    result = {"quest": 2, "team": team, "fails": 2, "success": False, "auto": []}
    assert events == [Event("quest_result", result)]
    view = game.view(None)
    assert view["quest_results"][1:] == [result]
    assert view["played"] == []
    assert view["team"] is None


@pytest.mark.parametrize("n", COUNTS)
@pytest.mark.parametrize("role", ["merlin", "loyal_servant", "percival"])
def test_good_player_cannot_fail(n, role):
    game = make_game(n, ["merlin", "percival", "assassin"], lady=False)
    good = by_role(game, role)
    team = [good] + [p for p in game.players if p != good][: team_size(game) - 1]
    propose(game, team)
    vote_all(game, True)
    before = game.to_dict()
    assert_rule_error("not_allowed", game.play_quest, good, False)
    assert game.to_dict() == before
    game.play_quest(good, True)


@pytest.mark.parametrize("n", COUNTS)
def test_evil_player_may_succeed_or_fail(n):
    game = make_game(n, ["merlin", "assassin", "morgana"], lady=False)
    events = play_quests(game, [False])
    assert events[-1].payload["fails"] == 1
    assert events[-1].payload["success"] is False
    propose(game, [by_role(game, "morgana")] + side(game, "good")[: team_size(game) - 1])
    vote_all(game, True)
    for pid in game.team:
        events = game.play_quest(pid, True)
    assert events[-1].payload["success"] is True


@pytest.mark.parametrize("n", COUNTS)
@pytest.mark.parametrize("fails", [1, 2])
def test_quest_four_needs_two_fails_with_seven_or_more(n, fails):
    game = make_game(n)
    play_quests(game, [True, False, True])
    skip_lady(game)
    assert game.quest == 4
    events = run_quest(game, fails=fails)
    result = events[0].payload
    assert events[0].name == "quest_result"
    assert result["fails"] == fails
    assert result["success"] is (n >= 7 and fails == 1)


@pytest.mark.parametrize("n", COUNTS)
def test_three_failed_quests_win_for_evil(n):
    game = make_game(n)
    events = play_quests(game, [False, True, False, True, False])
    assert [e.name for e in events[-2:]] == ["quest_result", "game_over"]
    assert (game.phase, game.winner, game.reason) == ("game_over", "evil", "three_fails")
    assert game.quest == 5
    assert events[-1].payload["winner"] == "evil"
