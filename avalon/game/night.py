"""Night knowledge: what each seat learns at the deal (ROLES.md section 1), never after.

Computed from the dealt roles, the Lancelot variant and the random draws made at the
deal (Melron's and Moregano's false sightings), none of which ever changes: so what a
player saw at the start is what their view says for the whole game.
"""

from __future__ import annotations

import random
from typing import Any

from avalon.game.roles import LANCELOTS
from avalon.game.roles import ROLES


def merlin_sees(role: str) -> bool:
    """Tell whether Merlin (or Merlin Pure) sees a role at the deal."""
    return ROLES[role].side == "evil" and ROLES[role].seen_by_merlin


def draw(players: list[int], roles: list[str], rng: random.Random) -> dict[str, list[int]]:
    """Draw the random parts of the night: false sightings of the house roles."""
    draws: dict[str, list[int]] = {}
    evil = sum(ROLES[role].side == "evil" for role in roles)
    for seat, role in enumerate(roles):
        others = [pid for pid in players if pid != players[seat]]
        if ROLES[role].sight == "melron":
            # As many seats as Merlin would see, so the count gives nothing away.
            draws[role] = sorted(rng.sample(others, sum(merlin_sees(r) for r in roles)))
        elif ROLES[role].sight == "moregano":
            # A fake evil team: the real team's size minus the seat it believes is its own.
            draws[role] = sorted(rng.sample(others, evil - 1))
    return draws


def seen_tag(viewer: str, other: str, lancelot_variant: str | None) -> str | None:
    """How a viewer with role `viewer` sees a seat with role `other` (None: not at all)."""
    sight = ROLES[viewer].sight
    spec = ROLES[other]
    if sight in ("merlin", "merlin_pure") and merlin_sees(other):
        return "evil" if sight == "merlin" else other
    if sight == "percival" and spec.seen_by_percival:
        return "merlin_or_morgana"
    if sight == "evil" and spec.side == "evil" and spec.seen_by_evil:
        return spec.evil_tag
    if sight == "guinevere" and other in LANCELOTS:
        return "lancelot"
    if sight == "lancelot" and spec.lancelot and lancelot_variant == "know_each_other":
        return "lancelot"
    if sight == "lover" and spec.sight == "lover":
        return "lover"
    return None


def sees(
    players: list[int],
    roles: list[str],
    draws: dict[str, list[int]],
    lancelot_variant: str | None,
    viewer: int,
) -> list[dict[str, Any]]:
    """Return what a player learned at night, sorted by player id."""
    role = roles[players.index(viewer)]
    if role in draws:
        return [{"player_id": pid, "as": "evil"} for pid in sorted(draws[role])]
    seen = []
    for other, other_role in sorted(zip(players, roles, strict=True)):
        if other == viewer:
            continue
        tag = seen_tag(role, other_role, lancelot_variant)
        if tag is not None:
            seen.append({"player_id": other, "as": tag})
    return seen
