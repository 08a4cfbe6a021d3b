"""The easy level: the normal bot, but a third of its choices of team, vote, check and
Assassin's target are made at random (never an illegal one, never a fifth rejection)."""

from __future__ import annotations

import random
from typing import Any

from avalon.bots.normal import decide as normal_decide

Move = tuple[str, dict[str, Any]]
NOISE = 0.35  # the share of choices made at random


def random_team(view: dict[str, Any], me: int, rng: random.Random) -> dict[str, Any]:
    """A random team with the leader on it (and Excalibur to another member if it is on)."""
    size = view["team_sizes"][view["quest"] - 1]
    team = sorted([me, *rng.sample([p for p in view["players"] if p != me], size - 1)])
    if view.get("excalibur_uses") is None:
        return {"players": team}
    return {"players": team, "excalibur": rng.choice([p for p in team if p != me])}


def decide(view: dict[str, Any], rng: random.Random) -> Move | None:
    """The normal bot's move, now and then swapped for a random legal one."""
    move = normal_decide(view, rng)
    if move is None or rng.random() >= NOISE:
        return move
    kind, payload = move
    me = view["you"]["player_id"]
    if kind == "vote" and view["proposal"] < 5:
        return "vote", {"approve": rng.random() < 0.5}
    if kind == "propose_team":
        return "propose_team", random_team(view, me, rng)
    if kind == "lady_of_the_lake":
        eligible = [p for p in view["players"] if p not in view["lady"]["ineligible"]]
        return "lady_of_the_lake", {"target": rng.choice(eligible)}
    if kind == "assassinate" and set(payload) == {"target"}:
        seen = {entry["player_id"] for entry in view["you"]["sees"]}
        switched = bool((view.get("lancelot") or {}).get("switches", 0) % 2)
        lancelots = {e["player_id"] for e in view["you"]["sees"] if e["as"] == "evil_lancelot"}
        known = seen - lancelots if switched else seen
        legal = [p for p in view["players"] if p != me and p not in known]
        return "assassinate", {"target": rng.choice(legal)}
    return move
