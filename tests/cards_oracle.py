"""The cards and table options of ROLES.md section 3 stated again, apart from the rules.

Nothing here reads the rules' registry or tables: the decks, the draws, who may be named,
what each check shows and how Excalibur changes a quest are written out from ROLES.md, and
the oracle follows a game through its moves and public events only (plus the roles it is
dealt), so the random games can compare the rules with it at every step.
"""

from __future__ import annotations

import random
from collections import Counter

from tests.roles_oracle import Oracle
from tests.roles_oracle import side

FLAGS = (
    "lady_announce",
    "sire_of_the_sea",
    "ref_of_the_rain",
    "excalibur",
    "plot_cards",
    "anonymous_votes",
    "hidden_history",
)
SMALL = Counter(
    strong_leader=2, keeping_close_eye=2, no_confidence=1, take_responsibility=1, opinion_maker=1
)
LARGE = SMALL + Counter(
    no_confidence=2,
    opinion_maker=1,
    open_up=1,
    overheard_conversation=2,
    in_the_spotlight=1,
    establish_confidence=1,
)
DRAWS = {5: 1, 6: 1, 7: 2, 8: 2, 9: 3, 10: 3}
AT_ONCE = {"take_responsibility", "overheard_conversation", "open_up", "establish_confidence"}
CHECKS = {"overheard_conversation", "open_up", "establish_confidence"}
TIMING = {
    "strong_leader": "before_proposal",
    "no_confidence": "after_approval",
    "in_the_spotlight": "after_approval",
    "keeping_close_eye": "after_cards",
}
LADY_QUESTS = (2, 3, 4)


def deck_for(players: int) -> Counter:
    """The plot deck of a table: 7 cards for 5-6 players, 15 for 7-10."""
    return SMALL if players <= 6 else LARGE


def random_table(rng: random.Random, focus: str | None = None) -> dict:
    """Random card and table options (each on about half the time; `focus` always on)."""
    table: dict = {flag: rng.random() < 0.45 for flag in FLAGS}
    table["lady"] = rng.choice(["lake", "sea", None])
    if focus == "sea":
        table["lady"] = "sea"
    elif focus in FLAGS:
        table[focus] = True
    if table["lady_announce"] and table["lady"] is None:
        table["lady"] = "lake"
    return table


# What a covering run gives its share of games to, in turn.
CARD_FOCUS = ("sea", *FLAGS)


