"""Request bodies a stranger cannot use to hold a worker: bounded in size and in time.

An answer sent before a body was read (413, 408, 404...) closes the connection instead
of reading the rest: gunicorn reads and discards a keep-alive request's unread body
before the next request, without yielding while data keeps coming, so a 10 GB body
declared to any route would hold the whole worker. `BodyWatch` notes whether each body
was read to its end; gunicorn's `post_request` hook (gunicorn.conf.py) asks
`close_if_unread`, which closes the connection after a short, bounded linger.
"""

from __future__ import annotations

import io
import socket
from collections.abc import Callable
from collections.abc import Iterable
from typing import Any

import gevent
from flask import Flask
from flask import Response
from flask import current_app
from flask import jsonify
from flask import request
from werkzeug.exceptions import RequestEntityTooLarge

from avalon.realtime.transport import linger

BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
WATCH_KEY = "avalon.body"  # the environ key of a request's WatchedInput
LINGER_SECONDS = 1.0  # after an early answer, how long the client's last bytes are dropped ...
LINGER_BYTES = 256 * 1024  # ... and how many at most, before the connection is closed


class WatchedInput:
    """A request body stream that remembers whether it was read to its end."""

    def __init__(self, stream: Any, length: int | None) -> None:
        self.stream = stream
        self.length = length  # the declared Content-Length; None for a chunked body
        self.read_bytes = 0
        self.ended = False

    def read(self, size: int | None = -1) -> bytes:
        """Read as the WSGI server's stream does, counting what came.

        gunicorn's stream reads until it has what was asked or the body ends, so a read
        that returns less than asked (or one that asked for everything) reached the end.
        """
        if size is None or size < 0:
            data = self.stream.read()
            self._count(data, ended=True)
        else:
            data = self.stream.read(size)
            self._count(data, ended=0 < size and len(data) < size)
        return data

    def readline(self, size: int = -1) -> bytes:
        """Read a line as the WSGI server's stream does, counting what came."""
        data = self.stream.readline(size)
        self._count(data, ended=not data)
        return data

    def __iter__(self) -> Any:
        return iter(self.readline, b"")

    def _count(self, data: bytes, ended: bool) -> None:
        """Count a read; the body ended when the read says so or its length was reached."""
        self.read_bytes += len(data)
        if ended or (self.length is not None and self.read_bytes >= self.length):
            self.ended = True

    @property
    def unread(self) -> bool:
        """Tell whether part of the body is still on the connection."""
        return not self.ended


class BodyWatch:
    """WSGI middleware: wrap every declared request body in a WatchedInput."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app

    def __call__(self, environ: dict, start_response: Callable[..., Any]) -> Iterable[bytes]:
        length_text = environ.get("CONTENT_LENGTH") or ""
        chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
        length = int(length_text) if length_text.isdigit() else None
        if chunked or (length or 0) > 0:
            watched = WatchedInput(environ["wsgi.input"], None if chunked else length)
            environ["wsgi.input"] = environ[WATCH_KEY] = watched
        return self.app(environ, start_response)


def close_if_unread(environ: dict, request: Any) -> bool:
    """After an answer, close the connection if the request's body was not read to its end.

    `request` is gunicorn's request object (the `post_request` hook's `req`): its
    `force_close()` makes gunicorn close the connection instead of reading the rest of
    the body. The client's bytes already on their way are dropped for a moment first,
    so that the close does not reset the connection before the answer is read.
    """
    watched = environ.get(WATCH_KEY)
    if watched is None or not watched.unread:
        return False
    request.force_close()
    sock = environ.get("gunicorn.socket")
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_WR)
            linger(sock, LINGER_SECONDS, LINGER_BYTES)
        except OSError:
            pass
    return True


class BodyTimeout(Exception):
    """The client sent its body too slowly."""


def read_body_in_time() -> tuple[Response, int] | None:
    """Read the whole body now, within AVALON_BODY_TIMEOUT, so no handler ever waits on it.

    A declared length over AVALON_MAX_BODY_BYTES is refused (413) before anything is
    read; a chunked body is read up to that size and refused past it.
    """
    if request.method not in BODY_METHODS:
        return None
    try:
        with gevent.Timeout(current_app.config["BODY_TIMEOUT"], BodyTimeout):
            if not request.environ.get("CONTENT_LENGTH"):
                buffer_streamed_body(current_app.config["MAX_BODY_BYTES"])
            request.get_data(cache=True)
    except BodyTimeout:
        message = "the request body arrived too slowly"
        response = jsonify(error={"code": "body_timeout", "message": message})
        response.headers["Connection"] = "close"
        return response, 408
    return None


def buffer_streamed_body(limit: int) -> None:
    """Read a body of no declared length (chunked) up to the limit, or refuse it (413).

    Werkzeug would silently cut such a body at the limit; reading one byte more tells
    an oversized body from one that fits.
    """
    data = request.environ["wsgi.input"].read(limit + 1)
    if len(data) > limit:
        raise RequestEntityTooLarge()
    request.environ["wsgi.input"] = io.BytesIO(data)
    request.environ["CONTENT_LENGTH"] = str(len(data))


def init_app(app: Flask) -> None:
    """Read every request body up front, bounded in size and time; watch for unread ones."""
    app.before_request(read_body_in_time)
    app.wsgi_app = BodyWatch(app.wsgi_app)  # type: ignore[method-assign]
