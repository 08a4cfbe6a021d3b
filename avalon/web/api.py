"""The HTTP API: create and join rooms, read a room and its games, the rules."""

from __future__ import annotations

import logging
import re

from flask import Blueprint
from flask import Flask
from flask import Response
from flask import current_app
from flask import jsonify
from flask import request

from avalon.game import options
from avalon.game import roles
from avalon.game import variants
from avalon.ops import metrics
from avalon.protocol import envelopes
from avalon.protocol.codes import close_codes
from avalon.protocol.errors import ApiError
from avalon.protocol.errors import ProtocolError
from avalon.protocol.names import NAME_MAX_LENGTH
from avalon.protocol.validation import CODE_ALPHABET
from avalon.protocol.validation import CODE_LENGTH
from avalon.protocol.validation import clean_display_name
from avalon.protocol.validation import normalise_code
from avalon.services import context
from avalon.services import games
from avalon.services import rooms
from avalon.services import turns
from avalon.services.tokens import issue_token
from avalon.store.models import Room
from avalon.store.models import RoomPlayer
from avalon.web import account_session

log = logging.getLogger(__name__)
bp = Blueprint("api", __name__)
# The setup's presets: roles in the order the client adds them while they fit the table
# (a pair only whole), and the options they come with. Suggestions, not rules.
SETUP_PRESETS = {
    "classic": {"roles": ["merlin", "assassin"]},
    "proavalon": {"roles": ["merlin", "assassin", "percival", "morgana", "mordred", "oberon"]},
    "lancelot": {
        "roles": ["merlin", "assassin", "percival", "morgana", "good_lancelot", "evil_lancelot"],
        "lancelot_variant": "deck",
    },
    "big_box": {
        "roles": [
            "merlin",
            "assassin",
            "percival",
            "morgana",
            "good_lancelot",
            "evil_lancelot",
            "tristan",
            "isolde",
            "cleric",
            "mordred",
            "troublemaker",
            "trickster",
            "lunatic",
        ],
        "lancelot_variant": "deck",
    },
}
DEVICE_PATTERN = re.compile(r"[A-Za-z0-9_-]{8,64}")  # a random id the browser keeps


@bp.before_request
def limit_room_requests() -> tuple[Response, int] | None:
    """Refuse clients that create, join or look up rooms faster than people do."""
    # Room endpoints are limited per client address so the code space cannot be swept.
    if not request.path.startswith("/api/rooms"):
        return None
    allowed, retry_after = context.allow_address(request.remote_addr or "unknown")
    if allowed:
        return None
    metrics.inc("avalon_http_rate_limited_total")
    error = {"code": "rate_limited", "message": "too many room requests: slow down"}
    response = jsonify(error=error)
    response.headers["Retry-After"] = str(retry_after)
    return response, 429


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


def device_from(body: dict) -> str:
    """Check the browser's own id: every client sends one (a removal bars it from the room)."""
    device = body.get("device")
    if not isinstance(device, str) or DEVICE_PATTERN.fullmatch(device) is None:
        message = "device must be the browser's own id: 8-64 letters, digits, '-' or '_'"
        raise ApiError("invalid_device", message)
    return device


def room_code_or_404(code: str) -> str:
    """Return the canonical code or answer 404 for one that cannot exist."""
    canonical = normalise_code(code)
    if canonical is None:
        raise ApiError("room_not_found", f"no room with code {code[:16]!r}", 404)
    return canonical


def seat_response(room: Room, player: RoomPlayer) -> tuple[Response, int]:
    """The answer to a create or join: the player's seat and token."""
    account_session.link_seat(player.id)  # signed in: the seat is the account's
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
    body = json_body()
    room, player = rooms.create_room(display_name_from(body), device_from(body))
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
    room, player = rooms.join_room(canonical, name, spectator, device_from(body))
    payload = {
        "player_id": player.id,
        "display_name": player.display_name,
        "is_host": player.id == room.host_id,
        "spectator": player.spectator,
    }
    context.publish(room.code, envelopes.event("player_joined", payload))
    return seat_response(room, player)


@bp.get("/api/rooms/<code>")
def get_room(code: str) -> Response:
    """Describe a room and who is in it."""
    room = rooms.find_room(room_code_or_404(code))
    if room is None:
        raise ApiError("room_not_found", f"no room with code {code}", 404)
    return jsonify(rooms.room_payload(room, context.broker().online(room.code)))


@bp.get("/api/rooms/<code>/games/<int:number>")
def get_game_record(code: str, number: int) -> Response:
    """The full record of a finished game: every proposal, vote, quest, check and the end."""
    room = rooms.find_room(room_code_or_404(code))
    if room is None:
        raise ApiError("room_not_found", f"no room with code {code}", 404)
    if number > games.MAX_GAME_NUMBER:  # larger than any stored game, and than SQLite's integers
        raise ApiError("game_not_found", f"room {room.code} has no game {number}", 404)
    try:
        record = games.record_of(room.id, number)
    except ProtocolError:
        message = "the record is public once the game is over"
        raise ApiError("game_in_progress", message, 409) from None
    if record is None:
        raise ApiError("game_not_found", f"room {room.code} has no game {number}", 404)
    return jsonify(record)


@bp.get("/api/rules")
def get_rules() -> Response:
    """The rule tables and limits the client draws its forms from, and the close codes."""
    config = current_app.config
    counts = range(options.MIN_PLAYERS, options.MAX_PLAYERS + 1)
    return jsonify(
        min_players=options.MIN_PLAYERS,
        max_players=options.MAX_PLAYERS,
        team_sizes={str(n): options.TEAM_SIZES[n] for n in counts},
        fails_required={str(n): options.fails_required(n) for n in counts},
        evil_count={str(n): options.EVIL_COUNT[n] for n in counts},
        roles=options.ROLE_ORDER,
        good_roles=[role for role in options.ROLE_ORDER if role in options.GOOD_ROLES],
        evil_roles=[role for role in options.ROLE_ORDER if role in options.EVIL_ROLES],
        required_roles=list(options.REQUIRED_ROLES),
        # The base game's optional roles; the others are in `role_table` by `group`.
        optional_roles=[
            role
            for role in options.ROLE_ORDER
            if role in options.SPECIAL_ROLES
            and role not in options.REQUIRED_ROLES
            and role in roles.CLASSIC_ROLES
        ],
        role_table=roles.rules_table(),
        setup_rules=roles.SETUP_RULES,
        lancelot_variants=list(options.LANCELOT_VARIANTS),
        forced_lancelot_variants=sorted(options.FORCED_VARIANTS),
        role_options={"lancelot_variant": "good_lancelot", "cleric_assassination": "cleric"},
        **variants.rules_table(),
        setup_presets=SETUP_PRESETS,
        phases=list(options.PHASES),
        reasons=list(options.REASONS),
        max_proposals=options.MAX_PROPOSALS,
        lady_default_min_players=options.LADY_DEFAULT_MIN_PLAYERS,
        turn_timer={"min": config["TURN_TIMER_MIN"], "max": turns.TURN_SECONDS_MAX},
        limits={
            "code_alphabet": CODE_ALPHABET,
            "code_length": CODE_LENGTH,
            "display_name_max": NAME_MAX_LENGTH,
            "chat_max_length": config["CHAT_MAX_LENGTH"],
            "max_spectators": config["MAX_SPECTATORS"],
        },
        close_codes=close_codes(),
    )


def init_app(app: Flask) -> None:
    """Register the API routes."""
    app.register_blueprint(bp)
