"""What happens around a quest: its result, the Witch, the Cleric, the Revealer, the
Lancelot cards, the start of the next quest, and the end of the game.

`Powers` is the base of `rules.Game`: the moves there call these when a quest's last card
is in. A role's power is asked for only when its role is in play, so a classic game
moves exactly as it always did.
"""

from __future__ import annotations

import copy
import random
from typing import Any

from avalon.game.options import LADY_QUESTS
from avalon.game.options import LANCELOT_DECK_QUESTS
from avalon.game.options import LANCELOT_DECKS
from avalon.game.options import QUESTS
from avalon.game.options import QUESTS_TO_DECIDE
from avalon.game.options import Event
from avalon.game.options import check_bool
from avalon.game.options import check_id
from avalon.game.options import invalid
from avalon.game.options import not_allowed
from avalon.game.state import GameState

STAY, SWITCH = "no_change", "switch"  # the Lancelot cards


def lancelot_deck(variant: str, rng: random.Random) -> dict[str, Any]:
    """Shuffle the Lancelot cards of a variant: secret deck, or five face up (`schedule`)."""
    stay, switch = LANCELOT_DECKS.get(variant, (0, 0))
    cards = [STAY] * stay + [SWITCH] * switch
    rng.shuffle(cards)
    face_up: list[str] = []
    if variant == "schedule":
        face_up, cards = cards[:QUESTS], cards[QUESTS:]  # card i applies at quest i
    return {"variant": variant, "deck": cards, "revealed": face_up, "applied": 0, "switches": 0}


