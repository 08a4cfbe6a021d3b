"""The checks between quests: the Lady of the Lake or of the Sea (and her announce step),
the Sire of the Sea and the Ref of the Rain (ROLES.md section 3).

After a quest that did not decide the game, in this order: the Ref (after a failed quest
whose result is known), the Lady (after quests 2-4) and her holder's public claim, the
Sire (after quests 2-4); then the next quest starts. Each chain passes to the player named
and never to a past holder.
"""

from __future__ import annotations

from typing import Any

from avalon.game.options import LADY_QUESTS
from avalon.game.options import Event
from avalon.game.options import check_id
from avalon.game.options import invalid
from avalon.game.options import not_allowed
from avalon.game.powers import Powers
from avalon.game.roles import ROLE_ORDER
from avalon.game.roles import ROLES
from avalon.game.variants import CLAIMS

CHECK_STEPS = ("ref", "lady", "sire")
SEA_DRAW = "troublemaker_sea"  # the draw of the Troublemaker's fake role for the Sea


def new_chain(holder: int) -> dict[str, Any]:
    """A holder chain (the Sire's, the Ref's) starting with this player."""
    return {"holder": holder, "ineligible": [holder], "checks": []}


def chain_targets(players: list[int], chain: dict[str, Any] | None) -> list[int]:
    """Whom a chain's holder may name: everyone who never held it."""
    if chain is None:
        return []
    return [pid for pid in players if pid not in chain["ineligible"]]


