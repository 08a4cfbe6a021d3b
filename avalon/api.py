"""The HTTP API: create and join rooms, read a room, health and metrics."""

from __future__ import annotations

import logging

from flask import Blueprint
from flask import Flask
from flask import Response
from flask import current_app
from flask import jsonify
from flask import request
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from avalon import broker
from avalon import db
from avalon import envelopes
from avalon import games
from avalon import metrics
from avalon import rooms
from avalon.errors import ApiError
from avalon.errors import ProtocolError
from avalon.models import Room
from avalon.models import RoomPlayer
from avalon.ratelimit import AddressLimiter
from avalon.tokens import issue_token
from avalon.validation import clean_display_name
from avalon.validation import normalise_code

log = logging.getLogger(__name__)
bp = Blueprint("api", __name__)
# Room endpoints are limited per client address so the code space cannot be swept.
_room_requests: AddressLimiter | None = None


@bp.before_request
def limit_room_requests() -> tuple[Response, int] | None:
    """Refuse clients that create, join or look up rooms faster than people do."""
    if _room_requests is None or not request.path.startswith("/api/rooms"):
        return None
    if _room_requests.allow(request.remote_addr or "unknown"):
        return None
    metrics.inc("avalon_http_rate_limited_total")
    error = {"code": "rate_limited", "message": "too many room requests: slow down"}
    return jsonify(error=error), 429


def json_body() -> dict:
    """The request's JSON object body."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiError("bad_json", "send a JSON object body")
    return body


def display_name_from(body: dict) -> str:
    """Check the display name of a JSON body."""
    name = clean_display_name(body.get("display_name"))
    if name is None:
        raise ApiError(
            "invalid_display_name", "display_name must be 1-24 characters, no control characters"
        )
    return name


def room_code_or_404(code: str) -> str:
    """Return the canonical code or answer 404 for one that cannot exist."""
    canonical = normalise_code(code)
    if canonical is None:
        raise ApiError("room_not_found", f"no room with code {code[:16]!r}", 404)
    return canonical


def seat_response(room: Room, player: RoomPlayer) -> tuple[Response, int]:
    """The answer to a create or join: the player's seat and token."""
    return jsonify(
        code=room.code,
        room_id=room.id,
        player_id=player.id,
        display_name=player.display_name,
        is_host=player.id == room.host_id,
        spectator=player.spectator,
        token=issue_token(room.id, player.id),
    ), 201


@bp.post("/api/rooms")
def create_room() -> tuple[Response, int]:
    """Create a room; the creator becomes its host."""
    room, player = rooms.create_room(display_name_from(json_body()))
    return seat_response(room, player)


@bp.post("/api/rooms/<code>/join")
def join_room(code: str) -> tuple[Response, int]:
    """Join a room's lobby as a player, or any time as a spectator."""
    canonical = room_code_or_404(code)
    body = json_body()
    name = display_name_from(body)
    spectator = body.get("spectator", False)
    if not isinstance(spectator, bool):
        raise ApiError("invalid_spectator", "spectator must be true or false")
    room, player = rooms.join_room(canonical, name, spectator)
    payload = {
        "player_id": player.id,
        "display_name": player.display_name,
        "is_host": False,
        "spectator": spectator,
    }
    broker.publish(room.code, envelopes.event("player_joined", payload))
    return seat_response(room, player)


@bp.get("/api/rooms/<code>")
def get_room(code: str) -> Response:
    """Describe a room and who is in it."""
    room = rooms.find_room(room_code_or_404(code))
    if room is None:
        raise ApiError("room_not_found", f"no room with code {code}", 404)
    return jsonify(rooms.room_payload(room, broker.get().online(room.code)))


@bp.get("/api/rooms/<code>/games/<int:number>")
def get_game_record(code: str, number: int) -> Response:
    """The full record of a finished game: every proposal, vote, quest, check and the end."""
    room = rooms.find_room(room_code_or_404(code))
    if room is None:
        raise ApiError("room_not_found", f"no room with code {code}", 404)
    try:
        record = games.record_of(room.id, number)
    except ProtocolError:
        message = "the record is public once the game is over"
        raise ApiError("game_in_progress", message, 409) from None
    if record is None:
        raise ApiError("game_not_found", f"room {room.code} has no game {number}", 404)
    return jsonify(record)


@bp.get("/healthz")
def healthz() -> tuple[Response, int]:
    """Report whether the database (and Redis, when configured) answers."""
    checks = {"database": "ok" if db.ping() else "down"}
    if current_app.config.get("REDIS_URL"):
        checks["redis"] = "ok" if broker.get().healthy() else "down"
    healthy = all(state == "ok" for state in checks.values())
    return jsonify(status="ok" if healthy else "unavailable", **checks), 200 if healthy else 503


@bp.get("/metrics")
def metrics_page() -> Response:
    """Expose this worker's counters in the Prometheus text format."""
    return Response(metrics.render(), mimetype="text/plain; version=0.0.4")


def api_error(error: ApiError) -> tuple[Response, int]:
    """Answer an API error as JSON."""
    return jsonify(error=error.to_dict()), error.status


def http_error(error: HTTPException) -> tuple[Response, int]:
    """Answer Werkzeug's HTTP errors (404, 405, ...) as JSON, never HTML."""
    code = (error.name or "error").lower().replace(" ", "_")
    return jsonify(error={"code": code, "message": error.description}), error.code or 500


def internal_error(error: Exception) -> tuple[Response, int]:
    """Answer unexpected failures with a JSON 500 and no stack trace."""
    log.exception("request failed: %s %s", request.method, request.path)
    metrics.count_failure(error)
    return jsonify(error={"code": "internal_error", "message": "internal server error"}), 500


def init_app(app: Flask) -> None:
    """Register the API routes and JSON error handlers."""
    global _room_requests
    _room_requests = AddressLimiter(
        app.config["ROOM_REQUEST_BURST"], app.config["ROOM_REQUEST_RATE"]
    )
    if app.config["PROXY_HOPS"]:
        # Behind a load balancer (Heroku's router: 1) the client is in X-Forwarded-For.
        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    app.register_blueprint(bp)
    app.register_error_handler(ApiError, api_error)
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(Exception, internal_error)
