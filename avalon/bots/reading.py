"""The Assassin's reading of the table: the game replayed as a loyal servant in each seat
would have played it, to find the seat whose departures went toward the truth.

A servant approves a team by what the public record said when it voted, knowing only
that it is good itself; Merlin's bot does the same but now and then balks at a team it
knows holds evil, or backs a clean one the record doubted, and from quest 3 leads the
cleanest of the teams that look nearly best. Each seat's votes and teams are weighed as
Merlin's against a servant's, proposal by proposal, in the Assassin's likely worlds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from dataclasses import field
from typing import Any

import avalon.bots.model as model
from avalon.bots.evidence import context
from avalon.bots.evidence import public_items
from avalon.bots.evidence import seat
from avalon.bots.evidence import seat_mask
from avalon.bots.mind import Mind
from avalon.bots.policy import MERLIN_BACK
from avalon.bots.policy import MERLIN_BALK
from avalon.bots.policy import MERLIN_TILT
from avalon.bots.policy import servant_approves

NOISE = 0.12  # what neither model explains (a private check, a near tie, a human)


def before(view: dict[str, Any], index: int) -> dict[str, Any]:
    """The public record as it stood when the proposal at `index` was made."""
    quest = view["history"][index]["quest"]
    return {
        **view,
        "quest": quest,
        "history": view["history"][:index],
        "quest_results": [r for r in view["quest_results"] if r["quest"] < quest],
        "announcements": [a for a in view.get("announcements") or [] if a["quest"] < quest],
        "revealed": {},
        "plot": None,
    }


def weights(view: dict[str, Any]) -> tuple[list[int], list[float]]:
    """The public record's worlds and their weights (not normalised)."""
    ctx = context(view)
    totals = model.total(ctx, public_items(view))
    top = max(totals)
    pairs = [
        (w, math.exp(t - top))
        for w, t in zip(model.worlds(ctx.n, ctx.k), totals, strict=True)
        if t - top > -16
    ]
    return [w for w, _ in pairs], [p for _, p in pairs]


@dataclass
class Replay:
    """One past proposal as the table saw it when it was made."""

    proposal: dict[str, Any]
    team: int
    need: int
    leader: int
    losses: int  # quests failed before it
    truth: float  # its chance of success as the Assassin knows the evil seats now
    worlds: list[int]
    probs: list[float]
    marginals: list[float]  # each seat's weight of being evil then
    plain: dict[int, tuple[float, float]] = field(default_factory=dict)  # chances, by seat


def replays(mind: Mind) -> list[Replay]:
    """Every past proposal, with the public record's worlds at the time."""
    view = mind.view
    out = []
    for index, proposal in enumerate(view["history"]):
        quest = proposal["quest"]
        need = view["fails_required"][quest - 1]
        team = seat_mask(view, proposal["team"])
        results = view["quest_results"]
        losses = sum(1 for r in results if r["quest"] < quest and r["success"] is False)
        worlds, probs = weights(before(view, index))
        leader = seat(view, proposal["leader"])
        truth = mind.own.success(team, need)
        marginals = seat_marginals(list(zip(worlds, probs, strict=True)), len(view["players"]))
        out.append(Replay(proposal, team, need, leader, losses, truth, worlds, probs, marginals))
    return out


def chances(play: Replay, c: int, n: int, pair: int = 0) -> tuple[float, float]:
    """As a servant in seat c would have seen it (with `pair`: one that knows exactly one
    of these two seats is evil, Percival): the team's chance of success, and the chance
    of the best team it could have named (itself and the least suspected)."""
    if not pair and c in play.plain:
        return play.plain[c]
    bit = 1 << c
    chosen = [
        (w, p)
        for w, p in zip(play.worlds, play.probs, strict=True)
        if not w & bit and (not pair or (w & pair).bit_count() == 1)
    ]
    if pair:
        marginals = seat_marginals(chosen, n)
    else:
        marginals = play.marginals  # its own goodness barely moves the others' odds
    others = sorted((s for s in range(n) if s != c), key=marginals.__getitem__)
    best = bit | sum(1 << s for s in others[: play.team.bit_count() - 1])
    good = ok = ok_best = 0.0
    team, need = play.team, play.need
    for w, p in chosen:
        good += p
        if (w & team).bit_count() < need:
            ok += p
        if (w & best).bit_count() < need:
            ok_best += p
    found = (ok / good, ok_best / good) if good else (0.0, 0.0)
    if not pair:
        play.plain[c] = found
    return found


