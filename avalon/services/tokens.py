"""Signed player tokens: the only credential a player holds."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime

from flask import current_app
from itsdangerous import BadSignature
from itsdangerous import SignatureExpired
from itsdangerous import URLSafeTimedSerializer

SALT = "avalon.player-token"


class TokenError(Exception):
    """The token is forged, garbled or expired."""


@dataclass(frozen=True)
class TokenClaims:
    room_id: int
    room_player_id: int
    issued_at: float = 0.0  # epoch seconds the token was signed


def _serializer(secret_key: str | list[str] | None = None) -> URLSafeTimedSerializer:
    """The serializer for a key; a list of keys rotates (sign with the last, accept all)."""
    key = secret_key or current_app.config["SECRET_KEY"]
    return _serializer_for(tuple(key) if isinstance(key, list) else key)


@functools.lru_cache(maxsize=8)  # keys rotate rarely: a few at most
def _serializer_for(key: str | tuple[str, ...]) -> URLSafeTimedSerializer:
    """Built once per key (every socket handshake reads a token): building one derives
    keys and signers, which cost as much as checking the token."""
    return URLSafeTimedSerializer(key, salt=SALT)


def issue_token(room_id: int, room_player_id: int, secret_key: str | None = None) -> str:
    """Sign a token for one player of one room."""
    return _serializer(secret_key).dumps({"room_id": room_id, "room_player_id": room_player_id})


def read_token(
    token: str, max_age: int | None = None, secret_key: str | None = None
) -> TokenClaims:
    """Verify a token and return its claims, or raise TokenError."""
    if max_age is None:
        max_age = current_app.config["TOKEN_MAX_AGE"]
    try:
        data, signed = _serializer(secret_key).loads(token, max_age=max_age, return_timestamp=True)
    except SignatureExpired:
        raise TokenError("token expired") from None
    except BadSignature:
        raise TokenError("token invalid") from None
    if not isinstance(data, dict):
        raise TokenError("token invalid")
    room_id, player_id = data.get("room_id"), data.get("room_player_id")
    if not (type(room_id) is int and type(player_id) is int):
        raise TokenError("token invalid")
    return TokenClaims(room_id, player_id, signed.timestamp())


def signed_before(claims: TokenClaims, moment: datetime) -> bool:
    """Tell whether the token was certainly signed before `moment` (a stored UTC time)."""
    # itsdangerous stamps whole seconds, cut down: a token stamped S was signed somewhere
    # in [S, S + 1), so it surely predates the moment only when S + 1 <= moment. One
    # signed in the moment's own second gets the benefit of the doubt: a token signed
    # right after its room or seat was made is never refused.
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)  # stored times are naive UTC (models.utcnow)
    return claims.issued_at + 1 <= moment.timestamp()
