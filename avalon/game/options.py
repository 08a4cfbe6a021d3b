"""The game's fixed numbers, its roles, the options a room chooses, and the rules' errors.

Pure Python like the rest of `avalon.game`: the state machine (`rules.Game`) and the
state it moves (`state.GameState`) build on these.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from typing import Any
from typing import TypeGuard

from avalon.game.roles import ASSASSIN_ROLES
from avalon.game.roles import EVIL_ROLES
from avalon.game.roles import FILLER_ROLES
from avalon.game.roles import GOOD_ROLES
from avalon.game.roles import LANCELOTS
from avalon.game.roles import MERLIN_ROLES
from avalon.game.roles import PAIRS
from avalon.game.roles import ROLE_ORDER
from avalon.game.roles import ROLES
from avalon.game.roles import SPECIAL_ROLES

MIN_PLAYERS = 5
MAX_PLAYERS = 10

# The roles and their sets come from the registry (roles.py); the rules read them here.
REQUIRED_ROLES = ("merlin", "assassin")  # the default; merlin_pure, mordred_assassin may stand in

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

PHASES = (
    "team_building",
    "voting",
    "questing",
    "plot",  # the plot cards: given, used at once, or asked for at a timing point
    "excalibur",  # Excalibur's holder may turn over another team member's card
    "witch",  # the Witch may hide the quest's result; then a random player checks someone
    "ref",  # the Ref of the Rain, after a failed quest
    "lady",
    "lady_announce",  # the Lady's last user claims what the check showed
    "sire",  # the Sire of the Sea
    "assassination",
    "game_over",
)
WINNERS = ("good", "evil")
# "three_quests" is listed by the protocol but never produced: three successful quests
# always give the Assassin a shot at Merlin, so good then wins with "merlin_survived".
REASONS = (
    "three_quests",
    "three_fails",
    "five_rejections",
    "merlin_assassinated",
    "merlin_survived",
    "lovers_assassinated",  # the Assassin named Tristan and Isolde
    "lovers_survived",
    "guinevere_assassinated",
    "guinevere_survived",
    "cleric_assassinated",  # the Cleric, then the holder of the good role named
    "cleric_survived",
    "abandoned",  # the table voted to end the game: no winner
)
# Client move kind -> the payload keys it carries (all required; see OPTIONAL_KEYS).
MOVES: dict[str, tuple[str, ...]] = {
    "propose_team": ("players",),
    "vote": ("approve",),
    "play_quest": ("success",),
    "assassinate": ("target",),
    "lady_of_the_lake": ("target",),
    "witch_hide": ("hide",),
    "loyalty_check": ("target",),
    "use_excalibur": ("target",),
    "announce_loyalty": ("claim",),
    "sire_of_the_sea": ("target",),
    "ref_of_the_rain": ("target",),
    "give_plot_card": ("card_id", "player"),
    "play_plot_card": ("card_id",),
    "skip_plot_card": ("card_id",),
}
# Keys a move may carry beside its own (the protocol's "?").
OPTIONAL_KEYS: dict[str, tuple[str, ...]] = {
    "propose_team": ("excalibur",),
    "play_plot_card": ("target",),
}
# Lancelot variants (ROLES.md section 2); the first is the default.
LANCELOT_VARIANTS = ("deck", "schedule", "know_each_other", "deck_forced")
# Variants in which a Lancelot must play the card of its current alignment.
FORCED_VARIANTS = frozenset({"schedule", "deck_forced"})
# The Lancelot deck's cards: "deck" turns one at quests 3-5; "schedule" deals 5 of 7 face up.
LANCELOT_DECKS = {"deck": (3, 2), "deck_forced": (3, 2), "schedule": (5, 2)}  # (stay, switch)
LANCELOT_DECK_QUESTS = (3, 4, 5)


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
    """Return "good" or "evil" for a role name: its side at the deal."""
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


@dataclass
class Setup:
    """A checked start_game setup: the special roles in ROLE_ORDER and the options."""

    special: list[str]
    lady: bool
    lancelot_variant: str | None = None  # None: no Lancelots in play
    cleric_assassination: bool = False
    warnings: list[str] = field(default_factory=list)


def check_role_names(roles: object) -> set[str]:
    """Return the special roles named, refusing anything else (invalid_payload)."""
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
    return seen


def check_combination(count: int, seen: set[str]) -> None:
    """Refuse a set of roles that breaks a rule of ROLES.md section 2, saying what to change."""
    merlins = seen & MERLIN_ROLES
    if not merlins:
        raise invalid("roles must include merlin (or merlin_pure)")
    if len(merlins) > 1:
        raise invalid("merlin_pure replaces merlin: keep one of them")
    assassins = seen & ASSASSIN_ROLES
    if not assassins:
        raise invalid("roles must include assassin (or mordred_assassin)")
    if len(assassins) > 1:
        raise invalid("mordred_assassin is the Assassin too: remove assassin")
    if "mordred_assassin" in seen and "mordred" in seen:
        raise invalid("mordred_assassin is Mordred too: remove mordred")
    for pair in PAIRS:
        chosen = [role for role in pair if role in seen]
        if len(chosen) == 1:
            other = pair[1 - pair.index(chosen[0])]
            raise invalid(f"{chosen[0]} comes with {other}: add {other} or remove {chosen[0]}")
    if "guinevere" in seen and not set(LANCELOTS) <= seen:
        raise invalid("guinevere needs the Lancelots: add good_lancelot and evil_lancelot")
    for role in sorted(seen):
        if count not in ROLES[role].counts:
            raise invalid(f"{role} is not played with {count} players")
    evil = EVIL_COUNT[count]
    if len(seen & EVIL_ROLES) > evil:
        raise invalid(f"too many evil roles: {count} players have {evil} evil seats")
    if len(seen & GOOD_ROLES) > count - evil:
        raise invalid(f"too many good roles: {count} players have {count - evil} good seats")


def validate_setup(
    player_count: int,
    roles: object,
    lady_of_the_lake: object = None,
    lancelot_variant: object = None,
    cleric_assassination: object = False,
) -> Setup:
    """Check start_game options; return the setup with every default applied."""
    # The player count is the room's state, not the payload's fault: not_allowed.
    count = check_player_count(player_count)
    seen = check_role_names(roles)
    check_combination(count, seen)
    if lady_of_the_lake is None:
        lady = count >= LADY_DEFAULT_MIN_PLAYERS
    else:
        lady = check_bool(lady_of_the_lake, "lady_of_the_lake")
    variant = None
    if lancelot_variant is not None and lancelot_variant not in LANCELOT_VARIANTS:
        raise invalid(f"lancelot_variant must be one of {', '.join(LANCELOT_VARIANTS)}")
    if set(LANCELOTS) <= seen:
        variant = str(lancelot_variant or LANCELOT_VARIANTS[0])
    cleric = check_bool(cleric_assassination, "cleric_assassination")
    if cleric and "cleric" not in seen:
        raise invalid("cleric_assassination needs the Cleric: add cleric or turn it off")
    special = [role for role in ROLE_ORDER if role in seen]
    return Setup(special, lady, variant, cleric, setup_warnings(special))


# Why a house role could tell what it is (its view reads merlin or morgana): the setup is
# public, and Melron's and Moregano's night must look like Merlin's and Morgana's.
HOUSE_TELLS = {
    ("melron", "merlin_pure"): "melron reads merlin and sees no exact roles, so it can tell it "
    "is melron; use merlin",
    ("moregano", "oberon"): "morgana does not see oberon but moregano sees as many as the whole "
    "evil team but one, so it can tell it is moregano; remove oberon",
    ("moregano", "wraith"): "morgana does not see the wraith but moregano sees as many as the "
    "whole evil team but one, so it can tell it is moregano; remove wraith",
    ("moregano", "evil_lancelot"): "morgana sees evil_lancelot as such but moregano sees no one "
    "so, so it can tell it is moregano; remove the Lancelots",
}


def setup_warnings(special: list[str]) -> list[str]:
    """What a legal setup may want changed (warned, never refused)."""
    warnings = []
    if "morgana" in special and "percival" not in special:
        warnings.append("morgana without percival: nobody takes her for Merlin; add percival")
    if "moregano" in special and "morgana" not in special:
        warnings.append(
            "moregano without morgana: moregano reads morgana, who is not in play, so it can "
            "tell it is moregano; add morgana"
        )
    for (house, other), why in HOUSE_TELLS.items():
        if house in special and other in special:
            warnings.append(f"{house} with {other}: {why}")
    return warnings


def validate_options(
    player_count: int, roles: list[str], lady_of_the_lake: bool | None
) -> tuple[list[str], bool]:
    """Check start_game options; return (special roles, lady flag with default applied)."""
    setup = validate_setup(player_count, roles, lady_of_the_lake)
    return setup.special, setup.lady


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
