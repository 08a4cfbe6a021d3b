"""The strong level's moves for the cards and table options (ROLES.md section 3).

Good bots aim each card where their beliefs say it helps most: a check at the seat they
are least sure of, Excalibur and In the Spotlight at the likeliest evil team member, a
card handed to the seat they trust most, No Confidence against a team likely to fail.
Evil bots aim them as a servant would (the table's beliefs), except that a card goes to a
teammate, a loyalty is shown to one, and No Confidence on the fifth proposal wins.
"""

from __future__ import annotations

from typing import Any

from avalon.bots.cards import plot_targets
from avalon.bots.mind import Mind

Move = tuple[str, dict[str, Any]]
FRAME = 0.2  # an evil Lady holder claims a good seat evil this often


def unsure(mind: Mind, candidates: list[int]) -> int:
    """The candidate this bot is least sure of (a hider: as the table would be)."""
    marginals = mind.guide().marginals()
    return int(mind.pick(candidates, lambda pid: marginals[pid] * (1 - marginals[pid])))


def trusted(mind: Mind, candidates: list[int]) -> int:
    """The candidate this bot trusts most (evil: a teammate first)."""
    mates = [pid for pid in candidates if pid in mind.mates and pid != mind.me]
    if mind.evil and mates:
        return int(mind.pick(mates, lambda pid: 0))
    marginals = mind.guide().marginals()
    return int(mind.pick(candidates, lambda pid: -marginals[pid]))


def doubted(mind: Mind, candidates: list[int]) -> int:
    """The candidate this bot suspects most (evil: by the table's beliefs)."""
    marginals = mind.guide().marginals()
    return int(mind.pick(candidates, lambda pid: marginals[pid]))


def sword_to(mind: Mind, team: list[int]) -> int:
    """Whom the leader hands Excalibur: a team member it trusts (evil: a teammate)."""
    return trusted(mind, [pid for pid in team if pid != mind.me])


def excalibur(mind: Mind) -> Move:
    """Turn over the card of a member likely to have failed (good), or, evil, a good
    member's Success when the evil on the quest were one Fail short."""
    others = [pid for pid in mind.view["team"] or [] if pid != mind.me]
    if mind.evil:
        on = len(set(mind.view["team"] or []) & mind.mates)
        honest = [pid for pid in others if pid not in mind.mates]
        if on == mind.need - 1 and honest and mind.rng.random() < 0.7:
            return "use_excalibur", {"target": trusted(mind, honest)}
        return "use_excalibur", {"target": None}
    if not others:
        return "use_excalibur", {"target": None}
    marginals = mind.own.marginals()
    target = doubted(mind, others)
    return "use_excalibur", {"target": target if marginals[target] > 0.55 else None}


def announce(mind: Mind) -> Move:
    """Claim what the Lady showed: the truth if good; evil covers a teammate, and now and
    then calls a good seat evil."""
    check = mind.view["lady_results"][-1]
    truth = check["alignment"]
    if not mind.evil:
        return "announce_loyalty", {"claim": truth}
    if check["target"] in mind.mates:
        return "announce_loyalty", {"claim": "good"}
    return "announce_loyalty", {"claim": "evil" if mind.rng.random() < FRAME else truth}


def chain(mind: Mind) -> Move:
    """The Ref checks its least sure seat; the Sire shows the holder's loyalty to the
    seat it trusts most (evil: to a teammate, else to the seat the table doubts most)."""
    phase = mind.view["phase"]
    eligible = [pid for pid in mind.view["players"] if pid not in mind.view[phase]["ineligible"]]
    if phase == "ref":
        return "ref_of_the_rain", {"target": unsure(mind, eligible)}
    mates = [pid for pid in eligible if pid in mind.mates]
    if mind.evil:
        target = trusted(mind, mates) if mates else doubted(mind, eligible)
    else:
        target = trusted(mind, eligible)
    return "sire_of_the_sea", {"target": target}


def timing_play(mind: Mind, card: str, targets: list[int]) -> tuple[bool, int | None]:
    """Whether to play a card at its timing point, and at whom (None: no target)."""
    view, rng = mind.view, mind.rng
    team = mind.mask(view["team"] or [])
    if card == "no_confidence":
        if mind.evil:
            spoil = (team & mind.mask(mind.mates)).bit_count() < mind.need
            return view["proposal"] >= 5 or (spoil and rng.random() < 0.5), None
        return view["proposal"] < 5 and mind.own.success(team, mind.need) < 0.4, None
    if card == "strong_leader":
        leader = view["leader"]
        if mind.evil:
            return leader not in mind.mates and rng.random() < 0.5, None
        return mind.own.evil(leader) > 0.5, None
    if not targets:
        return False, None
    if mind.evil:
        # A look or a spotlight now and then, on a good seat, as a servant would.
        honest = [pid for pid in targets if pid not in mind.mates]
        return bool(honest) and rng.random() < 0.3, trusted(mind, honest) if honest else None
    target = doubted(mind, targets)
    return mind.own.evil(target) > 0.2, target


def plot(mind: Mind) -> Move:
    """The plot step at hand: give, use at once, or play or keep a usable card."""
    view = mind.view
    step = view["plot"]["queue"][0]
    card_id, card = step["card_id"], step["card"]
    targets = plot_targets(view, step)
    others = [pid for pid in view["players"] if pid != mind.me]
    if step["step"] == "give":
        return "give_plot_card", {"card_id": card_id, "player": trusted(mind, others)}
    if card == "overheard_conversation":
        return "loyalty_check", {"target": unsure(mind, targets)}
    if card in ("open_up", "establish_confidence"):
        mates = [pid for pid in targets if pid in mind.mates]
        target = (
            trusted(mind, mates or targets) if not mind.evil or mates else doubted(mind, targets)
        )
        return "loyalty_check", {"target": target}
    if card == "take_responsibility":
        owners = {
            c["card_id"]: int(pid) for pid, hand in view["plot"]["held"].items() for c in hand
        }
        holders = [owners[cid] for cid in targets]
        pick = trusted(mind, holders) if mind.evil else doubted(mind, holders)
        options = [cid for cid in targets if owners[cid] == pick]
        return "play_plot_card", {"card_id": card_id, "target": mind.rng.choice(options)}
    play, aim = timing_play(mind, card, targets)
    if not play:
        return "skip_plot_card", {"card_id": card_id}
    payload: dict[str, Any] = {"card_id": card_id}
    if aim is not None:
        payload["target"] = aim
    return "play_plot_card", payload


def decide(mind: Mind) -> Move | None:
    """The move for a card's phase if the game waits on this seat, else None."""
    view, me = mind.view, mind.me
    phase = view["phase"]
    if phase == "excalibur" and (view.get("excalibur") or {}).get("holder") == me:
        return excalibur(mind)
    if phase == "lady_announce" and view["lady"]["checks"][-1]["holder"] == me:
        return announce(mind)
    if phase in ("sire", "ref") and view[phase]["holder"] == me:
        return chain(mind)
    if phase == "plot" and view["plot"]["queue"][0]["player"] == me:
        return plot(mind)
    return None
