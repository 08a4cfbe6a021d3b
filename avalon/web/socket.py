"""The room socket: handshake checks, authentication, the first snapshot, cleanup."""

from __future__ import annotations

import base64
import binascii
import logging
import time
from urllib.parse import urlsplit

from flask import Flask
from flask import current_app
from flask import jsonify
from flask import request
from flask_sock import Sock
from gevent.lock import Semaphore
from peewee import PeeweeException
from simple_websocket import Server
from werkzeug.routing import WebsocketMismatch

from avalon.ops import metrics
from avalon.ops.logs import redact
from avalon.protocol import envelopes
from avalon.protocol.codes import CloseCode
from avalon.protocol.errors import CloseSocket
from avalon.protocol.validation import parse_non_negative_int
from avalon.realtime import hub
from avalon.realtime import reader
from avalon.realtime import websocket_adapter
from avalon.realtime.connection import CLOSE_WAIT
from avalon.realtime.connection import Connection
from avalon.realtime.reader import ClientSocket
from avalon.realtime.transport import Transport
from avalon.realtime.transport import close_frame
from avalon.realtime.transport import text_frame
from avalon.services import absence
from avalon.services import context
from avalon.services import rooms
from avalon.services import token_refresh
from avalon.services.limits import SlidingWindow
from avalon.services.seats import find_seat
from avalon.services.snapshot import room_state
from avalon.services.tokens import TokenClaims
from avalon.services.tokens import TokenError
from avalon.services.tokens import read_token
from avalon.store.models import Room
from avalon.store.models import RoomPlayer
from avalon.web.handlers import run_session
from avalon.web.session import Session

log = logging.getLogger(__name__)
access_log = logging.getLogger("gunicorn.access")  # the access log's own stream
HANDSHAKE_SLOTS = "avalon.handshake_slots"  # per worker, in app.extensions

sock = Sock()

ERROR_LIMIT = 20  # error answers allowed to one socket ...
ERROR_WINDOW = 10.0  # ... within this many seconds before it is closed with 1008
SERVER_SOCKET = "gunicorn.socket"  # where gunicorn puts the client's socket in the environ
SUBPROTOCOL = "avalon"  # the subprotocol the server answers with when a client offers it
TOKEN_PROTOCOL_PREFIX = "avalon.token."  # an offered subprotocol carrying the seat's token


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
    if SERVER_SOCKET not in request.environ:
        body = {"code": "unsupported_server", "message": "run the app under gunicorn"}
        return {"error": body}, 500
    return None


def plain_request_error(error: WebsocketMismatch) -> tuple:
    """Answer a plain HTTP request to the socket route with JSON."""
    body = {"code": "websocket_required", "message": "this route only accepts WebSocket upgrades"}
    return jsonify(error=body), 400


def accept(ws: Server, config: dict) -> ClientSocket:
    """Take the socket over from simple-websocket once it has answered the handshake."""
    websocket_adapter.release(ws)  # its protocol state: this app reads and writes itself
    transport = Transport(request.environ[SERVER_SOCKET], config["WRITE_TIMEOUT"])
    return ClientSocket(transport, config["MAX_MESSAGE_BYTES"])


@sock.route("/ws/rooms/<code>")
def room_socket(ws: Server, code: str) -> None:
    """Serve one player's socket from authentication to cleanup."""
    opened_at = time.time()  # the handshake has just been answered
    config = current_app.config
    client = accept(ws, config)
    session: Session | None = None
    try:
        if hub.refusing_new_sockets():
            raise CloseSocket(*hub.SHUTTING_DOWN)
        with handshake_slot():
            if hub.refusing_new_sockets():  # it began while this handshake waited for a slot
                raise CloseSocket(*hub.SHUTTING_DOWN)
            session, since = authenticate_and_register(client, code, config, opened_at)
            metrics.inc("avalon_socket_opens_total")
            welcome(session, since, config)
        run_session(client, session, config)
    except CloseSocket as close:
        if session is None:
            refuse(client, close)
        else:
            session.conn.close(close.code, close.reason)
    except PeeweeException as exc:  # db.Unavailable included
        # Said in words before the close, so the client knows to come back shortly.
        metrics.count_failure(exc)
        unavailable = CloseSocket(CloseCode.TRY_AGAIN, "database unavailable", "unavailable")
        if session is None:
            refuse(client, unavailable)
        else:
            session.conn.send_envelope(envelopes.error("unavailable", unavailable.reason))
            session.conn.close(unavailable.code, unavailable.reason)
    except Exception as exc:
        log.exception("event=socket_failed room=%s", code[:16])
        metrics.count_failure(exc)
        if session is None:
            refuse(client, CloseSocket(CloseCode.INTERNAL_ERROR, "internal error"))
        else:
            session.conn.close(CloseCode.INTERNAL_ERROR, "internal error")
    finally:
        if session is not None:
            finish_session(session)
        client.transport.release()
        log_access(opened_at, session)


