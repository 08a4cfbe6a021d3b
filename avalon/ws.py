"""The room socket: authentication, the first snapshot, the read loop, dispatch."""

from __future__ import annotations

import base64
import binascii
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import gevent
from flask import Flask
from flask import current_app
from flask import jsonify
from flask import request
from flask_sock import Sock
from simple_websocket import ConnectionClosed
from simple_websocket import Server
from werkzeug.routing import WebsocketMismatch

from avalon import broker
from avalon import chat_store
from avalon import db
from avalon import envelopes
from avalon import games
from avalon import hub
from avalon import metrics
from avalon import rooms
from avalon.connection import CLOSE_WAIT
from avalon.connection import Connection
from avalon.errors import CloseSocket
from avalon.errors import ProtocolError
from avalon.models import Room
from avalon.models import RoomPlayer
from avalon.ratelimit import SlidingWindow
from avalon.ratelimit import TokenBucket
from avalon.tokens import TokenError
from avalon.tokens import read_token
from avalon.transport import wrap_environ_socket
from avalon.validation import clean_chat_message
from avalon.validation import normalise_code
from avalon.validation import parse_non_negative_int

log = logging.getLogger(__name__)

sock = Sock()

ERROR_LIMIT = 20  # error answers allowed to one socket ...
ERROR_WINDOW = 10.0  # ... within this many seconds before it is closed with 1008
MAX_CORRELATION_ID = 64  # characters
SHUTDOWN_WAIT = 5.0  # seconds the shutdown hook waits for sockets to finish
SHUTTING_DOWN = (1001, "server shutting down")
_shutting_down = False  # set once per worker, when SIGTERM arrives


@dataclass(slots=True)
class Session:
    """What the read loop knows about its authenticated player."""

    conn: Connection
    room: Room
    player: RoomPlayer
    chat_bucket: TokenBucket
    errors: SlidingWindow
    came_online: bool  # False when this socket replaced one of the same player


def check_handshake() -> tuple[dict, int] | None:
    """Reject a malformed upgrade with a JSON 400 before flask-sock tries to accept it."""
    if request.url_rule is None or not request.url_rule.endpoint.endswith("room_socket"):
        return None
    key = request.headers.get("Sec-WebSocket-Key", "")
    try:
        valid_key = len(base64.b64decode(key, validate=True)) == 16
    except (binascii.Error, ValueError):
        valid_key = False
    if not valid_key or request.headers.get("Sec-WebSocket-Version") != "13":
        body = {"code": "bad_handshake", "message": "malformed WebSocket handshake"}
        return {"error": body}, 400
    # Declining permessage-deflate lets one framed message serve every socket.
    request.environ.pop("HTTP_SEC_WEBSOCKET_EXTENSIONS", None)
    if not wrap_environ_socket(request.environ, current_app.config["WRITE_TIMEOUT"]):
        body = {"code": "unsupported_server", "message": "run the app under gunicorn"}
        return {"error": body}, 500
    return None


def plain_request_error(error: WebsocketMismatch) -> tuple:
    """Answer a plain HTTP request to the socket route with JSON."""
    body = {"code": "websocket_required", "message": "this route only accepts WebSocket upgrades"}
    return jsonify(error=body), 400


@sock.route("/ws/rooms/<code>")
def room_socket(ws: Server, code: str) -> None:
    """Serve one player's socket from authentication to cleanup."""
    config = current_app.config
    session: Session | None = None
    try:
        if _shutting_down:
            raise CloseSocket(*SHUTTING_DOWN)
        room, player, since = authenticate(code, config)
        session = register(ws, room, player, config)
        if _shutting_down:  # shutdown began while this socket authenticated
            raise CloseSocket(*SHUTTING_DOWN)
        session.conn.start(envelopes.frame(room_state(room.id, player.id, since)))
        if session.came_online:
            announce(session, "player_connected")
        log.info("room=%s player=%s connected", room.code, player.id)
        run_session(ws, session, config)
    except CloseSocket as close:
        if session is None:
            refuse(ws, close)
        else:
            session.conn.close(close.code, close.reason)
    except ConnectionClosed:
        pass
    except Exception as exc:
        log.exception("socket handler failed room=%s", code)
        metrics.count_failure(exc)
        if session is None:
            refuse(ws, CloseSocket(1011, "internal error"))
        else:
            session.conn.close(1011, "internal error")
    finally:
        if session is not None:
            finish_session(session)


