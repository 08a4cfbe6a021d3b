"""Account sessions: a random token in the browser's cookie, only its hash in the database.

Server-side sessions can be ended (sign out, a deleted account) and a copied database
holds no token that signs anyone in.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from avalon.accounts.models import Account
from avalon.accounts.models import AccountSession
from avalon.store import db
from avalon.store.models import utcnow

SESSION_DAYS = 30  # a session lasts this long from the sign-in
TOKEN_BYTES = 32


def token_hash(token: str) -> str:
    """The stored form of a session token."""
    return hashlib.sha256(token.encode()).hexdigest()


def start(account_id: int) -> str:
    """Open a session for the account; return the token for the cookie."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    now = utcnow()
    with db.write():
        AccountSession.delete().where(AccountSession.expires_at < now).execute()
        AccountSession.create(
            token_hash=token_hash(token),
            account=account_id,
            expires_at=now + timedelta(days=SESSION_DAYS),
        )
    return token


def account_of(token: str | None) -> Account | None:
    """The account a session token signs in, None for no, an unknown or an expired token."""
    if not token or len(token) > 128:
        return None
    with db.unit():
        live = AccountSession.expires_at > utcnow()
        session = AccountSession.get_or_none(
            (AccountSession.token_hash == token_hash(token)) & live
        )
        return None if session is None else Account.get_by_id(session.account_id)


def end(token: str | None) -> None:
    """End the session of this token (signing out)."""
    if token:
        with db.write():
            AccountSession.delete().where(AccountSession.token_hash == token_hash(token)).execute()
