"""gunicorn settings for Avalon: gevent workers holding long-lived sockets."""

import os

# gevent's parent/child bookkeeping for greenlets costs memory on every socket and we
# never read it: switch it off before gevent is imported.
os.environ.setdefault("GEVENT_TRACK_GREENLET_TREE", "0")

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "1"))
worker_class = "gevent"
# Each open WebSocket holds one of these; past it new connections wait. See README.
worker_connections = int(os.environ.get("AVALON_WORKER_CONNECTIONS", "2000"))
# A stalled event loop is killed after this; sockets themselves are never timed out by it.
timeout = 30
graceful_timeout = 15
keepalive = 5
max_requests = 0  # every WebSocket counts as a request: never recycle workers on a count
control_socket_disable = True
accesslog = "-"
errorlog = "-"
logger_class = "avalon.ops.logs.RedactingLogger"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def post_worker_init(worker):
    """Start the broker, the turn timer and a watcher that closes sockets on shutdown."""
    from avalon import runtime

    app = worker.wsgi  # the Flask app gunicorn loaded for this worker
    # Snapshots for the sibling workers' scrapes: none to share with a single worker.
    share = worker.cfg.workers > 1 or bool(os.environ.get("AVALON_METRICS_DIR"))
    runtime.start_worker(app, share_metrics=share)
    # gunicorn closes a stopping worker's listeners (its copies) within a second.
    listening = lambda: any(s.fileno() != -1 for s in worker.sockets)  # noqa: E731
    runtime.watch_shutdown(app, lambda: worker.alive, listening)