def refuse(ws: Server, close: CloseSocket) -> None:
    """Tell a client why it cannot stay, then close (no writer greenlet exists yet)."""
    metrics.inc("avalon_closes_total", code=str(close.code))
    try:
        if close.error_code:
            ws.send(envelopes.encode(envelopes.error(close.error_code, close.reason)))
        ws.close(close.code, close.reason[:120])
        # Wait for the client's close reply: closing first would reset the connection
        # and could destroy the unread close frame on the client's side.
        ws.thread.join(CLOSE_WAIT)
    except (OSError, ConnectionClosed):
        pass


def authenticate(code: str, config: dict) -> tuple[Room, RoomPlayer, int | None]:
    """Check the credentials in the protocol's order; return room, player and since."""
    origin = request.headers.get("Origin")
    if origin is not None and not origin_allowed(origin, request.host, config["ALLOWED_ORIGINS"]):
        raise CloseSocket(4403, "origin not allowed", "forbidden")
    player_id_text = request.args.get("player_id")
    token = request.args.get("token") or bearer_token(request.headers.get("Authorization"))
    if not player_id_text or not token:
        raise CloseSocket(4400, "player_id and token are required", "bad_request")
    try:
        player_id = parse_non_negative_int(player_id_text)
        since = parse_non_negative_int(request.args.get("since"))
    except ValueError:
        message = "player_id and since must be non-negative integers"
        raise CloseSocket(4400, message, "bad_request") from None
    room_code = normalise_code(code)
    with db.unit():
        room = Room.get_or_none(Room.code == room_code) if room_code else None
        if room is None:
            raise CloseSocket(4404, "no such room", "room_not_found")
        try:
            claims = read_token(token, config["TOKEN_MAX_AGE"])
        except TokenError as exc:
            raise CloseSocket(4401, str(exc), "unauthorized") from None
        player = RoomPlayer.get_or_none(RoomPlayer.id == claims.room_player_id)
        if claims.room_player_id != player_id or player is None or player.kicked:
            raise CloseSocket(4401, "token not valid for this player", "unauthorized")
        if claims.room_id != room.id or player.room_id != room.id:
            raise CloseSocket(4403, "token is for another room", "forbidden")
    return room, player, since


def register(ws: Server, room: Room, player: RoomPlayer, config: dict) -> Session:
    """Create the player's connection and register it with the broker."""
    conn = Connection(ws, room.code, room.id, player.id, player.display_name, config["SEND_QUEUE"])
    came_online = broker.get().connect(conn)
    return Session(
        conn,
        room,
        player,
        TokenBucket(config["CHAT_BURST"], config["CHAT_RATE"]),
        SlidingWindow(ERROR_LIMIT, ERROR_WINDOW),
        came_online,
    )


def room_state(room_id: int, player_id: int, since: int | None) -> dict:
    """The full snapshot a socket receives first, and again after any resync."""
    with db.unit():
        room = Room.get_by_id(room_id)
        player = RoomPlayer.get_by_id(player_id)
    return envelopes.state(
        "room",
        {
            "you": {
                "player_id": player.id,
                "display_name": player.display_name,
                "is_host": player.id == room.host_id,
                "spectator": player.spectator,
            },
            "room": rooms.room_payload(room, broker.get().online(room.code)),
            "chat": rooms.chat_history(room.id, since),
            "game": games.view_for(room.id, player),
        },
    )


