"""No cookie sessions: seats are held by explicit tokens, never by a cookie."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.sessions import NullSession
from flask.sessions import SessionInterface
from flask.wrappers import Request
from flask.wrappers import Response

# One read-only session for every request: Flask would otherwise make (and sign the
# cookie of) a session per request, and a socket's request lives as long as the socket.
NO_SESSION = NullSession()


class NoCookieSessions(SessionInterface):
    """Give every request the same empty, read-only session and never set a cookie."""

    def open_session(self, app: Flask, request: Request) -> NullSession:
        """The shared empty session; writing to it raises."""
        return NO_SESSION

    def save_session(self, app: Flask, session: Any, response: Response) -> None:
        """Nothing to save."""


def init_app(app: Flask) -> None:
    """Turn Flask's cookie sessions off for the app."""
    app.session_interface = NoCookieSessions()
