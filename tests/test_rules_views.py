"""Tests for the night knowledge of every role and the shape of each viewer's game view."""

from __future__ import annotations

import pytest

from avalon.game.options import EVIL_ROLES
from avalon.game.options import GOOD_ROLES
from tests.rules_support import SPECTATOR
from tests.rules_support import VIEW_KEYS
from tests.rules_support import assert_no_leak
from tests.rules_support import ids_for
from tests.rules_support import make_game
from tests.rules_support import setups

pytestmark = pytest.mark.timeout(60)

# -- helpers ---------------------------------------------------------------------------


def expected_sees(roles_by_id, viewer):
    """The night knowledge, written independently of the rules module."""
    mine = roles_by_id[viewer]
    seen = []
    for other in sorted(roles_by_id):
        theirs = roles_by_id[other]
        if other == viewer:
            continue
        if mine == "merlin" and theirs in EVIL_ROLES and theirs != "mordred":
            seen.append({"player_id": other, "as": "evil"})
        elif mine == "percival" and theirs in ("merlin", "morgana"):
            seen.append({"player_id": other, "as": "merlin_or_morgana"})
        elif (
            mine in EVIL_ROLES and mine != "oberon" and theirs in EVIL_ROLES and theirs != "oberon"
        ):
            seen.append({"player_id": other, "as": "evil"})
    return seen


# -- night knowledge -------------------------------------------------------------------


@pytest.mark.parametrize(("n", "specials"), list(setups()))
def test_night_knowledge(n, specials):
    game = make_game(n, specials)
    roles_by_id = dict(zip(game.players, game.roles, strict=True))
    for pid in game.players:
        you = game.view(pid)["you"]
        assert you["player_id"] == pid
        assert you["role"] == roles_by_id[pid]
        assert you["alignment"] == ("good" if you["role"] in GOOD_ROLES else "evil")
        assert you["sees"] == expected_sees(roles_by_id, pid)


def test_night_knowledge_with_every_role():
    # 10 players: merlin percival servant*4 | assassin morgana mordred oberon
    game = make_game(10, ["merlin", "percival", "assassin", "morgana", "mordred", "oberon"])
    merlin, percival, servant = game.players[0], game.players[1], game.players[2]
    assassin, morgana, mordred, oberon = game.players[6:10]

    def sees(pid):
        return [(s["player_id"], s["as"]) for s in game.view(pid)["you"]["sees"]]

    def tagged(ids, tag):
        return sorted((pid, tag) for pid in ids)

    assert sees(merlin) == tagged([assassin, morgana, oberon], "evil")
    assert sees(percival) == tagged([merlin, morgana], "merlin_or_morgana")
    assert sees(servant) == []
    assert sees(assassin) == tagged([morgana, mordred], "evil")
    assert sees(morgana) == tagged([assassin, mordred], "evil")
    assert sees(mordred) == tagged([assassin, morgana], "evil")
    assert sees(oberon) == []


def test_percival_without_morgana_sees_only_merlin():
    game = make_game(6, ["merlin", "percival", "assassin"])
    merlin, percival = game.players[0], game.players[1]
    assert game.view(percival)["you"]["sees"] == [{"player_id": merlin, "as": "merlin_or_morgana"}]


def test_minion_sees_other_evil():
    game = make_game(8, ["merlin", "assassin"])  # 5 good, then assassin minion minion
    assassin, minion1, minion2 = game.players[5:]
    expected = [{"player_id": p, "as": "evil"} for p in sorted([assassin, minion2])]
    assert game.view(minion1)["you"]["sees"] == expected


# -- views -----------------------------------------------------------------------------


def test_view_shape_for_players_and_spectators():
    game = make_game(7)
    game.game_id, game.number = 12, 3
    spectator = game.view(None)
    assert set(spectator) == VIEW_KEYS
    assert spectator["you"] is None
    assert spectator["lady_results"] == []
    assert game.view(SPECTATOR) == spectator
    player = game.view(game.players[0])
    assert set(player) == VIEW_KEYS
    assert (player["game_id"], player["number"], player["version"]) == (12, 3, 1)
    assert player["players"] == ids_for(7)
    assert player["roles_in_play"] == [
        "merlin",
        "loyal_servant",
        "loyal_servant",
        "loyal_servant",
        "assassin",
        "minion",
        "minion",
    ]
    assert (player["quest"], player["proposal"], player["phase"]) == (1, 1, "team_building")
    assert (player["team"], player["votes"], player["voted"]) == (None, None, [])
    assert (player["winner"], player["reason"]) == (None, None)
    assert "roles" not in player
    for viewer in [*game.players, None]:
        assert_no_leak(game, game.view(viewer), viewer)
