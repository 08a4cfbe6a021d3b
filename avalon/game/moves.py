"""Moves made for a player: a random legal one (tests, stand-ins' fallbacks) and the turn
timer's, which never gambles (PROTOCOL section 5, ROLES.md section 3).

The timer votes to approve, plays Success when the seat may, hides nothing, names nobody
with Excalibur, claims the truth after the Lady, skips usable plot cards and gives a drawn
one to the next seat; the choices it must make (a team, a check's target) are random
among the legal ones.
"""

from __future__ import annotations

import random
from typing import Any

from avalon.game.assassination import Assassination as Game
from avalon.game.options import not_allowed
from avalon.game.plot import TIMINGS
from avalon.game.variants import CHECK_CARDS
from avalon.game.variants import CLAIMS

Move = tuple[str, dict[str, Any]]


def random_move(game: Game, player_id: int, rng: random.Random) -> Move:
    """Return a random legal (kind, payload) for an awaited player."""
    if player_id not in game.awaited():
        raise not_allowed("the game is not waiting for this player")
    phase = game.phase
    if phase == "team_building":
        size = game.team_sizes()[game.quest - 1]
        team = rng.sample(game.players, size)
        payload: dict[str, Any] = {"players": team}
        if game.option("excalibur"):
            # Every team has two members or more: one is not the leader.
            payload["excalibur"] = rng.choice([pid for pid in team if pid != game.leader])
        return "propose_team", payload
    if phase == "voting":
        return "vote", {"approve": rng.random() < 0.5}
    if phase == "questing":
        # A good player has no choice; an evil one might be sabotaging.
        return "play_quest", {"success": rng.choice(game.card_choices(player_id))}
    if phase == "witch":
        if game.witch and game.witch["checker"] == player_id:
            return "loyalty_check", {"target": rng.choice(game.check_targets())}
        return "witch_hide", {"hide": rng.random() < 0.5}
    if phase == "lady":
        return "lady_of_the_lake", {"target": rng.choice(game.lady_targets())}
    if phase == "lady_announce":
        return "announce_loyalty", {"claim": rng.choice(CLAIMS)}
    if phase in ("sire", "ref"):
        kind = "sire_of_the_sea" if phase == "sire" else "ref_of_the_rain"
        return kind, {"target": rng.choice(game._targets(phase))}
    if phase == "excalibur":
        return "use_excalibur", {"target": rng.choice(game.excalibur_targets())}
    if phase == "plot":
        return plot_move(game, rng, timed=False)
    return random_assassination(game, rng)


def plot_move(game: Game, rng: random.Random, timed: bool) -> Move:
    """A move for the plot step at hand: random, or the timer's (skip, give to the next seat)."""
    assert game.plot is not None
    step = game.plot["queue"][0]
    card_id, me = step["card_id"], step["player"]
    targets = game.plot_targets(step)
    if step["step"] == "give":
        seat = game.players.index(me)
        receiver = game.players[(seat + 1) % len(game.players)]
        if not timed:
            receiver = rng.choice([pid for pid in game.players if pid != me])
        return "give_plot_card", {"card_id": card_id, "player": receiver}
    if step["card"] in CHECK_CARDS:
        return "loyalty_check", {"target": rng.choice(targets)}
    if step["step"] in TIMINGS and (timed or rng.random() < 0.5):
        return "skip_plot_card", {"card_id": card_id}
    payload: dict[str, Any] = {"card_id": card_id}
    if targets:
        payload["target"] = rng.choice(targets)
    return "play_plot_card", payload


def random_assassination(game: Game, rng: random.Random) -> Move:
    """A random legal assassination: the second step after the Cleric, else one target."""
    targets = game.assassin_targets()
    if game.cleric_pending():
        role = rng.choice(game.cleric_role_choices())
        return "assassinate", {"target": rng.choice(targets), "as": "cleric_role", "role": role}
    return "assassinate", {"target": rng.choice(targets)}


def timeout_move(game: Game, player_id: int, rng: random.Random) -> Move:
    """Return the move the turn timer makes for an absent player: never a gamble.

    A timed-out vote approves, a timed-out quest card succeeds when the seat may play a
    Success (a Fail only when it must), a timed-out Witch hides nothing, Excalibur names
    nobody, the Lady's claim is the truth, a usable plot card is kept; the choices it must
    make (a team, a check's target, the Assassin's target) are random among legal ones.
    """
    if player_id not in game.awaited():
        raise not_allowed("the game is not waiting for this player")
    if game.phase == "voting":
        return "vote", {"approve": True}
    if game.phase == "questing":
        return "play_quest", {"success": True in game.card_choices(player_id)}
    if game.phase == "witch" and game.witch and game.witch["checker"] != player_id:
        return "witch_hide", {"hide": False}
    if game.phase == "excalibur":
        return "use_excalibur", {"target": None}
    if game.phase == "lady_announce":
        return "announce_loyalty", {"claim": game.lady_checks[-1]["alignment"]}
    if game.phase == "plot":
        return plot_move(game, rng, timed=True)
    return random_move(game, player_id, rng)