def log_access(opened_at: float, session: Session | None) -> None:
    """Write the socket's line to the access log, as gunicorn does for every request.

    gunicorn writes none for an upgraded connection (flask-sock ends it by raising).
    """
    query = redact(request.query_string.decode("latin-1")) or ""
    close = None if session is None else session.conn.close_code
    access_log.info(
        'event=http remote=%s method=GET path=%s query="%s" status=101 bytes=- ms=%d'
        ' agent="%s" close=%s',
        request.remote_addr,
        request.path,
        query,
        int((time.time() - opened_at) * 1000),
        request.user_agent.string,
        None if close is None else int(close),
    )


def refuse(client: ClientSocket, close: CloseSocket) -> None:
    """Tell a client why it cannot stay, then close (no writer greenlet exists yet)."""
    metrics.inc("avalon_closes_total", code=str(int(close.code)))
    transport = client.transport
    try:
        if close.error_code:
            error = envelopes.error(close.error_code, close.reason)
            transport.send(text_frame(envelopes.to_bytes(error)))
        transport.send_close(close_frame(int(close.code), close.reason))
        # Wait for the client's close reply: closing first would reset the connection
        # and could destroy the unread close frame on the client's side.
        client.drain_until_closed(CLOSE_WAIT)
    except OSError:
        pass
    client.finish()


def authenticate(code: str, config: dict) -> tuple[Room, RoomPlayer, int | None, float]:
    """Check the credentials in the protocol's order; return room, player, since, token age."""
    player_id_text = request.args.get("player_id")
    token = (
        protocol_token(request.headers.get("Sec-WebSocket-Protocol"))
        or bearer_token(request.headers.get("Authorization"))
        or request.args.get("token")
    )
    if not allow_connection(player_id_text, token, config):
        raise CloseSocket(CloseCode.POLICY, "too many connections: slow down", "rate_limited")
    origin = request.headers.get("Origin")
    if origin is not None and not origin_allowed(origin, request.host, config["ALLOWED_ORIGINS"]):
        raise CloseSocket(CloseCode.FORBIDDEN, "origin not allowed")
    if not player_id_text or not token:
        raise CloseSocket(CloseCode.BAD_REQUEST, "player_id and token are required")
    try:
        player_id = parse_non_negative_int(player_id_text)
        since = parse_non_negative_int(request.args.get("since"))
    except ValueError:
        message = "player_id and since must be non-negative integers"
        raise CloseSocket(CloseCode.BAD_REQUEST, message) from None
    assert player_id is not None  # present: checked above
    try:
        room, player, issued = find_seat(code, player_id, token, config["TOKEN_MAX_AGE"])
    except CloseSocket as refusal:
        # Past a few failures an address learns nothing more: an unknown room and a bad
        # token look the same, so room codes cannot be probed through the socket.
        address = request.remote_addr or "unknown"
        if not context.state().seat_limits.allow_auth_failure(address):
            raise CloseSocket(CloseCode.UNAUTHORIZED, "not allowed") from None
        raise refusal
    return room, player, since, issued


def allow_connection(player_id_text: str | None, token: str | None, config: dict) -> bool:
    """Take one socket upgrade from the seat's allowance, or else from the address's.

    A socket whose token is signed for the seat it names is a friend coming back, not an
    anonymous probe: ten friends behind one home router reconnecting after an outage
    must not meet the address's limit. Everything else counts with the room API.
    """
    if token and player_id_text and player_id_text.isdigit():
        try:
            claims: TokenClaims | None = read_token(token, config["TOKEN_MAX_AGE"])
        except TokenError:
            claims = None
        if claims is not None and claims.room_player_id == int(player_id_text):
            limits = context.state().seat_limits
            return limits.allow_connect(claims.room_id, claims.room_player_id)
    allowed, _ = context.allow_address(request.remote_addr or "unknown")
    return allowed


def authenticate_and_register(
    client: ClientSocket, code: str, config: dict, opened_at: float
) -> tuple[Session, int | None]:
    """Authenticate the socket and register it; return its session and `since`.

    The room and player models end with this call (about 2 KB a socket for its whole
    life, bench/README.md): the session keeps plain values only.
    """
    room, player, since, issued = authenticate(code, config)
    session = register(client, room, player, config, opened_at)
    session.conn.token_issued = issued
    session.was_away = player.offline_since is not None
    return session, since


def register(
    client: ClientSocket, room: Room, player: RoomPlayer, config: dict, opened_at: float
) -> Session:
    """Create the player's connection and register it with the broker.

    A refused registration (the player's newer socket holds the seat) raises CloseSocket,
    and one that fails halfway takes back whatever it registered.
    """
    queue_size = config["SEND_QUEUE"]
    conn = Connection(
        client, room.code, room.id, player.id, player.display_name, queue_size, opened_at
    )
    conn.spectator = player.spectator
    broker = context.broker()
    try:
        came_online = broker.connect(conn)
    except BaseException:
        broker.disconnect(conn)  # nothing if connect() registered nothing
        raise
    return Session(
        conn,
        SlidingWindow(ERROR_LIMIT, ERROR_WINDOW),
        came_online,
        context.state(),
        config["CHAT_MAX_LENGTH"],
    )


