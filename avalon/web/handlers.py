"""The room socket's read loop and one handler per client message type."""

from __future__ import annotations

import time
from collections.abc import Callable

from peewee import PeeweeException

from avalon.game.options import MOVES
from avalon.ops import metrics
from avalon.protocol import codes
from avalon.protocol import envelopes
from avalon.protocol.codes import CloseCode
from avalon.protocol.errors import CloseSocket
from avalon.protocol.errors import ProtocolError
from avalon.protocol.validation import clean_chat_message
from avalon.realtime.reader import ClientSocket
from avalon.services import absence
from avalon.services import bots
from avalon.services import chat
from avalon.services import context
from avalon.services import endings
from avalon.services import games
from avalon.services import lobby
from avalon.services import rooms
from avalon.web.session import Session


def run_session(client: ClientSocket, session: Session, config: dict) -> None:
    """Read and answer messages, in this greenlet, until the socket closes.

    Idle sockets are closed, and quiet ones pinged, by the worker's sweep
    (realtime/sweep.py), not by a timer on every read.
    """
    try:
        read_loop(client, session)
    finally:
        client.finish()  # the writer may be waiting for the read loop to end


def read_loop(client: ClientSocket, session: Session) -> None:
    """Dispatch each message to its handler until the socket closes or starts closing."""
    conn = session.conn
    while not conn.closing:
        data = client.receive()
        if data is None:
            return
        metrics.inc("avalon_messages_in_total")
        started = time.perf_counter()
        correlation_id = None
        try:
            message = envelopes.parse(data)
            correlation_id = message.get("correlation_id")
            HANDLERS[message["type"]](session, message["payload"], correlation_id)
        except ProtocolError as err:
            answer_error(
                session, err, err.correlation_id if correlation_id is None else correlation_id
            )
        except PeeweeException as exc:  # db.Unavailable included
            metrics.count_failure(exc)
            text = "the database is unavailable: nothing was changed, try again"
            answer_error(session, ProtocolError(codes.UNAVAILABLE, text), correlation_id)
        metrics.observe("avalon_message_seconds", time.perf_counter() - started)


def answer_error(session: Session, err: ProtocolError, correlation_id: str | None) -> None:
    """Send an error envelope; close with 1008 when a client keeps misbehaving."""
    metrics.inc("avalon_errors_total", code=err.code)
    session.conn.send_envelope(envelopes.error(err.code, err.message, correlation_id))
    if session.errors.exceeded():
        raise CloseSocket(CloseCode.POLICY, "too many errors")


def handle_chat(session: Session, payload: dict, correlation_id: str | None) -> None:
    """Validate, store and broadcast a chat message."""
    state, conn = session.state, session.conn
    if not state.seat_limits.allow_chat(conn.room_code, conn.player_id):
        raise ProtocolError(codes.RATE_LIMITED, "slow down: too many chat messages")
    text = clean_chat_message(payload.get("message"), session.chat_max_length)
    chat.post(
        state,
        conn.room_id,
        conn.room_code,
        conn.player_id,
        conn.display_name,
        text,
        correlation_id,
        conn.spectator,
    )


def handle_system(session: Session, payload: dict, correlation_id: str | None) -> None:
    """Answer the application-level ping."""
    if payload.get("action") != "ping":
        raise ProtocolError(codes.INVALID_PAYLOAD, "the only system action is ping")
    session.conn.send_envelope(
        envelopes.event("pong", {"server_time": time.time()}, correlation_id)
    )


def check_move_rate(session: Session) -> None:
    """Refuse a seat that moves faster than any table plays (its allowance, not its socket's)."""
    conn = session.conn
    if not context.state().seat_limits.allow_move(conn.room_code, conn.player_id):
        raise ProtocolError(codes.RATE_LIMITED, "slow down: too many moves")


def handle_vote(session: Session, payload: dict, correlation_id: str | None) -> None:
    """Vote on the proposed team."""
    check_move_rate(session)
    conn = session.conn
    games.move(conn.room_id, conn.player_id, "vote", payload, correlation_id)


def handle_action(session: Session, payload: dict, correlation_id: str | None) -> None:
    """Game moves, and the room actions of the host and of every member."""
    action = payload.get("action")
    if not isinstance(action, str):
        raise ProtocolError(codes.INVALID_PAYLOAD, "payload.action must name an action")
    check_move_rate(session)
    options = {key: value for key, value in payload.items() if key != "action"}
    conn = session.conn
    room_id, player_id = conn.room_id, conn.player_id
    if action in ("start_game", "play_again"):
        games.start(room_id, player_id, options, correlation_id)
    elif action in PLAIN_ACTIONS:
        if options:
            raise ProtocolError(codes.INVALID_PAYLOAD, f"{action} takes no fields")
        PLAIN_ACTIONS[action](room_id, player_id, correlation_id)
    elif action in OPTIONS_ACTIONS:
        OPTIONS_ACTIONS[action](room_id, player_id, options, correlation_id)
    elif action in FIELD_ACTIONS:
        handler, field = FIELD_ACTIONS[action]
        if set(options) != {field}:
            raise ProtocolError(codes.INVALID_PAYLOAD, f"{action} takes exactly {{{field!r}}}")
        handler(room_id, player_id, options[field], correlation_id)
    elif action != "vote" and action in MOVES:
        games.move(room_id, player_id, action, options, correlation_id)
    else:
        raise ProtocolError(codes.INVALID_PAYLOAD, f"unknown action {action[:32]!r}")


# Room actions without fields: (room id, acting member, correlation id).
PLAIN_ACTIONS: dict[str, Callable[[int, int, str | None], None]] = {
    "take_seat": lobby.take_seat,
    "leave_seat": lobby.leave_seat,
    "leave_room": lobby.leave_room,
    "return_to_lobby": lobby.return_to_lobby,
    "propose_end": endings.propose_end,
}
# Room actions with one field: the handler gets the field's value, checked by the handler.
FIELD_ACTIONS: dict[str, tuple[Callable[[int, int, object, str | None], None], str]] = {
    "kick": (rooms.kick, "player_id"),
    "unban": (rooms.unban, "display_name"),
    "lock_room": (lobby.lock_room, "locked"),
    "spectator_chat": (lobby.spectator_chat, "to"),
    "setup": (lobby.setup, "options"),
    "pause_timer": (endings.pause_timer, "paused"),
    "vote_end": (endings.vote_end, "end"),
    "stand_in": (absence.host_stand_in, "player_id"),
    "remove_bot": (bots.remove_bot, "player_id"),
}


# Room actions whose optional fields the handler checks itself.
OPTIONS_ACTIONS: dict[str, Callable[[int, int, dict, str | None], None]] = {
    "add_bot": bots.add_bot,
}


HANDLERS: dict[str, Callable[[Session, dict, str | None], None]] = {
    "chat": handle_chat,
    "system": handle_system,
    "vote": handle_vote,
    "action": handle_action,
}
