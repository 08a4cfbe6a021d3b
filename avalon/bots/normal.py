"""A computer player: a move chosen from one player's own view, nothing else.

`decide(view, rng)` reads only the view the server would send that player (its role,
what the role sees, its Lady checks, and the public table: seats, leader, team, every
completed proposal with its votes, every quest with its fail count). It never sees the
game's hidden state, so a bot knows exactly what a person in its seat would know.

Play is simple and sensible: good bots never fail a quest and approve teams they have
no reason to doubt; evil bots fail quests when they can afford to and approve teams
with a teammate on them; Merlin votes from public suspicion so its knowledge does not
show; the Assassin names the player whose votes looked most like Merlin's.
"""

from __future__ import annotations

import random
from typing import Any

from avalon.bots.cards import decide as card_move
from avalon.bots.cards import may_vote
from avalon.bots.cards import sword_holder
from avalon.game.options import FORCED_VARIANTS
from avalon.game.roles import ASSASSIN_ROLES
from avalon.game.roles import ROLES
from avalon.game.roles import card_choices

Move = tuple[str, dict[str, Any]]
SUSPECT_LADY = 10.0  # a Lady check that found a player evil
FAILED_QUEST = 1.0  # each fail card, shared among a failed quest's team
CLEAN_QUEST = 0.2  # trust gained by being on a quest that succeeded
APPROVED_FAILURE = 0.25  # doubt for approving, from outside, a team that then failed
DOUBT = 0.3  # a team member this suspicious gets the team rejected


def suspicion(view: dict[str, Any]) -> dict[int, float]:
    """How suspicious each player looks from the quests, the votes and the viewer's checks.

    A good viewer on a failed team knows the fail cards came from the others on it.
    """
    me = view["you"]["player_id"] if view["you"] else None
    good_me = bool(view["you"]) and view["you"]["alignment"] == "good"
    score = {player: 0.0 for player in view["players"]}
    for result in view["quest_results"]:
        team = result["team"]
        if result["fails"] is None:
            continue  # hidden by the Witch: nothing to read yet
        if not result["fails"]:
            for player in team:
                score[player] -= CLEAN_QUEST
            continue
        suspects = [p for p in team if not (good_me and p == me)]
        for player in suspects:
            score[player] += FAILED_QUEST * result["fails"] / len(suspects)
        # Those who approved a team that failed share a little of the doubt.
        for proposal in view["history"]:
            if proposal["quest"] == result["quest"] and proposal["approved"]:
                for voter, approved in (proposal["votes"] or {}).items():  # None: anonymous
                    if approved and int(voter) not in team and int(voter) != me:
                        score[int(voter)] += APPROVED_FAILURE
    checks = [*(view.get("lady_results") or []), *((view["you"] or {}).get("results", []))]
    for check in checks:
        if "target" not in check:
            continue
        if check.get("success") is False:  # a Fail seen (Excalibur, Keeping a Close Eye)
            score[check["target"]] += SUSPECT_LADY
        if check.get("alignment", check.get("loyalty")) == "evil":
            score[check["target"]] += SUSPECT_LADY
        elif check.get("alignment", check.get("loyalty")) == "good":
            score[check["target"]] -= SUSPECT_LADY
    return score


def evil_tag(tag: str) -> bool:
    """Tell whether a night tag says evil (Merlin Pure's tags are the exact roles)."""
    return tag in ("evil", "evil_lancelot") or (tag in ROLES and ROLES[tag].side == "evil")


def known_evil(view: dict[str, Any]) -> set[int]:
    """The players this viewer knows to be evil (night knowledge, its Lady and other checks)."""
    you = view["you"] or {}
    seen = {entry["player_id"] for entry in you.get("sees", []) if evil_tag(entry["as"])}
    checks = [*(view.get("lady_results") or []), *you.get("results", [])]
    shown_evil = [c for c in checks if c.get("alignment", c.get("loyalty")) == "evil"]
    # A check names its `target`; a loyalty shown to the viewer (Sire, Open Up) its `from`.
    return seen | {c.get("target", c.get("from")) for c in shown_evil}


def failed_quests(view: dict[str, Any]) -> int:
    """How many quests are known to have failed (one the Witch hid is not known yet)."""
    return sum(1 for result in view["quest_results"] if result["success"] is False)


def is_evil(view: dict[str, Any]) -> bool:
    """Tell whether the viewer is on the evil side."""
    return bool(view["you"]) and view["you"]["alignment"] == "evil"


def propose(view: dict[str, Any], me: int, rng: random.Random) -> Move:
    """Pick a team: itself, then the players that look safest (evil: a teammate too)."""
    size = view["team_sizes"][view["quest"] - 1]
    score = suspicion(view)
    if not is_evil(view):
        # What it knows (Merlin's sight, a Lady check) keeps known evil off its own team.
        for player in known_evil(view):
            score[player] += SUSPECT_LADY
    others = [p for p in view["players"] if p != me]
    rng.shuffle(others)  # ties broken at random, not by seat
    others.sort(key=lambda player: score[player])
    if is_evil(view):
        mates = [p for p in others if p in known_evil(view)]
        honest = [p for p in others if p not in mates]
        # The rest of the mates fill in last: a checked seat can look evil to it too.
        first = mates[:1] if size >= 4 else []
        team = [me] + first + honest + [p for p in mates if p not in first]
    else:
        team = [me] + others
    chosen = sorted(team[:size])
    if view.get("excalibur_uses") is None:
        return "propose_team", {"players": chosen}
    return "propose_team", {
        "players": chosen,
        "excalibur": sword_holder(view, me, chosen, known_evil(view)),
    }


