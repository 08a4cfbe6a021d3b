"""The strong Assassin: reads the table for the seats that knew something, and names the
shape of the roles most likely to hit (Merlin, the lovers, or the Cleric then Merlin).

For each evil set the Assassin still deems possible, each good seat's proposals and votes
are weighed as Merlin's (who sees the evil seats and avoids them) against a servant's;
the lovers, who know each other good, put each other on their teams; the Cleric, who
learned quest 1's leader's loyalty, treats that leader's teams by it. Guinevere gives
nothing away in this model (she knows who the Lancelots are, not their sides), so naming
her never beats naming Merlin.
"""

from __future__ import annotations

from itertools import combinations
from typing import Any

from avalon.bots.evidence import seat
from avalon.bots.evidence import seat_mask
from avalon.bots.mind import Mind
from avalon.bots.reading import merlin_odds
from avalon.bots.reading import percival_odds
from avalon.bots.reading import replays
from avalon.game.roles import LOVERS
from avalon.game.roles import ROLES

Move = tuple[str, dict[str, Any]]
# P(approve) by (on the team, the team holds an evil seat), for one who knows the evil
# seats and for one who does not (measured from all-bot games at the strong level).
KNOWER_APPROVE = {
    (True, False): 0.85,
    (True, True): 0.33,
    (False, False): 0.37,
    (False, True): 0.05,
}
SERVANT_APPROVE = {
    (True, False): 0.78,
    (True, True): 0.45,
    (False, False): 0.25,
    (False, True): 0.07,
}
KNOWER_LEADS = {False: 1.1, True: 0.85}  # how much likelier a knower's team is, clean or not
LOVER_LEADS = {True: 1.3, False: 0.85}  # a lover's team with the other lover on it, or not
TOP_WORLDS = 40  # the likeliest evil sets are enough to read the table by
PERCIVAL_BUDGET = 60_000  # world visits the Percival reading may take (about 20 ms)


def votes(view: dict[str, Any]) -> list[tuple[int, int, int, int, bool]]:
    """Each completed proposal as (leader, team, approvals, counted voters, own choice)."""
    rows = []
    for proposal in view["history"]:
        leader = seat(view, proposal["leader"])
        team = seat_mask(view, proposal["team"])
        voters, approve = 0, 0
        if proposal["votes"] is not None:
            voters = seat_mask(view, view["players"]) & ~(1 << leader)
            voters &= ~seat_mask(view, proposal.get("auto") or [])
            approve = seat_mask(view, [p for p, yes in proposal["votes"].items() if yes])
        rows.append((leader, team, approve, voters, not proposal.get("auto_proposal")))
    return rows


def knower_odds(rows: list[Any], who: int, known: int, evil: int) -> float:
    """How much likelier a seat's choices are if it knew the sides of the `known` seats
    (and avoided the evil among them) than if it knew nothing."""
    odds = 1.0
    bit = 1 << who
    for leader, team, approve, voters, chosen in rows:
        if not team & known:
            continue  # nothing it knew was at stake
        dirty = bool(team & known & evil)
        if leader == who and chosen:
            odds *= KNOWER_LEADS[dirty]
        elif voters & bit:
            on, yes = bool(team & bit), bool(approve & bit)
            p_knower = KNOWER_APPROVE[on, dirty]
            p_servant = SERVANT_APPROVE[on, bool(team & evil)]
            odds *= (p_knower if yes else 1 - p_knower) / (p_servant if yes else 1 - p_servant)
    return odds


def lover_odds(rows: list[Any], a: int, b: int) -> float:
    """How much likelier two seats' teams are if they knew each other good."""
    odds = 1.0
    for leader, team, _, _, chosen in rows:
        if chosen and leader in (a, b):
            other = b if leader == a else a
            odds *= LOVER_LEADS[bool(team >> other & 1)]
    return odds


def reading(
    mind: Mind, candidates: list[int], known: int, rows: list[Any] | None = None
) -> dict[int, float]:
    """Each candidate seat's probability of being the one who knew the sides of the
    `known` seats, over the likely worlds (`rows`: the proposals to read, else all)."""
    own = mind.own
    ranked = sorted(zip(own.probs, own.worlds, strict=True), reverse=True)[:TOP_WORLDS]
    rows = votes(mind.view) if rows is None else rows
    score = dict.fromkeys(candidates, 0.0)
    for p, world in ranked:
        for c in candidates:
            if not world >> c & 1:
                score[c] += p * knower_odds(rows, c, known, world)
    total = sum(score.values()) or 1.0
    return {c: value / total for c, value in score.items()}


def lovers_reading(mind: Mind, candidates: list[int]) -> dict[tuple[int, int], float]:
    """Each pair of candidate seats' probability of being Tristan and Isolde."""
    own = mind.own
    ranked = sorted(zip(own.probs, own.worlds, strict=True), reverse=True)[:TOP_WORLDS]
    rows = votes(mind.view)
    score = {pair: 0.0 for pair in combinations(candidates, 2)}
    for p, world in ranked:
        for a, b in score:
            if not (world >> a & 1 or world >> b & 1):
                score[a, b] += p * lover_odds(rows, a, b)
    total = sum(score.values()) or 1.0
    return {pair: value / total for pair, value in score.items()}