class Ladies(Powers):
    """The checks between quests and the moves that make them."""

    # -- what a check shows --------------------------------------------------------

    def sea_role(self, player_id: int) -> str | None:
        """The role the Lady of the Sea shows of a seat: an evil target's exact role, the
        Troublemaker's fake role drawn at the deal; None for a seat that shows good."""
        role = self.role_of(player_id)
        if ROLES[role].shown == "evil":
            evil = [r for r in ROLE_ORDER if r in self.roles and ROLES[r].side == "evil"]
            return evil[self.draws[SEA_DRAW][0] % len(evil)]
        if self.shown_loyalty(player_id) == "evil":
            return role
        return None

    # -- the Lady ------------------------------------------------------------------

    def use_lady(self, player_id: int, target: int, auto: bool = False) -> list[Event]:
        """Let the Lady's holder examine a player, then hand her over to them."""
        target = check_id(target, "target")
        name = "the Lady of the Sea" if self.lady_kind() == "sea" else "the Lady of the Lake"
        self._expect("lady", player_id, f"use {name}")
        if player_id != self.lady_holder:
            raise not_allowed("only the holder uses the Lady")
        if target not in self.players:
            raise invalid("target must be a player of this game")
        if target in self.lady_ineligible:
            raise not_allowed("the Lady may only examine a player who never held her")
        seen = self.shown_loyalty(target)
        check = {"holder": player_id, "target": target, "alignment": seen, "auto": auto}
        private: dict[str, Any] = {"target": target, "alignment": seen}
        kind = self.lady_kind() or "lake"
        result: dict[str, Any] = {"to": player_id, "kind": "lady", "target": target}
        if kind == "sea":
            role = self.sea_role(target)
            check["role"] = private["role"] = result["role"] = role
            result["kind"] = "sea"
        self.results.append({**result, "loyalty": seen, "auto": auto})
        self.lady_checks.append(check)
        self.lady_holder = target
        self.lady_ineligible.append(target)
        self.version += 1
        events = [
            Event("lady_used", {"holder": player_id, "target": target, "auto": auto}),
            Event("lady_result", private, to=player_id),
        ]
        if self.option("lady_announce"):
            self.phase = "lady_announce"
            return events
        return events + self._checks_from("sire")

    def announce_loyalty(self, player_id: int, claim: str, auto: bool = False) -> list[Event]:
        """The Lady's last user publicly claims what the check showed (true or not)."""
        if claim not in CLAIMS:
            raise invalid('claim must be "good" or "evil"')
        self._expect("lady_announce", player_id, "announce a loyalty")
        check = self.lady_checks[-1]
        if player_id != check["holder"]:
            raise not_allowed("only the player who used the Lady announces")
        said = {"holder": player_id, "target": check["target"], "claim": claim, "auto": auto}
        self.announcements.append({**said, "quest": self.quest - 1})
        self.version += 1
        return [Event("loyalty_announced", said)] + self._checks_from("sire")

    # -- the Sire of the Sea and the Ref of the Rain -------------------------------

    def use_sire(self, player_id: int, target: int, auto: bool = False) -> list[Event]:
        """The Sire's holder shows their own shown loyalty to a player and passes it on."""
        target = self._chain_target("sire", player_id, target)
        assert self.sire is not None
        shown = self.shown_loyalty(player_id)
        self.results.append(
            {"to": target, "kind": "sire", "from": player_id, "loyalty": shown, "auto": auto}
        )
        self._pass_chain(self.sire, player_id, target, auto)
        payload = {"holder": player_id, "target": target, "auto": auto}
        return [
            Event("sire_used", payload),
            Event("sire_result", {"from": player_id, "loyalty": shown}, to=target),
            *self._checks_from("done"),
        ]

    def use_ref(self, player_id: int, target: int, auto: bool = False) -> list[Event]:
        """The Ref's holder sees a player's shown loyalty after a failed quest, and passes it."""
        target = self._chain_target("ref", player_id, target)
        assert self.ref is not None
        shown = self.shown_loyalty(target)
        self.results.append(
            {"to": player_id, "kind": "ref", "target": target, "loyalty": shown, "auto": auto}
        )
        self._pass_chain(self.ref, player_id, target, auto)
        payload = {"holder": player_id, "target": target, "auto": auto}
        return [
            Event("ref_used", payload),
            Event("ref_result", {"target": target, "loyalty": shown}, to=player_id),
            *self._checks_from("lady"),
        ]

    def _chain_target(self, phase: str, player_id: int, target: int) -> int:
        """Check a move of the Sire's or the Ref's holder; return its target."""
        target = check_id(target, "target")
        name = "the Sire of the Sea" if phase == "sire" else "the Ref of the Rain"
        self._expect(phase, player_id, f"use {name}")
        chain = self.sire if phase == "sire" else self.ref
        assert chain is not None
        if player_id != chain["holder"]:
            raise not_allowed(f"only the holder uses {name}")
        if target not in self.players:
            raise invalid("target must be a player of this game")
        if target in chain["ineligible"]:
            raise not_allowed(f"{name} may only go to a player who never held it")
        return target

    def _pass_chain(self, chain: dict[str, Any], holder: int, target: int, auto: bool) -> None:
        """Record a chain's use and hand it to the player named."""
        quest = self.quest - 1
        chain["checks"].append({"holder": holder, "target": target, "quest": quest, "auto": auto})
        chain["holder"] = target
        chain["ineligible"].append(target)
        self.version += 1

    # -- when the checks come ------------------------------------------------------

    def _after_quest(self) -> list[Event]:
        """After a quest's result: the Ref, the Lady, the Sire when due; then the next quest."""
        self.quest += 1
        self.proposal = 1
        return self._checks_from("ref")

    def _checks_from(self, step: str) -> list[Event]:
        """Enter the first check due from `step` on, else start the next quest."""
        completed = self.quest - 1
        last = self.quest_results[-1] if self.quest_results else None
        steps = CHECK_STEPS[CHECK_STEPS.index(step) :] if step in CHECK_STEPS else ()
        for due in steps:
            if due == "ref" and self.ref is not None and last is not None:
                # A quest the Witch hid gives no Ref: using it would tell that it failed.
                if not last["success"] and not last.get("hidden") and self._targets("ref"):
                    self.phase = "ref"
                    return []
            if due == "lady" and self.lady_of_the_lake and completed in LADY_QUESTS:
                if self.lady_targets():
                    self.phase = "lady"
                    return []
            if due == "sire" and completed in LADY_QUESTS and self._targets("sire"):
                self.phase = "sire"
                return []
        return self._start_quest()

    def _targets(self, phase: str) -> list[int]:
        """Whom the Sire's or the Ref's holder may name now."""
        return chain_targets(self.players, self.sire if phase == "sire" else self.ref)
