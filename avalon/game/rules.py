"""The rules of The Resistance: Avalon as a pure state machine: no Flask, sockets or I/O.

A `Game` holds the whole state as JSON-native attributes so that it can be stored and
restored exactly (`to_dict` / `from_dict`). Each move either raises `RuleError` and
changes nothing, or changes the state, bumps `version` and returns the `Event`s to send.
Clients only ever receive events and `Game.view(player_id)`, never the state itself.
"""

from __future__ import annotations

import copy
import random
from dataclasses import dataclass
from dataclasses import field
from dataclasses import fields
from typing import Any

MIN_PLAYERS = 5
MAX_PLAYERS = 10

# Fixed order for roles_in_play: listing roles by seat would tell everyone who is what.
ROLE_ORDER = [
    "merlin",
    "percival",
    "loyal_servant",
    "assassin",
    "morgana",
    "mordred",
    "oberon",
    "minion",
]
GOOD_ROLES = frozenset({"merlin", "percival", "loyal_servant"})
EVIL_ROLES = frozenset({"assassin", "morgana", "mordred", "oberon", "minion"})
# Servants and minions are not chosen: they fill the seats the special roles leave.
FILLER_ROLES = frozenset({"loyal_servant", "minion"})
SPECIAL_ROLES = frozenset(ROLE_ORDER) - FILLER_ROLES
REQUIRED_ROLES = ("merlin", "assassin")

# Players -> team size for each of the five quests.
TEAM_SIZES: dict[int, list[int]] = {
    5: [2, 3, 2, 3, 3],
    6: [2, 3, 4, 3, 4],
    7: [2, 3, 3, 4, 4],
    8: [3, 4, 4, 5, 5],
    9: [3, 4, 4, 5, 5],
    10: [3, 4, 4, 5, 5],
}
# Players -> evil seats; the rest are good.
EVIL_COUNT: dict[int, int] = {5: 2, 6: 2, 7: 3, 8: 3, 9: 3, 10: 4}

QUESTS = 5
QUESTS_TO_DECIDE = 3  # three successes (then the Assassin) or three failures end the game
MAX_PROPOSALS = 5  # the fifth rejected team in a row for one quest hands evil the game
# Quest 4 needs two fail cards once there are this many players.
TWO_FAILS_MIN_PLAYERS = 7
TWO_FAILS_QUEST = 4
# The Lady of the Lake is on by default from this many players, off below.
LADY_DEFAULT_MIN_PLAYERS = 7
# Quests after which the holder uses the Lady, unless the game is already decided.
LADY_QUESTS = (2, 3, 4)

PHASES = ("team_building", "voting", "questing", "lady", "assassination", "game_over")
WINNERS = ("good", "evil")
# "three_quests" is listed by the protocol but never produced: three successful quests
# always give the Assassin a shot at Merlin, so good then wins with "merlin_survived".
REASONS = (
    "three_quests",
    "three_fails",
    "five_rejections",
    "merlin_assassinated",
    "merlin_survived",
)
# Client move kind -> the one payload key it carries.
MOVES = {
    "propose_team": "players",
    "vote": "approve",
    "play_quest": "success",
    "assassinate": "target",
    "lady_of_the_lake": "target",
}


class RuleError(Exception):
    """An illegal setup or move; .code is the protocol error code the client sees."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def _invalid(message: str) -> RuleError:
    """Build the error for a malformed setup or payload."""
    return RuleError("invalid_payload", message)


def _not_allowed(message: str) -> RuleError:
    """Build the error for a well-formed move that is not legal now."""
    return RuleError("not_allowed", message)


@dataclass
class Event:
    """One change to announce: sent to everyone (to=None) or to one player only."""

    name: str
    payload: dict[str, Any]
    to: int | None = None


def alignment(role: str) -> str:
    """Return "good" or "evil" for a role name."""
    return "good" if role in GOOD_ROLES else "evil"


def fails_required(player_count: int) -> list[int]:
    """Return the fail cards needed to fail each quest for this many players."""
    needed = [1] * QUESTS
    if player_count >= TWO_FAILS_MIN_PLAYERS:
        needed[TWO_FAILS_QUEST - 1] = 2
    return needed


def _is_int(value: object) -> bool:
    """Tell a real integer from anything else, bools included (True is an int in Python)."""
    return isinstance(value, int) and not isinstance(value, bool)


def _check_bool(value: object, name: str) -> bool:
    """Return value if it is a real bool, else raise invalid_payload."""
    if not isinstance(value, bool):
        raise _invalid(f"{name} must be true or false")
    return value


def _check_id(value: object, name: str) -> int:
    """Return value if it is a real integer id, else raise invalid_payload."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise _invalid(f"{name} must be a player id")
    return value


