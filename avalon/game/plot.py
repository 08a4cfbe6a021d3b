"""The plot cards ("The Plot Thickens", ROLES.md section 3): the deck, the draws at each
quest's start, and the cards' timing points.

The game waits on `plot["queue"]`, one step at a time (phase `plot`): the leader gives each
drawn card to another player ("give"); a card that acts at once is used by its receiver
("use"; Establish Confidence by the leader, who keeps it); at a timing point the holders of
its cards are asked in seat order from the leader (the step is the timing). When the
queue is empty the game goes on where `plot["then"]` says. Who holds what is public; the
deck's order is not.
"""

from __future__ import annotations

import random
from typing import Any

from avalon.game.excalibur import Sword
from avalon.game.options import MAX_PROPOSALS
from avalon.game.options import Event
from avalon.game.options import check_id
from avalon.game.options import invalid
from avalon.game.options import not_allowed
from avalon.game.variants import CHECK_CARDS
from avalon.game.variants import PLOT_DRAWS
from avalon.game.variants import PLOT_TIMING
from avalon.game.variants import plot_deck

TIMINGS = ("before_proposal", "after_approval", "after_cards")
TARGETED = ("in_the_spotlight", "keeping_close_eye", "take_responsibility")


def new_plot(player_count: int, rng: random.Random) -> dict[str, Any]:
    """A shuffled plot deck (card ids follow the deck's order: drawing tells it anyway)."""
    cards = plot_deck(player_count)
    rng.shuffle(cards)
    deck = [{"card_id": index + 1, "card": card} for index, card in enumerate(cards)]
    return {
        "deck": deck,
        "held": {},
        "used": [],
        "queue": [],
        "then": None,
        "spotlight": None,
        "looked": [],
        "open_votes": {},
    }


