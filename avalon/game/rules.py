"""The rules of The Resistance: Avalon as a pure state machine: no Flask, sockets or I/O.

A `Game` holds the whole state as JSON-native attributes so that it can be stored and
restored exactly (`to_dict` / `from_dict`). Each move either raises `RuleError` and
changes nothing, or changes the state, bumps `version` and returns the `Event`s to send.
Clients only ever receive events and `Game.view(player_id)`, never the state itself.
The state is in `state.py`, its views in `viewing.py`, the numbers and options in
`options.py`, the roles in `roles.py`; the quest's end and the roles' powers are in
`powers.py` and the assassination in `assassination.py`, the bases of `Game`.
"""

from __future__ import annotations

import random
from typing import Any

from avalon.game import card_views
from avalon.game import moves
from avalon.game import night
from avalon.game import viewing
from avalon.game.assassination import Assassination
from avalon.game.assassination import parse
from avalon.game.excalibur import counts_as_fail
from avalon.game.ladies import SEA_DRAW
from avalon.game.ladies import new_chain
from avalon.game.options import MAX_PROPOSALS
from avalon.game.options import MOVES
from avalon.game.options import OPTIONAL_KEYS
from avalon.game.options import Event
from avalon.game.options import check_bool
from avalon.game.options import check_id
from avalon.game.options import check_ids
from avalon.game.options import invalid
from avalon.game.options import is_int
from avalon.game.options import not_allowed
from avalon.game.options import roles_for
from avalon.game.options import validate_setup
from avalon.game.plot import new_plot
from avalon.game.powers import lancelot_deck
from avalon.game.roles import ROLES
from avalon.game.variants import check_lady
from avalon.game.variants import check_variants


