"""gunicorn settings for Avalon: gevent workers holding long-lived sockets.

The checkout's `gunicorn.conf.py` imports these; an installed package serves with them
through `avalon serve` (`gunicorn --config python:avalon.serving avalon.wsgi:app`).
Importing this module imports no web framework: gunicorn's master reads it before it
forks the gevent workers.
"""

import os
from pathlib import Path

from dotenv import load_dotenv

# Settings from a `.env` file in the directory gunicorn starts in (the Flask CLI reads
# the same file); variables already in the environment win. FLASK_SKIP_DOTENV=1 skips it.
if os.environ.get("FLASK_SKIP_DOTENV", "") not in ("1", "true", "True"):
    load_dotenv(Path.cwd() / ".env", override=False)

# gevent's parent/child bookkeeping for greenlets costs memory on every socket and we
# never read it: switch it off before gevent is imported.
os.environ.setdefault("GEVENT_TRACK_GREENLET_TREE", "0")


def whole_number(variable: str, default: int, least: int = 1) -> int:
    """A setting gunicorn itself needs; a bad value stops the start naming the variable."""
    raw = os.environ.get(variable, "") or str(default)
    if not raw.isdigit() or int(raw) < least:
        raise SystemExit(
            f"Avalon cannot start: {variable}={raw!r}: expected a whole number {least} or more"
        )
    return int(raw)


bind = f"0.0.0.0:{whole_number('PORT', 8000)}"
workers = whole_number("WEB_CONCURRENCY", 1)
worker_class = "gevent"
# Each open WebSocket holds one of these; past it new connections wait. See README.
worker_connections = whole_number("AVALON_WORKER_CONNECTIONS", 2000)
# A stalled event loop is killed after this; sockets themselves are never timed out by it.
timeout = 30
graceful_timeout = 15
keepalive = 5
max_requests = 0  # every WebSocket counts as a request: never recycle workers on a count
control_socket_disable = True
accesslog = "-"
# key=value like the app's lines (avalon/ops/logs.py); a socket is logged when it closes,
# its query's token redacted. %(M)s: milliseconds the request (or socket) lasted.
access_log_format = (
    'event=http remote=%(h)s method=%(m)s path=%(U)s query="%(q)s" status=%(s)s'
    ' bytes=%(B)s ms=%(M)s agent="%(a)s"'
)
errorlog = "-"
logger_class = "avalon.ops.logs.RedactingLogger"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def on_starting(server):
    """Give the workers one metrics directory (before any of them imports the library)."""
    from avalon.ops import multiprocess

    directory = multiprocess.prepare()
    server.log.info("event=metrics_directory path=%s", directory)


def post_worker_init(worker):
    """Check the schema, start the broker, the turn timer, metrics and the shutdown watch."""
    from avalon import runtime

    app = worker.wsgi  # the Flask app gunicorn loaded for this worker
    runtime.start_worker(app)
    # gunicorn closes a stopping worker's listeners (its copies) within a second.
    listening = lambda: any(s.fileno() != -1 for s in worker.sockets)  # noqa: E731
    runtime.watch_shutdown(app, lambda: worker.alive, listening)


def post_request(worker, req, environ, resp):
    """Close a connection whose request body was left unread (an early 413, 408, 404...).

    Otherwise gunicorn would read and discard the rest before the next request on the
    connection, without yielding while data keeps coming: one 10 GB body would hold
    the whole worker (avalon/web/bodies.py).
    """
    from avalon.web import bodies

    bodies.close_if_unread(environ, req)


def child_exit(server, worker):
    """Forget a dead worker's gauges; its counters stay, so sums never go backwards."""
    from avalon.ops import multiprocess

    multiprocess.worker_exited(worker.pid)


def on_exit(server):
    """Remove the metrics directory the master made for itself."""
    from avalon.ops import multiprocess

    multiprocess.cleanup()
