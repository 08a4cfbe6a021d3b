"""The strong bots' beliefs: probabilities over every evil set consistent with a view.

They sum to the number of evil seats, start at the prior, keep what a seat knows for
sure, and from a spectator's view (the replay's "what the table could have known") are
public, quick and the same every time they are asked.
"""

from __future__ import annotations

import random
import time

import pytest

from avalon.bots import decide
from avalon.bots import model
from avalon.bots import public_beliefs
from avalon.bots.beliefs import beliefs
from avalon.game.options import EVIL_COUNT
from avalon.game.rules import Game

pytestmark = pytest.mark.timeout(60)
CLASSIC = ["merlin", "assassin", "percival", "morgana"]


def strong_game(players: int, seed: int, roles: list[str] = CLASSIC):
    """Yield each state of a strong all-bot game, before each move."""
    rng = random.Random(seed)
    game, _ = Game.new(list(range(1, players + 1)), roles, None, rng)
    while game.phase != "game_over":
        yield game
        player = game.awaited()[0]
        game.apply(player, *decide(game.view(player), rng, "strong"))
    yield game


@pytest.mark.parametrize("players", [5, 7, 10])
def test_beliefs_are_probabilities_that_sum_to_the_evil_seats(players):
    evil = EVIL_COUNT[players]
    for seed in range(2):
        for game in strong_game(players, seed):
            table = public_beliefs(game.view(None))
            assert set(table) == set(game.players)
            assert all(0.0 <= p <= 1.0 for p in table.values())
            assert sum(table.values()) == pytest.approx(evil)
            seat = game.players[game.version % players]
            own = beliefs(game.view(seat)).marginals()
            assert sum(own.values()) == pytest.approx(evil)


@pytest.mark.parametrize("players", [5, 8, 10])
def test_at_the_first_step_every_seat_has_the_prior(players):
    game, _ = Game.new(list(range(1, players + 1)), CLASSIC, None, random.Random(players))
    prior = EVIL_COUNT[players] / players
    assert public_beliefs(game.view(None)) == pytest.approx(dict.fromkeys(game.players, prior))
    # A player's view with nothing public yet gives the table's answer too.
    assert public_beliefs(game.view(game.players[0])) == public_beliefs(game.view(None))


def test_what_a_seat_knows_for_sure_stays_sure():
    for seed in range(3):
        for game in strong_game(10, seed):
            for player in game.players:
                role = game.role_of(player)
                if role not in ("merlin", "assassin", "percival"):
                    continue
                own = beliefs(game.view(player)).marginals()
                for entry in game.sees(player):
                    if role != "percival":
                        assert own[entry["player_id"]] == pytest.approx(1.0)  # seen evil
                assert own[player] == pytest.approx(1.0 if role == "assassin" else 0.0)
                if role == "percival":
                    thumbs = [entry["player_id"] for entry in game.sees(player)]
                    assert sum(own[t] for t in thumbs) == pytest.approx(1.0)  # one of each


def test_the_table_reads_a_failed_quest_and_keeps_the_good_leader_clear():
    # Five seats: two evil. A quest of two fails: one of its two seats is evil.
    game, _ = Game.new([1, 2, 3, 4, 5], CLASSIC, None, random.Random(4))
    leader = game.leader
    evil = next(p for p in game.players if game.alignment_of(p) == "evil")
    good = [p for p in game.players if game.alignment_of(p) == "good" and p != leader]
    team = [leader, evil] if leader != evil else [leader, good[0]]
    game.propose_team(leader, team)
    for player in game.players:
        game.vote(player, True)
    for player in team:
        game.play_quest(player, game.alignment_of(player) == "good")
    table = public_beliefs(game.view(None))
    assert table[team[0]] + table[team[1]] > 0.99  # a Fail came from one of them
    assert max(table[p] for p in game.players if p not in team) < 0.5


def test_an_open_vote_under_anonymous_votes_is_read():
    # Anonymous votes show a tally; an Opinion Maker's vote, cast first and openly, is
    # public all the same, and the table's beliefs weigh it as they weigh any vote.
    game, _ = Game.new([1, 2, 3, 4, 5], CLASSIC, None, random.Random(4))
    leader = game.leader
    team = [leader, game.players[(game.players.index(leader) + 1) % 5]]
    maker = next(p for p in game.players if p not in team)
    game.propose_team(leader, team)
    for player in game.players:
        game.vote(player, player != maker)
    view = game.view(None)
    proposal = view["history"][0]
    proposal["votes"], proposal["auto"] = None, []  # as anonymous votes show it
    tally_only = public_beliefs(view)
    proposal["open_votes"] = {str(maker): False}
    with_open_vote = public_beliefs(view)
    assert with_open_vote[maker] != pytest.approx(tally_only[maker])
    assert sum(with_open_vote.values()) == pytest.approx(EVIL_COUNT[5])


def test_public_beliefs_are_deterministic_and_quick_at_ten_seats():
    *_, last = strong_game(10, 7)
    view = last.view(None)
    timings = []
    for _ in range(3):
        model.total.cache_clear()  # cold: nothing weighed before
        model.vector.cache_clear()
        started = time.perf_counter()
        first = public_beliefs(view)
        timings.append(time.perf_counter() - started)
        assert public_beliefs(view) == first
    # Well under 50 ms on a quiet machine (about 10 ms); the bound leaves room for a busy one.
    assert min(timings) < 0.15, timings
