"""Every role declared in one place: its side, its night sight, how it shows and plays.

The rules never test a role by name for what a role does: they ask this registry through
four hooks (ROLES.md section 0): the current alignment of a seat (its side, which only
the Lancelots ever change), its night knowledge (a `sight`, frozen at the deal), its
shown loyalty, and its allowed quest cards. Pure data: nothing here imports the rules.
"""

from __future__ import annotations

from dataclasses import dataclass

# Night sights: what a role learns at the deal (night.py draws and applies them).
SIGHTS = (
    "none",
    "merlin",  # the seats Merlin sees, as `evil`
    "merlin_pure",  # the same seats, as their exact roles
    "melron",  # as many random seats as Merlin would see, as `evil`
    "percival",  # Merlin or Merlin Pure, and Morgana, as `merlin_or_morgana`
    "evil",  # the other evil seats evil sees, as `evil` (`evil_lancelot`)
    "lancelot",  # the other Lancelot, only when the variant lets them know each other
    "guinevere",  # both Lancelots, as `lancelot`
    "lover",  # the other lover, as `lover`
    "moregano",  # a fake evil team of random seats, as `evil`
)
# Quest cards: "side" (good: Success; evil: either), "fail" (Fail only), "brute" (either
# on quests 1-3, Success on 4-5), "fake_fail" (either; a Fail counts as a Success).
CARDS = ("side", "fail", "brute", "fake_fail")
# Shown loyalty: what a loyalty check reveals; "alignment" is the seat's current one.
SHOWN = ("alignment", "good", "evil")
# How the Assassin may name a role (the `as` of an assassination), besides no role.
ASSASSINATED_AS = ("merlin", "lover", "guinevere", "cleric")
ALL_COUNTS = (5, 6, 7, 8, 9, 10)


@dataclass(frozen=True)
class Role:
    """One role: its side and the answers it gives to the rules' four hooks."""

    name: str
    side: str  # "good" or "evil" at the deal
    sight: str = "none"
    summary: str = ""  # English, for the rules API; the client's texts are under `texts`
    seen_by_merlin: bool = False  # Merlin and Merlin Pure see it (evil roles only)
    seen_by_evil: bool = False  # the evil team sees it
    evil_tag: str = "evil"  # how the evil team sees it
    seen_by_percival: bool = False
    shown: str = "alignment"
    cards: str = "side"
    assassinated_as: str | None = None  # the Assassin wins by naming it so
    assassin: bool = False  # the role that assassinates
    lancelot: bool = False  # its alignment switches with the Lancelot cards
    filler: bool = False  # servants and minions fill the seats the specials leave
    house: bool = False  # ProAvalon's house roles: offered apart, never by default
    believes: str | None = None  # the role it reads as until game over (house roles)
    counts: tuple[int, ...] = ALL_COUNTS

    @property
    def texts(self) -> dict[str, str]:
        """The keys of the client's message tables for this role."""
        return {
            "name": f"role.{self.name}",
            "you": f"roleYou.{self.name}",
            "hint": f"page.hint.{self.name}",
            "knows": f"knows.{self.name}",
        }


def _good(name: str, summary: str, **kwargs: object) -> Role:
    """A good role (none of them is seen by anyone as evil)."""
    return Role(name=name, side="good", summary=summary, **kwargs)  # type: ignore[arg-type]


def _evil(name: str, summary: str, **kwargs: object) -> Role:
    """An evil role: by default seen by Merlin and the evil team, seeing the evil team."""
    base: dict[str, object] = {"sight": "evil", "seen_by_merlin": True, "seen_by_evil": True}
    return Role(name=name, side="evil", summary=summary, **{**base, **kwargs})  # type: ignore[arg-type]


