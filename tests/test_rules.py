"""Tests for the pure game rules: tables, night knowledge, every phase, hidden information."""

from __future__ import annotations

import copy
import itertools
import json
import random

import pytest
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from avalon.game.rules import EVIL_COUNT
from avalon.game.rules import EVIL_ROLES
from avalon.game.rules import GOOD_ROLES
from avalon.game.rules import PHASES
from avalon.game.rules import ROLE_ORDER
from avalon.game.rules import TEAM_SIZES
from avalon.game.rules import Event
from avalon.game.rules import Game
from avalon.game.rules import RuleError
from avalon.game.rules import validate_options

pytestmark = pytest.mark.timeout(60)

COUNTS = range(5, 11)
OPTIONAL = ["percival", "morgana", "mordred", "oberon"]
SPECTATOR = 9999
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
    "voted",
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
LEGAL_ENDINGS = {
    ("evil", "three_fails"),
    ("evil", "five_rejections"),
    ("evil", "merlin_assassinated"),
    ("good", "merlin_survived"),
}


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
        assert all(set(check) == {"holder", "target"} for check in view["lady"]["checks"])


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
        assert game.vote(pid, i % 2 == 0) == [Event("vote_cast", {"player_id": pid})]
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
    assert events == [
        Event("quest_result", {"quest": 2, "team": team, "fails": 2, "success": False})
    ]
    view = game.view(None)
    assert view["quest_results"][1:] == [{"quest": 2, "team": team, "fails": 2, "success": False}]
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
    assert events[0].payload["assassination"] == {"assassin": assassin, "target": oberon}
    assert game.view(None)["assassination"] == {"assassin": assassin, "target": oberon}


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
        }
    ]


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
        Event("lady_used", {"holder": first, "target": evil}),
        Event("lady_result", {"target": evil, "alignment": "evil"}, to=first),
    ]
    assert game.phase == "team_building"
    assert game.view(None)["lady"] == {
        "holder": evil,
        "ineligible": [first, evil],
        "checks": [{"holder": first, "target": evil}],
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
    phase_kind = {
        "team_building": "propose_team",
        "voting": "vote",
        "questing": "play_quest",
        "lady": "lady_of_the_lake",
        "assassination": "assassinate",
    }[phase]
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


# -- views, storage and the record -----------------------------------------------------


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
    assert set(record["lady_checks"][0]) == {"holder", "target", "alignment"}
    assert record["assassin"] == by_role(game, "assassin")
    assert record["assassin_target"] == merlin
    assert (record["winner"], record["reason"]) == ("evil", "merlin_assassinated")


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


# -- property-based: random legal games ------------------------------------------------


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
    phase_kind = {
        "team_building": "propose_team",
        "voting": "vote",
        "questing": "play_quest",
        "lady": "lady_of_the_lake",
        "assassination": "assassinate",
    }.get(game.phase)
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
    max_examples=200,
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
