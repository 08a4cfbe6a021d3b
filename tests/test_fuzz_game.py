"""Fuzzing random action sequences in a started game over its five members' sockets.

Legal moves, legal moves mutated and random envelopes are sent from any member. Every
input must get an `error` envelope whose code is in the protocol's list, or a legal
effect (game events and a new game view, a chat event, a pong), or a 1008 once a socket
has had more than 20 error answers within 10 seconds (the fuzzer then reconnects and goes
on: that limit is the protocol's, not a failure). Afterwards the stored room and its game
agree with what the sockets were told.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from tests import fuzz_support
from tests.fuzz_support import ACTIONS
from tests.fuzz_support import CLOSES
from tests.fuzz_support import ERROR_LIMIT
from tests.fuzz_support import EXAMPLES
from tests.fuzz_support import FIELDS
from tests.fuzz_support import ROLES
from tests.fuzz_support import SETTINGS
from tests.fuzz_support import ClosedBy
from tests.fuzz_support import any_text
from tests.fuzz_support import check_error
from tests.fuzz_support import count
from tests.fuzz_support import envelopes
from tests.fuzz_support import field_values
from tests.fuzz_support import json_values
from tests.fuzz_support import mutated_envelopes
from tests.fuzz_support import next_message
from tests.fuzz_support import weighted
from tests.game_driver import Table
from tests.support import ServerProcess

pytestmark = pytest.mark.timeout(180)

GAME_EVENTS = {
    "game_started",
    "team_proposed",
    "vote_cast",
    "vote_result",
    "quest_result",
    "lady_used",
    "lady_result",
    "assassination_started",
    "game_over",
}
PRESENCE_EVENTS = {
    "player_joined", "player_connected", "player_disconnected", "host_changed",
    "presence_line", "stand_in", "stand_in_ended",
}  # fmt: skip
PHASES = {"team_building", "voting", "questing", "lady", "assassination", "game_over"}

# Bound here so that this module gets its own server, observer and leak checks
# (pytest looks fixtures up by name in the test module).
fuzz_server = fuzz_support.fuzz_server
observer = fuzz_support.observer
nothing_leaked = fuzz_support.nothing_leaked


# Random action sequences in a started game


class GameFuzzer:
    """Five players at a table; checks every game view each socket receives.

    Within one game, each socket must see versions 1, 2, 3, ... with no gap and no
    repeat: one accepted move is exactly one version, a refused one none.
    """

    def __init__(self, server: ServerProcess) -> None:
        self.server = server
        self.seats = server.room_with_players(5)
        self.table = Table(server, self.seats)
        view = self.table.start()
        self.game_id, self.version, self.number = view["game_id"], view["version"], view["number"]
        self.seen = {pid: (self.game_id, self.version) for pid in self.table.clients}
        self.errors = dict.fromkeys(self.table.clients, 0)
        self.marker = 0
        self.accepted = 0
        self.refused = 0
        self.games = 1

    @property
    def ids(self) -> list[int]:
        return [seat["player_id"] for seat in self.seats]

    def observe(self, pid: int, message: dict) -> None:
        """Check one message a member received and track its game view."""
        kind, event = message["type"], message.get("event")
        assert (
            '"roles":' not in json.dumps(message)
            or (kind == "state" and message["payload"]["phase"] == "game_over")
            or event == "game_over"
        ), message
        if kind == "error":
            check_error(message)
            self.errors[pid] += 1
        elif kind == "event":
            assert event in GAME_EVENTS | PRESENCE_EVENTS | {"chat", "pong"}, message
        else:
            assert kind == "state" and event == "game", message
            view = message["payload"]
            assert view["phase"] in PHASES, view
            assert view["you"]["player_id"] == pid, view
            game_id, version = self.seen[pid]
            if view["game_id"] == game_id:
                # A move is a new version; the table's changes (a player away or back, a
                # stand-in) send the same version again.
                assert view["version"] in (version, version + 1), (pid, version, view["version"])
            else:
                # The next game, and only once the last one is over.
                assert self.table.views[pid]["phase"] == "game_over", view
                assert view["number"] == self.table.views[pid]["number"] + 1, view
            self.seen[pid] = (view["game_id"], view["version"])
            self.table.views[pid] = view

    def read(self, pid: int, timeout: float = 15) -> dict:
        message = next_message(self.table.clients[pid].ws, timeout)
        self.observe(pid, message)
        return message

    def reconnect(self, pid: int) -> None:
        self.table.clients[pid].close()
        first = self.table.reconnect(pid)
        view = first["payload"]["game"]
        # The stored game is the one the sockets were told of.
        assert (view["game_id"], view["version"]) == (self.game_id, self.version), view
        self.seen[pid] = (view["game_id"], view["version"])
        self.errors[pid] = 0

    def step(self, pid: int, envelope: dict) -> list[dict]:
        """Send one envelope from a member; return its answer (reconnecting after 1008)."""
        self.marker += 1
        marker = f"s{self.marker}"
        cid = f"m{self.marker}"
        envelope = {**envelope, "correlation_id": cid}
        client = self.table.clients[pid]
        client.send(envelope)
        client.send({"type": "system", "correlation_id": marker, "payload": {"action": "ping"}})
        answer: list[dict] = []
        try:
            while True:
                message = self.read(pid)
                if message.get("correlation_id") == marker:
                    break
                answer.append(message)
        except ClosedBy as closed:
            CLOSES[closed.code] += 1
            errors = self.errors[pid]
            self.reconnect(pid)  # first, so that hypothesis replays a failure on an open socket
            assert closed.code == 1008 and errors > ERROR_LIMIT, (closed.code, envelope, answer)
        mine = [m for m in answer if m.get("correlation_id") == cid]
        accepted = [m for m in mine if m["type"] == "state"]
        if accepted:
            view = accepted[-1]["payload"]
            if view["game_id"] == self.game_id:
                assert view["version"] == self.version + 1, (envelope, view["version"])
            else:
                assert envelope["payload"].get("action") in ("start_game", "play_again")
                self.games += 1
            self.game_id, self.version, self.number = (
                view["game_id"],
                view["version"],
                view["number"],
            )
            self.accepted += 1
            self.sync()
        else:
            assert len(mine) <= 1, mine
            if mine and mine[0]["type"] == "error":
                self.refused += 1
            else:
                # Not a game move: a chat (broadcast), a pong, or a 1008 close.
                assert not mine or mine[0]["event"] in ("chat", "pong"), mine
        return answer

    def sync(self) -> None:
        """Read every socket until it has the newest view."""
        for pid in self.table.clients:
            while self.seen[pid] != (self.game_id, self.version):
                self.read(pid)

    def drain(self) -> None:
        """Read every socket up to a ping (chats and presence pile up otherwise)."""
        for pid in self.table.clients:
            self.step(pid, {"type": "system", "payload": {"action": "ping"}})

    def close(self) -> None:
        self.table.close()


@dataclass
class Plan:
    """Everything one game step may need, drawn before looking at the game.

    Hypothesis requires that what it draws does not depend on outside state, so each
    step draws the same things and `choose_step` then applies them to the current game.
    """

    seed: int
    kind: str
    index: int
    mutation: str
    player: int
    value: Any
    action: Any
    extra: tuple[Any, Any]
    envelope: dict
    restart: dict


def plans(ids: list[int]) -> st.SearchStrategy[Plan]:
    random_envelopes = (mutated_envelopes(ids) | envelopes(ids)).map(
        lambda envelope: {
            "type": envelope.get("type", "action"),
            "payload": envelope.get("payload", {}),
        }
    )
    roles = st.sampled_from([["merlin", "assassin"], ["merlin", "assassin", "percival"]])
    restart = st.fixed_dictionaries(
        {
            "action": st.sampled_from(["play_again", "start_game"]),
            "roles": weighted(
                (1, roles), (2, st.lists(st.sampled_from(ROLES) | any_text(8), max_size=4))
            ),
        }
    )
    return st.builds(
        Plan,
        seed=st.integers(0, 2**32),
        kind=st.sampled_from(["legal"] * 5 + ["mutated"] * 3 + ["random"] * 2),
        index=st.integers(0, 9),
        mutation=st.sampled_from(["player", "value", "action", "extra", "type"]),
        player=st.integers(0, len(ids) - 1),
        value=field_values(ids),
        action=st.sampled_from(ACTIONS) | any_text(10),
        extra=st.tuples(st.sampled_from(FIELDS) | any_text(8), json_values(3)),
        envelope=random_envelopes,
        restart=restart,
    )


def choose_step(fuzzer: GameFuzzer, plan: Plan) -> tuple[int, dict]:
    """A legal move, a legal move mutated, or a random envelope, from some member."""
    moves = fuzzer.table.next_moves(random.Random(plan.seed))
    if not moves:  # game over: the host starts the next one
        return fuzzer.table.host, {"type": "action", "payload": plan.restart}
    pid, move_type, payload = moves[plan.index % len(moves)]
    if plan.kind == "random":
        return fuzzer.ids[plan.player], plan.envelope
    if plan.kind == "mutated":
        payload = dict(payload)
        if plan.mutation == "player":
            pid = fuzzer.ids[plan.player]
        elif plan.mutation == "value":
            payload[next(key for key in payload if key != "action")] = plan.value
        elif plan.mutation == "action":
            payload["action"] = plan.action
        elif plan.mutation == "extra":
            payload[plan.extra[0]] = plan.extra[1]
        else:
            move_type = "action" if move_type == "vote" else "vote"
    return pid, {"type": move_type, "payload": payload}


def test_random_action_sequences_in_a_game(fuzz_server: ServerProcess) -> None:
    fuzzer = GameFuzzer(fuzz_server)
    step_plans = plans(fuzzer.ids)
    try:

        @settings(SETTINGS, max_examples=max(1, EXAMPLES // 6))
        @given(st.data())
        def run(data: st.DataObject) -> None:
            for _ in range(data.draw(st.integers(1, 25))):
                pid, envelope = choose_step(fuzzer, data.draw(step_plans))
                count("game_moves")
                fuzzer.step(pid, envelope)
            fuzzer.drain()

        run()
        # Every member's view and a fresh snapshot agree with the stored game.
        fuzzer.sync()
        host = fuzzer.seats[0]
        fuzzer.reconnect(host["player_id"])  # checks the snapshot against the sockets
        view = fuzzer.table.views[host["player_id"]]
        assert view["phase"] in PHASES
        answer = fuzzer.step(host["player_id"], {"type": "chat", "payload": {"message": "gg"}})
        assert [m["event"] for m in answer if m.get("correlation_id")] == ["chat"]
        status, body = fuzz_server.request("GET", f"/api/rooms/{host['code']}")
        assert status == 200
        assert [p["player_id"] for p in body["players"]] == fuzzer.ids
        assert body["status"] == ("finished" if view["phase"] == "game_over" else "in_game")
        assert fuzzer.accepted > 0 and fuzzer.refused > 0
        print(
            f"game fuzz: {fuzzer.accepted} moves accepted, {fuzzer.refused} refused,"
            f" {fuzzer.games} games"
        )
    finally:
        fuzzer.close()
