"""Request bodies a stranger cannot use to hold a worker: bounded in size and in time."""

from __future__ import annotations

import gevent
from flask import Flask
from flask import Response
from flask import current_app
from flask import jsonify
from flask import request

BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class BodyTimeout(Exception):
    """The client sent its body too slowly."""


def read_body_in_time() -> tuple[Response, int] | None:
    """Read the whole body now, within AVALON_BODY_TIMEOUT, so no handler ever waits on it.

    Werkzeug has already refused a declared length over AVALON_MAX_BODY_BYTES (413)
    and stops a chunked body at that size; what is left is a body sent slowly.
    """
    if request.method not in BODY_METHODS:
        return None
    try:
        with gevent.Timeout(current_app.config["BODY_TIMEOUT"], BodyTimeout):
            request.get_data(cache=True)
    except BodyTimeout:
        message = "the request body arrived too slowly"
        response = jsonify(error={"code": "body_timeout", "message": message})
        response.headers["Connection"] = "close"
        return response, 408
    return None


def init_app(app: Flask) -> None:
    """Read every request body up front, bounded in size and time."""
    app.before_request(read_body_in_time)
