"""Tests for storing a game, its record, and random games checked at every step (hypothesis)."""

from __future__ import annotations

import json
import os
import random

import pytest
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from avalon.game.options import EVIL_COUNT
from avalon.game.options import PHASES
from avalon.game.options import ROLE_ORDER
from avalon.game.rules import Game
from tests.rules_support import MOVE_OF_PHASE
from tests.rules_support import SPECTATOR
from tests.rules_support import VIEW_KEYS
from tests.rules_support import assert_no_leak
from tests.rules_support import assert_rule_error
from tests.rules_support import by_role
from tests.rules_support import ids_for
from tests.rules_support import make_game
from tests.rules_support import play_quests
from tests.rules_support import propose
from tests.rules_support import skip_lady
from tests.rules_support import team_size
from tests.rules_support import vote_all

pytestmark = pytest.mark.timeout(120)

LEGAL_ENDINGS = {
    ("evil", "three_fails"),
    ("evil", "five_rejections"),
    ("evil", "merlin_assassinated"),
    ("good", "merlin_survived"),
}


# -- storage and the record ------------------------------------------------------------


def test_round_trip_through_json():
    game = make_game(7, ["merlin", "percival", "assassin", "morgana"])
    game.game_id, game.number = 4, 2
    play_quests(game, [True, False])
    skip_lady(game)
    propose(game)
    for pid in game.players[:3]:
        game.vote(pid, True)
    restored = Game.from_dict(json.loads(json.dumps(game.to_dict())))
    assert restored == game
    assert restored.view(game.players[2]) == game.view(game.players[2])
    # The copies are independent of each other.
    restored.vote(game.players[3], True)
    assert restored != game
    with pytest.raises(ValueError):
        Game.from_dict({**game.to_dict(), "surprise": 1})


def test_record():
    game = make_game(7, ["merlin", "percival", "assassin", "morgana"])
    assert_rule_error("not_allowed", game.record)
    propose(game)
    vote_all(game, set())
    play_quests(game, [True, False, True, True])
    merlin = by_role(game, "merlin")
    game.assassinate(by_role(game, "assassin"), merlin)
    record = game.record()
    json.dumps(record)
    assert record["players"] == game.players
    assert record["roles"] == {str(p): r for p, r in zip(game.players, game.roles, strict=True)}
    assert [(p["quest"], p["proposal"], p["approved"]) for p in record["proposals"]] == [
        (1, 1, False),
        (1, 2, True),
        (2, 1, True),
        (3, 1, True),
        (4, 1, True),
    ]
    assert record["proposals"][0]["votes"] == {str(p): False for p in game.players}
    assert record["proposals"][0]["leader"] == game.players[0]
    assert [q["fails"] for q in record["quest_results"]] == [0, 1, 0, 0]
    # The Lady was used after quests 2 and 3; quest 4 decided the game.
    assert len(record["lady_checks"]) == 2
    assert set(record["lady_checks"][0]) == {"holder", "target", "alignment", "auto"}
    assert record["assassin"] == by_role(game, "assassin")
    assert record["assassin_target"] == merlin
    assert (record["winner"], record["reason"]) == ("evil", "merlin_assassinated")


# -- property-based: random legal games ------------------------------------------------


def assert_public_event(game, event):
    """Check an event: only lady_result is private, and nothing secret before game over."""
    json.dumps(event.payload)
    if event.name == "lady_result":
        assert event.to == game.lady_checks[-1]["holder"]
        assert set(event.payload) == {"target", "alignment"}
        return
    assert event.to is None
    if event.name == "game_over":
        return
    payload = dict(event.payload)
    if "roles_in_play" in payload:
        assert payload.pop("roles_in_play") == game.roles_in_play()
    text = json.dumps(payload)
    assert '"roles"' not in text
    assert '"alignment"' not in text
    for role in ROLE_ORDER:
        assert f'"{role}"' not in text


@st.composite
def game_setups(draw):
    """Draw a player count, a fitting set of optional roles and a Lady option."""
    n = draw(st.integers(5, 10))
    evil = draw(
        st.lists(
            st.sampled_from(["morgana", "mordred", "oberon"]),
            unique=True,
            max_size=EVIL_COUNT[n] - 1,
        )
    )
    percival = draw(st.booleans())
    lady = draw(st.sampled_from([None, True, False]))
    return n, ["merlin", "assassin"] + (["percival"] if percival else []) + evil, lady


