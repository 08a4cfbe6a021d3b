"""Each card and table option of ROLES.md section 3 on known seatings (no mocks)."""

from __future__ import annotations

import json
import random

import pytest

from avalon.game import night
from avalon.game.ladies import new_chain
from avalon.game.options import RuleError
from avalon.game.plot import new_plot
from avalon.game.rules import Game
from tests.roles_support import refused

FIVE = ["merlin", "percival", "loyal_servant", "assassin", "morgana"]


def table_game(seating: list[str], leader_seat: int = 0, **table) -> Game:
    """A game of `seating` (seat i holds seating[i], players 1..n) with these options."""
    n = len(seating)
    special = [r for r in dict.fromkeys(seating) if r not in ("loyal_servant", "minion")]
    rng = random.Random(n)
    game, _ = Game.new(list(range(1, n + 1)), special, None, rng, None, False, table)
    game.roles = list(seating)
    game.leader = game.players[leader_seat]
    game.draws = night.draw(game.players, game.roles, rng)
    if table.get("lady"):
        game.lady_holder = game.players[leader_seat - 1]
        game.lady_ineligible = [game.lady_holder]
    if table.get("sire_of_the_sea"):
        game.sire = new_chain(game.players[leader_seat])
    if table.get("ref_of_the_rain"):
        game.ref = new_chain(game.players[leader_seat - 1])
    return game


def vote_all(game: Game, approve: bool = True) -> list:
    events = []
    while game.phase == "voting":
        events += game.vote(game.awaited()[0], approve)
    return events


def test_excalibur_is_handed_with_the_team_and_turns_over_a_card():
    game = table_game(FIVE, excalibur=True)
    refused("invalid_payload", game.apply, 1, "propose_team", {"players": [1, 2]})
    refused("invalid_payload", game.apply, 1, "propose_team", {"players": [1, 2], "excalibur": 1})
    refused("invalid_payload", game.apply, 1, "propose_team", {"players": [1, 2], "excalibur": 3})
    events = game.apply(1, "propose_team", {"players": [1, 2], "excalibur": 2})
    assert events[0].payload["excalibur"] == 2
    vote_all(game)
    game.play_quest(1, True)
    game.play_quest(2, True)
    assert game.phase == "excalibur" and game.awaited() == [2]
    assert game.view(3)["excalibur"] == {"holder": 2, "target": None}
    refused("not_allowed", game.apply, 2, "use_excalibur", {"target": 2})
    refused("not_allowed", game.apply, 2, "use_excalibur", {"target": 4})
    refused("not_allowed", game.apply, 1, "use_excalibur", {"target": None})
    events = game.apply(2, "use_excalibur", {"target": 1})
    names = [e.name for e in events]
    assert names[:2] == ["excalibur_used", "excalibur_result"] and events[1].to == 2
    assert events[1].payload == {"target": 1, "success": True}  # the card as it was
    assert game.quest_results[-1]["fails"] == 1 and not game.quest_results[-1]["success"]
    assert game.view(2)["you"]["results"][-1]["kind"] == "excalibur"
    assert all(r["kind"] != "excalibur" for r in game.view(1)["you"]["results"])
    assert game.quest_cards == {}  # who played what is forgotten once decided


def test_excalibur_off_refuses_the_key_and_the_timer_names_nobody():
    game = table_game(FIVE)
    refused("invalid_payload", game.apply, 1, "propose_team", {"players": [1, 2], "excalibur": 2})
    game = table_game(FIVE, excalibur=True)
    game.apply(1, "propose_team", {"players": [1, 2], "excalibur": 2})
    vote_all(game)
    game.play_quest(1, True)
    game.play_quest(2, True)
    assert game.timeout_move(2, random.Random(1)) == ("use_excalibur", {"target": None})


def lady_after_quest_two(game: Game) -> None:
    """Two clean quests: the Lady is due."""
    for team in ([1, 2], [1, 2, 3]):
        game.apply(game.leader, "propose_team", {"players": team})
        vote_all(game)
        for pid in team:
            game.play_quest(pid, True)


