"""All-bot games and the turn timer with every role: legal, never stalled, nothing leaked.

Every view of these complete games passes the leak check (PROTOCOL section 8): no role
name anywhere but the viewer's own role as they know it, Merlin Pure's sightings and the
Revealer's public entry. `AVALON_ROLE_BOT_GAMES` sets how many random all-bot games each
new role and each Lancelot variant plays at least (`make long`: 1,000 each).
"""

from __future__ import annotations

import os
import random
import time
from collections import Counter

import pytest

from avalon.game.rules import Game
from tests.roles_checks import play_bots
from tests.roles_oracle import COVERED
from tests.roles_oracle import FOCUS
from tests.roles_oracle import NEW_ROLES
from tests.roles_oracle import covering_setup
from tests.roles_oracle import in_play

# Games each new role and Lancelot variant plays at least (`make long`: 1,000).
GAMES = int(os.environ.get("AVALON_ROLE_BOT_GAMES", "3"))  # `make long`: 1,000
# An all-bot game takes a fiftieth of a second; the long run plays about ten per role each.
pytestmark = pytest.mark.timeout(max(120, GAMES))
# Ten-player setups that together hold every role, with the options that go with them.
EVERY_ROLE = [
    (
        ["merlin_pure", "percival", "good_lancelot", "guinevere", "tristan", "isolde"]
        + ["assassin", "evil_lancelot", "morgana", "witch"],
        {"lancelot_variant": "know_each_other"},
    ),
    (
        ["merlin", "percival", "cleric", "troublemaker", "melron", "moregano"]
        + ["mordred_assassin", "trickster", "lunatic", "revealer"],
        {"cleric_assassination": True},
    ),
    (
        ["merlin", "good_lancelot", "evil_lancelot", "assassin", "brute", "wraith"],
        {"lancelot_variant": "schedule"},
    ),
    (["merlin", "percival", "assassin", "hitberon", "lunatic", "morgana"], {}),
    (
        ["merlin", "good_lancelot", "evil_lancelot", "assassin", "mordred", "oberon"],
        {"lancelot_variant": "deck_forced", "lady_of_the_lake": True},
    ),
    (
        ["merlin", "cleric", "good_lancelot", "evil_lancelot", "assassin", "witch", "revealer"],
        {"lancelot_variant": "deck", "cleric_assassination": True},
    ),
]


def new_game(players: int, roles: list[str], chosen: dict, rng: random.Random) -> Game:
    """Deal a game of `players` seats with these roles and options."""
    game, _ = Game.new(
        list(range(1, players + 1)),
        roles,
        chosen.get("lady_of_the_lake"),
        rng,
        chosen.get("lancelot_variant"),
        chosen.get("cleric_assassination", False),
    )
    return game


@pytest.mark.parametrize(("roles", "chosen"), EVERY_ROLE)
def test_every_view_of_bot_games_with_every_role_keeps_secrets(roles, chosen):
    for seed in range(3):
        play_bots(new_game(10, roles, chosen, random.Random(seed)), seed, 0.2, leaks=True)


def test_the_setups_hold_every_role():
    assert {role for roles, _ in EVERY_ROLE for role in roles} >= set(NEW_ROLES)


def focus_keys(index: int) -> set[str]:
    """What a FOCUS entry puts in play: its roles, and its variant if it names one."""
    roles, variant = FOCUS[index]
    return set(roles) | ({f"variant:{variant}"} if variant else set())


def test_bots_play_every_role_and_variant_in_many_games_legally_to_the_end():
    # Random mixes, each dealt around the role or variant that has played least so far,
    # until every one has played GAMES games: then each did, and the count says so.
    counts: Counter = Counter()
    reasons: Counter = Counter()
    started = time.monotonic()
    games = 0
    while min(counts[key] for key in COVERED) < GAMES:
        # Each game plays its focus, so this ends by GAMES rounds of FOCUS at the latest.
        assert games < GAMES * len(FOCUS)
        focus = min(range(len(FOCUS)), key=lambda i: min(counts[k] for k in focus_keys(i)))
        rng = random.Random(games)
        players = 5 + games % 6
        roles, chosen = covering_setup(rng, players, focus)
        counts.update(in_play(roles, chosen) & COVERED)
        game = play_bots(new_game(players, roles, chosen, rng), games, tally=reasons)
        reasons[game.reason] += 1
        games += 1
    assert min(counts[key] for key in COVERED) >= GAMES
    endings = {reason for reason in reasons if reason != "moves"}
    assert len(endings) >= 3  # not one ending every time
    # Shown with `-s`: what the run covered (the long run's numbers are read from here).
    print(
        f"\nbots: {games} games, {reasons['moves']} moves, no illegal move, no stall, "
        f"{time.monotonic() - started:.0f} s; games per role and variant "
        f"{dict(sorted(counts.items()))}; endings {dict(sorted((r, reasons[r]) for r in endings))}"
    )


def test_the_timer_alone_plays_every_role_and_never_gambles():
    for seed in range(max(6, GAMES // 2)):
        rng = random.Random(seed)
        roles, chosen = EVERY_ROLE[seed % len(EVERY_ROLE)]
        game = new_game(10, roles, chosen, rng)
        for _ in range(600):
            if game.phase == "game_over":
                break
            player = game.awaited()[0]
            kind, payload = game.timeout_move(player, rng)
            if kind == "witch_hide":
                assert payload == {"hide": False}  # the timer hides nothing
            if kind == "play_quest":
                choices = game.card_choices(player)
                assert payload["success"] == (True in choices)  # Success unless it must fail
            if kind == "vote":
                assert payload == {"approve": True}
            game.apply(player, kind, payload, auto=True)
        assert game.phase == "game_over"
        assert not game.hidden_quests