def illegal_move(game, rng):
    """Return a well-formed move by someone the game is not waiting for (or of another kind)."""
    awaited = game.awaited()
    others = [p for p in game.players if p not in awaited] + [SPECTATOR]
    kind = rng.choice(["propose_team", "vote", "play_quest", "assassinate", "lady_of_the_lake"])
    size = team_size(game)
    payload = {
        "propose_team": {"players": rng.sample(game.players, size)},
        "vote": {"approve": rng.random() < 0.5},
        "play_quest": {"success": rng.random() < 0.5},
        "assassinate": {"target": rng.choice(game.players)},
        "lady_of_the_lake": {"target": rng.choice(game.players)},
    }[kind]
    phase_kind = MOVE_OF_PHASE.get(game.phase)
    if kind != phase_kind and awaited:
        others += awaited
    return rng.choice(others), kind, payload


def check_step(game, events):
    """Check every invariant that must hold after each move."""
    assert game.phase in PHASES
    for event in events:
        assert_public_event(game, event)
    stored = json.loads(json.dumps(game.to_dict()))
    assert Game.from_dict(stored) == game
    over = game.phase == "game_over"
    for viewer in [*game.players, None]:
        view = game.view(viewer)
        assert set(view) == VIEW_KEYS | ({"roles", "assassination"} if over else set())
        assert json.loads(json.dumps(view)) == view
        if over:
            assert view["roles"] == {
                str(p): r for p, r in zip(game.players, game.roles, strict=True)
            }
        else:
            assert_no_leak(game, view, viewer)
            assert view["votes"] is None or game.phase != "voting"
    assert (game.awaited() == []) == over


def check_ending(game):
    """Check that a finished game ended for a reason its history supports."""
    assert (game.winner, game.reason) in LEGAL_ENDINGS
    successes = sum(r["success"] for r in game.quest_results)
    failures = len(game.quest_results) - successes
    if game.reason == "three_fails":
        assert failures == 3 and successes < 3
    elif game.reason == "five_rejections":
        last = [p for p in game.proposals if p["quest"] == game.quest]
        assert [p["approved"] for p in last] == [False] * 5
    else:
        assert successes == 3 and failures < 3
        merlin_named = game.role_of(game.assassin_target) == "merlin"
        assert merlin_named == (game.reason == "merlin_assassinated")
    for result in game.quest_results:
        required = game.fails_required()[result["quest"] - 1]
        assert result["success"] == (result["fails"] < required)
        assert len(result["team"]) == game.team_sizes()[result["quest"] - 1]
    game.record()


def play_random_game(game, rng, approve_bias, careful):
    """Play random legal moves to the end; with careful, check everything at every step."""
    for _ in range(1000):
        if game.phase == "game_over":
            return
        if careful:
            mover, kind, payload = illegal_move(game, rng)
            before = game.to_dict()
            assert_rule_error("not_allowed", game.apply, mover, kind, payload)
            assert game.to_dict() == before
        player = rng.choice(game.awaited())
        kind, payload = game.random_move(player, rng)
        if kind == "vote" and rng.random() < approve_bias:
            payload = {"approve": True}
        version = game.version
        events = game.apply(player, kind, payload)
        assert game.version == version + 1
        if careful:
            check_step(game, events)
        else:
            assert game.phase in PHASES
            assert all(e.to is None or e.name == "lady_result" for e in events)
    raise AssertionError("the game did not end")


@settings(
    max_examples=int(os.environ.get("AVALON_RULES_EXAMPLES", "30")),  # `make long`: 2,000
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    setup=game_setups(),
    seed=st.integers(0, 2**32 - 1),
    approve_bias=st.floats(0.0, 0.9),
)
def test_random_games_checked_at_every_step(setup, seed, approve_bias):
    n, roles, lady = setup
    rng = random.Random(seed)
    game, events = Game.new(ids_for(n), roles, lady, rng)
    check_step(game, events)
    play_random_game(game, rng, approve_bias, careful=True)
    check_ending(game)
    check_step(game, [])


@settings(max_examples=100, deadline=None)
@given(
    setup=game_setups(),
    seed=st.integers(0, 2**32 - 1),
    approve_bias=st.floats(0.0, 0.9),
)
def test_many_random_games_end_legally(setup, seed, approve_bias):
    n, roles, lady = setup
    rng = random.Random(seed)
    for _ in range(20):
        game, _ = Game.new(ids_for(n), roles, lady, rng)
        play_random_game(game, rng, approve_bias, careful=False)
        check_ending(game)
        assert Game.from_dict(json.loads(json.dumps(game.to_dict()))) == game
