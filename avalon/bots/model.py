"""How likely each evidence item is in each world, under a simple model of how good and
evil players behave: the log-likelihood of an item over every evil set, cached.

Good players cannot see who is evil: they lead and approve teams with evil on them
nearly as often as clean ones, and never fail a quest. Evil players lead teams with one
of them on it, approve such teams, approve clean teams they are not on less often, and
fail a quest they are on most of the time, one card when one is enough. The numbers are
rough on purpose (they were set from all-bot games, bench/bots.py): the enumeration does
the reasoning, the model only has to point the right way.
"""

from __future__ import annotations

import math
from array import array
from functools import lru_cache
from itertools import combinations
from math import comb

from avalon.bots.evidence import Context
from avalon.bots.evidence import Item

HARD = -30.0  # the log-likelihood of a world a fact rules out (never quite zero)
# P(approve) by (voter evil, voter on the team, team has evil on it), off the fifth vote.
APPROVE = {
    (False, True, False): 0.7,
    (False, True, True): 0.4,
    (False, False, False): 0.35,
    (False, False, True): 0.12,
    (True, True, False): 0.8,
    (True, True, True): 0.8,
    (True, False, False): 0.28,
    (True, False, True): 0.3,
}
# The fifth vote: good approves whatever comes (a rejection hands evil the game).
HAMMER = {(False, False): 0.97, (False, True): 0.97, (True, False): 0.9, (True, True): 0.98}
SELF_ON = 0.95  # a leader puts themself on the team
EVIL_LEADS = (0.15, 1.0, 0.45, 0.15, 0.1, 0.1)  # an evil leader's team with m evil on it
SPARE = 0.15  # evil on a quest play no Fail at all
EXACT = 0.85  # when they fail, as many Fails as the quest needs (they coordinate)
SLIP = 1e-3  # a Fail from a team with no evil on it (only a misread or a switch)


def good_leads(quest: int) -> float:
    """How much less likely a good leader's team is for each evil seat on it (they learn)."""
    return max(0.55, 0.95 - 0.1 * (quest - 1))


@lru_cache(maxsize=32)
def worlds(n: int, k: int) -> tuple[int, ...]:
    """Every evil set of k seats among n, as bit masks, in a fixed order."""
    return tuple(sum(1 << seat for seat in combo) for combo in combinations(range(n), k))


def log(p: float) -> float:
    """A natural log that never fails on zero."""
    return math.log(max(p, 1e-13))


def lead_weight(evil_leader: bool, m: int, on: bool, quest: int, need: int) -> float:
    """The unnormalised chance a leader picks a team with m evil seats on it."""
    base = SELF_ON if on else 1 - SELF_ON
    if not evil_leader:
        return base * good_leads(quest) ** m
    if need >= 2:
        return base * (0.3, 0.6, 1.0, 0.4, 0.2, 0.1)[m]
    return base * EVIL_LEADS[m]


def lead_total(ctx: Context, evil_leader: bool, size: int, quest: int, need: int) -> float:
    """The sum of lead_weight over every team of this size (the normaliser)."""
    others = ctx.n - 1
    evil = ctx.k - evil_leader
    total = 0.0
    for on in (True, False):
        picks = size - on
        for j in range(0, min(evil, picks) + 1):
            count = comb(evil, j) * comb(others - evil, picks - j)
            total += count * lead_weight(evil_leader, j + (evil_leader and on), on, quest, need)
    return total


def lead_vector(ctx: Context, leader: int, team: int, quest: int, need: int) -> array[float]:
    """How likely the leader's choice of team is in each world."""
    size, on = team.bit_count(), bool(team >> leader & 1)
    norm = {e: log(lead_total(ctx, e, size, quest, need)) for e in (False, True)}
    table = {
        (e, m): log(lead_weight(e, m, on, quest, need)) - norm[e]
        for e in (False, True)
        for m in range(size + 1)
    }
    return array(
        "d", (table[bool(w >> leader & 1), (w & team).bit_count()] for w in worlds(ctx.n, ctx.k))
    )


def vote_vector(
    ctx: Context, team: int, approve: int, voters: int, hammer: bool, quest: int
) -> array[float]:
    """How likely the votes on a team are in each world (each voter by its side)."""
    on, off = voters & team, voters & ~team
    on_yes, off_yes = approve & team, approve & ~team
    n_on, n_off = on.bit_count(), off.bit_count()
    n_on_yes, n_off_yes = on_yes.bit_count(), off_yes.bit_count()

    def rate(evil: bool, member: bool, dirty: bool) -> tuple[float, float]:
        p = HAMMER[evil, dirty] if hammer else APPROVE[evil, member, dirty]
        return log(p), log(1 - p)

    logs = {
        dirty: [rate(e, m, dirty) for e in (False, True) for m in (True, False)]
        for dirty in (False, True)
    }
    out = array("d")
    for w in worlds(ctx.n, ctx.k):
        (gy, gn), (gfy, gfn), (ey, en), (efy, efn) = logs[bool(w & team)]
        eo, eoy = (on & w).bit_count(), (on_yes & w).bit_count()
        ef, efy_n = (off & w).bit_count(), (off_yes & w).bit_count()
        good = (n_on_yes - eoy) * gy + (n_on - eo - n_on_yes + eoy) * gn
        good += (n_off_yes - efy_n) * gfy + (n_off - ef - n_off_yes + efy_n) * gfn
        evil = eoy * ey + (eo - eoy) * en + efy_n * efy + (ef - efy_n) * efn
        out.append(good + evil)
    return out


