"""The account routes (PROTOCOL section 12): passkeys, the session, me, claim, export, delete.

The passkey ceremonies (avalon.accounts.passkeys) are imported where they are used: with
py_webauthn and its cryptography they were a fifth of the app's imports, paid by every
worker at its start and by every release step, and most workers never see a passkey.
"""

from __future__ import annotations

import json

from flask import Blueprint
from flask import Flask
from flask import Response
from flask import jsonify
from flask import request
from peewee import IntegrityError

from avalon.accounts import privacy
from avalon.accounts import profiles
from avalon.accounts import seats
from avalon.accounts.models import Account
from avalon.accounts.models import GroupMember
from avalon.accounts.models import Passkey
from avalon.accounts.models import PlayerGroup
from avalon.protocol.errors import ApiError
from avalon.protocol.names import name_key
from avalon.protocol.names import shape_key
from avalon.protocol.validation import clean_display_name
from avalon.store import db
from avalon.web import account_session
from avalon.web.account_session import relying_party
from avalon.web.account_session import signed_in
from avalon.web.api import device_from
from avalon.web.api import json_body

bp = Blueprint("accounts", __name__)
STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CEREMONIES = frozenset({"accounts.register_options", "accounts.login_options"})


@bp.before_request
def guard() -> tuple[Response, int] | None:
    """Every state-changing account request comes from this site's page; ceremonies are
    limited per address."""
    if request.method in STATE_CHANGING:
        account_session.require_same_site()
    if request.endpoint in CEREMONIES:
        return account_session.limited()
    return None


def account_name(value: object) -> str:
    """An account's name: as a name at a table is (1-24 characters, no look-alike tricks)."""
    name = clean_display_name(value)
    if name is None:
        raise ApiError("invalid_name", "name must be 1-24 characters, no control characters")
    return name


def credential_body() -> dict:
    """The credential the browser's navigator.credentials call returned, as JSON."""
    body = json_body()
    if not isinstance(body.get("response"), dict) or not isinstance(body.get("id"), str):
        raise ApiError("invalid_credential", "send the credential the browser returned")
    return body


def session_answer(account: Account, status: int) -> tuple[Response, int]:
    """The account's id and name, with a new session's cookie."""
    response = jsonify(account_id=account.id, name=account.name)
    return account_session.start_session(response, account.id), status


@bp.post("/api/accounts/register/options")
def register_options() -> Response:
    """Options to create an account's first passkey."""
    from avalon.accounts import passkeys  # imported at first use (see above)

    name = account_name(json_body().get("name"))
    return jsonify(passkeys.register_options(relying_party(), name))


@bp.post("/api/accounts/register")
def register() -> tuple[Response, int]:
    """Create the account of a verified new passkey; the browser is signed in."""
    from avalon.accounts import passkeys  # imported at first use (see above)

    account = passkeys.register(relying_party(), credential_body())
    return session_answer(account, 201)


@bp.post("/api/accounts/login/options")
def login_options() -> Response:
    """Options to sign in with any passkey of this site."""
    from avalon.accounts import passkeys  # imported at first use (see above)

    return jsonify(passkeys.login_options(relying_party()))


@bp.post("/api/accounts/login")
def login() -> tuple[Response, int]:
    """Sign in with a verified passkey assertion."""
    from avalon.accounts import passkeys  # imported at first use (see above)

    account = passkeys.login(relying_party(), credential_body())
    return session_answer(account, 200)


@bp.post("/api/accounts/logout")
def logout() -> tuple[Response, int]:
    """Sign out: the session ends and its cookie goes."""
    return account_session.end_session(Response(status=204)), 204


def me_payload(account: Account) -> dict:
    """The signed-in account as its page shows it."""
    with db.unit():
        keys = Passkey.select().where(Passkey.account == account.id).order_by(Passkey.id)
        groups = PlayerGroup.select().join(GroupMember).where(GroupMember.account == account.id)
        extra = {
            "passkeys": [
                {
                    "id": key.id,
                    "created_at": privacy.when(key.created_at),
                    "last_used_at": privacy.when(key.last_used_at),
                }
                for key in keys
            ],
            "groups": [{"group_id": group.public_id, "name": group.name} for group in groups],
        }
    return {**profiles.profile(account), **extra}


@bp.get("/api/accounts/me")
def me() -> Response:
    """The signed-in account: name, privacy, passkeys, numbers and ratings."""
    return jsonify(me_payload(signed_in()))


@bp.patch("/api/accounts/me")
def change_me() -> Response:
    """Make the profile public or private, or change the name."""
    from avalon.accounts import passkeys  # imported at first use (see above)

    account = signed_in()
    body = json_body()
    if "public" in body:
        if not isinstance(body["public"], bool):
            raise ApiError("invalid_public", "public must be true or false")
        account.public = body["public"]
    if "name" in body:
        name = account_name(body["name"])
        if name_key(name) != account.name_key and passkeys.name_taken(name):
            raise ApiError("name_taken", "an account has this name already", 409)
        account.name, account.name_key, account.shape_key = name, name_key(name), shape_key(name)
    try:
        with db.write():
            account.save()
    except IntegrityError:
        raise ApiError("name_taken", "an account has this name already", 409) from None
    return jsonify(me_payload(account))


@bp.post("/api/accounts/me/passkeys/options")
def passkey_options() -> Response:
    """Options to add another passkey (another device) to the account."""
    from avalon.accounts import passkeys  # imported at first use (see above)

    return jsonify(passkeys.add_options(relying_party(), signed_in()))


@bp.post("/api/accounts/me/passkeys")
def add_passkey() -> tuple[Response, int]:
    """Keep a verified new passkey of the signed-in account."""
    from avalon.accounts import passkeys  # imported at first use (see above)

    account = signed_in()
    passkeys.add(relying_party(), account, credential_body())
    return jsonify(me_payload(account)["passkeys"]), 201


@bp.post("/api/accounts/me/claim")
def claim() -> Response:
    """The seats this browser played become the account's (once per browser)."""
    account = signed_in()
    return jsonify(claimed=seats.claim(account, device_from(json_body())))


@bp.get("/api/accounts/me/export")
def export() -> Response:
    """Every stored fact about the account, as a JSON file."""
    account = signed_in()
    text = json.dumps(privacy.export(account), indent=2, ensure_ascii=False)
    response = Response(text, mimetype="application/json")
    response.headers["Content-Disposition"] = 'attachment; filename="avalon-account.json"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.delete("/api/accounts/me")
def delete_me() -> tuple[Response, int]:
    """Delete the account; its games stay, played by "a former player"."""
    privacy.delete(signed_in())
    return account_session.end_session(Response(status=204)), 204


def init_app(app: Flask) -> None:
    """Register the account routes."""
    app.register_blueprint(bp)
