"""The newer roles' powers: Lancelot cards, loyalty shown, the Cleric, the Revealer, the
Witch, and every shape of the assassination."""

from __future__ import annotations

import random

import pytest

from tests.roles_support import deal
from tests.roles_support import quest
from tests.roles_support import refused
from tests.roles_support import team_of

pytestmark = pytest.mark.timeout(60)

SEVEN = ["merlin", "loyal_servant", "loyal_servant", "loyal_servant", "assassin"]


def win_three(game, fail_second: bool = False) -> None:
    """Three successful quests by good seats (a failed one between them if asked)."""
    good = [p for p in game.players if game.alignment_of(p) == "good"]
    for number in range(5):
        if game.phase == "assassination":
            break
        if game.phase == "lady":
            game.use_lady(game.lady_holder, game.lady_targets()[0])
        if fail_second and number == 1:
            evil = next(p for p in game.players if False in game.card_choices(p))
            quest(game, team_of(game, [evil]), {evil: False})
        else:
            quest(game, team_of(game, good))
    assert game.phase == "assassination"


def test_the_lancelot_deck_turns_at_quests_3_to_5_after_the_lady():
    seating = ["merlin", "good_lancelot", "troublemaker", "loyal_servant"]
    seating += ["assassin", "evil_lancelot", "trickster"]
    game = deal(
        seating, lady=True, lancelot_variant="deck", cards=["switch", "no_change"] * 2 + ["switch"]
    )
    good_l, trouble, evil_l, trickster = (
        game.players[1],
        game.players[2],
        game.players[5],
        game.players[6],
    )
    quest(game, team_of(game, [game.players[0], game.players[3]]))
    events = quest(game, team_of(game, [game.players[0], game.players[3]]))
    assert game.phase == "lady" and game.lancelot["revealed"] == []
    assert [e.name for e in events][-1] == "quest_result"
    events = game.use_lady(game.lady_holder, trouble)
    assert events[1].payload["alignment"] == "evil"  # the Troublemaker shows evil
    assert [e.name for e in events] == ["lady_used", "lady_result", "lancelot_card"]
    assert events[2].payload == {"quest": 3, "card": "switch", "switches": 1}
    assert game.view(None)["lancelot"] == {
        "variant": "deck",
        "revealed": ["switch"],
        "applied": 1,
        "switches": 1,
    }
    assert game.alignment_of(good_l) == "evil" and game.alignment_of(evil_l) == "good"
    assert game.shown_loyalty(trickster) == "good"
    game.propose_team(game.leader, team_of(game, [evil_l, good_l]))
    for pid in game.players:
        game.vote(pid, True)
    refused("not_allowed", game.play_quest, evil_l, False)  # good now: Success only
    game.play_quest(good_l, False)  # evil now: may fail


def test_the_assassin_may_name_a_lancelot_who_switched():
    seating = ["merlin", "good_lancelot", "loyal_servant", "assassin", "evil_lancelot"]
    game = deal(
        seating,
        lancelot_variant="schedule",
        cards=["switch"] + ["no_change"] * 4 + ["switch"] * 1 + ["no_change"],
    )
    evil_l = game.players[4]
    assert game.alignment_of(evil_l) == "good"
    assert evil_l in game.assassin_targets()
    win_three(game)
    game.assassinate(game.players[3], evil_l)
    assert game.reason == "merlin_survived"


def test_the_lovers_guinevere_and_merlin_pure():
    seating = ["merlin_pure", "tristan", "isolde", "guinevere", "good_lancelot", "loyal_servant"]
    seating += ["assassin", "evil_lancelot", "minion", "minion"]
    game = deal(seating, lancelot_variant="know_each_other")  # no switch: Lancelot stays evil
    pure, tristan, isolde, guinevere = game.players[:4]
    assassin = game.players[6]
    win_three(game)
    refused("invalid_payload", game.apply, assassin, "assassinate", {"targets": [tristan]})
    refused("invalid_payload", game.apply, assassin, "assassinate", {"target": 1, "as": "lover"})
    refused("not_allowed", game.apply, assassin, "assassinate", {"targets": [tristan, 8]})
    refused("not_allowed", game.apply, assassin, "assassinate", {"target": 1, "as": "cleric"})
    for payload, reason in [
        ({"targets": [isolde, tristan]}, "lovers_assassinated"),
        ({"targets": [tristan, pure]}, "lovers_survived"),
        ({"target": guinevere, "as": "guinevere"}, "guinevere_assassinated"),
        ({"target": tristan, "as": "guinevere"}, "guinevere_survived"),
        ({"target": pure}, "merlin_assassinated"),
    ]:
        again = deal(seating)
        win_three(again)
        events = again.apply(assassin, "assassinate", payload)
        assert again.reason == reason
        assert events[-1].payload["assassination"]["target"] == payload.get(
            "target", payload.get("targets", [0])[0]
        )
        assert again.record()["assassin_target"] is not None