def resync_all() -> None:
    """Send every local socket a fresh snapshot (after messages may have been lost)."""
    for conn in hub.all_connections():
        try:
            conn.send_frame(envelopes.frame(room_state(conn.room_id, conn.player_id, None)))
        except Exception:
            log.exception("resync failed room=%s player=%s", conn.room_code, conn.player_id)


def announce(session: Session, name: str) -> None:
    """Tell everyone else in the room that this player came or went."""
    payload = {"player_id": session.player.id, "display_name": session.player.display_name}
    broker.publish(session.room.code, envelopes.event(name, payload), exclude=session.player.id)


def run_session(ws: Server, session: Session, config: dict) -> None:
    """Read and answer messages until the socket closes or goes idle."""
    idle_timeout = config["IDLE_TIMEOUT"]
    max_bytes = config["MAX_MESSAGE_BYTES"]
    conn = session.conn
    while not conn.closing:
        remaining = conn.sock.last_received + idle_timeout - time.monotonic()
        if remaining <= 0:
            raise CloseSocket(4408, "no frames received: idle timeout")
        data = ws.receive(timeout=remaining)
        if data is None:
            continue
        if isinstance(data, str) and too_big(data, max_bytes):
            raise CloseSocket(1009, "message too big")
        metrics.inc("avalon_messages_in_total")
        correlation_id = None
        try:
            message = parse_envelope(data)
            correlation_id = message.get("correlation_id")
            HANDLERS[message["type"]](session, message["payload"], correlation_id)
        except ProtocolError as err:
            answer_error(
                session, err, err.correlation_id if correlation_id is None else correlation_id
            )


def too_big(text: str, max_bytes: int) -> bool:
    """Tell whether text is over the limit in UTF-8 bytes (the transport counts characters)."""
    return len(text) * 4 > max_bytes and len(text.encode("utf-8", "surrogatepass")) > max_bytes


def answer_error(session: Session, err: ProtocolError, correlation_id: str | None) -> None:
    """Send an error envelope; close with 1008 when a client keeps misbehaving."""
    metrics.inc("avalon_errors_total", code=err.code)
    envelope = envelopes.error(err.code, err.message, correlation_id)
    session.conn.send_frame(envelopes.frame(envelope))
    if session.errors.exceeded():
        raise CloseSocket(1008, "too many errors")


def parse_envelope(data: str | bytes) -> dict:
    """Decode and check a client envelope, or raise the protocol error for it."""
    if isinstance(data, bytes):
        raise ProtocolError("binary_not_supported", "send JSON text frames")
    try:
        message = json.loads(data)
    except (ValueError, RecursionError):
        raise ProtocolError("bad_json", "message is not valid JSON") from None
    if not isinstance(message, dict):
        raise ProtocolError("bad_envelope", "message must be a JSON object")
    correlation_id = message.get("correlation_id")
    if correlation_id is not None and (
        not isinstance(correlation_id, str) or len(correlation_id) > MAX_CORRELATION_ID
    ):
        message.pop("correlation_id")
        raise ProtocolError("bad_envelope", "correlation_id must be a short string")
    try:
        kind = message.get("type")
        if not isinstance(kind, str):
            raise ProtocolError("bad_envelope", "type must be a string")
        payload = message.setdefault("payload", {})
        if not isinstance(payload, dict):
            raise ProtocolError("bad_envelope", "payload must be an object")
        if kind not in HANDLERS:
            raise ProtocolError("unknown_type", f"unknown message type {kind[:32]!r}")
    except ProtocolError as err:
        err.correlation_id = correlation_id  # the id was fine: answer with it
        raise
    return message


def handle_chat(session: Session, payload: dict, correlation_id: str | None) -> None:
    """Validate, store and broadcast a chat message."""
    config = current_app.config
    if not session.chat_bucket.allow():
        raise ProtocolError("rate_limited", "slow down: too many chat messages")
    text = clean_chat_message(payload.get("message"), config["CHAT_MAX_LENGTH"])
    player = session.player
    chat = chat_store.store(session.room.id, player.id, player.display_name, text)
    broker.publish(
        session.room.code,
        envelopes.event("chat", chat),
        reply_to=player.id,
        correlation_id=correlation_id,
    )


