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
logger_class = "avalon.logs.RedactingLogger"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def post_worker_init(worker):
    """Start the broker, the turn timer and a watcher that closes sockets on shutdown."""
    import gevent

    from avalon import broker
    from avalon import games
    from avalon import metrics
    from avalon import ws

    broker.get().start()
    gevent.spawn(games.sweep_timers)
    gevent.spawn(metrics.publish_forever)

    def close_sockets_on_shutdown():
        while worker.alive:
            gevent.sleep(0.25)
        worker.log.info("worker %s closing sockets with 1001", worker.pid)
        ws.shutdown_sockets()
        broker.get().stop()

    gevent.spawn(close_sockets_on_shutdown)
