"""The roles of ROLES.md stated again, apart from the rules (nothing here reads the registry).

The random-game tests ask this module what must hold — who sees whom, which cards a seat
may play, what a loyalty check shows, how an assassination ends — and compare the rules'
answers with it at every step.
"""

from __future__ import annotations

import random

EVIL_SEATS = {5: 2, 6: 2, 7: 3, 8: 3, 9: 3, 10: 4}
GOOD = {
    "merlin", "merlin_pure", "percival", "good_lancelot", "tristan", "isolde", "guinevere",
    "cleric", "troublemaker", "melron", "moregano", "loyal_servant",
}  # fmt: skip
EVIL = {
    "assassin", "mordred_assassin", "morgana", "mordred", "oberon", "evil_lancelot",
    "trickster", "lunatic", "brute", "revealer", "wraith", "witch", "hitberon", "minion",
}  # fmt: skip
NEW_ROLES = sorted(
    (GOOD | EVIL)
    - {"merlin", "percival", "loyal_servant", "assassin", "morgana", "mordred", "oberon", "minion"}
)
VARIANTS = ("deck", "schedule", "know_each_other", "deck_forced")
HIDDEN_FROM_MERLIN = {"mordred", "wraith", "mordred_assassin"}
BLIND_EVIL = {"oberon", "wraith", "evil_lancelot", "hitberon"}  # see none of the evil team
UNSEEN_BY_EVIL = {"oberon", "wraith"}
SIGHT_TAGS = {"evil", "merlin_or_morgana", "evil_lancelot", "lancelot", "lover"}
BELIEVED = {"melron": "merlin", "moregano": "morgana"}


def side(role: str) -> str:
    """The side a role is dealt on."""
    return "good" if role in GOOD else "evil"


# What each game of a covering run is built around, in turn: every new role (a pair as
# one) and every Lancelot variant, so that each is in at least every len(FOCUS)-th game.
FOCUS: list[tuple[tuple[str, ...], str | None]] = [
    *((("good_lancelot", "evil_lancelot"), variant) for variant in VARIANTS),
    (("good_lancelot", "evil_lancelot", "guinevere"), None),
    (("tristan", "isolde"), None),
    *(
        ((role,), None)
        for role in NEW_ROLES
        if role not in ("good_lancelot", "evil_lancelot", "guinevere", "tristan", "isolde")
    ),
]


def random_setup(rng: random.Random, n: int, must: tuple[str, ...] = ()) -> list[str]:
    """A random legal choice of special roles for n players (ROLES.md section 2), holding
    the roles `must` names (one FOCUS entry: it fits any table on its own)."""
    merlin = "merlin_pure" if "merlin_pure" in must else rng.choice(["merlin", "merlin_pure"])
    assassin = rng.choice(["assassin", "mordred_assassin"])
    if "mordred_assassin" in must:
        assassin = "mordred_assassin"
    roles = [merlin, assassin]

    def free(alignment: str) -> int:
        """Seats of a side left once the roles that must come are placed."""
        taken = [r for r in roles if side(r) == alignment]
        waiting = [r for r in must if side(r) == alignment and r not in roles]
        return (
            EVIL_SEATS[n] * (alignment == "evil")
            + (n - EVIL_SEATS[n]) * (alignment == "good")
            - len(taken)
            - len(waiting)
        )

    lancelots = "good_lancelot" in must
    if lancelots or (rng.random() < 0.4 and free("evil") and free("good")):
        roles += ["good_lancelot", "evil_lancelot"]
        if "guinevere" in must or (rng.random() < 0.5 and free("good")):
            roles.append("guinevere")
    if "tristan" in must or (rng.random() < 0.3 and free("good") >= 2):
        roles += ["tristan", "isolde"]
    goods = ["percival", "cleric", "troublemaker", "melron", "moregano"]
    evils = ["morgana", "oberon", "trickster", "lunatic", "brute", "revealer", "wraith"]
    evils += ["witch", "hitberon"] + (["mordred"] if "assassin" in roles else [])
    rng.shuffle(goods)
    rng.shuffle(evils)
    # The roles that must come first, then as many others as the dice say.
    for pool in (goods, evils):
        pool.sort(key=lambda role: role not in must)
        wanted = sum(role in must for role in pool)
        room = free(side(pool[0])) + wanted
        roles += pool[: rng.randint(wanted, max(wanted, room))]
    return roles


def covering_setup(rng: random.Random, n: int, game: int) -> tuple[list[str], dict]:
    """The roles and options of the `game`-th game of a covering run: a random legal setup
    around FOCUS[game % len(FOCUS)]."""
    must, variant = FOCUS[game % len(FOCUS)]
    roles = random_setup(rng, n, must)
    chosen = options(rng, roles)
    if variant is not None:
        chosen["lancelot_variant"] = variant
    return roles, chosen


def in_play(roles: list[str], chosen: dict) -> set[str]:
    """What a game covers: its special roles and its Lancelot variant, if any."""
    variant = chosen.get("lancelot_variant")
    return set(roles) | ({f"variant:{variant}"} if variant else set())


# Everything a covering run must give many games: every new role and Lancelot variant.
COVERED = frozenset(NEW_ROLES) | {f"variant:{variant}" for variant in VARIANTS}


def options(rng: random.Random, roles: list[str]) -> dict:
    """Random options that fit the roles: the Lady, a Lancelot variant, the Cleric's."""
    chosen: dict = {"lady_of_the_lake": rng.choice([None, True, False])}
    if "good_lancelot" in roles:
        chosen["lancelot_variant"] = rng.choice(VARIANTS)
    if "cleric" in roles:
        chosen["cleric_assassination"] = rng.random() < 0.6
    return chosen


