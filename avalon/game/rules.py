"""The rules of The Resistance: Avalon as a pure state machine: no Flask, sockets or I/O.

A `Game` holds the whole state as JSON-native attributes so that it can be stored and
restored exactly (`to_dict` / `from_dict`). Each move either raises `RuleError` and
changes nothing, or changes the state, bumps `version` and returns the `Event`s to send.
Clients only ever receive events and `Game.view(player_id)`, never the state itself.
The state and its views are in `state.py`; the numbers, roles and options in `options.py`.
"""

from __future__ import annotations

import copy
import random
from typing import Any

from avalon.game.options import LADY_QUESTS
from avalon.game.options import MAX_PROPOSALS
from avalon.game.options import MOVES
from avalon.game.options import QUESTS_TO_DECIDE
from avalon.game.options import Event
from avalon.game.options import check_bool
from avalon.game.options import check_id
from avalon.game.options import check_ids
from avalon.game.options import invalid
from avalon.game.options import is_int
from avalon.game.options import not_allowed
from avalon.game.options import roles_for
from avalon.game.options import validate_options
from avalon.game.state import GameState


class Game(GameState):
    """A game and its moves: each move raises RuleError and changes nothing, or applies."""

    # -- creation ------------------------------------------------------------------

    @classmethod
    def new(
        cls,
        player_ids: list[int],
        roles: list[str],
        lady_of_the_lake: bool | None,
        rng: random.Random,
    ) -> tuple[Game, list[Event]]:
        """Seat players in the given order, assign roles at random, pick a random first leader."""
        if not isinstance(player_ids, list) or not all(is_int(pid) for pid in player_ids):
            raise ValueError("player_ids must be a list of integer ids")
        if len(set(player_ids)) != len(player_ids):
            raise ValueError("player_ids must be distinct")
        special, lady = validate_options(len(player_ids), roles, lady_of_the_lake)
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
        key = MOVES[kind]
        if not isinstance(payload, dict) or set(payload) != {key}:
            raise invalid(f"{kind} takes exactly {{{key!r}: ...}}")
        value = payload[key]
        if kind == "propose_team":
            return self.propose_team(player_id, check_ids(value, key), auto)
        if kind == "vote":
            return self.vote(player_id, check_bool(value, key), auto)
        if kind == "play_quest":
            return self.play_quest(player_id, check_bool(value, key), auto)
        if kind == "assassinate":
            return self.assassinate(player_id, check_id(value, key), auto)
        return self.use_lady(player_id, check_id(value, key), auto)

    def abandon(self) -> list[Event]:
        """End the game with no winner (the table voted to end it); every role revealed."""
        if self.phase == "game_over":
            raise not_allowed("the game is already over")
        self.version += 1
        return self._finish(None, "abandoned")

    def propose_team(self, player_id: int, team: list[int], auto: bool = False) -> list[Event]:
        """Let the leader put a team to the vote."""
        team = check_ids(team, "players")
        self._expect("team_building", player_id, "propose a team")
        if player_id != self.leader:
            raise not_allowed("only the leader proposes a team")
        size = self.team_sizes()[self.quest - 1]
        if len(team) != size:
            raise invalid(f"quest {self.quest} needs a team of {size}")
        if any(pid not in self.players for pid in team):
            raise invalid("the team may only name players of this game")
        self.team = team
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
        return [Event("team_proposed", payload)]

    def vote(self, player_id: int, approve: bool, auto: bool = False) -> list[Event]:
        """Record one player's vote on the proposed team; resolve it after the last vote."""
        approve = check_bool(approve, "approve")
        self._expect("voting", player_id, "vote")
        if str(player_id) in self.ballots:
            raise not_allowed("you already voted on this team")
        self.ballots[str(player_id)] = approve
        if auto:
            self.auto_ballots.append(player_id)
        self.version += 1
        events = [Event("vote_cast", {"player_id": player_id, "auto": auto})]
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
        if not success and self.alignment_of(player_id) == "good":
            raise not_allowed("good players can only play success")
        self.played.append(player_id)
        if auto:
            self.auto_played.append(player_id)
        self.fails += not success
        self.version += 1
        if len(self.played) < len(self.team or []):
            # No event: who played is in the next view; what they played stays secret.
            return []
        return self._resolve_quest()

    def use_lady(self, player_id: int, target: int, auto: bool = False) -> list[Event]:
        """Let the Lady's holder examine a player, then hand her over to them."""
        target = check_id(target, "target")
        self._expect("lady", player_id, "use the Lady of the Lake")
        if player_id != self.lady_holder:
            raise not_allowed("only the holder uses the Lady of the Lake")
        if target not in self.players:
            raise invalid("target must be a player of this game")
        if target in self.lady_ineligible:
            raise not_allowed("the Lady may only examine a player who never held her")
        seen = self.alignment_of(target)
        check = {"holder": player_id, "target": target, "alignment": seen, "auto": auto}
        self.lady_checks.append(check)
        self.lady_holder = target
        self.lady_ineligible.append(target)
        self.phase = "team_building"
        self.version += 1
        return [
            Event("lady_used", {"holder": player_id, "target": target, "auto": auto}),
            Event("lady_result", {"target": target, "alignment": seen}, to=player_id),
        ]

    def assassinate(self, player_id: int, target: int, auto: bool = False) -> list[Event]:
        """Let the Assassin name Merlin's suspect and end the game."""
        target = check_id(target, "target")
        self._expect("assassination", player_id, "assassinate")
        if player_id != self.assassin():
            raise not_allowed("only the Assassin names a target")
        if target not in self.players:
            raise invalid("target must be a player of this game")
        if target == player_id:
            raise not_allowed("the Assassin may not name themself")
        if target not in self.assassin_targets():
            # Said without naming a role: the Assassin already sees who its teammates are.
            raise not_allowed("the Assassin may not name a player it knows to be evil")
        self.assassin_target = target
        self.assassination_auto = auto
        self.version += 1
        if self.role_of(target) == "merlin":
            return self._finish("evil", "merlin_assassinated")
        return self._finish("good", "merlin_survived")

    def random_move(self, player_id: int, rng: random.Random) -> tuple[str, dict[str, Any]]:
        """Return a random legal (kind, payload) for an awaited player (for the turn timer)."""
        if player_id not in self.awaited():
            raise not_allowed("the game is not waiting for this player")
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
            raise not_allowed("the game is not waiting for this player")
        if self.phase == "voting":
            return "vote", {"approve": True}
        if self.phase == "questing":
            return "play_quest", {"success": True}
        return self.random_move(player_id, rng)

    # -- internals -----------------------------------------------------------------

    def _expect(self, phase: str, player_id: int, action: str) -> None:
        """Raise not_allowed unless a seated player acts in the given phase."""
        if player_id not in self.players:
            raise not_allowed("only players of this game can play")
        if self.phase != phase:
            raise not_allowed(f"cannot {action} during {self.phase}")

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
            "auto": sorted(self.auto_played, key=self.players.index),
        }
        self.quest_results.append(result)
        events = [Event("quest_result", copy.deepcopy(result))]
        self.team = None
        self.played = []
        self.auto_played = []
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

    def _finish(self, winner: str | None, reason: str) -> list[Event]:
        """End the game and reveal every role."""
        self.phase = "game_over"
        self.winner = winner
        self.reason = reason
        self.team = None
        self.played = []
        self.ballots = {}
        self.auto_ballots, self.auto_played, self.auto_proposal = [], [], False
        payload = {
            "winner": winner,
            "reason": reason,
            "roles": self.roles_by_id(),
            "assassination": self.assassination(),
        }
        return [Event("game_over", payload)]
