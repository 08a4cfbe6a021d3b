"""Helpers for the unit tests of the newer roles: known seatings, whole quests."""

from __future__ import annotations

import random

import pytest

from avalon.game import night
from avalon.game.options import RuleError
from avalon.game.powers import lancelot_deck
from avalon.game.rules import Game
from tests.roles_oracle import EVIL_SEATS
from tests.roles_oracle import side


def deal(seating: list[str], leader_seat: int = 0, lady: bool = False, **chosen) -> Game:
    """A game whose seats hold exactly `seating` (servants and minions spelt out)."""
    n = len(seating)
    assert sum(side(role) == "evil" for role in seating) == EVIL_SEATS[n]
    special = [role for role in dict.fromkeys(seating) if role not in ("loyal_servant", "minion")]
    rng = random.Random(n)
    game, _ = Game.new(
        list(range(1, n + 1)),
        special,
        lady,
        rng,
        chosen.get("lancelot_variant"),
        chosen.get("cleric_assassination", False),
    )
    game.roles = list(seating)
    game.leader = game.players[leader_seat]
    game.draws = night.draw(game.players, game.roles, rng)
    if "witch" in seating:
        witch = game.holder("witch")
        game.draws["witch_checker"] = [chosen.get("checker", 1 if witch != 1 else 2)]
    if game.lancelot is not None:
        game.lancelot = lancelot_deck(game.lancelot["variant"], rng)
        if "cards" in chosen:
            deck = list(chosen["cards"])
            if game.lancelot["variant"] == "schedule":
                game.lancelot["revealed"], game.lancelot["deck"] = deck[:5], deck[5:]
            else:
                game.lancelot["deck"] = deck
        if game.lancelot["variant"] == "schedule":
            game.lancelot["applied"] = game.lancelot["switches"] = 0
            game._start_quest()
    if lady:
        game.lady_holder = game.players[leader_seat - 1]
        game.lady_ineligible = [game.lady_holder]
    return game


def of(game: Game, role: str) -> int:
    """The seat holding a role."""
    return game.holder(role)


def quest(game: Game, team: list[int], cards: dict[int, bool] | None = None) -> list:
    """Propose `team`, approve it, play its cards (Success unless `cards` says otherwise)."""
    events = game.propose_team(game.leader, team)
    for pid in game.players:
        events += game.vote(pid, True)
    for pid in team:
        events += game.play_quest(pid, (cards or {}).get(pid, True))
    return events


def team_of(game: Game, first: list[int]) -> list[int]:
    """`first`, filled up to the quest's team size with other seats in order."""
    size = game.team_sizes()[game.quest - 1]
    rest = [pid for pid in game.players if pid not in first]
    return (list(first) + rest)[:size]


def refused(code: str, call, *args) -> RuleError:
    """Call and check that it raises RuleError with this code and changes nothing."""
    game = getattr(call, "__self__", None)
    before = game.to_dict() if game is not None else None
    with pytest.raises(RuleError) as info:
        call(*args)
    assert info.value.code == code, info.value.message
    if game is not None:
        assert game.to_dict() == before
    return info.value
