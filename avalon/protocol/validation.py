"""Validation of names, room codes, chat text and query parameters."""

from __future__ import annotations

import unicodedata

from avalon.protocol.errors import ProtocolError

# No look-alikes: 0/O and 1/I/L are left out.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 5
NAME_MAX_LENGTH = 24


CONTROL = ("Cc", "Cs")  # control characters and lone surrogates
# Names also refuse invisible format characters (zero-width spaces and the like), which
# would let "Alice" and "Al\u200bice" sit at one table looking the same.
INVISIBLE = ("Cc", "Cs", "Cf")


def has_control_characters(
    text: str, allow_newline: bool = False, categories: tuple[str, ...] = CONTROL
) -> bool:
    """Tell whether text has characters of the given Unicode categories."""
    for char in text:
        if allow_newline and char == "\n":
            continue
        if unicodedata.category(char) in categories:
            return True
    return False


def normalise_code(code: str) -> str | None:
    """Return the canonical room code, or None if it cannot be one."""
    code = code.strip().upper()
    if len(code) != CODE_LENGTH or any(char not in CODE_ALPHABET for char in code):
        return None
    return code


def clean_display_name(value: object) -> str | None:
    """Return the trimmed display name, or None if it is not acceptable."""
    if not isinstance(value, str):
        return None
    name = value.strip()
    if not 1 <= len(name) <= NAME_MAX_LENGTH or has_control_characters(name, categories=INVISIBLE):
        return None
    return name


def name_key(name: str) -> str:
    """Return the key under which names must be unique in a room."""
    return name.casefold()


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
    if has_control_characters(text, allow_newline=True):
        raise ProtocolError("invalid_payload", "chat message has control characters")
    return text


def parse_non_negative_int(value: str | None) -> int | None:
    """Parse a query parameter as a non-negative integer (None if absent); raise ValueError."""
    if value is None:
        return None
    if not value.isascii() or not value.isdigit() or len(value) > 18:
        raise ValueError(value)
    return int(value)
