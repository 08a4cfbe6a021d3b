"""Tests for the rule tables, the game options and how a new game is dealt."""

from __future__ import annotations

import random

import pytest

from avalon.game.options import EVIL_COUNT
from avalon.game.options import EVIL_ROLES
from avalon.game.options import GOOD_ROLES
from avalon.game.options import ROLE_ORDER
from avalon.game.options import TEAM_SIZES
from avalon.game.options import Event
from avalon.game.options import validate_options
from avalon.game.rules import Game
from tests.rules_support import COUNTS
from tests.rules_support import assert_rule_error
from tests.rules_support import ids_for
from tests.rules_support import make_game
from tests.rules_support import setups

pytestmark = pytest.mark.timeout(60)

# -- tables ----------------------------------------------------------------------------


EXPECTED_TABLES = {
    5: (2, [2, 3, 2, 3, 3], [1, 1, 1, 1, 1]),
    6: (2, [2, 3, 4, 3, 4], [1, 1, 1, 1, 1]),
    7: (3, [2, 3, 3, 4, 4], [1, 1, 1, 2, 1]),
    8: (3, [3, 4, 4, 5, 5], [1, 1, 1, 2, 1]),
    9: (3, [3, 4, 4, 5, 5], [1, 1, 1, 2, 1]),
    10: (4, [3, 4, 4, 5, 5], [1, 1, 1, 2, 1]),
}


@pytest.mark.parametrize("n", COUNTS)
def test_tables(n):
    evil, sizes, fails = EXPECTED_TABLES[n]
    assert EVIL_COUNT[n] == evil
    assert TEAM_SIZES[n] == sizes
    game, _ = Game.new(ids_for(n), ["merlin", "assassin"], None, random.Random(1))
    view = game.view(None)
    assert view["team_sizes"] == sizes
    assert view["fails_required"] == fails
    assert sum(role in EVIL_ROLES for role in game.roles) == evil
    assert sum(role in GOOD_ROLES for role in game.roles) == n - evil


def test_role_sets():
    assert GOOD_ROLES | EVIL_ROLES == set(ROLE_ORDER)
    assert not GOOD_ROLES & EVIL_ROLES


# -- starting a game -------------------------------------------------------------------


@pytest.mark.parametrize(("n", "specials"), list(setups()))
def test_new_deals_every_role(n, specials):
    game, events = Game.new(ids_for(n), specials, None, random.Random(7))
    assert game.players == ids_for(n)
    assert sorted(game.roles) == sorted(game.roles_in_play())
    for role in specials:
        assert game.roles.count(role) == 1
    assert sum(role in EVIL_ROLES for role in game.roles) == EVIL_COUNT[n]
    assert set(game.roles) - set(specials) <= {"loyal_servant", "minion"}
    assert game.roles_in_play() == sorted(game.roles, key=ROLE_ORDER.index)
    assert (game.version, game.phase, game.quest, game.proposal) == (1, "team_building", 1, 1)
    assert game.lady_of_the_lake == (n >= 7)
    seat = game.players.index(game.leader)
    if game.lady_of_the_lake:
        assert game.lady_holder == game.players[seat - 1]
        assert game.lady_ineligible == [game.lady_holder]
    else:
        assert game.lady_holder is None
    assert events == [
        Event(
            "game_started",
            {
                "players": ids_for(n),
                "roles_in_play": game.roles_in_play(),
                "leader": game.leader,
                "lady": game.lady_holder,
            },
        )
    ]


def test_new_is_random_but_reproducible():
    leaders, layouts = set(), set()
    for seed in range(200):
        game, _ = Game.new(ids_for(7), ["merlin", "assassin"], None, random.Random(seed))
        leaders.add(game.leader)
        layouts.add(tuple(game.roles))
        again, _ = Game.new(ids_for(7), ["merlin", "assassin"], None, random.Random(seed))
        assert again == game
    assert leaders == set(ids_for(7))
    assert len(layouts) > 50


def test_lady_wraps_to_last_seat_when_first_seat_leads():
    game = make_game(7, leader_seat=0)
    assert game.lady_holder == game.players[-1]


@pytest.mark.parametrize(
    ("n", "lady", "expected"),
    [
        (5, None, False),
        (6, None, False),
        (7, None, True),
        (10, None, True),
        (5, True, True),
        (8, False, False),
    ],
)
def test_lady_default_and_override(n, lady, expected):
    assert validate_options(n, ["merlin", "assassin"], lady) == (["merlin", "assassin"], expected)


def test_validate_options_returns_roles_in_role_order():
    roles = ["oberon", "assassin", "percival", "merlin", "mordred", "morgana"]
    assert validate_options(10, roles, False) == (
        ["merlin", "percival", "assassin", "morgana", "mordred", "oberon"],
        False,
    )


@pytest.mark.parametrize(
    ("n", "roles", "lady", "message"),
    [
        (5, ["merlin"], None, "assassin"),
        (5, ["assassin"], None, "merlin"),
        (5, [], None, "merlin"),
        (5, ["merlin", "assassin", "jester"], None, "unknown"),
        (5, ["merlin", "assassin", "Merlin"], None, "unknown"),
        (5, ["merlin", "assassin", "merlin"], None, "twice"),
        (5, ["merlin", "assassin", 3], None, "role names"),
        (5, ["merlin", "assassin", None], None, "role names"),
        (5, ["merlin", "assassin", "loyal_servant"], None, "not a special role"),
        (5, ["merlin", "assassin", "minion"], None, "not a special role"),
        (5, ["merlin", "assassin", "morgana", "mordred"], None, "evil"),
        (6, ["merlin", "assassin", "morgana", "oberon"], None, "evil"),
        (7, ["merlin", "assassin", "morgana", "mordred", "oberon"], None, "evil"),
        (9, ["merlin", "assassin", "morgana", "mordred", "oberon"], None, "evil"),
        (5, "merlin,assassin", None, "list"),
        (5, None, None, "list"),
        (5, {"merlin": True, "assassin": True}, None, "list"),
        (7, ["merlin", "assassin"], 1, "lady_of_the_lake"),
        (7, ["merlin", "assassin"], "yes", "lady_of_the_lake"),
        (7, ["merlin", "assassin"], 0, "lady_of_the_lake"),
    ],
)
def test_validate_options_rejects(n, roles, lady, message):
    error = assert_rule_error("invalid_payload", validate_options, n, roles, lady)
    assert message in error.message


@pytest.mark.parametrize("n", [0, 4, 11, True, "5"])
def test_validate_options_rejects_player_count(n):
    assert_rule_error("not_allowed", validate_options, n, ["merlin", "assassin"], None)


def test_new_rejects_bad_seating():
    with pytest.raises(ValueError):
        Game.new([1, 2, 3, 4, 4], ["merlin", "assassin"], None, random.Random(0))
    with pytest.raises(ValueError):
        Game.new([1, 2, 3, 4, True], ["merlin", "assassin"], None, random.Random(0))
    assert_rule_error(
        "not_allowed", Game.new, [1, 2, 3, 4], ["merlin", "assassin"], None, random.Random(0)
    )