def _check_ids(value: object, name: str) -> list[int]:
    """Return value if it is a list of distinct integer ids, else raise invalid_payload."""
    if not isinstance(value, list) or not all(_is_int(item) for item in value):
        raise _invalid(f"{name} must be a list of player ids")
    if len(set(value)) != len(value):
        raise _invalid(f"{name} must not repeat a player")
    return list(value)


def _check_player_count(player_count: object) -> int:
    """Return the player count if a game can start with it, else raise not_allowed."""
    if (
        not isinstance(player_count, int)
        or isinstance(player_count, bool)
        or not MIN_PLAYERS <= player_count <= MAX_PLAYERS
    ):
        raise _not_allowed(f"a game needs {MIN_PLAYERS} to {MAX_PLAYERS} players")
    return player_count


def validate_options(
    player_count: int, roles: list[str], lady_of_the_lake: bool | None
) -> tuple[list[str], bool]:
    """Check start_game options; return (special roles, lady flag with default applied)."""
    # The player count is the room's state, not the payload's fault: not_allowed.
    count = _check_player_count(player_count)
    if not isinstance(roles, list):
        raise _invalid("roles must be a list of role names")
    seen: set[str] = set()
    for role in roles:
        if not isinstance(role, str):
            raise _invalid("roles must be a list of role names")
        if role in FILLER_ROLES:
            # Rejected rather than ignored so a client never believes it chose them.
            raise _invalid(f"{role} is not a special role: servants and minions fill the rest")
        if role not in SPECIAL_ROLES:
            raise _invalid(f"unknown role: {role}")
        if role in seen:
            raise _invalid(f"role listed twice: {role}")
        seen.add(role)
    for role in REQUIRED_ROLES:
        if role not in seen:
            raise _invalid(f"roles must include {role}")
    evil = EVIL_COUNT[count]
    if len(seen & EVIL_ROLES) > evil:
        raise _invalid(f"too many evil roles: {count} players have {evil} evil seats")
    if len(seen & GOOD_ROLES) > count - evil:
        raise _invalid(f"too many good roles: {count} players have {count - evil} good seats")
    if lady_of_the_lake is None:
        lady = count >= LADY_DEFAULT_MIN_PLAYERS
    else:
        lady = _check_bool(lady_of_the_lake, "lady_of_the_lake")
    return [role for role in ROLE_ORDER if role in seen], lady


def _roles_in_play(player_count: int, special: list[str]) -> list[str]:
    """Return every role of the game in ROLE_ORDER, servants and minions filled in."""
    evil = EVIL_COUNT[player_count]
    good_special = [role for role in special if role in GOOD_ROLES]
    evil_special = [role for role in special if role in EVIL_ROLES]
    full = (
        special
        + ["loyal_servant"] * (player_count - evil - len(good_special))
        + ["minion"] * (evil - len(evil_special))
    )
    return sorted(full, key=ROLE_ORDER.index)