def test_the_lady_of_the_sea_shows_roles_the_trickster_good_the_troublemaker_a_fixed_fake():
    seating = ["merlin", "troublemaker", "loyal_servant", "assassin", "trickster"]
    game = table_game(seating, lady="sea")
    game.draws["troublemaker_sea"] = [1]
    early = refused("not_allowed", game.apply, 5, "lady_of_the_lake", {"target": 2})
    assert "Lady of the Sea" in early.message  # an API client reads the kind in play too
    lady_after_quest_two(game)
    assert game.phase == "lady" and game.lady_holder == 5
    events = game.apply(5, "lady_of_the_lake", {"target": 2})
    result = events[1].payload
    assert events[1].to == 5 and result["alignment"] == "evil"
    assert result["role"] in ("assassin", "trickster") and result["role"] == game.sea_role(2)
    assert game.sea_role(5) is None and game.sea_role(4) == "assassin" and game.sea_role(1) is None
    assert game.view(5)["you"]["results"][-1] == {
        "kind": "sea",
        "target": 2,
        "role": result["role"],
        "loyalty": "evil",
        "auto": False,
    }


def test_the_lady_announce_step_is_public_and_the_timer_tells_the_truth():
    game = table_game(FIVE, lady="lake", lady_announce=True)
    lady_after_quest_two(game)
    game.apply(5, "lady_of_the_lake", {"target": 4})
    assert game.phase == "lady_announce" and game.awaited() == [5]
    assert game.timeout_move(5, random.Random(1)) == ("announce_loyalty", {"claim": "evil"})
    refused("invalid_payload", game.apply, 5, "announce_loyalty", {"claim": "maybe"})
    refused("not_allowed", game.apply, 4, "announce_loyalty", {"claim": "good"})
    events = game.apply(5, "announce_loyalty", {"claim": "good"})
    assert events[0].name == "loyalty_announced" and events[0].to is None
    assert game.view(None)["announcements"][0]["claim"] == "good"
    assert game.phase == "team_building"


def test_the_sire_shows_its_holder_to_the_player_named_and_passes_on():
    game = table_game(FIVE, leader_seat=1, sire_of_the_sea=True)
    assert game.sire["holder"] == 2  # the seat after the Lady's first holder
    lady_after_quest_two(game)
    assert game.phase == "sire" and game.awaited() == [2]
    refused("not_allowed", game.apply, 2, "sire_of_the_sea", {"target": 2})
    events = game.apply(2, "sire_of_the_sea", {"target": 4})
    assert events[1].to == 4 and events[1].payload == {"from": 2, "loyalty": "good"}
    assert game.sire["holder"] == 4 and game.sire["ineligible"] == [2, 4]
    assert game.view(4)["you"]["results"][-1]["kind"] == "sire"
    assert game.view(2)["you"]["results"] == []


def test_the_ref_checks_only_after_a_failed_quest():
    game = table_game(FIVE, leader_seat=0, ref_of_the_rain=True)
    assert game.ref["holder"] == 5
    game.apply(1, "propose_team", {"players": [1, 4]})
    vote_all(game)
    game.play_quest(1, True)
    game.play_quest(4, False)
    assert game.phase == "ref" and game.awaited() == [5]
    events = game.apply(5, "ref_of_the_rain", {"target": 4})
    assert events[1].to == 5 and events[1].payload == {"target": 4, "loyalty": "evil"}
    game.apply(game.leader, "propose_team", {"players": [1, 2, 3]})
    vote_all(game)
    for pid in (1, 2, 3):
        game.play_quest(pid, True)
    assert game.phase == "team_building"  # a clean quest gives no Ref


def plot_game(
    n: int, cards: list[str], leader_seat: int = 0, seating: list[str] | None = None, **table
) -> Game:
    """A plot-card game (of `seating`, else a usual one) whose deck starts with `cards`."""
    if seating is None:
        extra = ["loyal_servant", "minion", "loyal_servant", "loyal_servant", "minion"]
        seating = (FIVE + extra)[:n]
        if n >= 7:
            seating[5:7] = ["loyal_servant", "minion"]
    game = table_game(seating, leader_seat, plot_cards=True, **table)
    game.plot = new_plot(n, random.Random(0))
    rest = [c for c in game.plot["deck"]]
    for index, card in enumerate(cards):
        rest[index] = {"card_id": 100 + index, "card": card}
    game.plot["deck"] = rest
    game.phase = "team_building"
    game._start_quest()
    return game


