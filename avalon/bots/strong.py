"""The strong level: every decision from the seat's beliefs over all evil sets.

Good bots propose the team most likely to succeed, approve a team nearly as likely to
succeed as their own would be, and check the seats they are least sure of. Merlin's bot
reasons as a loyal servant would (the table's beliefs) and lets what it knows tip only
close or decisive choices, so its teams and votes are not a tell. Evil bots reason as a
loyal servant would too, then bend it: they put as many of their side on a team as the
quest needs, approve such teams, and the lowest-seated of them on a quest fails it when
one Fail is enough, so they coordinate without talking.
"""

from __future__ import annotations

import random
from typing import Any

from avalon.bots.assassin import assassinate
from avalon.bots.cards import may_vote
from avalon.bots.mind import Mind
from avalon.bots.normal import witch_awaits
from avalon.bots.policy import MERLIN_BACK
from avalon.bots.policy import MERLIN_BALK
from avalon.bots.policy import MERLIN_TILT
from avalon.bots.policy import PLAUSIBLE
from avalon.bots.policy import THETA
from avalon.bots.policy import hammer_leader
from avalon.bots.policy import servant_approves
from avalon.bots.strong_cards import decide as card_move
from avalon.bots.strong_cards import sword_to
from avalon.bots.strong_cards import unsure
from avalon.game.options import FORCED_VARIANTS
from avalon.game.roles import ASSASSIN_ROLES
from avalon.game.roles import card_choices

Move = tuple[str, dict[str, Any]]
DIRTY_YES = 0.2  # evil approves a team that can fail although a servant would not
# ... and a clean one (a servant in an evil seat doubts the others more than most do:
# the evidence against itself falls on them).
CLEAN_YES = 0.3
SPARES = (0.35, 0.0)  # evil lets quest 1 (2) pass to stay hidden, when nothing rides on it


def approves(mind: Mind, belief: Any, team: int) -> bool:
    """Tell whether a voter with these beliefs would approve the team."""
    view = mind.view
    if view["leader"] == mind.me:
        return True
    chance = belief.success(team, mind.need)
    best = mind.best_team(belief, mind.size, mind.need)
    proposal = view["proposal"]
    if proposal == 4 and no_confidence_feared(mind, belief):
        proposal = 5  # a fifth proposal would be overturned: this one is the last
    return servant_approves(chance, best, proposal, mind.score()[1])


def no_confidence_feared(mind: Mind, belief: Any) -> bool:
    """Tell whether a seat that may be evil holds No Confidence (on a fifth proposal it
    turns the approval into the fifth rejection)."""
    held = (mind.view.get("plot") or {}).get("held") or {}
    holders = [
        int(pid) for pid, hand in held.items() if any(c["card"] == "no_confidence" for c in hand)
    ]
    return any(pid != mind.me and belief.evil(pid) > 0.05 for pid in holders)


def vote(mind: Mind) -> Move:
    """Approve or reject the team on the table."""
    team = mind.mask(mind.view["team"])
    table = approves(mind, mind.table, team)
    if mind.view["proposal"] >= len(THETA):
        return "vote", {"approve": True}
    if mind.evil:
        on = (team & mind.mask(mind.mates)).bit_count()
        if on < mind.need and hammer_leader(mind.view) in mind.mates:
            return "vote", {"approve": False}  # the fifth proposal is ours: let it come
        if on >= mind.need:
            return "vote", {"approve": table or mind.rng.random() < DIRTY_YES}
        if mind.score()[0] == 2 and not on:
            return "vote", {"approve": False}  # a third success hands good the quests
        return "vote", {"approve": table or mind.rng.random() < CLEAN_YES}
    if not mind.merlin:
        return "vote", {"approve": approves(mind, mind.own, team)}
    truth = mind.own.success(team, mind.need)
    if truth < 0.5 and mind.score()[1] == 2:
        return "vote", {"approve": False}  # this one would lose the game: no hiding
    if truth < 0.5 and table:
        return "vote", {"approve": mind.rng.random() >= MERLIN_BALK}
    if truth > 0.99 and not table:
        return "vote", {"approve": mind.rng.random() < MERLIN_BACK}
    return "vote", {"approve": table}