@dataclass
class Game:
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

    # -- creation and storage ------------------------------------------------------

    @classmethod
    def new(
        cls,
        player_ids: list[int],
        roles: list[str],
        lady_of_the_lake: bool | None,
        rng: random.Random,
    ) -> tuple[Game, list[Event]]:
        """Seat players in the given order, assign roles at random, pick a random first leader."""
        if not isinstance(player_ids, list) or not all(_is_int(pid) for pid in player_ids):
            raise ValueError("player_ids must be a list of integer ids")
        if len(set(player_ids)) != len(player_ids):
            raise ValueError("player_ids must be distinct")
        special, lady = validate_options(len(player_ids), roles, lady_of_the_lake)
        dealt = _roles_in_play(len(player_ids), special)
        rng.shuffle(dealt)
        leader_seat = rng.randrange(len(player_ids))
        game = cls(
            players=list(player_ids),
            roles=dealt,
            lady_of_the_lake=lady,
            leader=player_ids[leader_seat],
        )
        if lady:
            # The seat before the first leader; index -1 wraps to the last seat.
            game.lady_holder = player_ids[leader_seat - 1]
            game.lady_ineligible = [game.lady_holder]
        started = Event(
            "game_started",
            {
                "players": list(game.players),
                "roles_in_play": game.roles_in_play(),
                "leader": game.leader,
                "lady": game.lady_holder,
            },
        )
        return game, [started]

    def to_dict(self) -> dict[str, Any]:
        """Return the full state, secrets included, as a JSON-safe dict for storage."""
        return copy.deepcopy({f.name: getattr(self, f.name) for f in fields(self)})

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Game:
        """Rebuild a game from to_dict() output (as read back from JSON)."""
        names = {f.name for f in fields(cls)}
        if set(data) != names:
            raise ValueError(f"not a stored game: keys differ by {sorted(set(data) ^ names)}")
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

    # -- moves ---------------------------------------------------------------------

    def apply(self, player_id: int, kind: str, payload: dict[str, Any]) -> list[Event]:
        """Dispatch one client move after checking its payload's shape and types."""
        if kind not in MOVES:
            raise _invalid(f"unknown game action: {kind!r}")
        key = MOVES[kind]
        if not isinstance(payload, dict) or set(payload) != {key}:
            raise _invalid(f"{kind} takes exactly {{{key!r}: ...}}")
        value = payload[key]
        if kind == "propose_team":
            return self.propose_team(player_id, _check_ids(value, key))
        if kind == "vote":
            return self.vote(player_id, _check_bool(value, key))
        if kind == "play_quest":
            return self.play_quest(player_id, _check_bool(value, key))
        if kind == "assassinate":
            return self.assassinate(player_id, _check_id(value, key))
        return self.use_lady(player_id, _check_id(value, key))

    def propose_team(self, player_id: int, team: list[int]) -> list[Event]:
        """Let the leader put a team to the vote."""
        team = _check_ids(team, "players")
        self._expect("team_building", player_id, "propose a team")
        if player_id != self.leader:
            raise _not_allowed("only the leader proposes a team")
        size = self.team_sizes()[self.quest - 1]
        if len(team) != size:
            raise _invalid(f"quest {self.quest} needs a team of {size}")
        if any(pid not in self.players for pid in team):
            raise _invalid("the team may only name players of this game")
        self.team = team
        self.ballots = {}
        self.votes = None
        self.phase = "voting"
        self.version += 1
        payload = {
            "leader": self.leader,
            "team": list(team),
            "quest": self.quest,
            "proposal": self.proposal,
        }
        return [Event("team_proposed", payload)]

    def vote(self, player_id: int, approve: bool) -> list[Event]:
        """Record one player's vote on the proposed team; resolve it after the last vote."""
        approve = _check_bool(approve, "approve")
        self._expect("voting", player_id, "vote")
        if str(player_id) in self.ballots:
            raise _not_allowed("you already voted on this team")
        self.ballots[str(player_id)] = approve
        self.version += 1
        events = [Event("vote_cast", {"player_id": player_id})]
        if len(self.ballots) == len(self.players):
            events += self._resolve_vote()
        return events

    def play_quest(self, player_id: int, success: bool) -> list[Event]:
        """Record one team member's quest card; resolve the quest after the last card."""
        success = _check_bool(success, "success")
        self._expect("questing", player_id, "play a quest card")
        if player_id not in (self.team or []):
            raise _not_allowed("only team members play quest cards")
        if player_id in self.played:
            raise _not_allowed("you already played on this quest")
        if not success and self.alignment_of(player_id) == "good":
            raise _not_allowed("good players can only play success")
        self.played.append(player_id)
        self.fails += not success
        self.version += 1
        if len(self.played) < len(self.team or []):
            # No event: who played is in the next view; what they played stays secret.
            return []
        return self._resolve_quest()

    def use_lady(self, player_id: int, target: int) -> list[Event]:
        """Let the Lady's holder examine a player, then hand her over to them."""
        target = _check_id(target, "target")
        self._expect("lady", player_id, "use the Lady of the Lake")
        if player_id != self.lady_holder:
            raise _not_allowed("only the holder uses the Lady of the Lake")
        if target not in self.players:
            raise _invalid("target must be a player of this game")
        if target in self.lady_ineligible:
            raise _not_allowed("the Lady may only examine a player who never held her")
        seen = self.alignment_of(target)
        self.lady_checks.append({"holder": player_id, "target": target, "alignment": seen})
        self.lady_holder = target
        self.lady_ineligible.append(target)
        self.phase = "team_building"
        self.version += 1
        return [
            Event("lady_used", {"holder": player_id, "target": target}),
            Event("lady_result", {"target": target, "alignment": seen}, to=player_id),
        ]

    def assassinate(self, player_id: int, target: int) -> list[Event]:
        """Let the Assassin name Merlin's suspect and end the game."""
        target = _check_id(target, "target")
        self._expect("assassination", player_id, "assassinate")
        if player_id != self.assassin():
            raise _not_allowed("only the Assassin names a target")
        if target not in self.players:
            raise _invalid("target must be a player of this game")
        if target == player_id:
            raise _not_allowed("the Assassin may not name themself")
        if target not in self.assassin_targets():
            # Said without naming a role: the Assassin already sees who its teammates are.
            raise _not_allowed("the Assassin may not name a player it knows to be evil")
        self.assassin_target = target
        self.version += 1
        if self.role_of(target) == "merlin":
            return self._finish("evil", "merlin_assassinated")
        return self._finish("good", "merlin_survived")

    def random_move(self, player_id: int, rng: random.Random) -> tuple[str, dict[str, Any]]:
        """Return a random legal (kind, payload) for an awaited player (for the turn timer)."""
        if player_id not in self.awaited():
            raise _not_allowed("the game is not waiting for this player")
        if self.phase == "team_building":
            size = self.team_sizes()[self.quest - 1]
            return "propose_team", {"players": rng.sample(self.players, size)}
        if self.phase == "voting":
            return "vote", {"approve": rng.random() < 0.5}
        if self.phase == "questing":
            # A good player has no choice; an evil one might be sabotaging.
            good = self.alignment_of(player_id) == "good"
            return "play_quest", {"success": good or rng.random() < 0.5}
        if self.phase == "lady":
            return "lady_of_the_lake", {"target": rng.choice(self.lady_targets())}
        return "assassinate", {"target": rng.choice(self.assassin_targets())}

    def timeout_move(self, player_id: int, rng: random.Random) -> tuple[str, dict[str, Any]]:
        """Return the move the turn timer makes for an absent player: never a gamble.

        A timed-out vote approves and a timed-out quest card succeeds, so the timer can
        neither reject a fifth team nor sabotage a quest; the choices it must make (a
        team, the Lady's target, the Assassin's target) are random among legal ones.
        """
        if player_id not in self.awaited():
            raise _not_allowed("the game is not waiting for this player")
        if self.phase == "voting":
            return "vote", {"approve": True}
        if self.phase == "questing":
            return "play_quest", {"success": True}
        return self.random_move(player_id, rng)

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
                    {"holder": check["holder"], "target": check["target"]}
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
            "voted": [pid for pid in self.players if str(pid) in self.ballots],
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
            view["roles"] = self._roles_by_id()
            view["assassination"] = self.assassination()
        return view

    def assassination(self) -> dict[str, int] | None:
        """Return who the Assassin named, once it happened (None for other endings)."""
        if self.assassin_target is None:
            return None
        return {"assassin": self.assassin(), "target": self.assassin_target}

    def record(self) -> dict[str, Any]:
        """Return the full public record of a finished game."""
        if self.phase != "game_over":
            raise _not_allowed("the record is public only once the game is over")
        return {
            "game_id": self.game_id,
            "number": self.number,
            "players": list(self.players),
            "roles": self._roles_by_id(),
            "roles_in_play": self.roles_in_play(),
            "lady_of_the_lake": self.lady_of_the_lake,
            "proposals": copy.deepcopy(self.proposals),
            "quest_results": copy.deepcopy(self.quest_results),
            "lady_checks": copy.deepcopy(self.lady_checks),
            "assassin": self.assassin(),
            "assassin_target": self.assassin_target,
            "winner": self.winner,
            "reason": self.reason,
        }

    # -- internals -----------------------------------------------------------------

    def _expect(self, phase: str, player_id: int, action: str) -> None:
        """Raise not_allowed unless a seated player acts in the given phase."""
        if player_id not in self.players:
            raise _not_allowed("only players of this game can play")
        if self.phase != phase:
            raise _not_allowed(f"cannot {action} during {self.phase}")

    def _roles_by_id(self) -> dict[str, str]:
        """Return every role keyed by the player id as a string (JSON object keys)."""
        return {str(pid): role for pid, role in zip(self.players, self.roles, strict=True)}

    def _next_leader(self) -> int:
        """Return the player in the seat after the leader."""
        seat = self.players.index(self.leader)
        return self.players[(seat + 1) % len(self.players)]

    def _resolve_vote(self) -> list[Event]:
        """Publish the completed vote and move on: to the quest, a new proposal, or the end."""
        votes = {str(pid): self.ballots[str(pid)] for pid in self.players}
        # A strict majority of all players: a tie rejects.
        approved = 2 * sum(votes.values()) > len(self.players)
        team = list(self.team or [])
        self.proposals.append(
            {
                "quest": self.quest,
                "proposal": self.proposal,
                "leader": self.leader,
                "team": team,
                "votes": dict(votes),
                "approved": approved,
            }
        )
        result = {
            "approved": approved,
            "votes": votes,
            "quest": self.quest,
            "proposal": self.proposal,
            "leader": self.leader,
            "team": team,
        }
        events = [Event("vote_result", result)]
        self.votes = votes
        self.ballots = {}
        # The leader moves on after every vote, approved or not.
        self.leader = self._next_leader()
        if approved:
            self.phase = "questing"
            self.played = []
            self.fails = 0
        elif self.proposal >= MAX_PROPOSALS:
            events += self._finish("evil", "five_rejections")
        else:
            self.proposal += 1
            self.team = None
            self.phase = "team_building"
        return events

    def _resolve_quest(self) -> list[Event]:
        """Publish the quest's fail count and move on: Lady, next quest, Assassin or the end."""
        result = {
            "quest": self.quest,
            "team": list(self.team or []),
            "fails": self.fails,
            "success": self.fails < self.fails_required()[self.quest - 1],
        }
        self.quest_results.append(result)
        events = [Event("quest_result", dict(result))]
        self.team = None
        self.played = []
        self.fails = 0
        successes = sum(1 for r in self.quest_results if r["success"])
        failures = len(self.quest_results) - successes
        if failures >= QUESTS_TO_DECIDE:
            return events + self._finish("evil", "three_fails")
        if successes >= QUESTS_TO_DECIDE:
            self.phase = "assassination"
            # Empty on purpose: naming the Assassin would reveal a role before game over.
            return events + [Event("assassination_started", {})]
        completed = self.quest
        self.quest += 1
        self.proposal = 1
        if self.lady_of_the_lake and completed in LADY_QUESTS and self.lady_targets():
            self.phase = "lady"
        else:
            self.phase = "team_building"
        return events

    def _finish(self, winner: str, reason: str) -> list[Event]:
        """End the game and reveal every role."""
        self.phase = "game_over"
        self.winner = winner
        self.reason = reason
        self.team = None
        self.played = []
        self.ballots = {}
        payload = {
            "winner": winner,
            "reason": reason,
            "roles": self._roles_by_id(),
            "assassination": self.assassination(),
        }
        return [Event("game_over", payload)]