def expected_sees(roles: dict[int, str], draws: dict, variant: str | None, viewer: int) -> list:
    """What a seat must learn at night (section 1), sorted by player id."""
    mine = roles[viewer]
    if mine in ("melron", "moregano"):
        return [{"player_id": pid, "as": "evil"} for pid in sorted(draws[mine])]
    seen = []
    for other in sorted(roles):
        theirs = roles[other]
        tag = None
        if other == viewer:
            continue
        if mine in ("merlin", "merlin_pure") and theirs in EVIL - HIDDEN_FROM_MERLIN:
            tag = "evil" if mine == "merlin" else theirs
        elif mine == "percival" and theirs in ("merlin", "merlin_pure", "morgana"):
            tag = "merlin_or_morgana"
        elif mine in EVIL - BLIND_EVIL and theirs in EVIL - UNSEEN_BY_EVIL:
            tag = "evil_lancelot" if theirs == "evil_lancelot" else "evil"
        elif mine == "guinevere" and theirs in ("good_lancelot", "evil_lancelot"):
            tag = "lancelot"
        elif variant == "know_each_other" and {mine, theirs} == {"good_lancelot", "evil_lancelot"}:
            tag = "lancelot"
        elif {mine, theirs} == {"tristan", "isolde"}:
            tag = "lover"
        if tag is not None:
            seen.append({"player_id": other, "as": tag})
    return seen


def check_draws(roles: dict[int, str], draws: dict) -> None:
    """The house roles' false sightings: the right number of other seats."""
    for pid, role in roles.items():
        if role == "melron":
            merlin_sees = sum(r in EVIL - HIDDEN_FROM_MERLIN for r in roles.values())
            assert len(set(draws["melron"])) == merlin_sees and pid not in draws["melron"]
        if role == "moregano":
            evil = sum(side(r) == "evil" for r in roles.values())
            assert len(set(draws["moregano"])) == evil - 1 and pid not in draws["moregano"]


class Oracle:
    """The state ROLES.md's rules follow, kept apart from the game it watches."""

    def __init__(self, players: list[int], roles: list[str], variant: str | None) -> None:
        self.players = list(players)
        self.roles = dict(zip(players, roles, strict=True))
        self.variant = variant
        self.switches = 0
        self.cards_applied = 0
        self.hidden: list[int] = []  # quests the Witch hid
        self.fails = 0  # fail cards that count on the quest being played

    def holder(self, role: str) -> int | None:
        """The seat of a role, None if it is not in play."""
        return next((pid for pid, r in self.roles.items() if r == role), None)

    def alignment(self, pid: int) -> str:
        """A seat's alignment now: only the Lancelots ever change."""
        role = self.roles[pid]
        if role in ("good_lancelot", "evil_lancelot") and self.switches % 2:
            return "evil" if side(role) == "good" else "good"
        return side(role)

    def shown(self, pid: int) -> str:
        """What a loyalty check shows."""
        return {"trickster": "good", "troublemaker": "evil"}.get(
            self.roles[pid], self.alignment(pid)
        )

    def cards(self, pid: int, quest: int) -> set[bool]:
        """The quest cards a seat may play (True: Success)."""
        role = self.roles[pid]
        if role in ("good_lancelot", "evil_lancelot") and self.variant in (
            "schedule",
            "deck_forced",
        ):
            return {self.alignment(pid) == "good"}
        if role == "lunatic":
            return {False}
        if role == "brute":
            return {True, False} if quest <= 3 else {True}
        if role == "moregano" or self.alignment(pid) == "evil":
            return {True, False}
        return {True}

    def counts_as_fail(self, pid: int, success: bool) -> bool:
        """A Fail counts unless Moregano played it."""
        return not success and self.roles[pid] != "moregano"

    def expected_applied(self, quest: int, phase: str) -> int:
        """How many Lancelot cards have taken effect by the start of this quest."""
        if self.variant == "schedule":
            return quest
        if self.variant in ("deck", "deck_forced"):
            started = (
                quest if phase in ("team_building", "voting", "questing", "witch") else quest - 1
            )
            return max(0, min(started, 5) - 2)
        return 0

    def assassin(self) -> int:
        """The seat that assassinates."""
        found = self.holder("assassin") or self.holder("mordred_assassin")
        assert found is not None
        return found

    def assassin_targets(self, deal_sees: list) -> set[int]:
        """Whom the Assassin may name: not a seat seen as evil at the deal and evil now."""
        me = self.assassin()
        known = {e["player_id"] for e in deal_sees if self.alignment(e["player_id"]) == "evil"}
        return set(self.players) - {me} - known

    def cleric_roles(self) -> list[str]:
        """The good roles in play the Assassin may name after finding the Cleric."""
        good = {r for r in self.roles.values() if side(r) == "good"}
        return sorted(good - {"cleric", "good_lancelot"})

    def outcome(self, named_as: str, targets: list[int], role: str | None) -> tuple[str, str]:
        """The winner and reason an assassination must give."""
        held = [self.roles[t] for t in targets]
        if named_as == "merlin":
            hit = held[0] in ("merlin", "merlin_pure")
        elif named_as == "lovers":
            hit = sorted(held) == ["isolde", "tristan"]
        elif named_as == "guinevere":
            hit = held == ["guinevere"]
        else:
            hit = held == [role]
            named_as = "cleric"
        return ("evil", f"{named_as}_assassinated") if hit else ("good", f"{named_as}_survived")
