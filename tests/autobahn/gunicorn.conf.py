"""gunicorn settings for the echo app: the product's worker model, none of its hooks.

Passed explicitly with --config so that the product's gunicorn.conf.py (its broker,
turn timer and logger) stays out of the conformance run. The bind address comes from
the command line.
"""

worker_class = "gevent"
workers = 1
worker_connections = 100
timeout = 60
graceful_timeout = 2
max_requests = 0
control_socket_disable = True
loglevel = "warning"
errorlog = "-"
