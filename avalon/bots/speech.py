"""What a computer player says at the table: a short line now and then, never a secret.

A line is a key and its arguments, "key:player[:side]", that each reader's page puts in
its own language. Lines come from public facts (the table's beliefs, which anyone could
work out) and the bot's own results a person in its seat could claim; a bot's night
knowledge never shapes them, so Merlin's lines are a loyal servant's. Evil bots lie only
where a person would: they vouch for a teammate the Lady showed them.
"""

from __future__ import annotations

import random
from typing import Any

from avalon.bots.beliefs import public_beliefs
from avalon.bots.normal import known_evil

LINES = ("not_with", "trust_me", "lady_says")  # the keys a page must know
SPEAK = 0.5  # how often a bot says something when it has a reason to


def line_for(
    view: dict[str, Any], move: tuple[str, dict[str, Any]], rng: random.Random
) -> str | None:
    """The line that goes with a move this seat just made, if it says one."""
    kind, payload = move
    me = view["you"]["player_id"]
    if rng.random() >= SPEAK:
        return None
    if kind == "vote" and not payload["approve"]:
        # Under anonymous votes ("tally" in the view) the line would give the vote away.
        return None if "tally" in view else not_with(view, me)
    if kind == "propose_team":
        return trust_me(view, me)
    return None  # a Lady's result comes with the next view: see lady_claim


def not_with(view: dict[str, Any], me: int) -> str | None:
    """Name the team member the public record makes most doubtful (not oneself)."""
    team = [p for p in view["team"] or [] if p != me]
    if not team or not view["history"]:
        return None  # before any vote nobody has a reason: say nothing
    doubt = public_beliefs(view)
    return f"not_with:{max(team, key=lambda p: (doubt[p], -p))}"


def trust_me(view: dict[str, Any], me: int) -> str | None:
    """A leader the table doubts says it is good (every side says so)."""
    doubt = public_beliefs(view)
    average = sum(doubt.values()) / len(doubt)
    return f"trust_me:{me}" if doubt[me] > average else None


def lady_claim(view: dict[str, Any], rng: random.Random) -> str | None:
    """Say what the Lady showed this seat at its last check (evil vouches for a teammate)."""
    checks = view.get("lady_results") or []
    if not checks or rng.random() >= SPEAK:
        return None
    last = checks[-1]
    side = last["alignment"]
    if view["you"]["alignment"] == "evil" and last["target"] in known_evil(view):
        side = "good"
    return f"lady_says:{last['target']}:{side}"
