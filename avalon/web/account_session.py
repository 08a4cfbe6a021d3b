"""The account session cookie, the forgery checks, and the passkeys' relying party.

Flask's own cookie sessions stay off (no_cookies.py): the account's session is one
HttpOnly, SameSite=Lax cookie holding an opaque token (avalon.accounts.sessions), Secure
when the site is served over https. Guests never get it and nothing else reads it.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Response
from flask import current_app
from flask import jsonify
from flask import request

from avalon.accounts import seats
from avalon.accounts import sessions
from avalon.accounts.models import Account
from avalon.accounts.relying_party import RelyingParty
from avalon.ops import metrics
from avalon.protocol.errors import ApiError
from avalon.services import context

COOKIE = "avalon_account"
FORGERY_HEADER = "X-Requested-With"
FORGERY_VALUE = "avalon"  # the page sends it; a form or image of another site cannot


def relying_party() -> RelyingParty:
    """AVALON_PUBLIC_URL's host and origin when set, else the request's own."""
    public = current_app.config.get("PUBLIC_URL")
    parts = urlsplit(public or request.host_url)
    return RelyingParty(
        id=(parts.hostname or "").lower(), origin=f"{parts.scheme}://{parts.netloc}"
    )


def served_over_https() -> bool:
    """Tell whether the page is served over https (the cookie is Secure then)."""
    public = current_app.config.get("PUBLIC_URL")
    return request.is_secure or bool(public and public.startswith("https:"))


def require_same_site() -> None:
    """Refuse a state-changing request another site could have made (403 `cross_site`)."""
    forged = request.headers.get(FORGERY_HEADER) != FORGERY_VALUE
    origin = request.headers.get("Origin")
    if origin is not None and origin.rstrip("/").lower() != relying_party().origin.lower():
        forged = True
    if request.headers.get("Sec-Fetch-Site") == "cross-site":
        forged = True
    if forged:
        message = f"send {FORGERY_HEADER}: {FORGERY_VALUE} from this site's own page"
        raise ApiError("cross_site", message, 403)


def current_account() -> Account | None:
    """The signed-in account of this request, if any."""
    return sessions.account_of(request.cookies.get(COOKIE))


def signed_in() -> Account:
    """The signed-in account, or 401."""
    account = current_account()
    if account is None:
        raise ApiError("not_signed_in", "sign in with a passkey first", 401)
    return account


def start_session(response: Response, account_id: int) -> Response:
    """Sign the browser in: a new session and its cookie."""
    token = sessions.start(account_id)
    response.set_cookie(
        COOKIE,
        token,
        max_age=sessions.SESSION_DAYS * 86400,
        path="/",
        httponly=True,
        samesite="Lax",
        secure=served_over_https(),
    )
    return response


def end_session(response: Response) -> Response:
    """Sign the browser out: its session ends and the cookie goes."""
    sessions.end(request.cookies.get(COOKIE))
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="Lax")
    return response


def link_seat(player_id: int) -> None:
    """A create or join from the signed-in page: the seat becomes the account's.

    Only the page's own requests (the forgery header) carry the account; any other
    create or join is a guest's, as it always was.
    """
    if request.headers.get(FORGERY_HEADER) != FORGERY_VALUE or COOKIE not in request.cookies:
        return
    account = current_account()
    if account is not None:
        seats.link(account.id, player_id)


def limited() -> tuple[Response, int] | None:
    """Refuse clients that ask for passkey ceremonies faster than people do (429)."""
    allowed, retry_after = context.allow_address(request.remote_addr or "unknown")
    if allowed:
        return None
    metrics.inc("avalon_http_rate_limited_total")
    response = jsonify(error={"code": "rate_limited", "message": "too many requests: slow down"})
    response.headers["Retry-After"] = str(retry_after)
    return response, 429