def test_plot_decks_and_draws_follow_the_player_count():
    for n, size, draws in ((5, 7, 1), (6, 7, 1), (7, 15, 2), (8, 15, 2), (9, 15, 3), (10, 15, 3)):
        game = plot_game(n, [])
        deck = game.plot["deck"] + [{"card": s["card"]} for s in game.plot["queue"]]
        assert len(deck) == size and len(game.plot["queue"]) == draws
        assert game.phase == "plot" and game.awaited() == [game.leader]


def test_no_confidence_overturns_an_approval_and_strong_leader_takes_the_lead():
    game = plot_game(5, ["no_confidence"])
    refused("not_allowed", game.apply, 1, "give_plot_card", {"card_id": 100, "player": 1})
    game.apply(1, "give_plot_card", {"card_id": 100, "player": 3})
    assert game.view(None)["plot"]["held"] == {"3": [{"card_id": 100, "card": "no_confidence"}]}
    game.apply(1, "propose_team", {"players": [1, 2]})
    vote_all(game)
    assert game.phase == "plot" and game.awaited() == [3]
    events = game.apply(3, "play_plot_card", {"card_id": 100})
    assert [e.name for e in events][:2] == ["plot_card_played", "approval_overturned"]
    assert game.phase == "team_building" and game.proposal == 2
    assert game.proposals[-1]["approved"] is False and game.proposals[-1]["no_confidence"] == 3
    game = plot_game(5, ["strong_leader"])
    game.apply(1, "give_plot_card", {"card_id": 100, "player": 4})
    assert game.phase == "plot" and game.awaited() == [4]  # before the proposal
    game.apply(4, "play_plot_card", {"card_id": 100})
    assert game.leader == 4 and game.phase == "team_building"


def test_opinion_maker_votes_first_and_openly():
    game = plot_game(5, ["opinion_maker"])
    game.apply(1, "give_plot_card", {"card_id": 100, "player": 3})
    game.apply(1, "propose_team", {"players": [1, 2]})
    assert game.awaited() == [3]
    refused("not_allowed", game.vote, 1, True)
    events = game.vote(3, False)
    assert events[0].payload == {"player_id": 3, "auto": False, "approve": False}
    assert game.view(None)["plot"]["open_votes"] == {"3": False}


def test_no_confidence_keeps_the_approval_it_overturned_and_when_it_was_played():
    game = plot_game(5, ["no_confidence"])
    game.apply(1, "give_plot_card", {"card_id": 100, "player": 3})
    game.apply(1, "propose_team", {"players": [1, 2]})
    events = vote_all(game)
    assert events[-1].payload["approved"] is True  # the table saw the approval first
    game.apply(3, "play_plot_card", {"card_id": 100})
    shown = game.view(None)["history"][0]
    # Counted as a rejection, with the votes that approved it and who overturned it.
    assert shown["approved"] is False and shown["no_confidence"] == 3
    assert sum(shown["votes"].values()) == 5
    used = game.view(None)["plot"]["used"][0]
    assert (used["quest"], used["proposal"]) == (1, 1)  # the proposal it overturned
    game.abandon()
    assert game.record()["proposals"][0]["no_confidence"] == 3


def test_an_opinion_makers_open_vote_stays_public_under_anonymous_votes():
    game = plot_game(5, ["opinion_maker", "keeping_close_eye"], anonymous_votes=True)
    game.apply(1, "give_plot_card", {"card_id": 100, "player": 3})
    game.apply(1, "propose_team", {"players": [1, 2]})
    game.vote(3, False)
    events = vote_all(game)
    result = events[-1].payload
    assert result["votes"] is None and result["tally"] == {"approve": 4, "reject": 1}
    assert result["open_votes"] == {"3": False}  # cast openly: said with the result
    for viewer in (None, 1, 3):
        past = game.view(viewer)["history"][0]
        assert past["votes"] is None and past["open_votes"] == {"3": False}
    # The next proposal's open vote is its own; the first stays on the first.
    for pid in (1, 2):
        game.play_quest(pid, True)
    game.apply(2, "give_plot_card", {"card_id": 101, "player": 4})
    game.apply(2, "propose_team", {"players": [1, 2, 3]})
    game.vote(3, True)
    vote_all(game, approve=False)
    history = game.view(4)["history"]
    assert [p["open_votes"] for p in history] == [{"3": False}, {"3": True}]
    assert all(p["votes"] is None for p in history)
    game.abandon()
    assert game.record()["proposals"][1]["open_votes"] == {"3": True}


