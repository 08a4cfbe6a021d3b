"""What the table could have known: public beliefs after every step of a finished game.

The game keeps no log of its moves, so each step's public view is cut from the final
spectator view: the proposals and quest results up to that step, shown as the table saw
them then (tallies alone under anonymous votes, no past teams under hidden history, a
hidden quest's result unknown before the end), and the cards' public effects of the
quests already played. The same reasoning as the bots' (`public_beliefs`) then weighs
it, so the first step has every seat at the prior.
"""

from __future__ import annotations

import copy
from typing import Any

from avalon.bots.beliefs import public_beliefs
from avalon.game.options import LANCELOT_DECK_QUESTS

Step = tuple[int, int]  # (proposals seen, quest results seen)


def steps_of(view: dict[str, Any]) -> list[Step]:
    """The moments the public facts changed: the start, each vote, each quest result."""
    results = {result["quest"] for result in view["quest_results"]}
    steps, seen = [(0, 0)], 0
    for index, proposal in enumerate(view["history"]):
        steps.append((index + 1, seen))
        if proposal["approved"] and proposal["quest"] in results:
            seen += 1
            steps.append((index + 1, seen))
    return steps


def lancelot_at(lancelot: dict[str, Any], quest: int) -> dict[str, Any]:
    """The Lancelot track as it stood during a quest: the cards applied by then."""
    if lancelot["variant"] == "schedule":
        applied = quest
    else:
        applied = sum(1 for at in LANCELOT_DECK_QUESTS if at <= quest)
    cards = lancelot["revealed"][:applied]
    return {**lancelot, "applied": len(cards), "switches": cards.count("switch")}


def view_at(final: dict[str, Any], step: Step) -> dict[str, Any]:
    """The spectator's view of the public facts as they stood at a step."""
    proposals, seen = step
    options = final.get("options") or {}
    history = copy.deepcopy(final["history"][:proposals])
    results = copy.deepcopy(final["quest_results"][:seen])
    if seen < len(final["quest_results"]):  # the Witch's quests stay hidden until the end
        for result in results:
            if result.get("hidden"):
                result["fails"] = result["success"] = None
    played = {result["quest"] for result in results}
    quest = max([1, *(p["quest"] for p in history), *played])
    if options.get("hidden_history"):
        history = []  # the table saw each team only while it was voted on
    elif options.get("anonymous_votes"):
        for proposal in history:
            proposal["votes"], proposal["auto"] = None, []
    fails = sum(1 for result in results if result["success"] is False)
    view = {
        **final,
        "phase": "team_building",
        "quest": quest,
        "history": history,
        "quest_results": results,
        "revealed": final.get("revealed") if fails >= 2 else None,
        "excalibur_uses": [u for u in final.get("excalibur_uses") or [] if u["quest"] in played],
        "announcements": [a for a in final.get("announcements") or [] if a["quest"] in played],
        "plot": None,  # a plot card's spotlight is of its own moment only
        "you": None,
    }
    if final.get("lancelot"):
        view["lancelot"] = lancelot_at(final["lancelot"], quest)
    return view


def belief_steps(final: dict[str, Any]) -> list[dict[str, Any]]:
    """Each step's public beliefs: {"proposals", "results", "evil": {seat: probability}}."""
    return [
        {
            "proposals": step[0],
            "results": step[1],
            "evil": {
                str(pid): round(p, 3) for pid, p in public_beliefs(view_at(final, step)).items()
            },
        }
        for step in steps_of(final)
    ]