class CardsOracle:
    """The cards' state as ROLES.md has it, followed through the game's moves and events."""

    def __init__(self, roles: Oracle, table: dict, leader: int, lady: str | None) -> None:
        self.o = roles
        self.table = table
        self.lady = lady
        players = roles.players
        seat = players.index(leader)
        self.first_leader = leader
        self.sire = [players[seat]] if table.get("sire_of_the_sea") else []
        self.ref = [players[seat - 1]] if table.get("ref_of_the_rain") else []
        self.lady_past = [players[seat - 1]] if lady else []
        self.hands: dict[int, list[tuple[int, str]]] = {}
        self.deck_left = sum(deck_for(len(players)).values()) if table.get("plot_cards") else 0
        self.seen_cards: Counter = Counter()  # every plot card drawn so far
        self.played: dict[int, bool] = {}  # the quest's cards as played
        self.looked: set[int] = set()
        self.to_give: set[int] = set()  # drawn cards the leader has not given yet
        self.fake_sea: str | None = None  # the Troublemaker's role under the Sea: fixed
        self.results: list[dict] = []  # the private results expected, in order

    # -- what the cards show ---------------------------------------------------------

    def sea(self, target: int) -> str | None:
        """The role the Lady of the Sea shows: an evil target's, the Troublemaker's fake."""
        role = self.o.roles[target]
        if role == "troublemaker":
            evil_in_play = {r for r in self.o.roles.values() if side(r) == "evil"}
            assert self.fake_sea is None or self.fake_sea in evil_in_play
            return self.fake_sea
        return role if self.o.shown(target) == "evil" else None

    def fails(self) -> int:
        """The fail cards that count on the quest: Fails, Moregano's excepted."""
        return sum(
            not card and self.o.roles[pid] != "moregano" for pid, card in self.played.items()
        )

    def makers(self) -> list[int]:
        """Opinion Makers, in seat order: they vote first."""
        return [
            p for p in self.o.players if any(c == "opinion_maker" for _, c in self.hands.get(p, []))
        ]

    # -- who may be named ------------------------------------------------------------

    def neighbours(self, pid: int) -> set[int]:
        """The seats on either side."""
        players = self.o.players
        seat = players.index(pid)
        return {players[seat - 1], players[(seat + 1) % len(players)]}

    def targets(self, card: str, me: int, team: list[int]) -> list[int]:
        """Legal targets of a plot card (card ids for Take Responsibility)."""
        others = [p for p in self.o.players if p != me]
        if card == "take_responsibility":
            return sorted(c for p in others for c, _ in self.hands.get(p, []))
        if card == "overheard_conversation":
            return sorted(self.neighbours(me) - {me})
        if card in ("open_up", "establish_confidence"):
            return others
        if card == "in_the_spotlight":
            return list(team)
        if card == "keeping_close_eye":
            return [p for p in team if p != me and p not in self.looked]
        return []

    # -- following the game ----------------------------------------------------------

    def follow(self, player: int, kind: str, payload: dict, events: list) -> None:
        """Track a legal move and its events; record the private results it must give."""
        o = self.o
        if kind == "play_quest":
            self.played[player] = payload["success"]
        if kind == "use_excalibur" and payload["target"] is not None:
            target = payload["target"]
            was = self.played[target]
            self.played[target] = not was
            self.results.append(
                {"to": player, "kind": "excalibur", "target": target, "success": was}
            )
        if kind == "lady_of_the_lake":
            target = payload["target"]
            told = next(e.payload for e in events if e.name == "lady_result")
            if self.lady == "sea" and o.roles[target] == "troublemaker" and self.fake_sea is None:
                self.fake_sea = told["role"]  # drawn at the deal: the same all game
            assert target not in self.lady_past
            self.lady_past.append(target)
            expected = {
                "to": player,
                "kind": "sea" if self.lady == "sea" else "lady",
                "target": target,
                "loyalty": o.shown(target),
            }
            if self.lady == "sea":
                expected["role"] = self.sea(target)
            self.results.append(expected)
        if kind in ("sire_of_the_sea", "ref_of_the_rain"):
            chain = self.sire if kind == "sire_of_the_sea" else self.ref
            target = payload["target"]
            assert player == chain[-1] and target not in chain
            chain.append(target)
            if kind == "sire_of_the_sea":
                self.results.append(
                    {"to": target, "kind": "sire", "from": player, "loyalty": o.shown(player)}
                )
            else:
                self.results.append(
                    {"to": player, "kind": "ref", "target": target, "loyalty": o.shown(target)}
                )
        for event in events:
            self.follow_event(event, payload)

    def follow_event(self, event, payload: dict) -> None:
        """Track a public (or private) event of the cards."""
        name, data = event.name, event.payload
        if name == "quest_result":
            self.played, self.looked = {}, set()
        if name == "plot_drawn":
            n = len(self.o.players)
            assert len(data["cards"]) == min(DRAWS[n], self.deck_left)
            self.deck_left -= len(data["cards"])
            self.seen_cards.update(card["card"] for card in data["cards"])
            assert all(self.seen_cards[c] <= deck_for(n)[c] for c in self.seen_cards)
            for card in data["cards"]:
                if card["card"] != "establish_confidence":
                    self.to_give.add(card["card_id"])  # every other one is given out
                if card["card"] == "establish_confidence":
                    self.hands.setdefault(data["leader"], []).append(
                        (card["card_id"], card["card"])
                    )
        if name == "team_proposed":
            assert not self.to_give, self.to_give  # all given before the first proposal
        if name == "plot_card_given":
            self.to_give.remove(data["card_id"])
            assert data["player"] != data["from"]
            self.hands.setdefault(data["player"], []).append((data["card_id"], data["card"]))
        if name == "plot_card_played":
            self.spend(data)

    def spend(self, data: dict) -> None:
        """A played card leaves its holder's hand; its effect is checked against ROLES.md."""
        o, pid, card = self.o, data["player"], data["card"]
        self.hands[pid] = [c for c in self.hands.get(pid, []) if c[0] != data["card_id"]]
        target = data["target"]
        if card == "take_responsibility" and target is not None:
            owner = next(p for p, hand in self.hands.items() for c, _ in hand if c == target)
            assert owner != pid
            taken = next(c for c in self.hands[owner] if c[0] == target)
            self.hands[owner].remove(taken)
            self.hands[pid].append(taken)
        if card == "overheard_conversation":
            assert target in self.neighbours(pid)
            self.results.append(
                {"to": pid, "kind": "check", "target": target, "loyalty": o.shown(target)}
            )
        if card in ("open_up", "establish_confidence"):
            self.results.append(
                {"to": target, "kind": "shown", "from": pid, "loyalty": o.shown(pid)}
            )
        if card == "keeping_close_eye":
            assert target not in self.looked and target != pid
            self.looked.add(target)
            seen = self.played[target]
            self.results.append({"to": pid, "kind": "ambush", "target": target, "success": seen})
