"""What a view says about who is evil, as evidence items the belief model can weigh.

A world is the set of seats evil at the deal, as a bit mask over the seats in view order.
Public items (proposals, votes, quest results, claims, revealed roles) are the same for
every viewer and the table; private items (the viewer's own checks) and the night's
constraints are the viewer's alone. Items are plain tuples, so the model caches them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from avalon.game.roles import ROLES

Item = tuple[Any, ...]


@dataclass(frozen=True)
class Context:
    """The table's shape: what every item's likelihood depends on besides the item."""

    n: int  # seats
    k: int  # evil seats at the deal
    trickster: bool  # an evil seat may show good
    troublemaker: bool  # a good seat shows evil
    moregano: bool  # a good seat may play a Fail (that counts as a Success)
    lancelots: bool  # alignments may switch: no fact is quite certain


@dataclass(frozen=True)
class Night:
    """The viewer's hard knowledge: seats surely evil, surely good, and pairs of which
    exactly one is evil (Percival's two thumbs, Guinevere's Lancelots)."""

    evil: int = 0
    good: int = 0
    one_of: tuple[int, ...] = ()

    def allows(self, world: int) -> bool:
        """Tell whether a world agrees with this knowledge."""
        if world & self.evil != self.evil or world & self.good:
            return False
        return all((world & pair).bit_count() == 1 for pair in self.one_of)


def context(view: dict[str, Any]) -> Context:
    """The table's shape from a view (the roles in play are public)."""
    roles = view["roles_in_play"]
    return Context(
        n=len(view["players"]),
        k=sum(ROLES[role].side == "evil" for role in roles),
        trickster="trickster" in roles,
        troublemaker="troublemaker" in roles,
        moregano="moregano" in roles,
        lancelots="good_lancelot" in roles,
    )


@lru_cache(maxsize=256)
def bits(players: tuple[int, ...]) -> dict[int, int]:
    """Each player's bit over the seats (by id, and by id as a string: vote keys)."""
    return {pid: 1 << seat for seat, pid in enumerate(players)}


def seat_mask(view: dict[str, Any], pids: Any) -> int:
    """The bit mask of some players (by id) over the view's seats."""
    index = bits(tuple(view["players"]))
    mask = 0
    for pid in pids:
        mask |= index[int(pid)]
    return mask


def seat(view: dict[str, Any], pid: int) -> int:
    """A player's seat index in view order."""
    return int(view["players"].index(int(pid)))


def proposal_items(view: dict[str, Any], proposal: dict[str, Any]) -> list[Item]:
    """A completed proposal: the leader's choice, the votes, a No Confidence played on it."""
    team = seat_mask(view, proposal["team"])
    leader = seat(view, proposal["leader"])
    quest, need = proposal["quest"], view["fails_required"][proposal["quest"] - 1]
    items: list[Item] = []
    if not proposal.get("auto_proposal"):
        items.append(("lead", leader, team, quest, need))
    votes, voters = proposal["votes"], seat_mask(view, view["players"])
    if votes is None and proposal.get("open_votes"):
        # Anonymous votes: an Opinion Maker's, cast openly, is the one vote known.
        votes = proposal["open_votes"]
        voters = seat_mask(view, votes)
    if votes is not None:
        # The leader's own vote and the timer's say nothing of a side.
        voters &= ~seat_mask(view, proposal.get("auto") or [])
        voters &= ~(1 << leader)
        approve = seat_mask(view, [pid for pid, yes in votes.items() if yes])
        items.append(("vote", team, approve & voters, voters, proposal["proposal"] >= 5, quest))
    if proposal.get("no_confidence") is not None:
        items.append(("noconf", seat(view, proposal["no_confidence"]), team, need))
    return items


def sword_quests(view: dict[str, Any]) -> set[int]:
    """The quests whose card Excalibur turned over (the fail count is one off, either way)."""
    return {use["quest"] for use in view.get("excalibur_uses") or [] if use["target"] is not None}


def public_items(view: dict[str, Any]) -> tuple[Item, ...]:
    """Every public fact with a bearing on who is evil, oldest first (so that each new
    view extends the last one's items and the model reuses what it weighed before)."""
    items: list[Item] = []
    results = {result["quest"]: result for result in view["quest_results"]}
    swords = sword_quests(view)
    claims = view.get("announcements") or []
    for quest in range(1, view["quest"] + 1):
        for proposal in view["history"]:
            if proposal["quest"] == quest:
                items += proposal_items(view, proposal)
        result = results.get(quest)
        if result is not None and result["fails"] is not None:
            need = view["fails_required"][quest - 1]
            team, auto = seat_mask(view, result["team"]), seat_mask(view, result.get("auto", []))
            items.append(("quest", team, result["fails"], need, auto, quest in swords))
        for claim in claims:
            if claim["quest"] == quest and not claim.get("auto"):
                evil = claim["claim"] == "evil"
                items.append(
                    ("claim", seat(view, claim["holder"]), seat(view, claim["target"]), evil)
                )
    for pid in sorted(int(p) for p in view.get("revealed") or {}):
        items.append(("evil", seat(view, pid)))
    spot = (view.get("plot") or {}).get("spotlight")
    if spot and spot.get("success") is False:
        items.append(("card", seat(view, spot["player"]), False))
    return tuple(items)


def private_items(view: dict[str, Any]) -> tuple[Item, ...]:
    """The viewer's own results: loyalties seen or shown to it, quest cards it saw."""
    items: list[Item] = []
    for result in (view["you"] or {}).get("results", []):
        about = result.get("target", result.get("from"))
        if about is None:
            continue
        if "loyalty" in result:
            items.append(("shown", seat(view, about), result["loyalty"] == "evil"))
        elif "success" in result:
            items.append(("card", seat(view, about), bool(result["success"])))
    return tuple(items)


def evil_tag(tag: str) -> bool:
    """Tell whether a night tag says evil (Merlin Pure's tags are the exact roles)."""
    return tag in ("evil", "evil_lancelot") or (tag in ROLES and ROLES[tag].side == "evil")


def night(view: dict[str, Any], pretend: bool = False) -> Night:
    """The viewer's night knowledge as constraints on the evil set at the deal.

    `pretend`: only what a loyal servant in this seat would know (the viewer is good),
    for a bot that reasons as the table does (evil blending in, Merlin hiding).
    """
    you = view["you"]
    if you is None:
        return Night()
    me = 1 << seat(view, you["player_id"])
    if pretend:
        return Night(good=me)
    evil, good = (me, 0) if ROLES[you["role"]].side == "evil" else (0, me)
    thumbs, lancelots, pairs = 0, 0, []
    for entry in you["sees"]:
        bit = 1 << seat(view, entry["player_id"])
        tag = entry["as"]
        if evil_tag(tag):
            evil |= bit
        elif tag == "merlin_or_morgana":
            thumbs |= bit
        elif tag == "lover":
            good |= bit
        elif tag == "lancelot":
            lancelots |= bit
    if thumbs.bit_count() == 2:
        pairs.append(thumbs)  # Merlin and Morgana: one of each side
    else:
        good |= thumbs
    if lancelots.bit_count() == 2:
        pairs.append(lancelots)  # Guinevere sees both Lancelots: one of each side
    elif lancelots:
        # A Lancelot who knows the other sees the other side.
        evil, good = (evil, good | lancelots) if evil & me else (evil | lancelots, good)
    return Night(evil=evil, good=good, one_of=tuple(pairs))
