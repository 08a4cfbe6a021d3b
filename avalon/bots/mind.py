"""What a strong bot holds in mind for one decision: its view, its beliefs, and the
beliefs of a loyal servant in its seat (the table's reasoning, which evil bots and Merlin
follow so that their choices look like anyone's), and the team choices both imply."""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import cached_property
from itertools import combinations
from typing import Any

from avalon.bots.beliefs import Beliefs
from avalon.bots.beliefs import beliefs
from avalon.bots.evidence import public_items
from avalon.game.roles import MERLIN_ROLES

SURE = 0.99  # a seat this likely evil is taken as known evil


@dataclass
class Mind:
    """One seat's view and what it makes of it."""

    view: dict[str, Any]
    rng: random.Random

    @property
    def me(self) -> int:
        """The viewer's player id."""
        return int(self.view["you"]["player_id"])

    @property
    def evil(self) -> bool:
        """Tell whether the viewer is evil now (as far as it knows)."""
        return bool(self.view["you"]["alignment"] == "evil")

    @property
    def merlin(self) -> bool:
        """Tell whether the viewer knows evil seats it must not show it knows."""
        return not self.evil and self.view["you"]["role"] in MERLIN_ROLES

    @property
    def hides(self) -> bool:
        """Tell whether this seat reasons as the table does rather than from what it knows."""
        return self.evil or self.merlin

    @cached_property
    def public(self) -> tuple[Any, ...]:
        """The view's public evidence items."""
        return public_items(self.view)

    @cached_property
    def own(self) -> Beliefs:
        """What the viewer believes from everything it knows."""
        return beliefs(self.view, public=self.public)

    @cached_property
    def table(self) -> Beliefs:
        """What a loyal servant in this seat would believe."""
        return beliefs(self.view, pretend=True, public=self.public)

    @cached_property
    def mates(self) -> set[int]:
        """The seats the viewer takes as evil for sure (its teammates if it is evil)."""
        known = {pid for pid, p in self.own.marginals().items() if p > SURE}
        return known | ({self.me} if self.evil else set())

    @property
    def quest(self) -> int:
        """The quest at hand."""
        return int(self.view["quest"])

    @property
    def need(self) -> int:
        """The Fails that fail the quest at hand."""
        return int(self.view["fails_required"][self.quest - 1])

    @property
    def size(self) -> int:
        """The team size of the quest at hand."""
        return int(self.view["team_sizes"][self.quest - 1])

    def score(self) -> tuple[int, int]:
        """The quests won so far: (good, evil), a hidden one counting for neither."""
        results = [r["success"] for r in self.view["quest_results"]]
        return results.count(True), results.count(False)

    def guide(self) -> Beliefs:
        """The beliefs this seat acts on in public: its own if good, else the table's."""
        return self.table if self.hides else self.own

    def mask(self, pids: Any) -> int:
        """The bit mask of some players."""
        return self.own.mask(pids)

    def teams(self, size: int) -> list[int]:
        """Every team of this size with the viewer on it (bit masks)."""
        players = self.view["players"]
        others = [1 << seat for seat, pid in enumerate(players) if pid != self.me]
        mine = 1 << players.index(self.me)
        return [mine | sum(combo) for combo in combinations(others, size - 1)]

    def best_team(self, belief: Beliefs, size: int, need: int) -> float:
        """The chance of success of the team this belief would pick (greedy: the viewer
        and the least suspected others), the yardstick a proposal is judged by."""
        marginals = belief.marginals()
        others = sorted(
            (p for p in self.view["players"] if p != self.me), key=marginals.__getitem__
        )
        return belief.success(self.mask([self.me, *others[: size - 1]]), need)

    def members(self, team: int) -> list[int]:
        """The player ids of a team mask."""
        return [pid for seat, pid in enumerate(self.view["players"]) if team >> seat & 1]

    def pick(self, options: list[Any], key: Any) -> Any:
        """The option with the highest key, ties broken at random."""
        top = max(key(option) for option in options)
        return self.rng.choice([o for o in options if key(o) >= top - 1e-9])
