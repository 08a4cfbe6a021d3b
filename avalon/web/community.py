"""Profiles, the leaderboard and groups (PROTOCOL section 12), and their pages."""

from __future__ import annotations

from flask import Blueprint
from flask import Flask
from flask import Response
from flask import jsonify
from flask import request

from avalon.accounts import groups
from avalon.accounts import profiles
from avalon.accounts.models import Account
from avalon.protocol.errors import ApiError
from avalon.protocol.names import has_control_characters
from avalon.protocol.validation import parse_non_negative_int
from avalon.store import db
from avalon.web import account_session
from avalon.web.api import json_body
from avalon.web.api import room_code_or_404
from avalon.web.pages import serve_page

bp = Blueprint("community", __name__)
GROUP_NAME_MAX = 40
MAX_PAGE = 100_000


def visible_account(account_id: int) -> Account | None:
    """The account of a public profile, or the viewer's own; None otherwise."""
    with db.unit():
        account = Account.get_or_none(Account.id == account_id) if account_id < 2**63 else None
    if account is None:
        return None
    if account.public:
        return account
    viewer = account_session.current_account()
    return account if viewer is not None and viewer.id == account.id else None


@bp.get("/api/players/<int:account_id>")
def player(account_id: int) -> Response:
    """A public profile (404 for a private or unknown one, but to its own player)."""
    account = visible_account(account_id)
    if account is None:
        raise ApiError("player_not_found", f"no public profile {account_id}", 404)
    return jsonify(profiles.profile(account))


@bp.get("/api/leaderboard")
def leaderboard() -> Response:
    """Public profiles by overall rating (rated games only), a page at a time."""
    try:
        asked = parse_non_negative_int(request.args.get("page"))
    except ValueError:
        asked = 0
    page = 1 if asked is None else asked
    if not 1 <= page <= MAX_PAGE:
        raise ApiError("invalid_page", f"page must be a whole number from 1 to {MAX_PAGE}")
    return jsonify(profiles.leaderboard(page))


def group_name(value: object) -> str:
    """A group's name: 1-40 characters of text."""
    if not isinstance(value, str) or has_control_characters(value):
        raise ApiError("invalid_name", f"name must be 1-{GROUP_NAME_MAX} characters of text")
    name = " ".join(value.split())
    if not 1 <= len(name) <= GROUP_NAME_MAX:
        raise ApiError("invalid_name", f"name must be 1-{GROUP_NAME_MAX} characters of text")
    return name


@bp.post("/api/rooms/<code>/group")
def make_group(code: str) -> tuple[Response, int]:
    """The signed-in host makes the room's seated accounts a group."""
    account_session.require_same_site()
    canonical = room_code_or_404(code)
    account = account_session.signed_in()
    group = groups.create(canonical, account, group_name(json_body().get("name")))
    return jsonify(group_id=group.public_id, name=group.name), 201


@bp.get("/api/groups/<group_id>")
def group(group_id: str) -> Response:
    """A group's members, their ladder, its games and numbers."""
    found = groups.page(group_id) if len(group_id) <= 32 else None
    if found is None:
        raise ApiError("group_not_found", "no such group", 404)
    return jsonify(found)


@bp.get("/players/<int:account_id>")
def player_page(account_id: int) -> Response:
    """The profile page (404 when there is no profile to show)."""
    return serve_page(200 if visible_account(account_id) is not None else 404)


@bp.get("/groups/<group_id>")
def group_page(group_id: str) -> Response:
    """A group's page."""
    return serve_page()


@bp.get("/leaderboard")
def leaderboard_page() -> Response:
    """The leaderboard's page."""
    return serve_page()


def init_app(app: Flask) -> None:
    """Register the profile, leaderboard and group routes."""
    app.register_blueprint(bp)
