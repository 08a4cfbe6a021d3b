"""The newer roles' setup rules, night knowledge, quest cards and storage."""

from __future__ import annotations

import json
import random

import pytest

from avalon.game.options import setup_warnings
from avalon.game.options import validate_setup
from avalon.game.rules import Game
from tests.roles_support import deal
from tests.roles_support import of
from tests.roles_support import quest
from tests.roles_support import refused
from tests.roles_support import team_of
from tests.rules_support import make_game
from tests.rules_support import play_quests

pytestmark = pytest.mark.timeout(60)


@pytest.mark.parametrize(
    ("n", "roles", "message"),
    [
        (7, ["merlin", "merlin_pure", "assassin"], "keep one"),
        (7, ["percival", "assassin"], "merlin_pure"),
        (7, ["merlin", "assassin", "mordred_assassin"], "remove assassin"),
        (7, ["merlin", "mordred_assassin", "mordred"], "remove mordred"),
        (7, ["merlin"], "mordred_assassin"),
        (7, ["merlin", "assassin", "good_lancelot"], "add evil_lancelot"),
        (7, ["merlin", "assassin", "isolde"], "add tristan"),
        (7, ["merlin", "assassin", "guinevere"], "guinevere needs the Lancelots"),
        (5, ["merlin", "assassin", "witch", "lunatic"], "evil seats"),
        (5, ["merlin", "cleric", "tristan", "isolde", "assassin"], "good seats"),
        (7, ["merlin", "assassin", "lancelot"], "unknown role"),
    ],
)
def test_setups_that_break_a_rule_say_what_to_change(n, roles, message):
    error = refused("invalid_payload", validate_setup, n, roles)
    assert message in error.message


def test_options_of_the_roles_are_checked():
    roles = ["merlin", "assassin", "good_lancelot", "evil_lancelot"]
    assert validate_setup(7, roles).lancelot_variant == "deck"  # the default
    assert validate_setup(7, roles, None, "schedule").lancelot_variant == "schedule"
    assert validate_setup(7, ["merlin", "assassin"], None, "schedule").lancelot_variant is None
    refused("invalid_payload", validate_setup, 7, roles, None, "sometimes")
    refused("invalid_payload", validate_setup, 7, ["merlin", "assassin"], None, None, True)
    refused("invalid_payload", validate_setup, 7, ["merlin", "cleric", "assassin"], None, None, 1)
    assert validate_setup(
        7, ["merlin", "cleric", "assassin"], None, None, True
    ).cleric_assassination


def test_morgana_without_percival_is_warned_not_refused():
    setup = validate_setup(7, ["merlin", "assassin", "morgana"])
    assert setup.special == ["merlin", "assassin", "morgana"]
    assert setup.warnings and "percival" in setup.warnings[0]
    assert setup_warnings(["merlin", "percival", "assassin", "morgana"]) == []


def test_merlin_and_the_evil_team_see_what_section_1_says():
    game = deal(
        ["merlin", "good_lancelot", "loyal_servant", "loyal_servant", "loyal_servant"]
        + ["loyal_servant", "mordred_assassin", "evil_lancelot", "wraith", "hitberon"]
    )
    merlin, _, _, _, _, _, assassin, lancelot, wraith, hitberon = game.players

    def sees(pid):
        return [(entry["player_id"], entry["as"]) for entry in game.sees(pid)]

    assert sees(merlin) == [(lancelot, "evil"), (hitberon, "evil")]
    assert sees(assassin) == [(lancelot, "evil_lancelot"), (hitberon, "evil")]
    assert sees(lancelot) == sees(wraith) == sees(hitberon) == []
    assert sees(game.players[1]) == []  # Good Lancelot, variant deck


def test_merlin_pure_sees_exact_roles_and_lancelots_may_know_each_other():
    seating = ["merlin_pure", "good_lancelot", "guinevere", "tristan", "isolde", "percival"]
    seating += ["assassin", "evil_lancelot", "lunatic", "brute"]
    game = deal(seating, lancelot_variant="know_each_other")
    pure, good_l, guinevere, tristan, isolde, percival, assassin, evil_l, lunatic, brute = (
        game.players
    )
    assert [(e["player_id"], e["as"]) for e in game.sees(pure)] == [
        (assassin, "assassin"),
        (evil_l, "evil_lancelot"),
        (lunatic, "lunatic"),
        (brute, "brute"),
    ]
    assert game.sees(good_l) == [{"player_id": evil_l, "as": "lancelot"}]
    assert game.sees(evil_l) == [{"player_id": good_l, "as": "lancelot"}]
    assert [e["player_id"] for e in game.sees(guinevere)] == [good_l, evil_l]
    assert game.sees(tristan) == [{"player_id": isolde, "as": "lover"}]
    assert game.sees(percival) == [{"player_id": pure, "as": "merlin_or_morgana"}]