def handle_system(session: Session, payload: dict, correlation_id: str | None) -> None:
    """Answer the application-level ping."""
    if payload.get("action") != "ping":
        raise ProtocolError("invalid_payload", "the only system action is ping")
    envelope = envelopes.event("pong", {"server_time": time.time()}, correlation_id)
    session.conn.send_frame(envelopes.frame(envelope))


def handle_vote(session: Session, payload: dict, correlation_id: str | None) -> None:
    """Vote on the proposed team."""
    games.move(session.room.id, session.player.id, "vote", payload, correlation_id)


def handle_action(session: Session, payload: dict, correlation_id: str | None) -> None:
    """Game actions and the host's room actions."""
    action = payload.get("action")
    if not isinstance(action, str):
        raise ProtocolError("invalid_payload", "payload.action must name an action")
    options = {key: value for key, value in payload.items() if key != "action"}
    room_id, player_id = session.room.id, session.player.id
    if action in ("start_game", "play_again"):
        games.start(room_id, player_id, options, correlation_id)
    elif action == "kick":
        games.kick(room_id, player_id, options.get("player_id"), correlation_id)
    elif action != "vote" and games.game_move(action):
        games.move(room_id, player_id, action, options, correlation_id)
    else:
        raise ProtocolError("invalid_payload", f"unknown action {action[:32]!r}")


HANDLERS: dict[str, Callable[[Session, dict, str | None], None]] = {
    "chat": handle_chat,
    "system": handle_system,
    "vote": handle_vote,
    "action": handle_action,
}


def finish_session(session: Session) -> None:
    """Unregister the socket, tell the room if the player left, let the writer finish."""
    conn = session.conn
    conn.close(1000, "bye")
    if broker.get().disconnect(conn):
        announce(session, "player_disconnected")
        if session.player.id == session.room.host_id:
            grace = current_app.config["HOST_GRACE"]
            games.schedule_host_check(session.room.id, session.player.id, grace)
    conn.wait_closed(current_app.config["WRITE_TIMEOUT"] + 3)
    log.info(
        "room=%s player=%s disconnected code=%s", conn.room_code, conn.player_id, conn.close_code
    )


class ReaderGreenlet(gevent.Greenlet):
    """simple-websocket's reader as a plain greenlet: a patched Thread costs more per socket."""

    def __init__(self, target: Callable[[], None]) -> None:
        super().__init__(target)


def origin_allowed(origin: str, host: str, allowed: list[str]) -> bool:
    """Allow the page's own host and the configured extra origins."""
    origin = origin.rstrip("/")
    return urlsplit(origin).netloc.lower() == host.lower() or origin in allowed


def bearer_token(header: str | None) -> str | None:
    """Extract the token of an `Authorization: Bearer` header."""
    if header and header[:7].lower() == "bearer ":
        return header[7:].strip() or None
    return None


def shutdown_sockets(wait: float = SHUTDOWN_WAIT) -> None:
    """Close every socket of this worker with 1001 and wait for their cleanup."""
    global _shutting_down
    _shutting_down = True  # sockets accepted from now on are closed at once
    connections = hub.close_all(*SHUTTING_DOWN)
    deadline = time.monotonic() + wait
    for conn in connections:
        conn.wait_closed(max(0.0, deadline - time.monotonic()))


def init_app(app: Flask) -> None:
    """Register the socket route and its handshake checks."""
    app.config["SOCK_SERVER_OPTIONS"] = {
        "ping_interval": app.config["PING_INTERVAL"],
        "max_message_size": app.config["MAX_MESSAGE_BYTES"],
        "thread_class": ReaderGreenlet,
    }
    app.before_request(check_handshake)
    broker.get().on_resync = resync_all
    app.register_error_handler(WebsocketMismatch, plain_request_error)
    sock.init_app(app)