def targets(mind: Mind) -> list[int]:
    """The seats the Assassin may name: not itself, not a seat it saw as evil that is
    still evil (a Lancelot who switched may be named)."""
    view = mind.view
    switched = bool((view.get("lancelot") or {}).get("switches", 0) % 2)
    known = {
        entry["player_id"]
        for entry in view["you"]["sees"]
        if not (switched and entry["as"] == "evil_lancelot")
    }
    return [seat(view, p) for p in view["players"] if p != mind.me and p not in known]


def merlin_reading(mind: Mind, seats: list[int]) -> dict[int, float]:
    """Each seat's probability of being Merlin: who departed from a servant's play toward
    the truth (reading.py), weighed by its chance of being good at all; and, with
    Percival and Morgana in play, how well someone's play as Percival (who saw Merlin and
    Morgana, not which is which) explains the table if this seat is Merlin."""
    view = mind.view
    plays = replays(mind)
    odds = merlin_odds(mind, seats, plays)
    marginals = mind.own.marginals()
    prior = {c: 1 - marginals[view["players"][c]] for c in seats}
    score = {c: prior[c] * odds[c] for c in seats}
    morganas = [seat(view, e["player_id"]) for e in view["you"]["sees"] if e["as"] == "evil"]
    if {"percival", "morgana"} <= set(view["roles_in_play"]) and morganas and len(seats) > 1:
        # The costly part: as many Merlin candidates as the budget allows, likeliest first.
        visits = 2 * len(morganas) * (len(seats) - 1) * sum(len(p.worlds) for p in plays)
        ranked = sorted(seats, key=score.__getitem__, reverse=True)
        factors = {}
        for m in ranked[: PERCIVAL_BUDGET // max(1, visits)]:
            found = weight = 0.0
            for pc in seats:
                if pc != m:
                    each = [percival_odds(mind, pc, 1 << m | 1 << g, plays) for g in morganas]
                    found += prior[pc] * sum(each) / len(each)
                    weight += prior[pc]
            factors[m] = found / weight if weight else 1.0
        floor = min(factors.values(), default=1.0)
        score = {c: value * factors.get(c, floor) for c, value in score.items()}
    total = sum(score.values()) or 1.0
    return {c: value / total for c, value in score.items()}


def cleric_reading(mind: Mind, seats: list[int]) -> dict[int, float]:
    """Each seat's probability of being the Cleric: who treated quest 1's leader as
    what the Cleric learned of them (from the second quest on)."""
    view = mind.view
    first = [p for p in view["history"] if p["quest"] == 1 and p["approved"]]
    if not first:
        return dict.fromkeys(seats, 1 / len(seats))
    leader = 1 << seat(view, first[-1]["leader"])
    rows = votes(view)[len([p for p in view["history"] if p["quest"] == 1]) :]
    return reading(mind, seats, leader, rows)


def assassinate(mind: Mind) -> Move:
    """Name the shape with the best chance: Merlin, the lovers, or the Cleric first."""
    view = mind.view
    players = view["players"]
    seats = targets(mind)
    merlin = merlin_reading(mind, seats)
    best = mind.pick(seats, merlin.__getitem__)
    if view.get("cleric_named") is not None:
        # The Cleric was found: now Merlin's role and its likeliest holder.
        cleric = seat(view, view["cleric_named"])
        rest = [s for s in seats if s != cleric] or seats
        choice = mind.pick(rest, merlin.__getitem__)
        good = [r for r in view["roles_in_play"] if ROLES[r].side == "good"]
        roles = [r for r in good if r not in ("cleric", "good_lancelot")]
        role = next((r for r in roles if ROLES[r].assassinated_as == "merlin"), roles[0])
        return "assassinate", {"target": players[choice], "as": "cleric_role", "role": role}
    chances = {"merlin": merlin[best]}
    if LOVERS[0] in view["roles_in_play"] and len(seats) >= 2:
        pairs = lovers_reading(mind, seats)
        pair = mind.pick(list(pairs), pairs.__getitem__)
        chances["lovers"] = pairs[pair]
    if "cleric_named" in view and len(seats) >= 2:
        clerics = cleric_reading(mind, seats)
        cleric = mind.pick(seats, clerics.__getitem__)
        after = max(merlin[s] for s in seats if s != cleric) / max(1e-9, 1 - merlin[cleric])
        chances["cleric"] = clerics[cleric] * after
    shape = max(chances, key=chances.__getitem__)
    if shape == "lovers":
        return "assassinate", {"targets": [players[pair[0]], players[pair[1]]]}
    if shape == "cleric":
        return "assassinate", {"target": players[cleric], "as": "cleric"}
    return "assassinate", {"target": players[best]}
