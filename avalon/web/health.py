"""Health and metrics endpoints for load balancers and Prometheus (PROTOCOL sections 6, 11)."""

from __future__ import annotations

import hmac
import ipaddress
import logging
import time
from dataclasses import dataclass
from typing import Any

from flask import Blueprint
from flask import Flask
from flask import Response
from flask import current_app
from flask import jsonify
from flask import request
from gevent.lock import Semaphore

from avalon.ops import metrics
from avalon.ops.failures import log_failure
from avalon.services import context
from avalon.store import db
from avalon.store import schema

log = logging.getLogger(__name__)
bp = Blueprint("health", __name__)

# Seconds a readiness probe is reused: a flood of /readyz then costs each worker one
# database query (and one Redis ping) a second instead of one per request.
READY_MAX_AGE = 1.0
EXTENSION = "avalon.readiness"  # the per-app (per-worker) probe cache in app.extensions


@bp.get("/livez")
def livez() -> Response:
    """Answer while the process serves; touches nothing else (restart it if this fails)."""
    return jsonify(status="ok")


@dataclass(frozen=True)
class Probe:
    """What the database and Redis answered, and when (time.monotonic())."""

    database: str | None  # None when it answered, else why not
    missing: list[str] | None  # migrations not applied; None when they could not be read
    redis: bool | None  # None when no Redis is configured
    started: float
    finished: float


def run_probe() -> Probe:
    """Ask the database (and Redis, when configured) whether they answer."""
    started = time.monotonic()
    missing: list[str] | None = None
    database = db.ping()
    if database is None:
        try:
            missing = schema.pending()
        except Exception as error:  # a database that answers SELECT 1 but not this
            log_failure(log, "schema_check_failed", error)
    redis = context.broker().healthy() if current_app.config.get("REDIS_URL") else None
    return Probe(database, missing, redis, started, time.monotonic())


class ProbeCache:
    """A worker's last probe, renewed at most once per READY_MAX_AGE."""

    def __init__(self) -> None:
        # gevent's lock: a request waiting here yields to the worker's other greenlets.
        # It is held during the probe on purpose, so that concurrent requests wait for
        # that one probe instead of each starting their own.
        self.lock = Semaphore()
        self.last: Probe | None = None

    def probe(self) -> Probe:
        """The last probe while it is fresh (or finished while we waited), else a new one."""
        arrived = time.monotonic()
        with self.lock:
            last = self.last
            if last is None or (
                arrived - last.started >= READY_MAX_AGE and last.finished < arrived
            ):
                last = self.last = run_probe()
            return last


def readiness() -> tuple[dict[str, Any], bool]:
    """The readiness report and whether this worker should get traffic.

    Ready: the database answers and its schema is current. A Redis outage is reported
    but does not fail readiness: the app rides it out, and pulling every instance from
    the load balancer on a Redis blip would turn it into a full outage. A Redis that
    never answered since the worker started does fail it: that is a wrong REDIS_URL
    more often than an outage, and such a worker delivers to its own sockets only.
    """
    probe: Probe = current_app.extensions[EXTENSION].probe()
    report: dict[str, Any] = {"status": "ok", "database": "ok", "schema": "current"}
    reasons = []
    if probe.database is not None:
        report.update(database="down", schema="unknown")
        reasons.append(f"the database does not answer ({probe.database})")
    elif probe.missing is None:
        report["schema"] = "unknown"
        reasons.append("the schema version could not be read")
    elif probe.missing:
        report.update(schema="pending", pending=list(probe.missing))
        reasons.append("the schema is not current: run 'flask --app wsgi db upgrade'")
    if db.writes_failing():
        # Reported, not failed: every instance shares the database, so pulling them all
        # from the load balancer would help nobody. Read on every request: it costs no I/O.
        report["database_writes"] = "failing"
    if probe.redis is not None:
        report["redis"] = "ok" if probe.redis else "down"
        if not probe.redis and not context.broker().ever_connected:
            report["redis"] = "unreachable"
            reasons.append("Redis has not answered since this worker started: check REDIS_URL")
    if reasons:
        report.update(status="unavailable", reason="; ".join(reasons))
    return report, not reasons


@bp.get("/readyz")
@bp.get("/healthz")
def readyz() -> tuple[Response, int]:
    """200 when the database answers and the schema is current, else 503 with the reason."""
    report, ready = readiness()
    return jsonify(report), 200 if ready else 503


def is_loopback(address: str | None) -> bool:
    """Tell whether an address is this host's loopback (127.0.0.0/8, ::1, ::ffff:127.x)."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:  # no address (a UNIX socket) or a forwarded value that is none
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped.is_loopback
    return ip.is_loopback


def secret_bytes(text: str) -> bytes:
    """Encode a token for compare_digest, which refuses non-ASCII text but not bytes."""
    return text.encode("utf-8", "surrogatepass")


def metrics_refusal() -> tuple[Response, int] | None:
    """The answer for a client that may not read /metrics; None when it may."""
    token = current_app.config.get("METRICS_TOKEN")
    if token:
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        # Constant time, so the answer's timing does not tell how much of a guess was right.
        if scheme.lower() == "bearer" and hmac.compare_digest(
            secret_bytes(given.strip()), secret_bytes(token)
        ):
            return None
        message = "/metrics needs 'Authorization: Bearer <AVALON_METRICS_TOKEN>'"
        response = jsonify(error={"code": "unauthorized", "message": message})
        response.headers["WWW-Authenticate"] = "Bearer"
        return response, 401
    # remote_addr is the client's own address after ProxyFix (AVALON_PROXY_HOPS), so a
    # request relayed by a proxy on this host is judged by where it came from.
    if is_loopback(request.remote_addr):
        return None
    message = "/metrics answers this host only unless AVALON_METRICS_TOKEN is set"
    return jsonify(error={"code": "forbidden", "message": message}), 403


@bp.get("/metrics")
def metrics_page() -> Response | tuple[Response, int]:
    """Expose the host's metrics in the Prometheus text format, to whom may read them."""
    refusal = metrics_refusal()
    if refusal is not None:
        return refusal
    return Response(metrics.render(), content_type=metrics.CONTENT_TYPE)


def init_app(app: Flask) -> None:
    """Register the health and metrics routes and this app's readiness probe cache."""
    app.extensions[EXTENSION] = ProbeCache()
    app.register_blueprint(bp)
