"""Close codes and error codes of the protocol, one name for each number."""

from __future__ import annotations

from enum import IntEnum


class CloseCode(IntEnum):
    """WebSocket close codes the server sends (PROTOCOL section 3)."""

    NORMAL = 1000
    GOING_AWAY = 1001  # server shutting down: reconnect
    POLICY = 1008  # too many errors or control frames, or too many sockets from one address
    TOO_BIG = 1009
    INTERNAL_ERROR = 1011
    TRY_AGAIN = 1013  # the database is unavailable: reconnect a little later
    BAD_REQUEST = 4400
    UNAUTHORIZED = 4401
    FORBIDDEN = 4403
    ROOM_NOT_FOUND = 4404
    IDLE = 4408
    REPLACED = 4409  # the same player connected again elsewhere
    TOO_SLOW = 4429  # outgoing queue full


# The error envelope sent before a refused socket is closed, by close code.
CLOSE_ERRORS: dict[CloseCode, str] = {
    CloseCode.BAD_REQUEST: "bad_request",
    CloseCode.UNAUTHORIZED: "unauthorized",
    CloseCode.FORBIDDEN: "forbidden",
    CloseCode.ROOM_NOT_FOUND: "room_not_found",
}

# Error codes of `error` envelopes (PROTOCOL section 3 and 4).
BAD_JSON = "bad_json"
BAD_ENVELOPE = "bad_envelope"
UNKNOWN_TYPE = "unknown_type"
INVALID_PAYLOAD = "invalid_payload"
MESSAGE_TOO_LONG = "message_too_long"
RATE_LIMITED = "rate_limited"
NOT_ALLOWED = "not_allowed"
BINARY_NOT_SUPPORTED = "binary_not_supported"
CONFLICT = "conflict"
UNAVAILABLE = "unavailable"


def close_codes() -> dict[str, int]:
    """Every close code by its lower-case name, as clients receive them."""
    return {code.name.lower(): int(code) for code in CloseCode}
