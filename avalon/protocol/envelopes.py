"""Envelopes of the protocol: building the server's, parsing the client's."""

from __future__ import annotations

import json
from typing import Any

from avalon.protocol import codes
from avalon.protocol.errors import ProtocolError

MESSAGE_TYPES = frozenset({"chat", "system", "vote", "action"})  # client envelope types
MAX_CORRELATION_ID = 64  # characters


def event(name: str, payload: dict[str, Any], correlation_id: str | None = None) -> dict:
    """An `event` envelope."""
    return _envelope("event", name, payload, correlation_id)


def state(name: str, payload: dict[str, Any]) -> dict:
    """A `state` envelope (a full snapshot)."""
    return _envelope("state", name, payload, None)


def error(code: str, message: str, correlation_id: str | None = None) -> dict:
    """An `error` envelope; its event is the error code."""
    return _envelope("error", code, {"code": code, "message": message}, correlation_id)


def _envelope(kind: str, name: str, payload: dict, correlation_id: str | None) -> dict:
    envelope: dict[str, Any] = {"type": kind, "event": name}
    if correlation_id is not None:
        envelope["correlation_id"] = correlation_id
    envelope["payload"] = payload
    return envelope


# One encoder for every envelope: json.dumps with options builds a new one per call.
_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


def encode(envelope: dict) -> str:
    """Serialise an envelope compactly, keeping non-ASCII text as is."""
    return _ENCODER.encode(envelope)


def to_bytes(envelope: dict) -> bytes:
    """Serialise an envelope to UTF-8; a lone surrogate a client sent becomes its escape."""
    # backslashreplace writes "\ud800", which inside a JSON string is that same escape.
    return encode(envelope).encode("utf-8", "backslashreplace")


def parse(data: str | bytes) -> dict:
    """Decode and check a client envelope, or raise the protocol error for it."""
    if isinstance(data, bytes):
        raise ProtocolError(codes.BINARY_NOT_SUPPORTED, "send JSON text frames")
    try:
        message = json.loads(data)
    except (ValueError, RecursionError):
        raise ProtocolError(codes.BAD_JSON, "message is not valid JSON") from None
    if not isinstance(message, dict):
        raise ProtocolError(codes.BAD_ENVELOPE, "message must be a JSON object")
    correlation_id = message.get("correlation_id")
    if correlation_id is not None and (
        not isinstance(correlation_id, str) or len(correlation_id) > MAX_CORRELATION_ID
    ):
        message.pop("correlation_id")
        raise ProtocolError(codes.BAD_ENVELOPE, "correlation_id must be a short string")
    try:
        kind = message.get("type")
        if not isinstance(kind, str):
            raise ProtocolError(codes.BAD_ENVELOPE, "type must be a string")
        payload = message.setdefault("payload", {})
        if not isinstance(payload, dict):
            raise ProtocolError(codes.BAD_ENVELOPE, "payload must be an object")
        if kind not in MESSAGE_TYPES:
            raise ProtocolError(codes.UNKNOWN_TYPE, f"unknown message type {kind[:32]!r}")
    except ProtocolError as err:
        err.correlation_id = correlation_id  # the id was fine: answer with it
        raise
    return message