class PlotCards(Sword):
    """The plot cards' moves and the points of the game where they come in."""

    # -- where the game asks ---------------------------------------------------------

    def _start_quest(self) -> list[Event]:
        """A quest starts: its Lancelot card, then the leader draws plot cards."""
        events = super()._start_quest()
        if self.plot is None:
            return events
        self.plot["looked"] = []
        self.plot["spotlight"] = None
        drawn = self.plot["deck"][: PLOT_DRAWS[len(self.players)]]
        del self.plot["deck"][: len(drawn)]
        steps = [self._step("give", self.leader, card) for card in drawn]
        # Establish Confidence stays with the leader, who uses it at once.
        steps.sort(key=lambda step: step["card"] != "establish_confidence")
        for step in steps:
            if step["card"] == "establish_confidence":
                step["step"] = "use"
                card = {"card_id": step["card_id"], "card": step["card"]}
                self.plot["held"].setdefault(str(self.leader), []).append(card)
        self.plot["queue"] = steps
        self.plot["then"] = "proposal"
        if drawn:
            events.append(Event("plot_drawn", {"leader": self.leader, "cards": drawn}))
        return events + self._run_plot()

    def _new_proposal(self) -> list[Event]:
        """A proposal is due: holders of Strong Leader (not the leader) are asked first."""
        self.phase = "team_building"
        if self.plot is None:
            return []
        self.plot["open_votes"] = {}
        self.plot["queue"] = self._asks("before_proposal", self.leader)
        self.plot["then"] = "team"
        return self._run_plot()

    def _after_approval(self) -> list[Event]:
        """A team was approved: No Confidence, then In the Spotlight, may be played."""
        if self.plot is None:
            return []
        self.plot["queue"] = self._asks("after_approval", self.proposals[-1]["leader"])
        self.plot["then"] = "questing"
        return self._run_plot()

    def _cards_in(self) -> list[Event]:
        """Every card is in: Keeping a Close Eye on You may look, then Excalibur and the rest."""
        if self.plot is None:
            return super()._cards_in()
        self.plot["queue"] = self._asks("after_cards", self.proposals[-1]["leader"])
        self.plot["then"] = "cards"
        return self._run_plot()

    def _asks(self, timing: str, leader: int) -> list[dict[str, Any]]:
        """The holders of a timing's cards, in seat order from the leader."""
        assert self.plot is not None
        seat = self.players.index(leader)
        order = self.players[seat:] + self.players[:seat]
        if timing == "before_proposal":
            order = order[1:]  # the leader needs no Strong Leader
        held = self.plot["held"]
        return [
            self._step(timing, pid, card)
            for pid in order
            for card in held.get(str(pid), [])
            if PLOT_TIMING[card["card"]] == timing
        ]

    def _step(self, step: str, player: int, card: dict[str, Any]) -> dict[str, Any]:
        """One step of the plot queue."""
        return {"step": step, "player": player, "card_id": card["card_id"], "card": card["card"]}

    def _run_plot(self) -> list[Event]:
        """Wait on the first step that can be played, else go on where the queue leads."""
        assert self.plot is not None
        events: list[Event] = []
        queue = self.plot["queue"]
        while queue and queue[0]["step"] != "give" and self._needs_target(queue[0]):
            if self.plot_targets(queue[0]):
                break
            step = queue.pop(0)  # nothing to aim at: the card is spent (at once) or kept
            if step["step"] == "use":
                events += self._spend(step, None, auto=False)
        if queue:
            self.phase = "plot"
            return events
        then, self.plot["then"] = self.plot["then"], None
        if then == "proposal":
            return events + self._new_proposal()
        if then == "team":
            self.phase = "team_building"
        elif then == "questing":
            self.phase = "questing"
        elif then == "cards":
            events += super()._cards_in()
        return events

    # -- what may be aimed at --------------------------------------------------------

    def _needs_target(self, step: dict[str, Any]) -> bool:
        """Tell whether a step's card is played on a target."""
        return step["card"] in TARGETED or step["card"] in CHECK_CARDS

    def plot_targets(self, step: dict[str, Any]) -> list[int]:
        """The legal targets of a step's card (player ids; card ids for Take Responsibility)."""
        assert self.plot is not None
        card, me = step["card"], step["player"]
        others = [pid for pid in self.players if pid != me]
        if card == "take_responsibility":
            held = self.plot["held"]
            return [c["card_id"] for pid in others for c in held.get(str(pid), [])]
        if card == "overheard_conversation":
            seat = self.players.index(me)
            sides = {self.players[seat - 1], self.players[(seat + 1) % len(self.players)]}
            return [pid for pid in others if pid in sides]
        if card in ("open_up", "establish_confidence"):
            return others
        if card == "in_the_spotlight":
            return list(self.team or [])
        if card == "keeping_close_eye":
            return [p for p in self.team or [] if p != me and p not in self.plot["looked"]]
        return []

    # -- the moves -------------------------------------------------------------------

    def _plot_step(self, player_id: int, card_id: object, action: str) -> dict[str, Any]:
        """Check that the plot queue waits on this player and this card; return the step."""
        card_id = check_id(card_id, "card_id")
        self._expect("plot", player_id, action)
        assert self.plot is not None
        step = self.plot["queue"][0]
        if player_id != step["player"]:
            raise not_allowed("the plot cards wait on another player")
        if card_id != step["card_id"]:
            raise not_allowed(f"the card at hand is card {step['card_id']}")
        return step

    def give_plot_card(
        self, player_id: int, card_id: int, receiver: int, auto: bool = False
    ) -> list[Event]:
        """The leader gives a drawn plot card to another player."""
        receiver = check_id(receiver, "player")
        step = self._plot_step(player_id, card_id, "give a plot card")
        if step["step"] != "give":
            raise not_allowed("this card is not to be given")
        if receiver not in self.players:
            raise invalid("player must be a player of this game")
        if receiver == player_id:
            raise not_allowed("give the card to another player")
        assert self.plot is not None
        self.plot["queue"].pop(0)
        card = {"card_id": step["card_id"], "card": step["card"]}
        self.plot["held"].setdefault(str(receiver), []).append(card)
        if PLOT_TIMING[step["card"]] == "at_once":
            self.plot["queue"].insert(0, self._step("use", receiver, card))
        self.version += 1
        payload = {"from": player_id, "player": receiver, **card, "auto": auto}
        return [Event("plot_card_given", payload), *self._run_plot()]

    def skip_plot_card(self, player_id: int, card_id: int, auto: bool = False) -> list[Event]:
        """A holder asked at a timing point keeps the card for later."""
        step = self._plot_step(player_id, card_id, "skip a plot card")
        if step["step"] not in TIMINGS:
            raise not_allowed("this card must be played now")
        assert self.plot is not None
        self.plot["queue"].pop(0)
        self.version += 1
        payload = {"player": player_id, "card_id": step["card_id"], "auto": auto}
        return [Event("plot_card_skipped", payload), *self._run_plot()]

    def play_plot_card(
        self, player_id: int, card_id: int, target: int | None, auto: bool = False
    ) -> list[Event]:
        """Play the card at hand (a timing card, or Take Responsibility on receipt)."""
        step = self._plot_step(player_id, card_id, "play a plot card")
        if step["card"] in CHECK_CARDS:
            raise not_allowed("this card is played with loyalty_check")
        if step["step"] == "give":
            raise not_allowed("give this card to another player")
        if target is not None:
            target = check_id(target, "target")
        if (target is None) == self._needs_target(step):
            raise invalid("this card needs a target" if target is None else "no target here")
        if target is not None and target not in self.plot_targets(step):
            raise not_allowed("not a legal target for this card")
        assert self.plot is not None
        self.plot["queue"].pop(0)
        self.version += 1
        return self._spend(step, target, auto) + self._play_effect(step, target, auto)

    def plot_check(self, player_id: int, target: int, auto: bool = False) -> list[Event]:
        """Overheard Conversation, Open Up, Establish Confidence: a loyalty seen or shown."""
        target = check_id(target, "target")
        self._expect("plot", player_id, "check a loyalty")
        assert self.plot is not None
        step = self._plot_step(player_id, self.plot["queue"][0]["card_id"], "check a loyalty")
        if step["card"] not in CHECK_CARDS:
            raise not_allowed("the card at hand is not a loyalty check")
        if step["step"] == "give":
            # A drawn check card is the receiver's to use (Establish Confidence excepted).
            raise not_allowed("give this card to another player")
        if target not in self.players:
            raise invalid("target must be a player of this game")
        if target not in self.plot_targets(step):
            raise not_allowed("not a legal target for this card")
        self.plot["queue"].pop(0)
        self.version += 1
        events = self._spend(step, target, auto)
        if step["card"] == "overheard_conversation":
            shown = self.shown_loyalty(target)
            result = {"to": player_id, "kind": "check", "target": target, "loyalty": shown}
            events.append(Event("check_result", {"target": target, "loyalty": shown}, player_id))
        else:
            shown = self.shown_loyalty(player_id)
            result = {"to": target, "kind": "shown", "from": player_id, "loyalty": shown}
            events.append(Event("shown_result", {"from": player_id, "loyalty": shown}, target))
        self.results.append({**result, "card": step["card"], "auto": auto})
        return events + self._run_plot()

    def _spend(self, step: dict[str, Any], target: int | None, auto: bool) -> list[Event]:
        """A card is played: it leaves its holder's hand for the used pile (public)."""
        assert self.plot is not None
        pid, card_id = str(step["player"]), step["card_id"]
        hand = [card for card in self.plot["held"].get(pid, []) if card["card_id"] != card_id]
        if hand:
            self.plot["held"][pid] = hand
        else:
            self.plot["held"].pop(pid, None)
        used = {
            "card_id": card_id,
            "card": step["card"],
            "player": step["player"],
            "target": target,
            "quest": self.quest,
            # The proposal it was played at (before, or after its approval), for the log.
            "proposal": self.proposal,
            "auto": auto,
        }
        self.plot["used"].append(used)
        return [Event("plot_card_played", dict(used))]

    def _play_effect(self, step: dict[str, Any], target: int | None, auto: bool) -> list[Event]:
        """What a played timing card (or Take Responsibility) does."""
        assert self.plot is not None
        card, player = step["card"], step["player"]
        queue = self.plot["queue"]
        if card == "take_responsibility":
            owner, taken = next(
                (pid, c)
                for pid, hand in self.plot["held"].items()
                for c in hand
                if c["card_id"] == target
            )
            self._spend_from(owner, taken)
            self.plot["held"].setdefault(str(player), []).append(taken)
            return self._run_plot()
        if card == "strong_leader":
            self.leader = player  # the rotation goes on from them
            queue[:] = [s for s in queue if s["step"] != "before_proposal"]  # one per vote
            return [Event("leader_changed", {"leader": player})] + self._run_plot()
        if card == "no_confidence":
            queue.clear()
            self.plot["then"] = None
            return self._no_confidence(player)
        if card == "in_the_spotlight":
            self.plot["spotlight"] = {"player": target, "quest": self.quest, "success": None}
        if card == "keeping_close_eye":
            assert target is not None
            self.plot["looked"].append(target)
            seen = self.quest_cards[str(target)]
            look = {"to": player, "kind": "ambush", "target": target, "success": seen}
            self.results.append({**look, "card": card, "auto": auto})  # a stand-in's look says so
            event = Event("ambush_result", {"target": target, "success": seen}, to=player)
            return [event, *self._run_plot()]
        return self._run_plot()

    def _spend_from(self, owner: str, card: dict[str, Any]) -> None:
        """Take a card out of a player's hand."""
        assert self.plot is not None
        hand = [c for c in self.plot["held"][owner] if c["card_id"] != card["card_id"]]
        if hand:
            self.plot["held"][owner] = hand
        else:
            del self.plot["held"][owner]

    def _no_confidence(self, player: int) -> list[Event]:
        """The approval just made becomes a rejection (the fifth hands evil the game)."""
        last = self.proposals[-1]
        last["approved"] = False
        last["no_confidence"] = player
        self.team = None
        self.played = []
        self.excalibur = None
        events = [Event("approval_overturned", {"player": player, "quest": self.quest})]
        if self.proposal >= MAX_PROPOSALS:
            return events + self._finish("evil", "five_rejections")
        self.proposal += 1
        return events + self._new_proposal()

    def spotlight_card(self, player_id: int, success: bool) -> list[Event]:
        """A card played face up under In the Spotlight is public."""
        if self.plot is None:
            return []
        spot = self.plot["spotlight"]
        if spot is None or spot["player"] != player_id or spot["quest"] != self.quest:
            return []
        spot["success"] = success
        # The used pile keeps it: the next quest clears `spotlight`, the record must not.
        for used in self.plot["used"]:
            if used["card"] == "in_the_spotlight" and used["quest"] == self.quest:
                used["face_up"] = success
        return [Event("spotlight_card", {"player": player_id, "success": success})]
