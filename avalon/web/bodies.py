"""Request bodies a stranger cannot use to hold a worker: bounded in size and in time."""

from __future__ import annotations

import io

import gevent
from flask import Flask
from flask import Response
from flask import current_app
from flask import jsonify
from flask import request
from werkzeug.exceptions import RequestEntityTooLarge

BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


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
    """Read every request body up front, bounded in size and time."""
    app.before_request(read_body_in_time)