def seat_marginals(worlds: list[tuple[int, float]], n: int) -> list[float]:
    """Each seat's weight of being evil over some weighted worlds."""
    marginals = [0.0] * n
    for w, p in worlds:
        while w:
            low = w & -w
            marginals[low.bit_length() - 1] += p
            w ^= low
    return marginals


def voted(play: Replay, players: list[int], c: int) -> bool | None:
    """How seat c voted on a proposal, if its vote tells anything (not the leader's, not
    the fifth proposal's, not the timer's, not an anonymous one)."""
    votes = play.proposal["votes"]
    if votes is None or play.proposal["proposal"] >= 5 or c == play.leader:
        return None
    if players[c] in play.proposal.get("auto", []):
        return None
    return bool(votes[str(players[c])])


def vote_odds(merlin_p: float, servant_p: float, approve: bool) -> float:
    """How much likelier a vote is from Merlin than from a servant (both blurred)."""
    m = NOISE / 2 + (1 - NOISE) * merlin_p
    s = NOISE / 2 + (1 - NOISE) * servant_p
    return m / s if approve else (1 - m) / (1 - s)


def lead_odds(chance: float, quest: int, clean: bool) -> float:
    """How much likelier a leader's team is from Merlin than from a servant: a servant's
    team is clean as often as it looked likely to succeed; Merlin's leans to clean ones,
    a little on quests 1-2 (hiding), mostly from quest 3 (picking among the best-looking)."""
    lean = MERLIN_TILT if quest <= 2 else 0.8
    servant = min(0.97, max(0.03, chance))
    merlin = servant + (1 - servant) * lean
    return vote_odds(merlin, servant, clean)


def merlin_odds(mind: Mind, seats: list[int], plays: list[Replay]) -> dict[int, float]:
    """Each seat's odds of being Merlin against being a servant, from its play."""
    players = mind.view["players"]
    odds = dict.fromkeys(seats, 1.0)
    for play in plays:
        dirty, clean = play.truth < 0.5, play.truth > 0.99
        proposal = play.proposal
        for c in seats:
            chance, best = chances(play, c, len(players))
            if c == play.leader:
                if not proposal.get("auto_proposal"):
                    odds[c] *= lead_odds(chance, proposal["quest"], play.truth > 0.5)
                continue
            vote = voted(play, players, c)
            if vote is None:
                continue
            servant = servant_approves(chance, best, proposal["proposal"], play.losses)
            merlin = float(servant)
            if dirty and play.losses == 2:
                merlin = 0.0
            elif dirty and servant:
                merlin = 1 - MERLIN_BALK
            elif clean and not servant:
                merlin = MERLIN_BACK
            odds[c] *= vote_odds(merlin, float(servant), vote)
    return odds


def percival_odds(mind: Mind, seat_c: int, thumbs: int, plays: list[Replay]) -> float:
    """A seat's odds of being Percival who saw these two thumbs, against a servant."""
    players = mind.view["players"]
    odds = 1.0
    for play in plays:
        vote = voted(play, players, seat_c)
        if vote is None or not play.team & thumbs:
            continue  # a team without either thumb: Percival votes as a servant would
        plain = servant_approves(*chances(play, seat_c, len(players)), *rules(play))
        informed = servant_approves(*chances(play, seat_c, len(players), thumbs), *rules(play))
        odds *= vote_odds(float(informed), float(plain), vote)
    return odds


def rules(play: Replay) -> tuple[int, int]:
    """The proposal number and the failed quests a servant's vote on it depends on."""
    return play.proposal["proposal"], play.losses
