"""JSON answers for every HTTP error: API errors, Werkzeug's, and unexpected failures."""

from __future__ import annotations

import logging

from flask import Flask
from flask import Response
from flask import current_app
from flask import jsonify
from flask import request
from peewee import PeeweeException
from werkzeug.exceptions import HTTPException
from werkzeug.exceptions import RequestEntityTooLarge

from avalon.ops import metrics
from avalon.protocol.errors import ApiError
from avalon.store import db

log = logging.getLogger(__name__)


def api_error(error: ApiError) -> tuple[Response, int]:
    """Answer an API error as JSON."""
    return jsonify(error=error.to_dict()), error.status


def http_error(error: HTTPException) -> tuple[Response, int]:
    """Answer Werkzeug's HTTP errors (404, 405, ...) as JSON, never HTML."""
    code = (error.name or "error").lower().replace(" ", "_")
    return jsonify(error={"code": code, "message": error.description}), error.code or 500


def unavailable(error: Exception) -> tuple[Response, int]:
    """Answer a refused or unreachable database with 503: the client may try again."""
    metrics.count_failure(error)
    message = "the database is unavailable: try again in a moment"
    response = jsonify(error={"code": "unavailable", "message": message})
    response.headers["Retry-After"] = "5"
    return response, 503


def body_too_large(error: RequestEntityTooLarge) -> tuple[Response, int]:
    """Answer an oversized body with 413 and close the connection (the rest is unread)."""
    limit = current_app.config["MAX_BODY_BYTES"]
    message = f"request bodies are at most {limit} bytes"
    response = jsonify(error={"code": "body_too_large", "message": message})
    response.headers["Connection"] = "close"
    return response, 413


def internal_error(error: Exception) -> tuple[Response, int]:
    """Answer unexpected failures with a JSON 500 and no stack trace."""
    log.exception("event=request_failed method=%s path=%s", request.method, request.path)
    metrics.count_failure(error)
    return jsonify(error={"code": "internal_error", "message": "internal server error"}), 500


def init_app(app: Flask) -> None:
    """Register the JSON error handlers."""
    app.register_error_handler(ApiError, api_error)
    app.register_error_handler(db.Unavailable, unavailable)
    app.register_error_handler(PeeweeException, unavailable)
    app.register_error_handler(RequestEntityTooLarge, body_too_large)
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(Exception, internal_error)