def vote(view: dict[str, Any], me: int) -> Move:
    """Approve or reject the proposed team."""
    team = set(view["team"] or [])
    last_chance = view["proposal"] >= 5  # a fifth rejection hands evil the game
    if is_evil(view):
        with_evil = bool(team & (known_evil(view) | {me}))
        return "vote", {"approve": with_evil or (not last_chance and me == view["leader"])}
    if last_chance or me == view["leader"]:
        return "vote", {"approve": True}
    score = suspicion(view)
    if view["you"]["role"] == "merlin":
        # Merlin mostly judges by the public record, so its knowledge does not show; it
        # only stands against a team whose known evil would decide the game.
        evil_on_team = team & known_evil(view)
        losses = failed_quests(view)
        if evil_on_team and (len(evil_on_team) > 1 or losses == 2):
            return "vote", {"approve": False}
    else:
        for player in known_evil(view):
            score[player] += SUSPECT_LADY
    doubt = max((score[player] for player in team if player != me), default=0.0)
    if me not in team and view["proposal"] <= 2 and view["quest"] > 1:
        return "vote", {"approve": doubt <= 0}  # early on, a team without me must be spotless
    return "vote", {"approve": doubt < DOUBT}


def play(view: dict[str, Any], me: int, rng: random.Random) -> Move:
    """Play a quest card: the only one allowed, else good succeeds and evil fails when it
    can afford to."""
    quest = view["quest"]
    lancelot = view.get("lancelot")
    forced = lancelot is not None and lancelot["variant"] in FORCED_VARIANTS
    you = view["you"]
    choices = card_choices(you["role"], you["alignment"], quest, forced)
    if len(choices) == 1:
        return "play_quest", {"success": choices[0]}
    if not is_evil(view):
        return "play_quest", {"success": True}
    needed = view["fails_required"][quest - 1]
    mates = sorted((set(view["team"] or []) & known_evil(view)) | {me})
    if needed > len(mates):
        return "play_quest", {"success": True}  # not enough fail cards on the team to win it
    if needed == 1 and mates[0] != me:
        return "play_quest", {"success": True}  # a teammate fails it: one card is enough
    losses = failed_quests(view)
    if quest == 1 and losses == 0 and rng.random() < 0.5:
        return "play_quest", {"success": True}  # lie low on the first quest now and then
    return "play_quest", {"success": False}


def lady(view: dict[str, Any], me: int, rng: random.Random) -> Move:
    """Examine the eligible player who looks most suspicious (ties at random)."""
    eligible = [p for p in view["players"] if p not in view["lady"]["ineligible"]]
    score = suspicion(view)
    rng.shuffle(eligible)
    target = max(eligible, key=lambda player: score[player])
    return "lady_of_the_lake", {"target": target}


def witch_awaits(view: dict[str, Any], me: int) -> bool:
    """Tell whether the witch phase waits for this viewer: the checker, else the Witch."""
    checker = view["witch_checker"]
    return bool(checker == me) if checker is not None else view["you"]["role"] == "witch"


def witch(view: dict[str, Any], me: int, rng: random.Random) -> Move:
    """The Witch hides a quest now and then; the chosen checker checks its top suspect."""
    if view["witch_checker"] == me:
        score = suspicion(view)
        others = [p for p in view["players"] if p != me]
        rng.shuffle(others)
        return "loyalty_check", {"target": max(others, key=lambda player: score[player])}
    return "witch_hide", {"hide": rng.random() < 0.3}


def assassinate(view: dict[str, Any], me: int, rng: random.Random) -> Move:
    """Name the player whose votes best matched knowing who is evil."""
    evil = known_evil(view) | {me}
    candidates = [p for p in view["players"] if p not in evil]
    rng.shuffle(candidates)

    def merlin_likeness(player: int) -> int:
        matches = 0
        for proposal in view["history"]:
            clean = not (set(proposal["team"]) & evil)
            if proposal["votes"] is not None:  # None: anonymous votes
                matches += proposal["votes"][str(player)] == clean
        return matches

    target = max(candidates, key=merlin_likeness)
    if view.get("cleric_named") is not None:
        # The Cleric was found: now a good role in play and its holder (Merlin's first).
        good = [r for r in view["roles_in_play"] if ROLES[r].side == "good"]
        choices = [r for r in good if r not in ("cleric", "good_lancelot")]
        role = next((r for r in choices if ROLES[r].assassinated_as == "merlin"), choices[0])
        return "assassinate", {"target": target, "as": "cleric_role", "role": role}
    return "assassinate", {"target": target}


def decide(view: dict[str, Any], rng: random.Random) -> Move | None:
    """The move this player makes now, or None if the game is not waiting for it."""
    if not view["you"] or view["phase"] == "game_over":
        return None
    me = view["you"]["player_id"]
    phase = view["phase"]
    if phase == "team_building" and view["leader"] == me:
        return propose(view, me, rng)
    if phase == "voting" and me not in view["voted"]:
        return vote(view, me) if may_vote(view, me) else None
    if phase == "questing" and me in (view["team"] or []) and me not in view["played"]:
        return play(view, me, rng)
    if phase == "witch" and witch_awaits(view, me):
        return witch(view, me, rng)
    if phase == "lady" and view["lady"] and view["lady"]["holder"] == me:
        return lady(view, me, rng)
    if phase == "assassination" and view["you"]["role"] in ASSASSIN_ROLES:
        return assassinate(view, me, rng)
    return card_move(view, me, suspicion(view), known_evil(view), rng)