def test_the_cleric_learns_quest_1s_leader_and_may_be_assassinated():
    seating = [
        "merlin",
        "cleric",
        "percival",
        "loyal_servant",
        "mordred_assassin",
        "trickster",
        "minion",
    ]
    game = deal(seating, leader_seat=5, cleric_assassination=True)
    merlin, cleric, percival = game.players[:3]
    assassin, trickster = game.players[4], game.players[5]
    events = quest(game, team_of(game, [merlin]))
    private = [e for e in events if e.name == "cleric_result"]
    assert private[0].to == cleric and private[0].payload == {
        "target": trickster,
        "loyalty": "good",
    }
    assert game.view(cleric)["you"]["results"] == [
        {"kind": "cleric", "target": trickster, "loyalty": "good"}
    ]
    assert game.view(merlin)["you"]["results"] == []
    win_three(game)
    assert game.view(None)["cleric_named"] is None
    refused(
        "not_allowed",
        game.apply,
        assassin,
        "assassinate",
        {"target": merlin, "as": "cleric_role", "role": "merlin"},
    )
    events = game.apply(assassin, "assassinate", {"target": cleric, "as": "cleric"})
    assert [e.name for e in events] == ["cleric_named"] and game.phase == "assassination"
    assert game.view(merlin)["cleric_named"] == cleric
    refused("not_allowed", game.apply, assassin, "assassinate", {"target": merlin})
    refused(
        "not_allowed",
        game.apply,
        assassin,
        "assassinate",
        {"target": merlin, "as": "cleric_role", "role": "cleric"},
    )
    refused(
        "not_allowed",
        game.apply,
        assassin,
        "assassinate",
        {"target": merlin, "as": "cleric_role", "role": "morgana"},
    )
    game.apply(
        assassin, "assassinate", {"target": percival, "as": "cleric_role", "role": "percival"}
    )
    assert (game.winner, game.reason) == ("evil", "cleric_assassinated")
    assert game.record()["assassination"]["targets"] == [cleric, percival]
    miss = deal(seating, cleric_assassination=True)
    win_three(miss)
    miss.apply(assassin, "assassinate", {"target": merlin, "as": "cleric"})
    assert (miss.winner, miss.reason) == ("good", "cleric_survived")


def test_the_cleric_leading_quest_1_learns_nothing():
    game = deal(["cleric", "merlin", "loyal_servant", "assassin", "minion"])
    quest(game, team_of(game, [game.players[1]]))
    assert game.results == []


def test_the_revealer_is_revealed_when_the_second_quest_fails():
    game = deal(["merlin", "loyal_servant", "loyal_servant", "assassin", "revealer"])
    revealer = game.players[4]
    quest(game, team_of(game, [revealer]), {revealer: False})
    assert game.revealed == {} and game.view(None)["revealed"] == {}
    events = quest(game, team_of(game, [revealer]), {revealer: False})
    assert events[-1].name == "role_revealed" and events[-1].payload == {
        "player_id": revealer,
        "role": "revealer",
    }
    assert game.view(game.players[0])["revealed"] == {str(revealer): "revealer"}


def test_the_witch_hides_a_quest_then_a_random_player_checks_someone():
    seating = [
        "merlin",
        "loyal_servant",
        "loyal_servant",
        "loyal_servant",
        "assassin",
        "witch",
        "revealer",
    ]
    game = deal(seating, checker=2)
    witch, revealer = game.players[5], game.players[6]
    events = quest(game, team_of(game, [revealer]), {revealer: False})
    assert "quest_result" not in [e.name for e in events]
    assert game.phase == "witch" and game.awaited() == [witch]
    assert game.timeout_move(witch, random.Random(0)) == ("witch_hide", {"hide": False})
    refused("not_allowed", game.witch_hide, 2, True)
    refused("not_allowed", game.loyalty_check, witch, 1)
    events = game.witch_hide(witch, True)
    assert [e.name for e in events] == ["quest_hidden", "quest_result", "loyalty_check_started"]
    assert events[1].payload["fails"] is None and events[1].payload["success"] is None
    assert game.awaited() == [2] and game.view(None)["witch_checker"] == 2
    for viewer in [*game.players, None]:
        view = game.view(viewer)
        assert view["hidden_quests"] == [1] and view["quest_results"][0]["fails"] is None
    refused("not_allowed", game.loyalty_check, 2, 2)
    events = game.loyalty_check(2, witch)
    assert events[1].to == 2 and events[1].payload == {"target": witch, "loyalty": "evil"}
    assert game.view(2)["you"]["results"] == [
        {"kind": "check", "target": witch, "loyalty": "evil", "auto": False}
    ]
    assert game.phase == "team_building" and game.quest == 2
    # Used once: the next quest is shown at once; the hidden fail does not reveal the Revealer.
    events = quest(game, team_of(game, [revealer]), {revealer: False})
    assert [e.name for e in events][-2:] == ["vote_result", "quest_result"]
    assert game.revealed == {}
    quest(game, team_of(game, [revealer]), {revealer: False})
    assert game.phase == "game_over" and game.view(1)["quest_results"][0]["fails"] == 1


def test_a_hidden_quest_that_decides_the_game_is_shown_at_once():
    game = deal(["merlin", "loyal_servant", "loyal_servant", "assassin", "witch"])
    witch = game.players[4]
    for _ in range(3):
        quest(game, team_of(game, [game.players[0]]))
        if game.phase == "witch":
            events = game.witch_hide(witch, game.quest == 3)
    assert game.phase == "assassination"
    assert [e.name for e in events][:3] == ["quest_hidden", "quest_result", "quest_shown"]
    assert game.view(1)["quest_results"][2]["success"] is True


def test_the_end_says_what_the_lady_showed_not_the_role_s_side():
    """A Troublemaker shows evil: the end's view (the record the page draws) says evil, and
    no view during the game says what any check showed."""
    seating = ["merlin", "troublemaker", "loyal_servant", "loyal_servant"]
    seating += ["assassin", "minion", "trickster"]
    game = deal(seating, lady=True)
    trouble = game.players[1]
    good = [game.players[0], game.players[2]]
    quest(game, team_of(game, good))
    quest(game, team_of(game, good))
    assert game.phase == "lady"
    game.use_lady(game.lady_holder, trouble)
    for pid in [None, *game.players]:
        assert all("alignment" not in c for c in game.view(pid)["lady"]["checks"])
    win_three(game)
    game.assassinate(game.players[4], game.players[2])
    assert game.phase == "game_over"
    (check,) = game.view(None)["lady"]["checks"]
    assert check["target"] == trouble and check["alignment"] == "evil"
