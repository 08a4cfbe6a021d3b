"""Health and metrics endpoints for load balancers and Prometheus."""

from __future__ import annotations

from flask import Blueprint
from flask import Flask
from flask import Response
from flask import current_app
from flask import jsonify

from avalon.ops import metrics
from avalon.services import context
from avalon.store import db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> tuple[Response, int]:
    """Report whether the database (and Redis, when configured) answers."""
    checks = {"database": "ok" if db.ping() else "down"}
    if db.writes_failing():
        checks["database_writes"] = "failing"  # refused a write in the last 30 s
    if current_app.config.get("REDIS_URL"):
        checks["redis"] = "ok" if context.broker().healthy() else "down"
    healthy = all(state == "ok" for state in checks.values())
    return jsonify(status="ok" if healthy else "unavailable", **checks), 200 if healthy else 503


@bp.get("/metrics")
def metrics_page() -> Response:
    """Expose the host's counters in the Prometheus text format."""
    return Response(metrics.render(), mimetype="text/plain; version=0.0.4")


def init_app(app: Flask) -> None:
    """Register the health and metrics routes."""
    app.register_blueprint(bp)
