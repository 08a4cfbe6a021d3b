"""Validation of names, room codes, chat text and query parameters."""

from __future__ import annotations

from avalon.protocol.errors import ProtocolError
from avalon.protocol.names import acceptable_name
from avalon.protocol.names import chat_problem
from avalon.protocol.names import has_control_characters

# No look-alikes: 0/O and 1/I/L are left out.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 5


def normalise_code(code: str) -> str | None:
    """Return the canonical room code, or None if it cannot be one."""
    code = code.strip().upper()
    if len(code) != CODE_LENGTH or any(char not in CODE_ALPHABET for char in code):
        return None
    return code


def clean_display_name(value: object) -> str | None:
    """Return the trimmed display name, or None if it is not acceptable."""
    if not isinstance(value, str) or has_control_characters(value):
        return None
    name = " ".join(value.split())  # trimmed, inner runs of white space made one space
    return name if acceptable_name(name) else None


def clean_chat_message(value: object, max_length: int) -> str:
    """Return the trimmed chat text or raise the protocol error for it."""
    if not isinstance(value, str):
        raise ProtocolError("invalid_payload", "payload.message must be a string")
    text = value.strip()
    if not text:
        raise ProtocolError("invalid_payload", "chat message is empty")
    if len(text) > max_length:
        raise ProtocolError(
            "message_too_long", f"chat messages are at most {max_length} characters"
        )
    problem = chat_problem(text)
    if problem is not None:
        raise ProtocolError("invalid_payload", problem)
    return text


def parse_non_negative_int(value: str | None) -> int | None:
    """Parse a query parameter as a non-negative integer (None if absent); raise ValueError."""
    if value is None:
        return None
    if not value.isascii() or not value.isdigit() or len(value) > 18:
        raise ValueError(value)
    return int(value)
