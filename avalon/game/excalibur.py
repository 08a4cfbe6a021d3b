"""Excalibur (ROLES.md section 3): the leader hands it with the proposal to a team member
other than themself; after the quest's last card its holder may turn over another team
member's card (Success <-> Fail) before the quest is decided.

Public: who held it and whom they named. Private to the holder: the named card as it was.
"""

from __future__ import annotations

from avalon.game.ladies import Ladies
from avalon.game.options import Event
from avalon.game.options import check_id
from avalon.game.options import invalid
from avalon.game.options import not_allowed
from avalon.game.roles import ROLES


def counts_as_fail(role: str, success: bool) -> bool:
    """Tell whether a card lying before a seat fails the quest: a Fail, unless Moregano's."""
    return not success and ROLES[role].cards != "fake_fail"


class Sword(Ladies):
    """Excalibur's hand-over with the proposal and its use after the cards."""

    def keeps_cards(self) -> bool:
        """Tell whether this game keeps each quest card until the quest is decided
        (Excalibur and Keeping a Close Eye on You need them; other games never store them)."""
        return self.option("excalibur") or self.option("plot_cards")

    def check_excalibur(self, team: list[int], holder: object) -> int | None:
        """Check the proposal's `excalibur` against the option and the team; return it."""
        if not self.option("excalibur"):
            if holder is not None:
                raise invalid("this game has no Excalibur: leave out excalibur")
            return None
        if holder is None:
            raise invalid("with Excalibur on, propose_team needs excalibur: a team member")
        holder = check_id(holder, "excalibur")
        if holder not in team or holder == self.leader:
            raise invalid("excalibur must go to a team member other than the leader")
        return holder

    def use_excalibur(self, player_id: int, target: int | None, auto: bool = False) -> list[Event]:
        """Let Excalibur's holder turn over another team member's card, or nobody's."""
        if target is not None:
            target = check_id(target, "target")
        self._expect("excalibur", player_id, "use Excalibur")
        assert self.excalibur is not None
        if player_id != self.excalibur["holder"]:
            raise not_allowed("only Excalibur's holder uses it")
        if target is not None and (target not in (self.team or []) or target == player_id):
            raise not_allowed("Excalibur turns over the card of another team member, or none")
        events = []
        if target is not None:
            was = self.quest_cards[str(target)]
            role = self.role_of(target)
            self.fails += counts_as_fail(role, not was) - counts_as_fail(role, was)
            self.quest_cards[str(target)] = not was
            result = {"to": player_id, "kind": "excalibur", "target": target, "success": was}
            self.results.append({**result, "auto": auto})  # a stand-in's turn says so
            events.append(Event("excalibur_result", {"target": target, "success": was}, player_id))
        self.excalibur.update(target=target, used=True)
        use = {"quest": self.quest, "holder": player_id, "target": target, "auto": auto}
        self.excalibur_uses.append(use)
        self.version += 1
        public = {"holder": player_id, "target": target, "auto": auto}
        return [Event("excalibur_used", public), *events, *super()._cards_in()]

    def excalibur_targets(self) -> list[int | None]:
        """Whom Excalibur's holder may name: another team member, or nobody (None)."""
        holder = self.excalibur["holder"] if self.excalibur else None
        return [None, *(pid for pid in (self.team or []) if pid != holder)]

    def _cards_in(self) -> list[Event]:
        """Every card is in: Excalibur's holder may use it, then the Witch, then the result."""
        if self.option("excalibur") and self.excalibur and not self.excalibur["used"]:
            self.phase = "excalibur"
            return []
        return super()._cards_in()

    def _resolve_quest(self, hidden: bool) -> list[Event]:
        """The quest is decided: its cards are forgotten (who played a Fail is never kept)."""
        self.quest_cards = {}
        return super()._resolve_quest(hidden)
