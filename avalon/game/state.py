"""One game's state, what can be asked of it, and what each player may see of it.

Every attribute is JSON-native so that a game stores and restores exactly. The moves
that change it are in `rules.Game`; views are built here, on the server, per player.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from dataclasses import field
from dataclasses import fields
from typing import Any
from typing import Self

from avalon.game.options import EVIL_ROLES
from avalon.game.options import ROLE_ORDER
from avalon.game.options import TEAM_SIZES
from avalon.game.options import alignment
from avalon.game.options import fails_required
from avalon.game.options import not_allowed

# Fields added after games were first stored: a stored game may lack them.
ADDED_FIELDS = frozenset({"auto_proposal", "auto_ballots", "auto_played", "assassination_auto"})


@dataclass
class GameState:
    """The whole state of one game; every attribute is JSON-native so it stores exactly."""

    players: list[int]  # ids in seat order
    roles: list[str]  # secret: roles[i] belongs to players[i]
    lady_of_the_lake: bool
    leader: int  # player id of the current leader
    game_id: int | None = None  # database ids, set by the caller
    number: int | None = None
    version: int = 1
    phase: str = "team_building"
    quest: int = 1  # 1-based; stays on the deciding quest once the game is decided
    proposal: int = 1  # vote-track position for this quest, 1..5
    team: list[int] | None = None
    ballots: dict[str, bool] = field(default_factory=dict)  # secret until everyone voted
    votes: dict[str, bool] | None = None  # last completed vote, public
    quest_results: list[dict[str, Any]] = field(default_factory=list)
    played: list[int] = field(default_factory=list)  # who played this quest, in order
    fails: int = 0  # secret until the quest ends; who played a fail is never stored
    lady_holder: int | None = None
    lady_ineligible: list[int] = field(default_factory=list)
    lady_checks: list[dict[str, Any]] = field(default_factory=list)  # holder, target, alignment
    proposals: list[dict[str, Any]] = field(default_factory=list)  # history for record()
    assassin_target: int | None = None
    winner: str | None = None
    reason: str | None = None
    # Moves not made by the person (the turn timer or a stand-in), so nobody reads them
    # as evidence: the proposal in progress, its votes, this quest's cards.
    auto_proposal: bool = False
    auto_ballots: list[int] = field(default_factory=list)
    auto_played: list[int] = field(default_factory=list)
    assassination_auto: bool = False

    # -- storage -------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """Return the full state, secrets included, as a JSON-safe dict for storage."""
        return copy.deepcopy({f.name: getattr(self, f.name) for f in fields(self)})

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Self:
        """Rebuild a game from to_dict() output (as read back from JSON).

        A game stored by an earlier release lacks the fields added since, which take
        their defaults; any other difference is refused.
        """
        names = {f.name for f in fields(cls)}
        unknown = set(data) - names
        missing = {name for name in names - set(data) if name not in ADDED_FIELDS}
        if unknown or missing:
            raise ValueError(f"not a stored game: keys differ by {sorted(unknown | missing)}")
        return cls(**copy.deepcopy(data))

    # -- questions about the state -------------------------------------------------

    def role_of(self, player_id: int) -> str:
        """Return a seated player's role (secret: never send it before game over)."""
        return self.roles[self.players.index(player_id)]

    def alignment_of(self, player_id: int) -> str:
        """Return a seated player's alignment (secret: never send it before game over)."""
        return alignment(self.role_of(player_id))

    def roles_in_play(self) -> list[str]:
        """Return every role of this game in ROLE_ORDER, never in seat order."""
        return sorted(self.roles, key=ROLE_ORDER.index)

    def team_sizes(self) -> list[int]:
        """Return the team size of each quest."""
        return list(TEAM_SIZES[len(self.players)])

    def fails_required(self) -> list[int]:
        """Return the fail cards needed to fail each quest."""
        return fails_required(len(self.players))

    def assassin(self) -> int:
        """Return the Assassin's player id."""
        return self.players[self.roles.index("assassin")]

    def sees(self, player_id: int) -> list[dict[str, Any]]:
        """Return what a player learned at night, sorted by player id."""
        role = self.role_of(player_id)
        seen: list[dict[str, Any]] = []
        for other, other_role in sorted(zip(self.players, self.roles, strict=True)):
            if other == player_id:
                continue
            if role == "merlin":
                # Mordred hides from Merlin; Oberon does not.
                visible = other_role in EVIL_ROLES and other_role != "mordred"
                tag = "evil"
            elif role == "percival":
                visible = other_role in ("merlin", "morgana")
                tag = "merlin_or_morgana"
            elif role in EVIL_ROLES and role != "oberon":
                # Oberon neither sees the other evil players nor is seen by them.
                visible = other_role in EVIL_ROLES and other_role != "oberon"
                tag = "evil"
            else:
                visible = False
                tag = ""
            if visible:
                seen.append({"player_id": other, "as": tag})
        return seen

    def awaited(self) -> list[int]:
        """Return the players whose move the game is waiting for now, in seat order."""
        if self.phase == "team_building":
            return [self.leader]
        if self.phase == "voting":
            return [pid for pid in self.players if str(pid) not in self.ballots]
        if self.phase == "questing":
            team = self.team or []
            return [pid for pid in self.players if pid in team and pid not in self.played]
        if self.phase == "lady":
            assert self.lady_holder is not None
            return [self.lady_holder]
        if self.phase == "assassination":
            return [self.assassin()]
        return []

    def assassin_targets(self) -> list[int]:
        """Return whom the Assassin may name: anyone it does not see as evil (Oberon too)."""
        assassin = self.assassin()
        seen = {entry["player_id"] for entry in self.sees(assassin)}
        return [pid for pid in self.players if pid != assassin and pid not in seen]

    def lady_targets(self) -> list[int]:
        """Return the players the Lady may examine: everyone who has never held her."""
        return [pid for pid in self.players if pid not in self.lady_ineligible]

    def roles_by_id(self) -> dict[str, str]:
        """Return every role keyed by the player id as a string (JSON object keys)."""
        return {str(pid): role for pid, role in zip(self.players, self.roles, strict=True)}

    # -- what clients see ----------------------------------------------------------

    def view(self, player_id: int | None) -> dict[str, Any]:
        """Return the game as one player (or a spectator, None) may see it."""
        over = self.phase == "game_over"
        you = None
        lady_results: list[dict[str, Any]] = []
        if player_id is not None and player_id in self.players:
            role = self.role_of(player_id)
            you = {
                "player_id": player_id,
                "role": role,
                "alignment": alignment(role),
                "sees": self.sees(player_id),
            }
            lady_results = [
                {"target": check["target"], "alignment": check["alignment"]}
                for check in self.lady_checks
                if check["holder"] == player_id
            ]
        lady = None
        if self.lady_of_the_lake:
            lady = {
                "holder": self.lady_holder,
                "ineligible": list(self.lady_ineligible),
                "checks": [
                    {
                        "holder": check["holder"],
                        "target": check["target"],
                        "auto": check.get("auto", False),
                    }
                    for check in self.lady_checks
                ],
            }
        view: dict[str, Any] = {
            "game_id": self.game_id,
            "number": self.number,
            "version": self.version,
            "phase": self.phase,
            "players": list(self.players),
            "roles_in_play": self.roles_in_play(),
            "quest": self.quest,
            "team_sizes": self.team_sizes(),
            "fails_required": self.fails_required(),
            "leader": self.leader,
            "proposal": self.proposal,
            "team": list(self.team) if self.team is not None else None,
            # The proposal on the table was made by the timer or a stand-in.
            "auto_proposal": self.auto_proposal if self.team is not None else False,
            "voted": [pid for pid in self.players if str(pid) in self.ballots],
            "auto_voted": list(self.auto_ballots),  # ballots so far cast for their seat
            "votes": dict(self.votes) if self.votes is not None else None,
            "quest_results": copy.deepcopy(self.quest_results),
            # Completed proposals only: a vote in progress is in `voted`, never here.
            "history": copy.deepcopy(self.proposals),
            "played": list(self.played),
            "lady": lady,
            "you": you,
            "lady_results": lady_results,
            "winner": self.winner,
            "reason": self.reason,
        }
        if over:
            # These keys appear in no message before the game is over.
            view["roles"] = self.roles_by_id()
            view["assassination"] = self.assassination()
        return view

    def assassination(self) -> dict[str, Any] | None:
        """Return who the Assassin named, once it happened (None for other endings)."""
        if self.assassin_target is None:
            return None
        named = {"assassin": self.assassin(), "target": self.assassin_target}
        return {**named, "auto": self.assassination_auto}

    def record(self) -> dict[str, Any]:
        """Return the full public record of a finished game."""
        if self.phase != "game_over":
            raise not_allowed("the record is public only once the game is over")
        return {
            "game_id": self.game_id,
            "number": self.number,
            "players": list(self.players),
            "roles": self.roles_by_id(),
            "roles_in_play": self.roles_in_play(),
            "lady_of_the_lake": self.lady_of_the_lake,
            "proposals": copy.deepcopy(self.proposals),
            "quest_results": copy.deepcopy(self.quest_results),
            "lady_checks": copy.deepcopy(self.lady_checks),
            "assassin": self.assassin(),
            "assassin_target": self.assassin_target,
            "assassination_auto": self.assassination_auto,  # named by the timer or a stand-in
            "winner": self.winner,
            "reason": self.reason,
        }
