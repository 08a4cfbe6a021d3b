"""The game's fixed numbers, its roles, the options a room chooses, and the rules' errors.

Pure Python like the rest of `avalon.game`: the state machine (`rules.Game`) and the
state it moves (`state.GameState`) build on these.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from typing import TypeGuard

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
    "abandoned",  # the table voted to end the game: no winner
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


def invalid(message: str) -> RuleError:
    """Build the error for a malformed setup or payload."""
    return RuleError("invalid_payload", message)


def not_allowed(message: str) -> RuleError:
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


def is_int(value: object) -> TypeGuard[int]:
    """Tell a real integer from anything else, bools included (True is an int in Python)."""
    return isinstance(value, int) and not isinstance(value, bool)


def check_bool(value: object, name: str) -> bool:
    """Return value if it is a real bool, else raise invalid_payload."""
    if not isinstance(value, bool):
        raise invalid(f"{name} must be true or false")
    return value


def check_id(value: object, name: str) -> int:
    """Return value if it is a real integer id, else raise invalid_payload."""
    if not is_int(value):
        raise invalid(f"{name} must be a player id")
    return value


def check_ids(value: object, name: str) -> list[int]:
    """Return value if it is a list of distinct integer ids, else raise invalid_payload."""
    if not isinstance(value, list) or not all(is_int(item) for item in value):
        raise invalid(f"{name} must be a list of player ids")
    if len(set(value)) != len(value):
        raise invalid(f"{name} must not repeat a player")
    return list(value)


def check_player_count(player_count: object) -> int:
    """Return the player count if a game can start with it, else raise not_allowed."""
    if not is_int(player_count) or not MIN_PLAYERS <= player_count <= MAX_PLAYERS:
        raise not_allowed(f"a game needs {MIN_PLAYERS} to {MAX_PLAYERS} players")
    return player_count


def validate_options(
    player_count: int, roles: list[str], lady_of_the_lake: bool | None
) -> tuple[list[str], bool]:
    """Check start_game options; return (special roles, lady flag with default applied)."""
    # The player count is the room's state, not the payload's fault: not_allowed.
    count = check_player_count(player_count)
    if not isinstance(roles, list):
        raise invalid("roles must be a list of role names")
    seen: set[str] = set()
    for role in roles:
        if not isinstance(role, str):
            raise invalid("roles must be a list of role names")
        if role in FILLER_ROLES:
            # Rejected rather than ignored so a client never believes it chose them.
            raise invalid(f"{role} is not a special role: servants and minions fill the rest")
        if role not in SPECIAL_ROLES:
            raise invalid(f"unknown role: {role}")
        if role in seen:
            raise invalid(f"role listed twice: {role}")
        seen.add(role)
    for role in REQUIRED_ROLES:
        if role not in seen:
            raise invalid(f"roles must include {role}")
    evil = EVIL_COUNT[count]
    if len(seen & EVIL_ROLES) > evil:
        raise invalid(f"too many evil roles: {count} players have {evil} evil seats")
    if len(seen & GOOD_ROLES) > count - evil:
        raise invalid(f"too many good roles: {count} players have {count - evil} good seats")
    if lady_of_the_lake is None:
        lady = count >= LADY_DEFAULT_MIN_PLAYERS
    else:
        lady = check_bool(lady_of_the_lake, "lady_of_the_lake")
    return [role for role in ROLE_ORDER if role in seen], lady


def roles_for(player_count: int, special: list[str]) -> list[str]:
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
