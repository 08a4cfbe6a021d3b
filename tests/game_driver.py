"""Play Avalon over real sockets: a table of clients that make legal moves."""

from __future__ import annotations

import random
from typing import Any

from avalon.bots import decide
from tests.support import ServerProcess
from tests.support import WsClient

GOOD = {"merlin", "percival", "loyal_servant"}


class Table:
    """Every member's socket, each member's latest game view, and the moves they make."""

    def __init__(self, server: ServerProcess, seats: list[dict], watchers: list[dict] = ()):
        self.server = server
        self.seats = {seat["player_id"]: seat for seat in [*seats, *watchers]}
        self.host = seats[0]["player_id"]
        self.clients: dict[int, WsClient] = {}
        self.views: dict[int, dict | None] = {}
        self.game_id: int | None = None
        self.errors: dict[int, list[dict]] = {}
        for player_id in self.seats:
            self.reconnect(player_id)

    def reconnect(self, player_id: int) -> dict:
        """(Re)open a member's socket (closing its older one); return its first snapshot."""
        older = self.clients.get(player_id)
        if older is not None:
            older.close()
        client, first = self.server.join_socket(self.seats[player_id])
        self.clients[player_id] = client
        self.views[player_id] = first["payload"]["game"]
        return first

    def close(self) -> None:
        """Close every socket."""
        for client in self.clients.values():
            client.close()

    def send(self, player_id: int, kind: str, payload: dict, correlation_id: str = "m") -> None:
        """Send a vote or an action envelope."""
        envelope = {"type": kind, "correlation_id": correlation_id, "payload": payload}
        self.clients[player_id].send(envelope)

    def action(self, actor: int, name: str, correlation_id: str = "m", **fields: Any) -> None:
        """Send an action."""
        self.send(actor, "action", {"action": name, **fields}, correlation_id)

    def sync(self, version: int, timeout: float = 20, strict: bool = True) -> None:
        """Read every member's socket until it holds this game's view of at least `version`.

        Error envelopes fail the sync, unless `strict` is off: then they are collected.
        """
        for player_id, client in self.clients.items():
            while not self.current(self.views[player_id], version):
                message = client.recv(timeout)
                if message["type"] == "error":
                    if strict:
                        raise AssertionError(f"player {player_id} got {message}")
                    self.errors.setdefault(player_id, []).append(message)
                if message["type"] == "state" and message["event"] == "game":
                    self.views[player_id] = message["payload"]

    def current(self, view: dict | None, version: int) -> bool:
        """Tell whether a view is of this table's game and at least this version."""
        return view is not None and view["game_id"] == self.game_id and view["version"] >= version

    @property
    def view(self) -> dict:
        """The newest public facts, as the host sees them."""
        return self.views[self.host]

    def start(self, action: str = "start_game", **options: Any) -> dict:
        """Have the host start a game; wait until everyone has its first view."""
        previous = (self.views[self.host] or {}).get("game_id")
        self.action(self.host, action, **options)
        while True:
            message = self.clients[self.host].recv()
            if message["type"] == "error":
                raise AssertionError(message)
            if message["event"] == "game" and message["payload"]["game_id"] != previous:
                self.game_id = message["payload"]["game_id"]
                self.views[self.host] = message["payload"]
                break
        self.sync(1)
        return self.view

    def role_of(self, player_id: int) -> str | None:
        """What a member's own view says its role is."""
        you = self.views[player_id]["you"]
        return you["role"] if you else None

    def next_moves(self, rng: random.Random) -> list[tuple[int, str, dict]]:
        """Every move the game waits for now, as (player, envelope type, payload)."""
        view = self.view
        phase, players = view["phase"], view["players"]
        if phase == "team_building":
            size = view["team_sizes"][view["quest"] - 1]
            team = rng.sample(players, size)
            return [(view["leader"], "action", {"action": "propose_team", "players": team})]
        if phase == "voting":
            # Approve often enough that games reach quests, reject often enough to see it.
            return [
                (player, "vote", {"approve": rng.random() < 0.7})
                for player in players
                if player not in view["voted"]
            ]
        if phase == "questing":
            moves = []
            for player in view["team"]:
                if player in view["played"]:
                    continue
                good = self.role_of(player) in GOOD
                success = good or rng.random() < 0.5
                moves.append((player, "action", {"action": "play_quest", "success": success}))
            return moves
        if phase == "lady":
            holder = view["lady"]["holder"]
            targets = [p for p in players if p not in view["lady"]["ineligible"]]
            return [
                (holder, "action", {"action": "lady_of_the_lake", "target": rng.choice(targets)})
            ]
        if phase == "assassination":
            assassin = next(p for p in players if self.role_of(p) == "assassin")
            # The Assassin may not name a teammate it sees (PROTOCOL section 5).
            seen = {entry["player_id"] for entry in self.views[assassin]["you"]["sees"]}
            target = rng.choice([p for p in players if p != assassin and p not in seen])
            return [(assassin, "action", {"action": "assassinate", "target": target})]
        return []

    def play_move(self, rng: random.Random) -> bool:
        """Make one awaited move and wait until everyone saw it; False once the game is over."""
        moves = self.next_moves(rng)
        if not moves:
            return False
        player, kind, payload = moves[0]
        version = self.view["version"]
        self.send(player, kind, payload)
        self.sync(version + 1)
        return True

    def play_to_end(self, rng: random.Random, max_moves: int = 400) -> dict:
        """Play until game over; return the final view."""
        for _ in range(max_moves):
            if not self.play_move(rng):
                return self.view
        raise AssertionError("game did not end")

    def play_from_views(self, rng: random.Random, max_moves: int = 600) -> dict:
        """Each seat moves as a bot would from the view its socket received, to game over
        (every role, card and phase: what the scripted moves above do not know)."""
        for _ in range(max_moves):
            view = self.view
            if view["phase"] == "game_over":
                return view
            moves = [(pid, decide(self.views[pid], rng)) for pid in self.clients]
            pid, (kind, payload) = next((pid, move) for pid, move in moves if move is not None)
            if kind == "vote":
                self.send(pid, "vote", payload)
            else:
                self.send(pid, "action", {"action": kind, **payload})
            self.sync(view["version"] + 1)
        raise AssertionError("game did not end")
