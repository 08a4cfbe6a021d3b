"""The assassination: Merlin, the lovers, Guinevere, or the Cleric and then a good role.

Shapes of `assassinate` (PROTOCOL section 8): `{"target"}` names Merlin (or Merlin Pure);
`{"targets": [a, b]}` names Tristan and Isolde; `{"target", "as": "guinevere"}`;
`{"target", "as": "cleric"}` and, after a hit, `{"target", "as": "cleric_role", "role"}`.
"""

from __future__ import annotations

from typing import Any

from avalon.game.options import Event
from avalon.game.options import check_id
from avalon.game.options import check_ids
from avalon.game.options import invalid
from avalon.game.options import not_allowed
from avalon.game.plot import PlotCards
from avalon.game.roles import LOVERS
from avalon.game.roles import ROLE_ORDER
from avalon.game.roles import ROLES

SHAPES = (
    'assassinate takes {"target"}, {"targets": [a, b]}, {"target", "as": "guinevere" | '
    '"cleric"} or, after a hit on the Cleric, {"target", "as": "cleric_role", "role"}'
)
AS_VALUES = ("guinevere", "cleric", "cleric_role")


def parse(payload: dict[str, Any]) -> tuple[str, list[int], str | None]:
    """Check an assassinate payload's shape and types; return (as, targets, role)."""
    keys = set(payload)
    if keys == {"target"}:
        return "merlin", [check_id(payload["target"], "target")], None
    if keys == {"targets"}:
        targets = check_ids(payload["targets"], "targets")
        if len(targets) != len(LOVERS):
            raise invalid("targets names exactly two players: the lovers")
        return "lovers", targets, None
    if keys not in ({"target", "as"}, {"target", "as", "role"}):
        raise invalid(SHAPES)
    named_as = payload["as"]
    if named_as not in AS_VALUES or (named_as == "cleric_role") != ("role" in keys):
        raise invalid(SHAPES)
    role = payload.get("role")
    if role is not None and (not isinstance(role, str) or role not in ROLES):
        raise invalid("role must be a role name")
    return str(named_as), [check_id(payload["target"], "target")], role


class Assassination(PlotCards):
    """The Assassin's moves, on top of the quest flow."""

    def assassinate(self, player_id: int, target: int, auto: bool = False) -> list[Event]:
        """Let the Assassin name Merlin's suspect and end the game."""
        return self.name_targets(player_id, "merlin", [check_id(target, "target")], None, auto)

    def name_targets(
        self, player_id: int, named_as: str, targets: list[int], role: str | None, auto: bool
    ) -> list[Event]:
        """Let the Assassin name one or two players as a role; end the game (or go on to
        the second step after a hit on the Cleric)."""
        self._expect("assassination", player_id, "assassinate")
        if player_id != self.assassin():
            raise not_allowed("only the Assassin names a target")
        if any(target not in self.players for target in targets):
            raise invalid("target must be a player of this game")
        if player_id in targets:
            raise not_allowed("the Assassin may not name themself")
        pending = self.cleric_pending()
        if pending != (named_as == "cleric_role"):
            if pending:
                raise not_allowed("the Cleric was found: now name a good role and its holder")
            raise not_allowed("name the Cleric first")
        self._check_shape_in_play(named_as, role)
        legal = self.assassin_targets()
        if any(target not in legal for target in targets):
            # Said without naming a role: the Assassin already sees who its teammates are.
            raise not_allowed("the Assassin may not name a player it knows to be evil")
        self.assassin_target = self.assassin_target if pending else targets[0]
        self.assassination_auto = auto
        self.version += 1
        return self._judge(named_as, targets, role)

    def cleric_pending(self) -> bool:
        """Tell whether the Assassin found the Cleric and must now name a good role."""
        named = self.assassination_named
        if named is None or self.phase != "assassination":
            return False
        return bool(named["as"] == "cleric" and named["hit"])

    def cleric_role_choices(self) -> list[str]:
        """The good roles in play the Assassin may name after finding the Cleric."""
        good = [r for r in ROLE_ORDER if r in self.roles and ROLES[r].side == "good"]
        return [r for r in good if r not in ("cleric", "good_lancelot")]

    def _check_shape_in_play(self, named_as: str, role: str | None) -> None:
        """Refuse a way of naming whose role is not in play (or an option that is off)."""
        if named_as == "lovers" and not self.has_role(LOVERS[0]):
            raise not_allowed("there are no lovers in this game: name one target")
        if named_as == "guinevere" and not self.has_role("guinevere"):
            raise not_allowed("Guinevere is not in this game")
        if named_as == "cleric" and not self.cleric_assassination:
            raise not_allowed("this game does not let the Assassin name the Cleric")
        if named_as == "cleric_role" and role not in self.cleric_role_choices():
            choices = ", ".join(self.cleric_role_choices())
            raise not_allowed(f"role must be a good role in play other than the Cleric: {choices}")

    def _judge(self, named_as: str, targets: list[int], role: str | None) -> list[Event]:
        """Decide the game on what the Assassin named."""
        held = [self.role_of(target) for target in targets]
        if named_as == "merlin":
            hit = ROLES[held[0]].assassinated_as == "merlin"
            return self._finish(
                *(("evil", "merlin_assassinated") if hit else ("good", "merlin_survived"))
            )
        if named_as == "lovers":
            hit = sorted(held) == sorted(LOVERS)
        elif named_as == "guinevere":
            hit = held == ["guinevere"]
        elif named_as == "cleric":
            hit = held == ["cleric"]
            self.assassination_named = {"as": "cleric", "targets": list(targets), "hit": hit}
            if hit:
                return [Event("cleric_named", {"target": targets[0]})]
            return self._finish("good", "cleric_survived")
        else:
            assert self.assassination_named is not None
            hit = held == [role]
            first = self.assassination_named["targets"]
            self.assassination_named = {
                "as": "cleric",
                "targets": [*first, *targets],
                "role": role,
                "hit": hit,
            }
            return self._finish(
                *(("evil", "cleric_assassinated") if hit else ("good", "cleric_survived"))
            )
        self.assassination_named = {"as": named_as, "targets": list(targets), "hit": hit}
        outcome = ("evil", f"{named_as}_assassinated") if hit else ("good", f"{named_as}_survived")
        return self._finish(*outcome)
