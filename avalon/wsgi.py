"""The WSGI entry point: `avalon.wsgi:app` (the checkout's `wsgi.py` re-exports it)."""

import sys

from avalon import create_app
from avalon.config import ConfigError

try:
    app = create_app()
except ConfigError as error:
    # One line that names the setting, not a traceback; exit status 3 is gunicorn's
    # "worker failed to boot", so the server stops rather than restarting workers.
    print(f"Avalon cannot start: {error}", file=sys.stderr, flush=True)
    raise SystemExit(3) from None
