"""Builders for the server-to-client envelopes of the protocol."""

from __future__ import annotations

import json
from typing import Any

from avalon.transport import text_frame


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


def encode(envelope: dict) -> str:
    """Serialise an envelope compactly, keeping non-ASCII text as is."""
    return json.dumps(envelope, separators=(",", ":"), ensure_ascii=False)


def to_bytes(envelope: dict) -> bytes:
    """Serialise an envelope to UTF-8; a lone surrogate a client sent becomes its escape."""
    # backslashreplace writes "\ud800", which inside a JSON string is that same escape.
    return encode(envelope).encode("utf-8", "backslashreplace")


def frame(envelope: dict) -> bytes:
    """Serialise and frame an envelope for one socket."""
    return text_frame(to_bytes(envelope))
