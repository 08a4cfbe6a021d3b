"""Beliefs: every evil set consistent with what a seat knows, weighted by the evidence.

The worlds are all sets of seats evil at the deal (C(10,4) = 210 at ten seats). A seat's
night knowledge and the facts it cannot doubt rule worlds out; the public history and its
own checks weigh the rest (model.py). `beliefs(view)` is what a seat believes;
`beliefs(view, pretend=True)` what a loyal servant in that seat would believe (an evil bot
blends in by reasoning as one, Merlin hides by it); `public_beliefs(view)` what the table
could know: each seat's probability of being evil from public facts alone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from dataclasses import field
from functools import lru_cache
from typing import Any

import avalon.bots.model as model
from avalon.bots.evidence import Night
from avalon.bots.evidence import context
from avalon.bots.evidence import night
from avalon.bots.evidence import private_items
from avalon.bots.evidence import public_items
from avalon.bots.evidence import seat_mask

NEGLIGIBLE = 1e-7  # worlds less likely than this share are dropped (they change nothing)


@dataclass
class Beliefs:
    """A weighted set of worlds (evil sets at the deal, as bit masks over view seats)."""

    players: list[int]
    worlds: list[int]
    probs: list[float]
    switched: bool = False  # the Lancelots' alignments are swapped now
    _marginals: dict[int, float] | None = field(default=None, repr=False)

    def mask(self, pids: Any) -> int:
        """The bit mask of some players (by id)."""
        index = {pid: seat for seat, pid in enumerate(self.players)}
        return sum(1 << index[int(pid)] for pid in set(pids))

    def evil(self, pid: int) -> float:
        """The probability that a player was dealt an evil side."""
        return self.marginals()[pid]

    def marginals(self) -> dict[int, float]:
        """Each player's probability of being evil (at the deal)."""
        if self._marginals is None:
            seats = [0.0] * len(self.players)
            for w, p in zip(self.worlds, self.probs, strict=True):
                while w:
                    low = w & -w
                    seats[low.bit_length() - 1] += p
                    w ^= low
            self._marginals = dict(zip(self.players, seats, strict=True))
        return self._marginals

    def success(self, team: int, need: int) -> float:
        """The probability that a team (bit mask) holds fewer evil seats than `need`."""
        return sum(
            p for w, p in zip(self.worlds, self.probs, strict=True) if (w & team).bit_count() < need
        )

    def evil_on(self, team: int) -> float:
        """The expected number of evil seats on a team (bit mask)."""
        return sum(p * (w & team).bit_count() for w, p in zip(self.worlds, self.probs, strict=True))


def weigh(
    ctx: model.Context, worlds: list[int], totals: list[float]
) -> tuple[list[int], list[float]]:
    """Normalised probabilities from log-likelihoods, negligible worlds dropped."""
    top = max(totals)
    raw = [math.exp(value - top) for value in totals]
    floor = sum(raw) * NEGLIGIBLE
    kept = [(w, r) for w, r in zip(worlds, raw, strict=True) if r >= floor]
    mass = sum(r for _, r in kept)
    return [w for w, _ in kept], [r / mass for _, r in kept]


def switched(view: dict[str, Any]) -> bool:
    """Tell whether the Lancelots' alignments are swapped now (an odd number of switches)."""
    lancelot = view.get("lancelot")
    return bool(lancelot and lancelot["switches"] % 2)


@lru_cache(maxsize=512)
def allowed(n: int, k: int, knows: Night) -> tuple[int, ...]:
    """The indices of the worlds a seat's night knowledge allows (cached: it never changes)."""
    return tuple(i for i, w in enumerate(model.worlds(n, k)) if knows.allows(w))


def beliefs(
    view: dict[str, Any], pretend: bool = False, public: tuple[Any, ...] | None = None
) -> Beliefs:
    """What the viewer believes (or, with `pretend`, a loyal servant in its seat).

    `public`: the view's public items, when the caller has them already."""
    ctx = context(view)
    items = public_items(view) if public is None else public
    if not pretend:
        items += private_items(view)
    knows = night(view, pretend)
    totals = model.total(ctx, items)
    everything = model.worlds(ctx.n, ctx.k)
    chosen = allowed(ctx.n, ctx.k, knows)
    if not chosen:
        # What it saw contradicts the table (a house role's false sight): it trusts the table.
        me = seat_mask(view, [view["you"]["player_id"]])
        chosen = allowed(ctx.n, ctx.k, Night(evil=knows.evil & me, good=knows.good & me))
    worlds, probs = weigh(ctx, [everything[i] for i in chosen], [totals[i] for i in chosen])
    return Beliefs(list(view["players"]), worlds, probs, switched(view))


def public_beliefs(view: dict[str, Any]) -> dict[int, float]:
    """Each seat's probability of being evil now, from public facts alone (a spectator's
    view will do): at the first step every seat has the prior, evil seats / seats."""
    spectator = {**view, "you": None}
    found = beliefs(spectator)
    marginals = found.marginals()
    if found.switched:
        marginals = swap_lancelots(marginals, len(found.players), sum(marginals.values()))
    return marginals


def swap_lancelots(marginals: dict[int, float], n: int, k: float) -> dict[int, float]:
    """Evil now after the Lancelots swapped sides, when nobody knows who they are: each
    evil seat may be the Evil Lancelot (now good) and each good one the Good Lancelot."""
    good = n - k
    return {
        pid: p * (1 - 1 / k) + (1 - p) * (1 / good) if k and good else p
        for pid, p in marginals.items()
    }
