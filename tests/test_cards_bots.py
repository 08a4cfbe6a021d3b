"""All-bot games with each card and table option on: every move legal, no stall, no leak;
the turn timer alone never gambles. `AVALON_CARD_BOT_GAMES` sets how many all-bot games
each option plays (`make long`: 1,000 each)."""

from __future__ import annotations

import os
import random
import time
from collections import Counter

import pytest

from avalon.game.rules import Game
from tests.cards_oracle import CARD_FOCUS
from tests.cards_oracle import random_table
from tests.roles_checks import play_bots
from tests.roles_oracle import FOCUS
from tests.roles_oracle import random_setup

GAMES = int(os.environ.get("AVALON_CARD_BOT_GAMES", "8"))  # per option; `make long`: 1,000
pytestmark = pytest.mark.timeout(max(120, GAMES * 2))


def deal(seed: int, focus: str) -> Game:
    """A random game around one card or option, with random roles and other options."""
    rng = random.Random(seed)
    n = 5 + seed % 6
    roles = random_setup(rng, n, FOCUS[seed % len(FOCUS)][0])
    variant = rng.choice(["deck", "schedule", "deck_forced"]) if "good_lancelot" in roles else None
    game, _ = Game.new(
        list(range(1, n + 1)), roles, None, rng, variant, False, random_table(rng, focus)
    )
    return game


@pytest.mark.parametrize("focus", CARD_FOCUS)
def test_bots_play_each_option_legally_to_the_end(focus):
    tally: Counter = Counter()
    started = time.monotonic()
    for seed in range(GAMES):
        game = play_bots(deal(seed, focus), seed, 0.1, leaks=seed < 3, tally=tally, limit=1500)
        tally[game.reason] += 1
    assert tally["phase:game_over"] == GAMES
    print(
        f"\ncard bots {focus}: {GAMES} games, {tally['moves']} moves, no illegal move, no "
        f"stall, {time.monotonic() - started:.0f} s; {dict(sorted(tally.items()))}"
    )


def test_the_timer_alone_never_gambles_with_the_cards():
    for seed in range(12):
        rng = random.Random(seed)
        game = deal(seed, CARD_FOCUS[seed % len(CARD_FOCUS)])
        for _ in range(1500):
            if game.phase == "game_over":
                break
            player = game.awaited()[0]
            phase = game.phase
            kind, payload = game.timeout_move(player, rng)
            if phase == "excalibur":
                assert payload == {"target": None}  # names nobody
            if phase == "lady_announce":
                assert payload == {"claim": game.lady_checks[-1]["alignment"]}  # the truth
            if phase == "plot":
                step = game.plot["queue"][0]
                if step["step"] in ("before_proposal", "after_approval", "after_cards"):
                    assert kind == "skip_plot_card"
                if step["step"] == "give":
                    seat = game.players.index(player)
                    assert payload["player"] == game.players[(seat + 1) % len(game.players)]
            if kind == "vote":
                assert payload == {"approve": True}
            game.apply(player, kind, payload, auto=True)
        assert game.phase == "game_over"
        assert not any(use["target"] for use in game.excalibur_uses)
