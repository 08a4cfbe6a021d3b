"""What computer players say: short lines, each a key and the players it names, made from
public facts and the bot's own results only; Merlin says what a loyal servant in its seat
would; a good bot's Lady claim is the truth, an evil bot vouches for its teammate."""

from __future__ import annotations

import json
import random

import pytest

from avalon.bots import decide
from avalon.bots import speech
from avalon.game.rules import Game

pytestmark = pytest.mark.timeout(60)
ROLES = ["merlin", "assassin", "percival", "morgana"]


def views_of_a_game(seed: int, players: int) -> list[tuple[dict, tuple[str, dict]]]:
    """Every (view, move) of an all-bot strong game, as each mover saw it."""
    game, _ = Game.new(list(range(1, players + 1)), ROLES, True, random.Random(seed))
    rng = random.Random(seed)
    seen = []
    while game.phase != "game_over":
        player = game.awaited()[0]
        view = json.loads(json.dumps(game.view(player)))
        move = decide(view, rng, "strong")
        assert move is not None
        seen.append((view, move))
        game.apply(player, *move)
    return seen


def as_servant(view: dict) -> dict:
    """The same seat's view had it held a loyal servant: no night sight, nothing checked."""
    you = {**view["you"], "role": "loyal_servant", "alignment": "good", "sees": []}
    return {**view, "you": you}


@pytest.mark.parametrize("seed", range(4))
def test_lines_name_players_and_come_from_public_facts(seed):
    said = 0
    for step, (view, move) in enumerate(views_of_a_game(seed, 7 + seed % 3)):
        for n in range(3):
            line = speech.line_for(view, move, random.Random(step * 3 + n))
            if line is None:
                continue
            said += 1
            key, player, *rest = line.split(":")
            assert key in speech.LINES and int(player) in view["players"], line
            if view["you"]["role"] == "merlin":
                # Merlin's sight never shapes its words: a servant would say the same.
                again = speech.line_for(as_servant(view), move, random.Random(step * 3 + n))
                assert again == line
    assert said > 0


def test_a_lady_claim_is_true_from_good_and_vouches_for_a_teammate_from_evil():
    base = {"players": [1, 2, 3, 4, 5], "lady_results": [{"target": 3, "alignment": "evil"}]}
    good = {**base, "you": {"player_id": 1, "role": "loyal_servant", "alignment": "good"}}
    claims = {speech.lady_claim(good, random.Random(n)) for n in range(20)}
    assert claims == {None, "lady_says:3:evil"}
    sees = [{"player_id": 3, "as": "evil"}]
    evil = {**base, "you": {"player_id": 2, "role": "assassin", "alignment": "evil", "sees": sees}}
    claims = {speech.lady_claim(evil, random.Random(n)) for n in range(20)}
    assert claims == {None, "lady_says:3:good"}


def test_a_bot_keeps_its_vote_secret_under_anonymous_votes():
    said = secret = 0
    for view, move in views_of_a_game(1, 7):
        if move[0] != "vote" or move[1]["approve"] or not view["history"]:
            continue
        lines = [speech.line_for(view, move, random.Random(n)) for n in range(8)]
        said += any(lines)
        hidden = {**view, "tally": {"approve": 0, "reject": 0}}
        secret += any(speech.line_for(hidden, move, random.Random(n)) for n in range(8))
    assert said and not secret
