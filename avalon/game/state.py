"""One game's state and what can be asked of it.

Every attribute is JSON-native so that a game stores and restores exactly. The moves
that change it are in `rules.Game` (and `powers.py`); views are built in `viewing.py`.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from dataclasses import field
from dataclasses import fields
from typing import Any
from typing import Self

from avalon.game import night
from avalon.game.options import FORCED_VARIANTS
from avalon.game.options import ROLE_ORDER
from avalon.game.options import TEAM_SIZES
from avalon.game.options import alignment
from avalon.game.options import fails_required
from avalon.game.roles import ASSASSIN_ROLES
from avalon.game.roles import ROLES
from avalon.game.roles import card_choices
from avalon.game.roles import shown_loyalty
from avalon.game.variants import PHASE_TIMERS
from avalon.game.variants import PLOT_STEP_TIMERS

# Fields added after games were first stored: a stored game may lack them.
ADDED_FIELDS = frozenset(
    {
        "auto_proposal",
        "auto_ballots",
        "auto_played",
        "assassination_auto",
        # Issue #27's roles: a game stored before them has none of these.
        "draws",
        "lancelot",
        "cleric_assassination",
        "results",
        "revealed",
        "witch",
        "hidden_quests",
        "assassination_named",
        # Issue #28's cards and table options.
        "variants",
        "quest_cards",
        "excalibur",
        "excalibur_uses",
        "announcements",
        "sire",
        "ref",
        "plot",
    }
)


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
    # Random draws made at the deal: false night sightings (by role), the Witch's checker.
    draws: dict[str, list[int]] = field(default_factory=dict)
    # The Lancelots: {"variant", "deck" (secret: cards not face up), "revealed" (face up,
    # in order), "applied" (how many have taken effect), "switches"}; None without them.
    lancelot: dict[str, Any] | None = None
    cleric_assassination: bool = False
    # Private results, each {"to": player id, "kind", ...}: only their owner sees them.
    results: list[dict[str, Any]] = field(default_factory=list)
    revealed: dict[str, str] = field(default_factory=dict)  # public: player id -> role
    # The Witch: {"used", "checker" (awaited for the check after a hide, else None), and
    # once she hid a quest "auto" (the hide was a stand-in's: for the record only)}.
    witch: dict[str, Any] | None = None
    hidden_quests: list[int] = field(default_factory=list)  # public: results shown at the end
    # The assassination beyond one target: {"as", "targets", "role"?, "hits"}.
    assassination_named: dict[str, Any] | None = None
    # The cards and table options (variants.FLAGS and "lady"); {} in older games.
    variants: dict[str, Any] = field(default_factory=dict)
    # Secret: each card of the quest in play, kept only while Excalibur or a plot card may
    # need one (player id -> Success); cleared when the quest is decided.
    quest_cards: dict[str, bool] = field(default_factory=dict)
    # Excalibur on the proposal or quest at hand: {"holder", "target", "used"}.
    excalibur: dict[str, Any] | None = None
    excalibur_uses: list[dict[str, Any]] = field(default_factory=list)  # public, by quest
    announcements: list[dict[str, Any]] = field(default_factory=list)  # the Lady's claims
    # The Sire of the Sea and the Ref of the Rain: {"holder", "ineligible", "checks"}.
    sire: dict[str, Any] | None = None
    ref: dict[str, Any] | None = None
    # The plot cards: {"deck" (secret order), "held", "used", "queue" (steps awaited),
    # "then" (where the game goes once the queue is empty), "spotlight", "looked"}.
    plot: dict[str, Any] | None = None

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
        """Return a seat's current alignment (secret): its side, unless a Lancelot switched."""
        role = self.role_of(player_id)
        side = alignment(role)
        if ROLES[role].lancelot and self.lancelot and self.lancelot["switches"] % 2:
            return "good" if side == "evil" else "evil"
        return side

    def shown_loyalty(self, player_id: int) -> str:
        """Return what a loyalty check of this seat shows (Trickster good, Troublemaker evil)."""
        return shown_loyalty(self.role_of(player_id), self.alignment_of(player_id))

    def card_choices(self, player_id: int) -> list[bool]:
        """Return the quest cards (True: Success) this seat may play on the current quest."""
        forced = self.lancelot is not None and self.lancelot["variant"] in FORCED_VARIANTS
        role, now = self.role_of(player_id), self.alignment_of(player_id)
        return card_choices(role, now, self.quest, forced)

    def option(self, name: str) -> bool:
        """Tell whether a card or table option (variants.FLAGS) is on."""
        return bool(self.variants.get(name, False))

    def lady_kind(self) -> str | None:
        """Return the Lady in play: "lake", "sea" or None (older games: the Lake or none)."""
        if not self.lady_of_the_lake:
            return None
        return str(self.variants.get("lady") or "lake")

    def timer_key(self) -> str | None:
        """Return the `turn_timers` key of the turn at hand (None: the game is over)."""
        if self.phase == "plot" and self.plot and self.plot["queue"]:
            return PLOT_STEP_TIMERS[self.plot["queue"][0]["step"]]
        return PHASE_TIMERS.get(self.phase)

    def opinion_makers(self) -> list[int]:
        """Return the seats holding an Opinion Maker, in seat order."""
        if self.plot is None:
            return []
        held = self.plot["held"]
        return [
            pid
            for pid in self.players
            if any(card["card"] == "opinion_maker" for card in held.get(str(pid), []))
        ]

    def has_role(self, role: str) -> bool:
        """Tell whether a role is in play."""
        return role in self.roles

    def holder(self, role: str) -> int:
        """Return the seat holding a role in play."""
        return self.players[self.roles.index(role)]

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
        """Return the player id of the assassinating role (Assassin or MordredAssassin)."""
        return next(p for p, r in zip(self.players, self.roles, strict=True) if r in ASSASSIN_ROLES)

    def sees(self, player_id: int) -> list[dict[str, Any]]:
        """Return what a player learned at night, sorted by player id."""
        variant = self.lancelot["variant"] if self.lancelot else None
        return night.sees(self.players, self.roles, self.draws, variant, player_id)

    def awaited(self) -> list[int]:
        """Return the players whose move the game is waiting for now, in seat order."""
        if self.phase == "team_building":
            return [self.leader]
        if self.phase == "voting":
            waiting = [pid for pid in self.players if str(pid) not in self.ballots]
            first = [pid for pid in self.opinion_makers() if pid in waiting]
            return first or waiting  # an Opinion Maker votes first, openly
        if self.phase == "questing":
            team = self.team or []
            return [pid for pid in self.players if pid in team and pid not in self.played]
        if self.phase == "witch":
            assert self.witch is not None
            checker = self.witch["checker"]
            return [checker if checker is not None else self.holder("witch")]
        if self.phase == "lady":
            assert self.lady_holder is not None
            return [self.lady_holder]
        if self.phase == "lady_announce":
            return [self.lady_checks[-1]["holder"]]
        if self.phase in ("sire", "ref"):
            chain = self.sire if self.phase == "sire" else self.ref
            assert chain is not None
            return [chain["holder"]]
        if self.phase == "excalibur":
            assert self.excalibur is not None
            return [self.excalibur["holder"]]
        if self.phase == "plot":
            assert self.plot is not None
            return [self.plot["queue"][0]["player"]]
        if self.phase == "assassination":
            return [self.assassin()]
        return []

    def waiting_on(self) -> list[int]:
        """Return the seats the table may be told the game waits on (for stand-ins): the
        awaited ones, but every seat while the Witch decides, since hers alone would name her."""
        if self.phase == "witch" and self.witch is not None and self.witch["checker"] is None:
            return list(self.players)
        return self.awaited()

    def assassin_targets(self) -> list[int]:
        """Return whom the Assassin may name: anyone but a seat it saw as evil at the deal
        that is still evil now (Oberon may be named, and a Lancelot who switched)."""
        assassin = self.assassin()
        seen = {entry["player_id"] for entry in self.sees(assassin)}
        known = {pid for pid in seen if self.alignment_of(pid) == "evil"}
        return [pid for pid in self.players if pid != assassin and pid not in known]

    def lady_targets(self) -> list[int]:
        """Return the players the Lady may examine: everyone who has never held her."""
        return [pid for pid in self.players if pid not in self.lady_ineligible]

    def roles_by_id(self) -> dict[str, str]:
        """Return every role keyed by the player id as a string (JSON object keys)."""
        return {str(pid): role for pid, role in zip(self.players, self.roles, strict=True)}

    def assassination(self) -> dict[str, Any] | None:
        """Return who the Assassin named, once it happened (None for other endings)."""
        if self.assassin_target is None:
            return None
        named: dict[str, Any] = {"assassin": self.assassin(), "target": self.assassin_target}
        if self.assassination_named is not None:
            named.update(copy.deepcopy(self.assassination_named))
        return {**named, "auto": self.assassination_auto}
