"""What each player may see of a game, and the full record once it is over.

Built on the server, per player: before game over a view carries only the viewer's own
role as they know it, their current alignment, their night knowledge, their own private
results and the public facts (PROTOCOL section 8). The keys of the newer roles appear
only in games that have those roles, so a classic game's view is what it always was.
"""

from __future__ import annotations

import copy
from typing import Any

from avalon.game.card_views import card_parts
from avalon.game.card_views import card_record
from avalon.game.card_views import history_shown
from avalon.game.card_views import votes_shown
from avalon.game.roles import ROLES
from avalon.game.state import GameState

DECIDED = ("assassination", "game_over")  # a hidden quest's result is shown from here


def you(game: GameState, player_id: int) -> dict[str, Any]:
    """The viewer's own part: role (as they believe it before game over), sight, results."""
    role = game.role_of(player_id)
    current = game.alignment_of(player_id)
    believes = ROLES[role].believes
    if believes is not None and game.phase != "game_over":
        # A house role reads as the role it believes it is, alignment included.
        role, current = believes, ROLES[believes].side
    results = [
        {key: value for key, value in result.items() if key != "to"}
        for result in game.results
        if result["to"] == player_id
    ]
    return {
        "player_id": player_id,
        "role": role,
        "alignment": current,
        "sees": game.sees(player_id),
        "results": results,
    }


def quest_results(game: GameState) -> list[dict[str, Any]]:
    """Every quest's result; one the Witch hid shows no result until the game is decided."""
    shown = copy.deepcopy(game.quest_results)
    if game.phase not in DECIDED:
        for result in shown:
            if result.get("hidden"):
                result["fails"] = result["success"] = None
    return shown


def lancelot_view(game: GameState) -> dict[str, Any] | None:
    """The Lancelots' public part: the variant, the cards face up, the switches so far."""
    if game.lancelot is None:
        return None
    public = {key: copy.deepcopy(game.lancelot[key]) for key in ("variant", "revealed")}
    public["applied"] = game.lancelot["applied"]
    public["switches"] = game.lancelot["switches"]
    if game.phase == "game_over":
        public["deck"] = list(game.lancelot["deck"])  # the unturned cards, at the end only
    return public


def view(game: GameState, player_id: int | None) -> dict[str, Any]:
    """Return the game as one player (or a spectator, None) may see it."""
    over = game.phase == "game_over"
    mine = None
    lady_results: list[dict[str, Any]] = []
    if player_id is not None and player_id in game.players:
        mine = you(game, player_id)
        lady_results = [
            {"target": check["target"], "alignment": check["alignment"]}
            for check in game.lady_checks
            if check["holder"] == player_id
        ]
    lady = None
    if game.lady_of_the_lake:
        lady = {
            "holder": game.lady_holder,
            "ineligible": list(game.lady_ineligible),
            "checks": [
                {
                    "holder": check["holder"],
                    "target": check["target"],
                    "auto": check.get("auto", False),
                    # What the holder was shown (a Trickster's or Troublemaker's lie
                    # included): public once the game is over, like every role.
                    **({"alignment": check["alignment"]} if over else {}),
                }
                for check in game.lady_checks
            ],
        }
    shown: dict[str, Any] = {
        "game_id": game.game_id,
        "number": game.number,
        "version": game.version,
        "phase": game.phase,
        "players": list(game.players),
        "roles_in_play": game.roles_in_play(),
        "quest": game.quest,
        "team_sizes": game.team_sizes(),
        "fails_required": game.fails_required(),
        "leader": game.leader,
        "proposal": game.proposal,
        "team": list(game.team) if game.team is not None else None,
        # The proposal on the table was made by the timer or a stand-in.
        "auto_proposal": game.auto_proposal if game.team is not None else False,
        "voted": [pid for pid in game.players if str(pid) in game.ballots],
        # Ballots so far cast for their seat (not under anonymous votes: they approve).
        "auto_voted": [] if game.option("anonymous_votes") else list(game.auto_ballots),
        "votes": votes_shown(game)[0],
        "quest_results": quest_results(game),
        # Completed proposals only: a vote in progress is in `voted`, never here.
        "history": history_shown(game),
        "played": list(game.played),
        "lady": lady,
        "you": mine,
        "lady_results": lady_results,
        "winner": game.winner,
        "reason": game.reason,
    }
    shown.update(role_parts(game))
    shown.update(card_parts(game))
    if game.option("anonymous_votes"):
        shown["tally"] = votes_shown(game)[1]
    if over:
        # These keys appear in no message before the game is over.
        shown["roles"] = game.roles_by_id()
        shown["assassination"] = game.assassination()
    return shown


def role_parts(game: GameState) -> dict[str, Any]:
    """The public parts of the newer roles, present only when their role is in play."""
    parts: dict[str, Any] = {}
    if game.lancelot is not None:
        parts["lancelot"] = lancelot_view(game)
    if game.has_role("revealer"):
        parts["revealed"] = dict(game.revealed)
    if game.witch is not None:
        parts["hidden_quests"] = list(game.hidden_quests)
        parts["witch_checker"] = game.witch["checker"]  # who makes the check after a hide
    if game.cleric_assassination:
        named = game.assassination_named
        pending = named is not None and named["as"] == "cleric" and game.phase != "game_over"
        parts["cleric_named"] = named["targets"][0] if named and pending else None
    return parts


def record(game: GameState) -> dict[str, Any]:
    """Return the full public record of a finished game (the caller checks it is over)."""
    full: dict[str, Any] = {
        "game_id": game.game_id,
        "number": game.number,
        "players": list(game.players),
        "roles": game.roles_by_id(),
        "roles_in_play": game.roles_in_play(),
        "lady_of_the_lake": game.lady_of_the_lake,
        "proposals": copy.deepcopy(game.proposals),
        "quest_results": copy.deepcopy(game.quest_results),
        "lady_checks": copy.deepcopy(game.lady_checks),
        "assassin": game.assassin(),
        "assassin_target": game.assassin_target,
        "assassination_auto": game.assassination_auto,  # named by the timer or a stand-in
        "winner": game.winner,
        "reason": game.reason,
        # What every seat learned at night, and every private result, for the replay.
        "night": {str(pid): game.sees(pid) for pid in game.players},
        "results": copy.deepcopy(game.results),
    }
    if game.assassination_named is not None:
        full["assassination"] = game.assassination()
    full.update(copy.deepcopy(role_parts(game)))
    full.pop("cleric_named", None)
    if game.lancelot is not None:
        full["lancelot"] = copy.deepcopy(game.lancelot)
    if game.cleric_assassination:
        full["cleric_assassination"] = True
    full.update(card_record(game))
    if game.witch is not None:
        full["hidden_auto"] = bool(game.witch.get("auto", False))  # the hide was a stand-in's
    return full
