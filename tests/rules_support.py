"""Helpers for the game-rules tests: known seatings, moves by whole tables, leak checks."""

from __future__ import annotations

import copy
import itertools
import json
import random

import pytest

from avalon.game.options import EVIL_COUNT
from avalon.game.options import EVIL_ROLES
from avalon.game.options import GOOD_ROLES
from avalon.game.options import ROLE_ORDER
from avalon.game.options import TEAM_SIZES
from avalon.game.options import RuleError
from avalon.game.rules import Game

COUNTS = range(5, 11)
OPTIONAL = ["percival", "morgana", "mordred", "oberon"]
SPECTATOR = 9999
# Each phase -> the move kind it waits for (game_over waits for none).
MOVE_OF_PHASE = {
    "team_building": "propose_team",
    "voting": "vote",
    "questing": "play_quest",
    "lady": "lady_of_the_lake",
    "assassination": "assassinate",
}
VIEW_KEYS = {
    "game_id",
    "number",
    "version",
    "phase",
    "players",
    "roles_in_play",
    "quest",
    "team_sizes",
    "fails_required",
    "leader",
    "proposal",
    "team",
    "auto_proposal",
    "voted",
    "auto_voted",
    "votes",
    "quest_results",
    "history",
    "played",
    "lady",
    "you",
    "lady_results",
    "winner",
    "reason",
}  # plus "roles" and "assassination", only once the game is over


# -- helpers ---------------------------------------------------------------------------


def ids_for(n):
    """Player ids whose sorted order differs from seat order, to catch mix-ups."""
    return [90 - 7 * seat for seat in range(n)]


def fits(n, specials):
    """Tell whether a set of special roles fits n players."""
    evil = sum(role in EVIL_ROLES for role in specials)
    good = sum(role in GOOD_ROLES for role in specials)
    return evil <= EVIL_COUNT[n] and good <= n - EVIL_COUNT[n]


def setups():
    """Every (n, specials) pair: each player count with every optional role subset that fits."""
    for n in COUNTS:
        for k in range(len(OPTIONAL) + 1):
            for extra in itertools.combinations(OPTIONAL, k):
                specials = ["merlin", "assassin", *extra]
                if fits(n, specials):
                    yield n, specials


def seat_roles(n, specials):
    """Seat the good specials, then servants, then the evil specials, then minions."""
    good = [role for role in specials if role in GOOD_ROLES]
    evil = [role for role in specials if role in EVIL_ROLES]
    good += ["loyal_servant"] * (n - EVIL_COUNT[n] - len(good))
    evil += ["minion"] * (EVIL_COUNT[n] - len(evil))
    return good + evil


def make_game(n=5, specials=("merlin", "assassin"), lady=None, leader_seat=0):
    """Build a game with a known seating of roles and a known first leader."""
    game, _ = Game.new(ids_for(n), list(specials), lady, random.Random(n))
    game.roles = seat_roles(n, specials)
    game.leader = game.players[leader_seat]
    if game.lady_of_the_lake:
        game.lady_holder = game.players[leader_seat - 1]
        game.lady_ineligible = [game.lady_holder]
    return game


def by_role(game, role):
    """Return the first player with a role."""
    return game.players[game.roles.index(role)]


def side(game, alignment):
    """Return the players of one alignment, in seat order."""
    return [pid for pid in game.players if game.alignment_of(pid) == alignment]


def team_size(game):
    """Return the size of the current quest's team."""
    return TEAM_SIZES[len(game.players)][game.quest - 1]


def propose(game, team=None):
    """Let the leader propose a team (the first seats by default)."""
    if team is None:
        team = game.players[: team_size(game)]
    return game.propose_team(game.leader, team)


def vote_all(game, approvers):
    """Let every player vote: approve if in approvers (or approvers is True)."""
    events = []
    for pid in game.players:
        events += game.vote(pid, approvers is True or pid in approvers)
    return events


def run_quest(game, fails=0):
    """Send a team with `fails` failing evil players and return the quest's events."""
    evil = side(game, "evil")[:fails]
    team = evil + side(game, "good")[: team_size(game) - fails]
    propose(game, team)
    vote_all(game, True)
    events = []
    for pid in team:
        events += game.play_quest(pid, pid not in evil)
    return events


def skip_lady(game):
    """Use the Lady on the first eligible player if the game waits for her."""
    if game.phase == "lady":
        game.use_lady(game.lady_holder, game.lady_targets()[0])


def play_quests(game, results):
    """Run one quest per entry (True = success, False = just enough fail cards to fail)."""
    events = []
    for success in results:
        skip_lady(game)
        needed = game.fails_required()[game.quest - 1]
        events += run_quest(game, fails=0 if success else needed)
    return events


def assert_rule_error(code, call, *args):
    """Call and check that it raises RuleError with the given code."""
    with pytest.raises(RuleError) as info:
        call(*args)
    assert info.value.code == code
    assert info.value.message
    return info.value


def assert_no_leak(game, view, viewer):
    """Check a pre-game-over view: no role or alignment beyond what the viewer may know."""
    assert "roles" not in view
    stripped = copy.deepcopy(view)
    del stripped["roles_in_play"]
    if stripped["you"] is not None:
        del stripped["you"]["role"]
    text = json.dumps(stripped)
    for role in ROLE_ORDER:
        assert f'"{role}"' not in text
    if viewer in game.players:
        assert view["you"]["sees"] == game.sees(viewer)
        own = [c for c in game.lady_checks if c["holder"] == viewer]
        assert view["lady_results"] == [
            {"target": c["target"], "alignment": c["alignment"]} for c in own
        ]
    else:
        assert view["you"] is None
        assert view["lady_results"] == []
    if view["lady"] is not None:
        checks = view["lady"]["checks"]
        assert all(set(check) == {"holder", "target", "auto"} for check in checks)
