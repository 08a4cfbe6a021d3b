"""The bots' levels (PROTOCOL section 10): each plays every role, card and option legally
to the end, never stalls, and decides from its own view alone.

`AVALON_BOT_LEVEL_GAMES` sets how many random all-bot games each level plays (the long
run: 1,000 or more); each game deals random roles, a Lancelot variant, the Lady and the
cards and table options at random, around a role or variant that takes its turn.
"""

from __future__ import annotations

import copy
import json
import os
import random
import time
from collections import Counter

import pytest

from avalon.bots import LEVELS
from avalon.bots import decide
from avalon.game.rules import Game
from tests.cards_oracle import random_table
from tests.roles_checks import play_bots
from tests.roles_oracle import covering_setup

GAMES = int(os.environ.get("AVALON_BOT_LEVEL_GAMES", "12"))  # per level; the long run: 1,000
# A strong all-bot game takes about a tenth of a second at ten seats.
pytestmark = pytest.mark.timeout(max(60, GAMES))


def deal(index: int) -> Game:
    """The index-th random game: 5-10 seats, random roles, options, cards."""
    rng = random.Random(index)
    players = 5 + index % 6
    roles, chosen = covering_setup(rng, players, index)
    game, _ = Game.new(
        list(range(1, players + 1)),
        roles,
        None,  # the Lady is the table's (random_table): the Lake, the Sea or none
        rng,
        chosen.get("lancelot_variant"),
        chosen.get("cleric_assassination", False),
        random_table(rng),
    )
    return game


@pytest.mark.parametrize("level", LEVELS)
def test_each_level_plays_every_role_card_and_option_legally_to_the_end(level):
    tally: Counter = Counter()
    endings: Counter = Counter()
    started = time.monotonic()
    for index in range(GAMES):
        # A tenth of the moves by the turn timer, as stand-ins and absent seats mix in.
        game = play_bots(deal(index), index, 0.1, tally=tally, limit=1500, level=level)
        endings[game.reason] += 1
    assert sum(endings.values()) == GAMES
    print(
        f"\n{level}: {GAMES} games, {tally['moves']} moves, no illegal move, no stall, "
        f"{time.monotonic() - started:.1f} s; endings {dict(sorted(endings.items()))}"
    )


def test_the_levels_are_named_and_an_unknown_one_is_refused():
    assert LEVELS == ("easy", "normal", "strong")
    game = deal(0)
    view = game.view(game.awaited()[0])
    for level in LEVELS:
        assert decide(view, random.Random(1), level) is not None
    with pytest.raises(ValueError):
        decide(view, random.Random(1), "grandmaster")
    assert decide(game.view(None), random.Random(1), "strong") is None  # a spectator


def decisions(game: Game, seed: int, level: str) -> list[tuple[Game, int]]:
    """Every decision point of an all-bot game: (the game before the move, the seat)."""
    rng = random.Random(seed)
    points = []
    for _ in range(1500):
        if game.phase == "game_over":
            return points
        player = game.awaited()[0]
        points.append((copy.deepcopy(game), player))
        game.apply(player, *decide(game.view(player), random.Random(rng.random()), level))
    raise AssertionError("the game stalled")


def shuffled_secrets(game: Game, player: int) -> Game:
    """The same game with the roles of every seat this player cannot tell apart rotated."""
    view = game.view(player)
    visible = {player} | {entry["player_id"] for entry in view["you"]["sees"]}
    hidden = [p for p in game.players if p not in visible]
    other = copy.deepcopy(game)
    roles = [other.role_of(p) for p in hidden]
    for pid, role in zip(hidden, roles[1:] + roles[:1], strict=True):
        other.roles[other.players.index(pid)] = role
    return other


@pytest.mark.parametrize("players", [5, 10])
def test_the_strong_bot_decides_from_its_view_alone(players):
    """Other secrets, the same view: the same move (nothing but the view is read)."""
    checked = 0
    for seed in range(2):
        rng = random.Random(seed)
        game, _ = Game.new(
            list(range(1, players + 1)), ["merlin", "assassin", "percival", "morgana"], None, rng
        )
        for state, player in decisions(game, seed, "strong"):
            other = shuffled_secrets(state, player)
            view = state.view(player)
            if other.view(player) != view or other.roles == state.roles:
                continue  # the rotation changed what the seat may know, or nothing at all
            first = decide(json.loads(json.dumps(view)), random.Random(checked), "strong")
            again = decide(other.view(player), random.Random(checked), "strong")
            assert first == again
            checked += 1
    assert checked > 40