class Powers(GameState):
    """The quest's resolution and the powers of the roles that act around it."""

    # -- the Witch -----------------------------------------------------------------

    def witch_hide(self, player_id: int, hide: bool, auto: bool = False) -> list[Event]:
        """Let the Witch hide this quest's result (once per game) or let it be shown."""
        hide = check_bool(hide, "hide")
        self._expect("witch", player_id, "hide a quest")
        assert self.witch is not None
        if self.witch["checker"] is not None or player_id != self.holder("witch"):
            raise not_allowed("the game is not waiting for you to hide a quest")
        self.version += 1
        if not hide:
            return self._resolve_quest(hidden=False)
        self.witch["used"] = True
        # Kept for the record only: the table knows which seats stand-ins play, so a
        # public mark on the hide would name the Witch.
        self.witch["auto"] = auto
        self.hidden_quests.append(self.quest)
        events = [Event("quest_hidden", {"quest": self.quest})]
        return events + self._resolve_quest(hidden=True)

    def loyalty_check(self, player_id: int, target: int, auto: bool = False) -> list[Event]:
        """Let the Witch's random checker see one player's shown loyalty, privately."""
        target = check_id(target, "target")
        self._expect("witch", player_id, "check a loyalty")
        assert self.witch is not None
        if player_id != self.witch["checker"]:
            raise not_allowed("only the player the Witch's hide chose makes a check")
        if target not in self.players:
            raise invalid("target must be a player of this game")
        if target == player_id:
            raise not_allowed("check another player, not yourself")
        shown = self.shown_loyalty(target)
        self.results.append(
            {"to": player_id, "kind": "check", "target": target, "loyalty": shown, "auto": auto}
        )
        self.witch["checker"] = None
        self.version += 1
        events = [
            Event("loyalty_checked", {"checker": player_id, "target": target, "auto": auto}),
            Event("check_result", {"target": target, "loyalty": shown}, to=player_id),
        ]
        return events + self._after_quest()

    def check_targets(self) -> list[int]:
        """Whom the Witch's checker may check: anyone else."""
        checker = self.witch["checker"] if self.witch else None
        return [pid for pid in self.players if pid != checker]

    # -- a quest's end and the next quest's start ----------------------------------

    def _cards_in(self) -> list[Event]:
        """Every card of the quest is in: the Witch may hide it, else it is shown."""
        if self.witch is not None and not self.witch["used"]:
            self.phase = "witch"  # whatever the result: entering it must tell nothing
            return []
        return self._resolve_quest(hidden=False)

    def _resolve_quest(self, hidden: bool) -> list[Event]:
        """Record the quest's fail count and move on: next quest, Assassin or the end."""
        result: dict[str, Any] = {
            "quest": self.quest,
            "team": list(self.team or []),
            "fails": self.fails,
            "success": self.fails < self.fails_required()[self.quest - 1],
            "auto": sorted(self.auto_played, key=self.players.index),
        }
        if hidden:
            result["hidden"] = True
        self.quest_results.append(result)
        shown = copy.deepcopy(result)
        if hidden:
            shown["fails"] = shown["success"] = None
        events = [Event("quest_result", shown)]
        if self.quest == 1 and self.has_role("cleric"):
            events += self._cleric_learns()
        self.team = None
        self.played = []
        self.auto_played = []
        self.fails = 0
        successes = sum(1 for r in self.quest_results if r["success"])
        failures = len(self.quest_results) - successes
        if failures >= QUESTS_TO_DECIDE:
            return events + self._finish("evil", "three_fails")
        if successes >= QUESTS_TO_DECIDE:
            self.phase = "assassination"
            events += self._unhide() + self._reveal_revealer()
            # Empty on purpose: naming the Assassin would reveal a role before game over.
            return events + [Event("assassination_started", {})]
        events += self._reveal_revealer()
        if hidden:
            assert self.witch is not None
            self.witch["checker"] = self.draws["witch_checker"][0]
            self.phase = "witch"
            return events + [Event("loyalty_check_started", {"checker": self.witch["checker"]})]
        return events + self._after_quest()

    def _after_quest(self) -> list[Event]:
        """After a quest's result: the Lady, if due, then the next quest."""
        completed = self.quest
        self.quest += 1
        self.proposal = 1
        if self.lady_of_the_lake and completed in LADY_QUESTS and self.lady_targets():
            self.phase = "lady"
            return []
        return self._start_quest()

    def _start_quest(self) -> list[Event]:
        """A quest starts: a Lancelot card may apply before its first proposal."""
        self.phase = "team_building"
        if self.lancelot is None:
            return []
        variant = self.lancelot["variant"]
        if variant == "schedule":
            return self._apply_lancelot_card()
        if variant in ("deck", "deck_forced") and self.quest in LANCELOT_DECK_QUESTS:
            self.lancelot["revealed"].append(self.lancelot["deck"].pop(0))
            return self._apply_lancelot_card()
        return []

    def _apply_lancelot_card(self) -> list[Event]:
        """The next face-up Lancelot card takes effect: a switch swaps their alignments."""
        assert self.lancelot is not None
        card = self.lancelot["revealed"][self.lancelot["applied"]]
        self.lancelot["applied"] += 1
        self.lancelot["switches"] += card == SWITCH
        payload = {"quest": self.quest, "card": card, "switches": self.lancelot["switches"]}
        return [Event("lancelot_card", payload)]

    # -- the roles that learn or show something when a quest ends ------------------

    def _cleric_learns(self) -> list[Event]:
        """The Cleric learns the shown loyalty of quest 1's leader (unless it led itself)."""
        cleric = self.holder("cleric")
        leader = next(p["leader"] for p in reversed(self.proposals) if p["approved"])
        if leader == cleric:
            return []
        shown = self.shown_loyalty(leader)
        self.results.append({"to": cleric, "kind": "cleric", "target": leader, "loyalty": shown})
        return [Event("cleric_result", {"target": leader, "loyalty": shown}, to=cleric)]

    def _reveal_revealer(self) -> list[Event]:
        """Once two failed quests are known, the Revealer's seat and role become public."""
        if not self.has_role("revealer") or self.revealed:
            return []
        decided = self.phase in ("assassination", "game_over")
        shown_fails = sum(
            1 for r in self.quest_results if not r["success"] and (decided or not r.get("hidden"))
        )
        if shown_fails < 2:
            return []
        revealer = self.holder("revealer")
        self.revealed[str(revealer)] = "revealer"
        return [Event("role_revealed", {"player_id": revealer, "role": "revealer"})]

    def _unhide(self) -> list[Event]:
        """The game is decided: the hidden quests' results are shown to everyone."""
        return [
            Event("quest_shown", copy.deepcopy(result))
            for result in self.quest_results
            if result.get("hidden")
        ]

    # -- the end ---------------------------------------------------------------------

    def _finish(self, winner: str | None, reason: str) -> list[Event]:
        """End the game and reveal every role."""
        self.phase = "game_over"
        self.winner = winner
        self.reason = reason
        self.team = None
        self.played = []
        self.ballots = {}
        self.auto_ballots, self.auto_played, self.auto_proposal = [], [], False
        if self.witch is not None:
            self.witch["checker"] = None
        payload = {
            "winner": winner,
            "reason": reason,
            "roles": self.roles_by_id(),
            "assassination": self.assassination(),
        }
        return self._unhide() + [Event("game_over", payload)]

    def _expect(self, phase: str, player_id: int, action: str) -> None:
        """Raise not_allowed unless a seated player acts in the given phase."""
        if player_id not in self.players:
            raise not_allowed("only players of this game can play")
        if self.phase != phase:
            raise not_allowed(f"cannot {action} during {self.phase}")
