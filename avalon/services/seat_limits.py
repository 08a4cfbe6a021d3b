"""The app's named limits: chat and moves per seat, requests and failed logins per address.

A seat's allowance belongs to the seat, not to its socket, so reconnecting refills
nothing. Every limit follows `limits.Limiter`'s one policy: with Redis the counts are
shared by every worker and host (and a Redis outage leaves each worker counting on its
own, with the same burst and rate); without it they live in this worker, which then
holds every socket of the deployment.
"""

from __future__ import annotations

from avalon.services.limits import AddressLimiter
from avalon.services.limits import Limiter
from avalon.services.limits import redis_counts

AUTH_FAILURE_BURST = 10  # failed socket logins an address may make at once ...
AUTH_FAILURE_RATE = 0.2  # ... then one every five seconds


class SeatLimits:
    """The chat and move allowance of every seat; room requests and failed logins per address.

    All of them count on one Redis connection pool and back-off per worker, so a Redis
    outage is found once, not once per limit.
    """

    def __init__(self, config: dict) -> None:
        self.redis = redis = redis_counts(config)
        # A seat acts through one socket, on one worker at a time: see Limiter's `seat`.
        self.chat = Limiter("chat", config["CHAT_BURST"], config["CHAT_RATE"], redis, seat=True)
        self.moves = Limiter("moves", config["MOVE_BURST"], config["MOVE_RATE"], redis, seat=True)
        self.auth_failures = Limiter("auth", AUTH_FAILURE_BURST, AUTH_FAILURE_RATE, self.redis)
        # A seat with a valid token gets an allowance of socket upgrades of its own, as
        # large as an address's: a friend behind a shared router is not a stranger.
        self.connects = Limiter(
            "connect", config["ROOM_REQUEST_BURST"], config["ROOM_REQUEST_RATE"], self.redis
        )
        self.addresses = AddressLimiter(
            config["ROOM_REQUEST_BURST"], config["ROOM_REQUEST_RATE"], self.redis
        )

    def allow_chat(self, room: str, player_id: int) -> bool:
        """Take one chat message from a seat's allowance."""
        return self.chat.allow(f"{room}:{player_id}")

    def allow_move(self, room: str, player_id: int) -> bool:
        """Take one game move or room action from a seat's allowance."""
        return self.moves.allow(f"{room}:{player_id}")

    def settle(self, room: str, player_id: int) -> None:
        """A seat's socket left this worker: its spending here counts everywhere from now."""
        self.chat.settle(f"{room}:{player_id}")
        self.moves.settle(f"{room}:{player_id}")

    def allow_connect(self, room_id: int, player_id: int) -> bool:
        """Take one socket upgrade from a seat's allowance (its token verified)."""
        return self.connects.allow(f"{room_id}:{player_id}")

    def allow_auth_failure(self, address: str) -> bool:
        """Count a failed socket login; False once an address has failed too often."""
        return self.auth_failures.allow(address)
