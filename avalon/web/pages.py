"""The browser client: the single page served at / and /r/{code}, with its security headers."""

from __future__ import annotations

import re

from flask import Blueprint
from flask import Flask
from flask import Response
from flask import current_app
from flask import request
from flask import send_from_directory

bp = Blueprint("pages", __name__)

PAGE = "index.html"  # the one page; the client (static/js/) reads the room code from the URL
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


def serve_page() -> Response:
    """Send the client page with headers that keep it from being framed or sniffed."""
    response = send_from_directory(current_app.static_folder or "static", PAGE)
    response.headers["Content-Security-Policy"] = content_security_policy(request.host)
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


def common_headers(response: Response) -> Response:
    """Add the headers every page and static file of the client carries."""
    if request.endpoint in ("static", "pages.home", "pages.room"):
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Frame-Options"] = "DENY"
    return response


def init_app(app: Flask) -> None:
    """Register the client pages; static files come from the app's static folder."""
    app.register_blueprint(bp)
    app.after_request(common_headers)
