"""Health and metrics endpoints for load balancers and Prometheus (PROTOCOL section 6)."""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint
from flask import Flask
from flask import Response
from flask import current_app
from flask import jsonify

from avalon.ops import metrics
from avalon.services import context
from avalon.store import db
from avalon.store import schema

log = logging.getLogger(__name__)
bp = Blueprint("health", __name__)


@bp.get("/livez")
def livez() -> Response:
    """Answer while the process serves; touches nothing else (restart it if this fails)."""
    return jsonify(status="ok")


def readiness() -> tuple[dict[str, Any], bool]:
    """The readiness report and whether this worker should get traffic.

    Ready: the database answers and its schema is current. Redis is reported but never
    fails readiness: the app rides out a Redis outage, and pulling every instance from
    the load balancer on a Redis blip would turn it into a full outage.
    """
    report: dict[str, Any] = {"status": "ok", "database": "ok", "schema": "current"}
    reasons = []
    if not db.ping():
        report.update(database="down", schema="unknown")
        reasons.append("the database does not answer")
    else:
        try:
            missing = schema.pending()
        except Exception:  # a database that answers SELECT 1 but not this
            log.exception("event=schema_check_failed")
            missing = None
        if missing is None:
            report["schema"] = "unknown"
            reasons.append("the schema version could not be read")
        elif missing:
            report.update(schema="pending", pending=missing)
            reasons.append("the schema is not current: run 'flask --app wsgi db upgrade'")
    if db.writes_failing():
        # Reported, not failed: every instance shares the database, so pulling them all
        # from the load balancer would help nobody.
        report["database_writes"] = "failing"
    if current_app.config.get("REDIS_URL"):
        report["redis"] = "ok" if context.broker().healthy() else "down"
    if reasons:
        report.update(status="unavailable", reason="; ".join(reasons))
    return report, not reasons


@bp.get("/readyz")
@bp.get("/healthz")
def readyz() -> tuple[Response, int]:
    """200 when the database answers and the schema is current, else 503 with the reason."""
    report, ready = readiness()
    return jsonify(report), 200 if ready else 503


@bp.get("/metrics")
def metrics_page() -> Response:
    """Expose the host's metrics in the Prometheus text format."""
    return Response(metrics.render(), content_type=metrics.CONTENT_TYPE)


def init_app(app: Flask) -> None:
    """Register the health and metrics routes."""
    app.register_blueprint(bp)