def welcome(session: Session, since: int | None, config: dict) -> None:
    """Send the first snapshot, refresh an old token, tell the room the player is here."""
    conn = session.conn
    if hub.refusing_new_sockets():  # shutdown began while this socket authenticated
        raise CloseSocket(*hub.SHUTTING_DOWN)
    snapshot = room_state(conn.room_id, conn.player_id, since)
    chat_ids = [message["id"] for message in snapshot["payload"]["chat"]]
    conn.chat_seen = max(conn.chat_seen, since or 0, *chat_ids)
    if context.broker().in_outage():
        conn.mark_chat()  # other workers' messages may not reach it until Redis is back
    conn.start(text_frame(envelopes.to_bytes(snapshot)))
    token_refresh.refresh_if_old(conn, config["TOKEN_MAX_AGE"])
    if session.came_online:
        announce(session, "player_connected")
        if session.was_away:  # their seat is theirs again (a stand-in may have played it)
            absence.player_back(conn.room_id, conn.player_id)
    log.info("event=connected room=%s player=%s", conn.room_code, conn.player_id)


def announce(session: Session, name: str) -> None:
    """Tell everyone else in the room that this player came or went."""
    conn = session.conn
    payload = {"player_id": conn.player_id, "display_name": conn.display_name}
    context.publish(conn.room_code, envelopes.event(name, payload), exclude=conn.player_id)


def finish_session(session: Session) -> None:
    """Unregister the socket, tell the room if the player left, let the writer finish."""
    conn = session.conn
    conn.close(CloseCode.NORMAL, "bye")
    context.state().seat_limits.settle(conn.room_code, conn.player_id)
    if context.broker().disconnect(conn):
        announce(session, "player_disconnected")
        if not hub.shutting_down():  # a shutdown's sockets come straight back elsewhere
            with handshake_slot():  # a room closing at once is a storm too
                went_away(conn)
    conn.wait_closed(current_app.config["WRITE_TIMEOUT"] + 3)
    log.info(
        "event=disconnected room=%s player=%s code=%s",
        conn.room_code,
        conn.player_id,
        None if conn.close_code is None else int(conn.close_code),
    )


def went_away(conn: Connection) -> None:
    """The player's last socket closed: hand the host role on later, note the seat absent."""
    try:
        if rooms.host_of(conn.room_id) == conn.player_id:
            grace = current_app.config["HOST_GRACE"]
            rooms.schedule_host_check(conn.room_id, conn.player_id, grace)
        absence.player_offline(conn.room_id, conn.player_id)
    except PeeweeException:  # the database is down: nothing could be noted now
        log.warning("event=went_away_not_noted room=%s player=%s", conn.room_code, conn.player_id)


def origin_allowed(origin: str, host: str, allowed: list[str]) -> bool:
    """Allow the page's own host and the configured extra origins."""
    origin = origin.rstrip("/")
    return urlsplit(origin).netloc.lower() == host.lower() or origin in allowed


def bearer_token(header: str | None) -> str | None:
    """Extract the token of an `Authorization: Bearer` header."""
    if header and header[:7].lower() == "bearer ":
        return header[7:].strip() or None
    return None


def protocol_token(header: str | None) -> str | None:
    """Extract the token a browser offers as a subprotocol (`avalon.token.<token>`).

    Browsers cannot set headers on a socket, and a token in the URL ends up in proxies'
    logs; the offered subprotocols are a header. The server answers with `avalon` alone.
    """
    for offered in (header or "").split(","):
        offered = offered.strip()
        if offered.startswith(TOKEN_PROTOCOL_PREFIX):
            return offered[len(TOKEN_PROTOCOL_PREFIX) :] or None
    return None


def handshake_slot() -> Semaphore:
    """One of this worker's handshake slots: wait here, not while holding a connection.

    In a reconnect storm hundreds of sockets arrive at once. Authenticated all at once,
    each would take a pooled connection, yield on its query, and wait its turn on a loop
    of hundreds of runnable greenlets while holding it: seconds per query, the pool
    empty, handshakes failing. A few at a time, each holds its connection for the
    queries' time only, and the rest wait, cheaply, before touching the database.
    """
    slots = current_app.extensions.get(HANDSHAKE_SLOTS)
    if slots is None:
        size = max(2, int(current_app.config["DB_POOL"]) // 2)  # the rest: moves, chat
        slots = current_app.extensions[HANDSHAKE_SLOTS] = Semaphore(size)
    return slots


def init_app(app: Flask) -> None:
    """Register the socket route and its handshake checks."""
    app.config["SOCK_SERVER_OPTIONS"] = {
        # The handler greenlet reads (realtime/reader.py); pings come from the sweep.
        "ping_interval": None,
        "thread_class": reader.InlineReader,
        # Chosen when offered (browsers offer it beside their token, see protocol_token).
        "subprotocols": [SUBPROTOCOL],
    }
    app.before_request(check_handshake)
    app.register_error_handler(WebsocketMismatch, plain_request_error)
    sock.init_app(app)