# In the fixed order of `roles_in_play` (listing by seat would tell who is what).
REGISTRY: tuple[Role, ...] = (
    _good(
        "merlin",
        "Sees the evil players but Mordred; evil wins if the Assassin names Merlin.",
        sight="merlin",
        seen_by_percival=True,
        assassinated_as="merlin",
    ),
    _good(
        "merlin_pure",
        "Merlin who sees each evil player's exact role; never with Merlin.",
        sight="merlin_pure",
        seen_by_percival=True,
        assassinated_as="merlin",
    ),
    _good("percival", "Sees Merlin and Morgana, not which is which.", sight="percival"),
    _good(
        "good_lancelot",
        "Good Lancelot: may turn evil when a Lancelot card switches.",
        sight="lancelot",
        lancelot=True,
    ),
    _good("tristan", "A lover: sees Isolde.", sight="lover", assassinated_as="lover"),
    _good("isolde", "A lover: sees Tristan.", sight="lover", assassinated_as="lover"),
    _good(
        "guinevere",
        "Sees both Lancelots; evil may name her instead of Merlin.",
        sight="guinevere",
        assassinated_as="guinevere",
    ),
    _good(
        "cleric",
        "Learns the loyalty of the first quest's leader.",
        assassinated_as="cleric",
    ),
    _good("troublemaker", "Good, but a loyalty check shows evil.", shown="evil"),
    _good(
        "melron",
        "House role: good, believes it is Merlin and sees random players as evil.",
        sight="melron",
        house=True,
        believes="merlin",
    ),
    _good(
        "moregano",
        "House role: good, believes it is Morgana; its Fail counts as a Success.",
        sight="moregano",
        cards="fake_fail",
        house=True,
        believes="morgana",
    ),
    _good("loyal_servant", "Good, knows nobody.", filler=True),
    _evil("assassin", "Names Merlin at the end when good has won three quests.", assassin=True),
    _evil(
        "mordred_assassin",
        "Mordred and the Assassin in one: hidden from Merlin, names Merlin at the end.",
        seen_by_merlin=False,
        assassin=True,
        house=True,
    ),
    _evil("morgana", "Appears as Merlin to Percival.", seen_by_percival=True),
    _evil("mordred", "Hidden from Merlin.", seen_by_merlin=False),
    _evil(
        "oberon",
        "Evil, unknown to the evil team and knowing none of it.",
        sight="none",
        seen_by_evil=False,
    ),
    _evil(
        "evil_lancelot",
        "Evil Lancelot: may turn good when a Lancelot card switches.",
        sight="lancelot",
        evil_tag="evil_lancelot",
        lancelot=True,
    ),
    _evil("trickster", "Evil, but a loyalty check shows good.", shown="good"),
    _evil("lunatic", "Evil; must play Fail on every quest.", cards="fail"),
    _evil("brute", "Evil; may play Fail only on quests 1-3.", cards="brute"),
    _evil("revealer", "Evil; revealed to everyone when the second quest fails."),
    _evil(
        "wraith",
        "Evil; sees nobody, hidden from Merlin and from the evil team.",
        sight="none",
        seen_by_merlin=False,
        seen_by_evil=False,
    ),
    _evil("witch", "Evil; once per game may hide a quest's result until the end."),
    _evil(
        "hitberon",
        "House role: evil, seen by the evil team, sees none of it.",
        sight="none",
        house=True,
    ),
    _evil("minion", "Evil, sees the evil team.", filler=True),
)
ROLES: dict[str, Role] = {role.name: role for role in REGISTRY}
ROLE_ORDER: list[str] = [role.name for role in REGISTRY]
GOOD_ROLES = frozenset(role.name for role in REGISTRY if role.side == "good")
EVIL_ROLES = frozenset(role.name for role in REGISTRY if role.side == "evil")
FILLER_ROLES = frozenset(role.name for role in REGISTRY if role.filler)
SPECIAL_ROLES = frozenset(ROLE_ORDER) - FILLER_ROLES
HOUSE_ROLES = frozenset(role.name for role in REGISTRY if role.house)
ASSASSIN_ROLES = frozenset(role.name for role in REGISTRY if role.assassin)
MERLIN_ROLES = frozenset({"merlin", "merlin_pure"})
LANCELOTS = ("good_lancelot", "evil_lancelot")
LOVERS = ("tristan", "isolde")
# Pairs that are always dealt together.
PAIRS = (LANCELOTS, LOVERS)
# The base game's eight roles: the setup's first offer (the rest are extras or house roles).
CLASSIC_ROLES = frozenset(
    {"merlin", "percival", "loyal_servant", "assassin", "morgana", "mordred", "oberon", "minion"}
)
# Setup rules beside the seats (ROLES.md section 2 "Validation"), for the rules API.
SETUP_RULES = {
    "pairs": [list(pair) for pair in PAIRS],
    "needs": {
        "guinevere": list(LANCELOTS),
        "tristan": ["merlin|merlin_pure"],
        "isolde": ["merlin|merlin_pure"],
        "percival": ["merlin|merlin_pure"],
    },
    "one_of": [sorted(MERLIN_ROLES), sorted(ASSASSIN_ROLES)],  # exactly one of each
    "excludes": {"mordred_assassin": ["assassin", "mordred"]},
    # Warned, never refused: a role without the other (Morgana without Percival), and a
    # house role with a role that lets it tell what it is (`warn_with`).
    "warn": {"morgana": "percival", "moregano": "morgana"},
    "warn_with": {"melron": ["merlin_pure"], "moregano": ["oberon", "wraith", "evil_lancelot"]},
}
# The tags of `you.sees[].as` besides the exact roles Merlin Pure sees.
SIGHT_TAGS = ("evil", "merlin_or_morgana", "evil_lancelot", "lancelot", "lover")


def card_choices(role: str, alignment: str, quest: int, forced_lancelots: bool) -> list[bool]:
    """Return the quest cards (True: Success) a seat may play; its alignment is the current one."""
    spec = ROLES[role]
    if spec.lancelot and forced_lancelots:
        return [alignment == "good"]  # forced play: Success if good now, else Fail
    if spec.cards == "fail":
        return [False]
    if spec.cards == "brute":
        return [True, False] if quest <= 3 else [True]
    if spec.cards == "fake_fail":
        return [True, False]
    return [True] if alignment == "good" else [True, False]


def shown_loyalty(role: str, alignment: str) -> str:
    """Return what a loyalty check shows of a seat with this role and current alignment."""
    shown = ROLES[role].shown
    return alignment if shown == "alignment" else shown


def rules_table() -> list[dict[str, object]]:
    """Every role for the rules API: name, side, what it sees, counts, texts."""
    return [
        {
            "name": role.name,
            "side": role.side,
            "sees": role.sight,
            "seen_by_merlin": role.seen_by_merlin,
            "seen_by_evil": role.seen_by_evil,
            "seen_by_percival": role.seen_by_percival,
            "shown_loyalty": role.shown,
            "cards": role.cards,
            "assassinated_as": role.assassinated_as,
            "assassin": role.assassin,
            "filler": role.filler,
            "house": role.house,
            "group": "classic"
            if role.name in CLASSIC_ROLES
            else "house"
            if role.house
            else "extra",
            "reads_as": role.believes,
            "player_counts": list(role.counts),
            "summary": role.summary,
            "texts": role.texts,
        }
        for role in REGISTRY
    ]
