"""The per-app objects the factory builds, and delivery through the app's broker."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field

import gevent
from flask import Flask
from flask import current_app

from avalon.protocol import envelopes
from avalon.realtime.broker import Broker
from avalon.realtime.broker import LocalBroker
from avalon.realtime.hub import Delivery
from avalon.services.limits import AddressLimiter
from avalon.services.seat_limits import SeatLimits
from avalon.store.chat import ChatWriter

EXTENSION = "avalon"


@dataclass
class AppState:
    """What one app owns beyond its config: broker, limiters, chat writer, host checks."""

    broker: Broker
    room_requests: AddressLimiter
    seat_limits: SeatLimits
    chat_writer: ChatWriter = field(default_factory=ChatWriter)
    host_checks: dict[int, gevent.Greenlet] = field(default_factory=dict)  # room id -> check
    host_left: dict[int, tuple[int, float]] = field(default_factory=dict)  # room -> host, when


def make_broker(config: dict) -> Broker:
    """The Redis broker when REDIS_URL is set, the in-process one otherwise."""
    if config.get("REDIS_URL"):
        from avalon.realtime.redis_broker import RedisBroker

        return RedisBroker(config["REDIS_URL"], config["NAMESPACE"])
    return LocalBroker()


def init_app(app: Flask) -> None:
    """Build this app's state; the broker is started per worker, not here.

    CLI commands build the app too and must not open a Redis listener.
    """
    limits = SeatLimits(app.config)  # every named limit, on one Redis back-off per worker
    app.extensions[EXTENSION] = AppState(
        broker=make_broker(app.config),
        room_requests=limits.addresses,
        seat_limits=limits,
    )


def state(app: Flask | None = None) -> AppState:
    """The state of the given app, or of the current one."""
    return (app or current_app).extensions[EXTENSION]


def allow_address(address: str) -> tuple[bool, int]:
    """Count one request from a client address against its limit (all workers and hosts).

    Returns whether it may go ahead and, when not, the seconds to wait (`Retry-After`).
    """
    return state().room_requests.allow(address)


def broker() -> Broker:
    """The current app's broker."""
    return state().broker


def publish(
    room: str,
    envelope: dict,
    *,
    to: int | None = None,
    exclude: int | None = None,
    reply_to: int | None = None,
    correlation_id: str | None = None,
) -> None:
    """Encode an envelope once and send it to the room's sockets wherever they are."""
    data = envelopes.to_bytes(envelope)
    broker().publish(Delivery(room, data, to, exclude, reply_to, correlation_id))


def send(
    room: str,
    data: bytes,
    *,
    to: int,
    reply_to: int | None = None,
    correlation_id: str | None = None,
) -> None:
    """Send an already encoded envelope to one member of a room, wherever it is."""
    broker().publish(Delivery(room, data, to, None, reply_to, correlation_id))