def test_house_roles_read_as_what_they_believe_until_the_end():
    seating = ["merlin", "melron", "moregano", "loyal_servant", "loyal_servant", "loyal_servant"]
    seating += ["assassin", "morgana", "minion", "minion"]
    game = deal(seating)
    melron, moregano = game.players[1], game.players[2]
    you = game.view(melron)["you"]
    assert (you["role"], you["alignment"]) == ("merlin", "good")
    assert len(you["sees"]) == 4 and melron not in [e["player_id"] for e in you["sees"]]
    you = game.view(moregano)["you"]
    assert (you["role"], you["alignment"]) == ("morgana", "evil")
    assert len(you["sees"]) == 3 and all(e["as"] == "evil" for e in you["sees"])
    assert game.shown_loyalty(melron) == game.shown_loyalty(moregano) == "good"
    game.abandon()
    assert game.view(melron)["you"]["role"] == "melron"
    assert game.view(moregano)["you"]["role"] == "moregano"


def test_cards_each_role_may_play():
    game = deal(["merlin", "moregano", "loyal_servant", "assassin", "lunatic"])
    merlin, moregano, _, assassin, lunatic = game.players
    game.propose_team(game.leader, [moregano, lunatic])
    for pid in game.players:
        game.vote(pid, True)
    refused("not_allowed", game.play_quest, lunatic, True)
    game.play_quest(moregano, False)  # allowed, and counts as a Success
    events = game.play_quest(lunatic, False)
    assert events[0].payload["fails"] == 1
    game.propose_team(game.leader, team_of(game, [merlin]))
    for pid in game.players:
        game.vote(pid, True)
    refused("not_allowed", game.play_quest, merlin, False)


def test_the_brute_fails_only_on_quests_1_to_3():
    game = deal(["merlin", "loyal_servant", "loyal_servant", "assassin", "brute"])
    brute = game.players[4]
    for number in range(1, 5):
        game.propose_team(game.leader, team_of(game, [brute]))
        for pid in game.players:
            game.vote(pid, True)
        if number == 4:
            refused("not_allowed", game.play_quest, brute, False)
            return
        for pid in game.team:
            game.play_quest(pid, pid != brute or number != 2)


def test_forced_lancelots_play_their_current_side():
    game = deal(
        ["merlin", "good_lancelot", "loyal_servant", "assassin", "evil_lancelot"],
        lancelot_variant="schedule",
        cards=["no_change", "switch", "no_change", "no_change", "no_change", "switch", "switch"],
    )
    good_l, evil_l = game.players[1], game.players[4]
    game.propose_team(game.leader, [good_l, evil_l])
    for pid in game.players:
        game.vote(pid, True)
    refused("not_allowed", game.play_quest, evil_l, True)
    refused("not_allowed", game.play_quest, good_l, False)
    game.play_quest(good_l, True)
    game.play_quest(evil_l, False)
    assert game.lancelot["applied"] == 2 and game.lancelot["switches"] == 1  # quest 2's card
    assert game.alignment_of(good_l) == "evil" and game.alignment_of(evil_l) == "good"
    assert game.view(good_l)["you"]["alignment"] == "evil"
    assert game.view(good_l)["you"]["sees"] == []  # night knowledge never changes
    assert game.card_choices(good_l) == [False] and game.card_choices(evil_l) == [True]


def test_a_game_stored_before_the_new_roles_loads_and_plays_on():
    game = make_game(7, ["merlin", "percival", "assassin", "morgana"])
    play_quests(game, [True])
    old = json.loads(json.dumps(game.to_dict()))
    for key in ("draws", "lancelot", "cleric_assassination", "results", "revealed", "witch"):
        del old[key]
    del old["hidden_quests"], old["assassination_named"]
    loaded = Game.from_dict(old)
    assert loaded == game
    assert loaded.view(game.players[0])["you"]["sees"] == game.sees(game.players[0])
    play_quests(loaded, [False, True, True])
    assert loaded.phase == "assassination"


def test_games_with_every_new_field_round_trip():
    seating = [
        "merlin",
        "cleric",
        "loyal_servant",
        "loyal_servant",
        "assassin",
        "witch",
        "revealer",
    ]
    game = deal(seating, cleric_assassination=True)
    quest(game, team_of(game, []))
    game.witch_hide(of(game, "witch"), True)
    restored = Game.from_dict(json.loads(json.dumps(game.to_dict())))
    assert restored == game and restored.view(None) == game.view(None)


def test_new_games_are_dealt_at_random_with_their_options():
    roles = ["merlin", "good_lancelot", "evil_lancelot", "assassin", "melron", "witch"]
    game, events = Game.new(list(range(1, 9)), roles, None, random.Random(3), "deck_forced")
    assert game.lancelot["variant"] == "deck_forced" and len(game.lancelot["deck"]) == 5
    assert events[0].payload["lancelot"] == {
        "variant": "deck_forced",
        "revealed": [],
        "applied": 0,
        "switches": 0,
    }
    assert game.witch == {"used": False, "checker": None}
    assert game.draws["witch_checker"][0] != game.holder("witch")
    assert "deck" not in game.view(None)["lancelot"]