def fail_odds(fails: int, m: int, need: int) -> float:
    """The chance of this many Fails from a team with m evil seats able to fail."""
    if m == 0:
        return 1 - SLIP if fails == 0 else SLIP**fails
    if fails > m:
        return SLIP ** (fails - m)
    if fails == 0:
        return SPARE
    target = min(m, need)
    if fails == target:
        return (1 - SPARE) * (EXACT if m > 1 else 1.0)
    return (1 - SPARE) * (1 - EXACT) / (m - 1)


def quest_vector(
    ctx: Context, team: int, fails: int, need: int, auto: int, sword: bool
) -> array[float]:
    """How likely a quest's fail count is in each world (Excalibur blurs it by one)."""
    able = team & ~auto  # the timer plays Success for whoever may

    def odds(m: int) -> float:
        if not sword:
            return fail_odds(fails, m, need)
        near = [fail_odds(f, m, need) for f in (fails - 1, fails + 1) if f >= 0]
        return 0.6 * fail_odds(fails, m, need) + 0.2 * sum(near)

    table = [log(odds(m)) for m in range(ctx.k + 1)]
    return array("d", (table[(w & able).bit_count()] for w in worlds(ctx.n, ctx.k)))


def shows_evil(ctx: Context, evil: bool) -> float:
    """The chance a loyalty check shows evil, by the seat's side (Trickster, Troublemaker)."""
    floor = 0.02 if ctx.lancelots else 1e-4  # a Lancelot may have switched since the deal
    if evil:
        p = 1 - (1 / ctx.k if ctx.trickster else 0.0)
    else:
        p = 1 / (ctx.n - ctx.k) if ctx.troublemaker else 0.0
    return min(1 - floor, max(floor, p))


def seat_vector(ctx: Context, seat: int, if_evil: float, if_good: float) -> array[float]:
    """An item about one seat: one log-likelihood if it is evil, another if good."""
    values = (log(if_good), log(if_evil))
    return array("d", (values[w >> seat & 1] for w in worlds(ctx.n, ctx.k)))


def claim_vector(ctx: Context, holder: int, target: int, evil: bool) -> array[float]:
    """The Lady's holder claims what the check showed: the truth if good; evil covers."""
    out = array("d")
    for w in worlds(ctx.n, ctx.k):
        target_evil = bool(w >> target & 1)
        if w >> holder & 1:
            p = 0.05 if target_evil else 0.25
        else:
            p = shows_evil(ctx, target_evil)
        out.append(log(p if evil else 1 - p))
    return out


def noconf_vector(ctx: Context, player: int, team: int, need: int) -> array[float]:
    """No Confidence on an approved team: evil plays it on clean teams, good on dirty."""
    out = array("d")
    for w in worlds(ctx.n, ctx.k):
        dirty = (w & team).bit_count() >= need
        out.append(log((0.15 if dirty else 0.6) if w >> player & 1 else (0.6 if dirty else 0.1)))
    return out


@lru_cache(maxsize=8192)
def vector(ctx: Context, item: Item) -> array[float]:
    """The log-likelihood of one evidence item in every world (cached: items recur)."""
    kind, *rest = item
    if kind == "lead":
        return lead_vector(ctx, *rest)
    if kind == "vote":
        return vote_vector(ctx, *rest)
    if kind == "quest":
        return quest_vector(ctx, *rest)
    if kind == "claim":
        return claim_vector(ctx, *rest)
    if kind == "noconf":
        return noconf_vector(ctx, *rest)
    if kind == "evil":
        return seat_vector(ctx, rest[0], 1.0, math.exp(HARD))
    if kind == "shown":
        seat, evil = rest
        yes = (shows_evil(ctx, True), shows_evil(ctx, False))
        if evil:
            return seat_vector(ctx, seat, *yes)
        return seat_vector(ctx, seat, 1 - yes[0], 1 - yes[1])
    if kind == "card":
        seat, success = rest
        slip = 0.2 if ctx.moregano else 0.02 if ctx.lancelots else 1e-4
        return seat_vector(ctx, seat, 0.35, 1.0) if success else seat_vector(ctx, seat, 1.0, slip)
    raise ValueError(f"unknown evidence item: {kind}")


@lru_cache(maxsize=2048)
def total(ctx: Context, items: tuple[Item, ...]) -> array[float]:
    """The summed log-likelihood of some items in every world (each prefix cached, so a
    view that extends an earlier one costs only its new items)."""
    if not items:
        return array("d", bytes(8 * len(worlds(ctx.n, ctx.k))))
    before, last = total(ctx, items[:-1]), vector(ctx, items[-1])
    return array("d", map(float.__add__, before, last))
