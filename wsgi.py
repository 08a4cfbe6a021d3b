"""The checkout's WSGI entry point: gunicorn serves `wsgi:app`, the Flask CLI `--app wsgi`."""

from avalon.wsgi import app

__all__ = ["app"]
