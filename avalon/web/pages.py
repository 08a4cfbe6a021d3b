"""The browser client: one page for home, rooms and replays, in the reader's language."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from flask import Blueprint
from flask import Flask
from flask import Response
from flask import current_app
from flask import request

from avalon.protocol.validation import normalise_code
from avalon.services import games
from avalon.services import rooms

bp = Blueprint("pages", __name__)

PAGE = "index.html"  # the one page; the client (static/js/) reads the room code from the URL
# The client's message tables, static/i18n/<lang>.json: a two-letter code each ("zh" is
# Simplified Chinese), the primary subtag of the browser's languages.
LANGUAGES = ("en", "es", "de", "fr", "pt", "ru", "zh")
DEFAULT_LANGUAGE = "en"
HTML_LANG = '<html lang="en">'  # the page's own tag, replaced by the chosen language
# A Host header is only copied into the CSP when it is a plain host[:port]: anything
# else (a `;` or a space) could smuggle extra directives into the header.
SAFE_HOST = re.compile(r"^[A-Za-z0-9.\-]+(:[0-9]{1,5})?$|^\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?$")


def content_security_policy(host: str) -> str:
    """Allow only this origin's scripts, styles, images and sockets; no inline code."""
    connect = "'self'"
    if SAFE_HOST.match(host):
        # Browsers before CSP level 3 do not count ws(s):// of the page's host as 'self'.
        connect += f" ws://{host} wss://{host}"
    return "; ".join(
        [
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self'",
            f"connect-src {connect}",
            "manifest-src 'self'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def language() -> str:
    """The page's language: `?lang=`, else the browser's Accept-Language, else English."""
    asked = request.args.get("lang", "").lower()
    if asked in LANGUAGES:
        return asked
    # The browser's languages, best first, by primary subtag: "pt-BR" is Portuguese and
    # "en-GB,fr;q=0.5" English (an exact match for a later language does not win).
    for tag, quality in request.accept_languages:
        primary = tag.replace("_", "-").split("-")[0].lower()
        if quality > 0 and primary in LANGUAGES:
            return primary
    return DEFAULT_LANGUAGE


@cache
def page_text(folder: str) -> str:
    """The page as shipped (read once per process)."""
    return (Path(folder) / PAGE).read_text(encoding="utf-8")


def serve_page(status: int = 200) -> Response:
    """Send the client page in the reader's language, with headers against framing."""
    lang = language()
    html = page_text(current_app.static_folder or "static")
    html = html.replace(HTML_LANG, f'<html lang="{lang}">', 1)
    response = Response(html, status=status, mimetype="text/html")
    response.headers["Content-Security-Policy"] = content_security_policy(request.host)
    response.headers["Content-Language"] = lang
    response.headers["Vary"] = "Accept-Language"
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/")
def home() -> Response:
    """Serve the home page: create a room or join one by code."""
    return serve_page()


@bp.get("/r/<code>")
def room(code: str) -> Response:
    """Serve the page of a room; the client reads the code from its URL."""
    return serve_page()


@bp.get("/r/<code>/games/<int:number>")
def replay(code: str, number: int) -> Response:
    """Serve the replay page of a game; 404 when the room has no such game."""
    canonical = normalise_code(code)
    room = rooms.find_room(canonical) if canonical else None
    exists = room is not None and number <= games.MAX_GAME_NUMBER and games.exists(room.id, number)
    return serve_page(200 if exists else 404)


def common_headers(response: Response) -> Response:
    """Add the headers every page and static file of the client carries."""
    pages = ("static", "pages.home", "pages.room", "pages.replay")
    if request.endpoint in pages or (request.endpoint or "").endswith("_page"):
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Frame-Options"] = "DENY"
    return response


def init_app(app: Flask) -> None:
    """Register the client pages; static files come from the app's static folder."""
    app.register_blueprint(bp)
    app.after_request(common_headers)
