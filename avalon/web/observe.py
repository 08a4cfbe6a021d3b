"""Every HTTP answer counted by route and status, for the operator's dashboard."""

from __future__ import annotations

from flask import Flask
from flask import Response
from flask import request

from avalon.ops import metrics


def count_request(response: Response) -> Response:
    """Count one answered request under its route's pattern (never the raw path)."""
    rule = request.url_rule
    route = rule.rule if rule is not None else "unmatched"
    metrics.inc("avalon_http_requests_total", route=route, status=str(response.status_code))
    return response


def init_app(app: Flask) -> None:
    """Count every answer the app gives."""
    app.after_request(count_request)
