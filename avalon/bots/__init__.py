"""Computer players: a move chosen from one seat's own view, at a level of play.

`decide(view, rng, level)` reads only the view the server would send that seat; the
levels differ in how they reason, never in what they see: `easy` is the normal bot with
a share of random choices, `normal` weighs simple suspicion scores (normal.py), `strong`
reasons over every evil set consistent with its view (beliefs.py, strong.py).
`public_beliefs(view)` is what the table could know: each seat's chance of being evil.
"""

from __future__ import annotations

import random
from typing import Any

from avalon.bots import easy
from avalon.bots import normal
from avalon.bots import strong
from avalon.bots.beliefs import public_beliefs

__all__ = ["LEVELS", "decide", "public_beliefs"]

Move = tuple[str, dict[str, Any]]
LEVELS = ("easy", "normal", "strong")
_DECIDERS = {"easy": easy.decide, "normal": normal.decide, "strong": strong.decide}


def decide(view: dict[str, Any], rng: random.Random, level: str = "normal") -> Move | None:
    """The move this seat makes now at this level, or None if the game is not waiting for it."""
    if level not in _DECIDERS:
        raise ValueError(f"unknown bot level: {level!r}")
    return _DECIDERS[level](view, rng)