def propose(mind: Mind) -> Move:
    """Put a team to the vote (and hand Excalibur with it when it is on)."""
    teams = mind.teams(mind.size)
    need = mind.need
    if mind.evil:
        mates = mind.mask(mind.mates)
        fits = [t for t in teams if (t & mates).bit_count() == need]
        fits = fits or [t for t in teams if (t & mates).bit_count() >= need] or teams
        team = mind.pick(fits, lambda t: mind.table.success(t, need))
    elif mind.merlin:
        looks = {t: mind.table.success(t, need) for t in teams}
        top = max(looks.values())
        lean = mind.quest > 2 or mind.rng.random() < MERLIN_TILT
        plausible = [t for t in teams if looks[t] >= top * (PLAUSIBLE if mind.quest > 2 else 0.999)]
        if lean:
            team = mind.pick(plausible, lambda t: mind.own.success(t, need))
        else:
            team = mind.pick(plausible, looks.__getitem__)
    else:
        team = mind.pick(teams, lambda t: mind.own.success(t, need))
    chosen = sorted(mind.members(team))
    if mind.view.get("excalibur_uses") is None:
        return "propose_team", {"players": chosen}
    return "propose_team", {"players": chosen, "excalibur": sword_to(mind, chosen)}


def play(mind: Mind) -> Move:
    """Play a quest card: good succeeds; evil fails when it pays, one Fail at a time."""
    view = mind.view
    lancelot = view.get("lancelot")
    forced = lancelot is not None and lancelot["variant"] in FORCED_VARIANTS
    you = view["you"]
    choices = card_choices(you["role"], you["alignment"], mind.quest, forced)
    if len(choices) == 1 or not mind.evil:
        return "play_quest", {"success": choices[0]}
    on = [pid for pid in view["players"] if pid in mind.mates and pid in view["team"]]
    need = mind.need
    if len(on) < need or on.index(mind.me) >= need:
        return "play_quest", {"success": True}  # not enough of us, or a lower seat fails it
    good_wins, evil_wins = mind.score()
    pressing = good_wins == 2 or evil_wins == 2
    spare = SPARES[mind.quest - 1] if mind.quest <= len(SPARES) else 0.0
    if not pressing and mind.rng.random() < spare:
        return "play_quest", {"success": True}  # a Fail on a pair would name one of two
    return "play_quest", {"success": False}


def lady(mind: Mind) -> Move:
    """Examine the eligible seat this bot is least sure of (a hider: as the table is)."""
    eligible = [p for p in mind.view["players"] if p not in mind.view["lady"]["ineligible"]]
    return "lady_of_the_lake", {"target": unsure(mind, eligible)}


def witch(mind: Mind) -> Move:
    """The checker checks its least sure seat; the Witch hides a quest her side is on."""
    me = mind.me
    if mind.view["witch_checker"] == me:
        others = [p for p in mind.view["players"] if p != me]
        return "loyalty_check", {"target": unsure(mind, others)}
    ours = bool(set(mind.view["team"] or []) & mind.mates)
    return "witch_hide", {"hide": ours or mind.rng.random() < 0.15}


def decide(view: dict[str, Any], rng: random.Random) -> Move | None:
    """The strong bot's move now, or None if the game is not waiting for this seat."""
    if not view["you"] or view["phase"] == "game_over":
        return None
    mind = Mind(view, rng)
    me, phase = mind.me, view["phase"]
    if phase == "team_building" and view["leader"] == me:
        return propose(mind)
    if phase == "voting" and me not in view["voted"]:
        return vote(mind) if may_vote(view, me) else None
    if phase == "questing" and me in (view["team"] or []) and me not in view["played"]:
        return play(mind)
    if phase == "witch" and witch_awaits(view, me):
        return witch(mind)
    if phase == "lady" and view["lady"] and view["lady"]["holder"] == me:
        return lady(mind)
    if phase == "assassination" and view["you"]["role"] in ASSASSIN_ROLES:
        return assassinate(mind)
    return card_move(mind)
