"""The bot's decisions, in pure Python: legal, sensible, and drawn from its view alone."""

from __future__ import annotations

import copy
import json
import os
import random
from collections import Counter

import pytest

from avalon.bots.normal import decide
from avalon.game.rules import Game

pytestmark = pytest.mark.timeout(60)

# Seeded all-bot games a test plays (`make long`: 400).
SEEDS = int(os.environ.get("AVALON_BOT_SEEDS", "16"))
SETUPS = {
    5: ["merlin", "assassin", "percival", "morgana"],
    7: ["merlin", "assassin", "percival", "morgana", "oberon"],
    10: ["merlin", "assassin", "percival", "morgana", "mordred", "oberon"],
}


def bot_rng(game: Game, player: int) -> random.Random:
    """The bot's randomness for one decision: seeded by what it can see (reproducible)."""
    return random.Random(f"{game.version}:{player}")


def play_bots(players: int, seed: int) -> tuple[Game, list[tuple[Game, int]]]:
    """Play a whole game with bots in every seat; return it and each decision point."""
    rng = random.Random(seed)
    game, _ = Game.new(list(range(1, players + 1)), SETUPS[players], None, rng)
    decisions = []
    for _ in range(500):
        if game.phase == "game_over":
            return game, decisions
        player = game.awaited()[0]
        decisions.append((copy.deepcopy(game), player))
        move = decide(json.loads(json.dumps(game.view(player))), bot_rng(game, player))
        assert move is not None, (game.phase, player)
        game.apply(player, *move)
    raise AssertionError("the bots never finished")


@pytest.mark.parametrize("players", [5, 7, 10])
def test_bots_play_legal_games_to_the_end(players):
    endings = Counter(play_bots(players, seed)[0].reason for seed in range(SEEDS))
    assert sum(endings.values()) == SEEDS
    # Not decided by endless rejections: the bots approve teams they cannot fault.
    assert endings["five_rejections"] <= SEEDS // 10 + 1, endings


def test_good_bots_never_fail_and_evil_bots_sometimes_do():
    fails_by_good = 0
    evil_fails = 0
    for seed in range(SEEDS):
        game, decisions = play_bots(7, seed)
        for state, player in decisions:
            if state.phase != "questing":
                continue
            kind, payload = decide(state.view(player), bot_rng(state, player))
            if state.alignment_of(player) == "good":
                fails_by_good += not payload["success"]
            else:
                evil_fails += not payload["success"]
    assert fails_by_good == 0
    assert evil_fails > 0


def test_the_bot_assassin_never_names_a_teammate_it_sees():
    for seed in range(SEEDS * 3 // 2):
        game, _ = play_bots(10, seed)
        if game.assassin_target is not None:
            seen = {entry["player_id"] for entry in game.sees(game.assassin())}
            assert game.assassin_target not in seen


@pytest.mark.parametrize("players", [5, 10])
def test_a_bot_decides_from_its_view_alone(players):
    """Shuffle every secret the bot cannot see: its view, and so its move, stay the same."""
    checked = 0
    for seed in range(max(2, SEEDS // 5)):
        _, decisions = play_bots(players, seed)
        for state, player in decisions:
            view = state.view(player)
            visible = {player} | {entry["player_id"] for entry in view["you"]["sees"]}
            hidden = [p for p in state.players if p not in visible]
            other = copy.deepcopy(state)
            roles = [other.role_of(p) for p in hidden]
            rotated = roles[1:] + roles[:1]  # the unseen players trade roles
            for pid, role in zip(hidden, rotated, strict=True):
                other.roles[other.players.index(pid)] = role
            if other.view(player) != view:
                continue  # the swap changed what the bot may know (its Lady checks)
            first = decide(view, bot_rng(state, player))
            again = decide(other.view(player), bot_rng(other, player))
            assert first == again
            checked += 1
    assert checked > 50