def test_overheard_conversation_checks_a_neighbour_in_private():
    game = plot_game(7, ["overheard_conversation", "open_up"])
    game.apply(1, "give_plot_card", {"card_id": 100, "player": 3})
    assert game.awaited() == [3]
    refused("not_allowed", game.apply, 3, "loyalty_check", {"target": 6})
    refused("not_allowed", game.apply, 3, "skip_plot_card", {"card_id": 100})
    events = game.apply(3, "loyalty_check", {"target": 4})
    assert events[1].to == 3 and events[1].payload == {"target": 4, "loyalty": "evil"}
    game.apply(1, "give_plot_card", {"card_id": 101, "player": 2})
    events = game.apply(2, "loyalty_check", {"target": 5})
    assert events[1].to == 5 and events[1].payload == {"from": 2, "loyalty": "good"}
    assert game.view(5)["you"]["results"][-1]["kind"] == "shown"


def test_spotlight_plays_face_up_and_close_eye_looks_privately():
    game = plot_game(7, ["in_the_spotlight", "keeping_close_eye"])
    game.apply(1, "give_plot_card", {"card_id": 100, "player": 2})
    game.apply(1, "give_plot_card", {"card_id": 101, "player": 3})
    game.apply(1, "propose_team", {"players": [1, 3]})
    vote_all(game)
    assert game.awaited() == [2]
    refused("not_allowed", game.apply, 2, "play_plot_card", {"card_id": 100, "target": 5})
    game.apply(2, "play_plot_card", {"card_id": 100, "target": 1})
    events = game.play_quest(1, True)
    assert events[0].name == "spotlight_card" and events[0].payload == {
        "player": 1,
        "success": True,
    }
    played = game.view(None)["plot"]["used"][0]  # public, and kept once the quest is over
    assert (played["card"], played["target"], played["face_up"]) == ("in_the_spotlight", 1, True)
    game.play_quest(3, True)
    assert game.awaited() == [3]
    events = game.apply(3, "play_plot_card", {"card_id": 101, "target": 1})
    ambush = next(e for e in events if e.name == "ambush_result")
    assert ambush.to == 3 and ambush.payload == {"target": 1, "success": True}


def test_anonymous_votes_show_tallies_and_hidden_history_no_grid():
    game = table_game(FIVE, anonymous_votes=True, hidden_history=True)
    game.apply(1, "propose_team", {"players": [1, 2]})
    events = vote_all(game, approve=False)
    result = events[-1].payload
    assert result["votes"] is None and result["tally"] == {"approve": 0, "reject": 5}
    view = game.view(3)
    assert view["votes"] is None and view["tally"] == {"approve": 0, "reject": 5}
    assert view["history"] == []
    game.abandon()
    assert game.view(3)["history"][0]["votes"] == {str(p): False for p in game.players}


@pytest.mark.parametrize(
    ("table", "words"),
    [
        ({"lady_announce": True}, "lady_announce needs the Lady"),
        ({"lady": "pond"}, 'lady must be "lake", "sea" or null'),
        ({"excalibur": "yes"}, "excalibur must be true or false"),
        ({"swords": True}, "unknown table options"),
    ],
)
def test_setups_that_break_a_card_rule_say_what_to_change(table, words):
    with pytest.raises(RuleError) as info:
        Game.new([1, 2, 3, 4, 5], ["merlin", "assassin"], None, random.Random(1), table=table)
    assert info.value.code == "invalid_payload" and words in info.value.message
    with pytest.raises(RuleError) as info:
        Game.new(
            [1, 2, 3, 4, 5], ["merlin", "assassin"], False, random.Random(1), table={"lady": "sea"}
        )
    assert "disagree" in info.value.message


def test_games_stored_before_the_cards_load_and_play_on():
    rng = random.Random(3)
    game, _ = Game.new(list(range(1, 8)), ["merlin", "assassin", "cleric"], True, rng)
    stored = json.loads(json.dumps(game.to_dict()))
    for key in ("variants", "quest_cards", "excalibur", "excalibur_uses", "announcements"):
        del stored[key]
    for key in ("sire", "ref", "plot"):
        del stored[key]
    old = Game.from_dict(stored)
    assert old.lady_kind() == "lake" and old.timer_key() == "team"
    for _ in range(400):
        if old.phase == "game_over":
            break
        player = old.awaited()[0]
        old.apply(player, *old.random_move(player, rng))
    assert old.phase == "game_over" and "options" not in old.view(1)
    old.record()