class Game(Assassination):
    """A game and its moves: each move raises RuleError and changes nothing, or applies."""

    # -- creation ------------------------------------------------------------------

    @classmethod
    def new(
        cls,
        player_ids: list[int],
        roles: list[str],
        lady_of_the_lake: bool | None,
        rng: random.Random,
        lancelot_variant: str | None = None,
        cleric_assassination: bool = False,
        table: dict[str, Any] | None = None,
    ) -> tuple[Game, list[Event]]:
        """Seat players in the given order, assign roles at random, pick a random first leader.

        `table`: the cards and table options (`lady`, variants.FLAGS), checked here.
        """
        if not isinstance(player_ids, list) or not all(is_int(pid) for pid in player_ids):
            raise ValueError("player_ids must be a list of integer ids")
        if len(set(player_ids)) != len(player_ids):
            raise ValueError("player_ids must be distinct")
        setup = validate_setup(
            len(player_ids), roles, lady_of_the_lake, lancelot_variant, cleric_assassination
        )
        special = setup.special
        table = {} if table is None else table
        if not isinstance(table, dict):
            raise invalid("the table options must be an object")
        kind = check_lady(table, lady_of_the_lake, setup.lady)
        variants = check_variants(len(player_ids), table, kind)
        lady = kind is not None
        dealt = roles_for(len(player_ids), special)
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
        events = [Event("game_started", game._started_payload())]
        # Drawn after the seats and the first leader, so classic deals stay as they were.
        game.draws = night.draw(game.players, game.roles, rng)
        game.cleric_assassination = setup.cleric_assassination
        if "witch" in dealt:
            witch = game.holder("witch")
            game.draws["witch_checker"] = [rng.choice([p for p in game.players if p != witch])]
            game.witch = {"used": False, "checker": None}
        if setup.lancelot_variant is not None:
            game.lancelot = lancelot_deck(setup.lancelot_variant, rng)
            events[0].payload["lancelot"] = viewing.lancelot_view(game)
        game._deal_variants(variants, leader_seat, rng)
        if game.lancelot is not None or game.plot is not None:
            # The schedule's first card applies at once; the first plot cards are drawn.
            events[1:1] = game._start_quest()
        if card_views.options_on(game):
            events[0].payload["options"] = card_views.options_view(game)
        return game, events

    def _deal_variants(
        self, variants: dict[str, Any], leader_seat: int, rng: random.Random
    ) -> None:
        """Set up the cards and options at the deal (drawn after everything older, so a
        game without them is dealt exactly as before)."""
        self.variants = variants
        if variants["lady"] == "sea" and self.has_role("troublemaker"):
            evil = {role for role in self.roles if ROLES[role].side == "evil"}
            self.draws[SEA_DRAW] = [rng.randrange(len(evil))]
        if variants["sire_of_the_sea"]:
            self.sire = new_chain(self.players[leader_seat])  # after the Lady's first holder
        if variants["ref_of_the_rain"]:
            self.ref = new_chain(self.players[leader_seat - 1])
        if variants["plot_cards"]:
            self.plot = new_plot(len(self.players), rng)

    def _started_payload(self) -> dict[str, Any]:
        """The game_started event: the table (the service adds the setup's warnings)."""
        return {
            "players": list(self.players),
            "roles_in_play": self.roles_in_play(),
            "leader": self.leader,
            "lady": self.lady_holder,
        }

    # -- what clients see ----------------------------------------------------------

    def view(self, player_id: int | None) -> dict[str, Any]:
        """Return the game as one player (or a spectator, None) may see it."""
        return viewing.view(self, player_id)

    def record(self) -> dict[str, Any]:
        """Return the full public record of a finished game."""
        if self.phase != "game_over":
            raise not_allowed("the record is public only once the game is over")
        return viewing.record(self)

    # -- moves ---------------------------------------------------------------------

    def apply(
        self, player_id: int, kind: str, payload: dict[str, Any], auto: bool = False
    ) -> list[Event]:
        """Dispatch one move after checking its payload's shape and types.

        `auto`: the move is made for the player by the turn timer or a stand-in; the
        record and the events say so, so that nobody reads it as the person's.
        """
        if kind not in MOVES:
            raise invalid(f"unknown game action: {kind!r}")
        if kind == "assassinate" and isinstance(payload, dict) and set(payload) != {"target"}:
            named_as, targets, role = parse(payload)
            return self.name_targets(player_id, named_as, targets, role, auto)
        keys, optional = MOVES[kind], OPTIONAL_KEYS.get(kind, ())
        if not isinstance(payload, dict) or not set(keys) <= set(payload) <= {*keys, *optional}:
            shape = ", ".join(repr(key) for key in keys)
            extra = "".join(f", {key!r}?" for key in optional)
            raise invalid(f"{kind} takes exactly {{{shape}{extra}}}")
        value = payload[keys[0]]
        if kind == "propose_team":
            return self.propose_team(
                player_id, check_ids(value, "players"), auto, payload.get("excalibur")
            )
        if kind in ("vote", "play_quest", "witch_hide"):
            flag = check_bool(value, keys[0])
            move = {"vote": self.vote, "play_quest": self.play_quest, "witch_hide": self.witch_hide}
            return move[kind](player_id, flag, auto)
        if kind == "announce_loyalty":
            return self.announce_loyalty(player_id, value, auto)
        if kind == "use_excalibur":
            return self.use_excalibur(player_id, value, auto)
        if kind == "give_plot_card":
            return self.give_plot_card(player_id, value, payload["player"], auto)
        if kind == "play_plot_card":
            return self.play_plot_card(player_id, value, payload.get("target"), auto)
        if kind == "skip_plot_card":
            return self.skip_plot_card(player_id, value, auto)
        target = check_id(value, keys[0])
        if kind == "loyalty_check" and self.phase == "plot":
            return self.plot_check(player_id, target, auto)
        targeted = {
            "assassinate": self.assassinate,
            "loyalty_check": self.loyalty_check,
            "sire_of_the_sea": self.use_sire,
            "ref_of_the_rain": self.use_ref,
            "lady_of_the_lake": self.use_lady,
        }
        return targeted[kind](player_id, target, auto)

    def abandon(self) -> list[Event]:
        """End the game with no winner (the table voted to end it); every role revealed."""
        if self.phase == "game_over":
            raise not_allowed("the game is already over")
        self.version += 1
        return self._finish(None, "abandoned")

    def propose_team(
        self, player_id: int, team: list[int], auto: bool = False, excalibur: object = None
    ) -> list[Event]:
        """Let the leader put a team to the vote (handing Excalibur with it when it is on)."""
        team = check_ids(team, "players")
        self._expect("team_building", player_id, "propose a team")
        if player_id != self.leader:
            raise not_allowed("only the leader proposes a team")
        size = self.team_sizes()[self.quest - 1]
        if len(team) != size:
            raise invalid(f"quest {self.quest} needs a team of {size}")
        if any(pid not in self.players for pid in team):
            raise invalid("the team may only name players of this game")
        holder = self.check_excalibur(team, excalibur)
        self.team = team
        if holder is not None:
            self.excalibur = {"holder": holder, "target": None, "used": False}
        self.ballots = {}
        self.auto_ballots = []
        self.auto_proposal = auto
        self.votes = None
        self.phase = "voting"
        self.version += 1
        payload = {
            "leader": self.leader,
            "team": list(team),
            "quest": self.quest,
            "proposal": self.proposal,
            "auto": auto,
        }
        if holder is not None:
            payload["excalibur"] = holder
        return [Event("team_proposed", payload)]

    def vote(self, player_id: int, approve: bool, auto: bool = False) -> list[Event]:
        """Record one player's vote on the proposed team; resolve it after the last vote."""
        approve = check_bool(approve, "approve")
        self._expect("voting", player_id, "vote")
        if str(player_id) in self.ballots:
            raise not_allowed("you already voted on this team")
        if player_id not in self.awaited():
            raise not_allowed("the Opinion Maker votes first")
        self.ballots[str(player_id)] = approve
        if auto:
            self.auto_ballots.append(player_id)
        self.version += 1
        # Under anonymous votes a timer's ballot (always approve) is not marked: it would say how.
        cast: dict[str, Any] = {
            "player_id": player_id,
            "auto": auto and not self.option("anonymous_votes"),
        }
        if self.plot is not None and player_id in self.opinion_makers():
            self.plot["open_votes"][str(player_id)] = cast["approve"] = approve  # openly
        events = [Event("vote_cast", cast)]
        if len(self.ballots) == len(self.players):
            events += self._resolve_vote()
        return events

    def play_quest(self, player_id: int, success: bool, auto: bool = False) -> list[Event]:
        """Record one team member's quest card; resolve the quest after the last card."""
        success = check_bool(success, "success")
        self._expect("questing", player_id, "play a quest card")
        if player_id not in (self.team or []):
            raise not_allowed("only team members play quest cards")
        if player_id in self.played:
            raise not_allowed("you already played on this quest")
        choices = self.card_choices(player_id)
        if success not in choices:
            # Said the same way for every role that has no choice, so it names none.
            card = "success" if choices == [True] else "fail"
            raise not_allowed(f"you can only play {card}")
        self.played.append(player_id)
        if auto:
            self.auto_played.append(player_id)
        # Moregano believes it is evil, but its Fail counts as a Success.
        self.fails += counts_as_fail(self.role_of(player_id), success)
        if self.keeps_cards():
            self.quest_cards[str(player_id)] = success
        self.version += 1
        # No event but In the Spotlight's: what the others played stays secret.
        events = self.spotlight_card(player_id, success)
        if len(self.played) < len(self.team or []):
            return events
        return events + self._cards_in()

    def random_move(self, player_id: int, rng: random.Random) -> tuple[str, dict[str, Any]]:
        """Return a random legal (kind, payload) for an awaited player."""
        return moves.random_move(self, player_id, rng)

    def timeout_move(self, player_id: int, rng: random.Random) -> tuple[str, dict[str, Any]]:
        """Return the move the turn timer makes for an absent player: never a gamble."""
        return moves.timeout_move(self, player_id, rng)

    # -- internals -----------------------------------------------------------------

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
        auto = sorted(self.auto_ballots, key=self.players.index)
        self.proposals.append(
            {
                "quest": self.quest,
                "proposal": self.proposal,
                "leader": self.leader,
                "team": team,
                "votes": dict(votes),
                "approved": approved,
                "auto": auto,
                "auto_proposal": self.auto_proposal,
            }
        )
        if self.excalibur is not None:
            self.proposals[-1]["excalibur"] = self.excalibur["holder"]
        # An Opinion Maker's vote was cast openly: it stays public under anonymous votes.
        open_votes = dict(self.plot["open_votes"]) if self.plot is not None else {}
        if open_votes:
            self.proposals[-1]["open_votes"] = open_votes
        result = {
            "approved": approved,
            "votes": votes,
            "quest": self.quest,
            "proposal": self.proposal,
            "leader": self.leader,
            "team": team,
            "auto": list(auto),
            "auto_proposal": self.auto_proposal,
        }
        if self.option("anonymous_votes"):
            # The tally is public, who voted how only at game over.
            result["votes"], result["auto"] = None, []
            result["tally"] = card_views.tally(votes)
        if open_votes:
            result["open_votes"] = dict(open_votes)
        events = [Event("vote_result", result)]
        self.votes = votes
        self.ballots = {}
        self.auto_ballots = []
        self.auto_proposal = False
        # The leader moves on after every vote, approved or not.
        self.leader = self._next_leader()
        if approved:
            self.phase = "questing"
            self.played = []
            self.fails = 0
            events += self._after_approval()
        elif self.proposal >= MAX_PROPOSALS:
            events += self._finish("evil", "five_rejections")
        else:
            self.proposal += 1
            self.team = None
            events += self._new_proposal()
        return events
