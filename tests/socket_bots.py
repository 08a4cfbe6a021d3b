"""Seats the test plays over sockets beside the browsers: bots that make legal moves."""

from __future__ import annotations

import random
import time
from collections.abc import Callable

import websocket

from tests.support import Closed
from tests.support import ServerProcess
from tests.support import WsClient

GOOD_ROLES = {"merlin", "percival", "loyal_servant"}
BOT_NAMES = ("Ben", "Cat", "Dan", "Eve")  # with Ann in a browser, a table of five


class Bots:
    """Seats played over sockets by the test: each moves whenever its own view waits for it.

    Votes, quest cards and teams follow the policies given; the Lady and the Assassin pick
    a random legal target; no bot moves while `wait(view)` is true.
    """

    def __init__(
        self,
        server: ServerProcess,
        seats: list[dict],
        approve: Callable[[dict, int], bool] = lambda view, pid: True,
        succeed: Callable[[dict, int], bool] = lambda view, pid: True,
        team: Callable[[dict, int], list[int]] | None = None,
        wait: Callable[[dict], bool] = lambda view: False,
        seed: int = 1,
    ) -> None:
        self.rng = random.Random(seed)
        self.approve, self.succeed, self.team, self.wait = approve, succeed, team, wait
        self.clients: dict[int, WsClient] = {}
        self.views: dict[int, dict | None] = {}
        self.moved: dict[int, tuple[int, int]] = {}  # player -> (game, version) it moved at
        for seat in seats:
            client, first = server.join_socket(seat)
            self.clients[seat["player_id"]] = client
            self.views[seat["player_id"]] = first["payload"]["game"]

    @property
    def ids(self) -> list[int]:
        """The bots' player ids."""
        return list(self.clients)

    def pump(self, timeout: float = 0.02) -> None:
        """Read every frame waiting on the bots' sockets; keep each one's newest view."""
        for pid, client in self.clients.items():
            while True:
                try:
                    message = client.recv(timeout)
                except (websocket.WebSocketTimeoutException, TimeoutError, Closed):
                    break
                except websocket.WebSocketConnectionClosedException:
                    break
                if message.get("type") == "state" and message.get("event") == "game":
                    self.views[pid] = message["payload"]
                elif message.get("type") == "event" and message.get("event") == "returned_to_lobby":
                    self.views[pid] = None

    def act(self) -> None:
        """Make every move the bots' views wait for, once per view version."""
        for pid, view in self.views.items():
            if not view or view["phase"] == "game_over":
                continue
            stamp = (view["game_id"], view["version"])
            if self.moved.get(pid) == stamp or self.wait(view):
                continue
            move = self.move_for(pid, view)
            if move is not None:
                kind, payload = move
                self.clients[pid].send({"type": kind, "correlation_id": "bot", "payload": payload})
                self.moved[pid] = stamp

    def move_for(self, pid: int, view: dict) -> tuple[str, dict] | None:
        """The envelope type and payload of this bot's move now, if the game waits for it."""
        phase, you = view["phase"], view["you"]
        if phase == "team_building" and view["leader"] == pid:
            size = view["team_sizes"][view["quest"] - 1]
            team = self.team(view, size) if self.team else self.rng.sample(view["players"], size)
            return "action", {"action": "propose_team", "players": team}
        if phase == "voting" and pid not in view["voted"]:
            return "vote", {"approve": self.approve(view, pid)}
        if phase == "questing" and pid in (view["team"] or []) and pid not in view["played"]:
            success = you["role"] in GOOD_ROLES or self.succeed(view, pid)
            return "action", {"action": "play_quest", "success": success}
        if phase == "lady" and view["lady"]["holder"] == pid:
            targets = [p for p in view["players"] if p not in view["lady"]["ineligible"]]
            return "action", {"action": "lady_of_the_lake", "target": self.rng.choice(targets)}
        if phase == "assassination" and you["role"] == "assassin":
            seen = {entry["player_id"] for entry in you["sees"]}
            targets = [p for p in view["players"] if p != pid and p not in seen]
            return "action", {"action": "assassinate", "target": self.rng.choice(targets)}
        return None

    def play_until(self, done: Callable[[], bool], timeout: float = 30) -> None:
        """Let the bots play until `done()` is true (checked between rounds)."""
        deadline = time.monotonic() + timeout
        while not done():
            if time.monotonic() > deadline:
                raise AssertionError("the game did not get there in time")
            self.pump()
            self.act()

    def version(self, timeout: float = 10) -> int:
        """The game's version as the bots see it (read from their sockets once they have one)."""
        deadline = time.monotonic() + timeout
        while not any(self.views.values()):
            assert time.monotonic() < deadline, "no bot has a game view"
            self.pump()
        return self.view()["version"]

    def wait_past(self, version: int, timeout: float = 10) -> None:
        """Read the bots' sockets until the game moved on from `version` (a move was applied).

        Waiting for a clicked panel to go is not enough: the next turn may show it again.
        """
        deadline = time.monotonic() + timeout
        while self.view()["version"] <= version:
            assert time.monotonic() < deadline, f"the game stayed at version {version}"
            self.pump()

    def view(self) -> dict:
        """The newest view any bot holds (the public parts are the same for all)."""
        views = [view for view in self.views.values() if view]
        assert views, "no bot has a game view"
        return max(views, key=lambda view: (view["game_id"], view["version"]))

    def close(self) -> None:
        """Close every bot's socket."""
        for client in self.clients.values():
            client.close()
