"""The `avalon` command of an installed package: serve, and the release step.

avalon serve [gunicorn options]   gunicorn with the package's settings (avalon/serving.py)
avalon db upgrade                 the Flask CLI's commands on the app (`flask --app ...`)

`python -m avalon` is the same command from a checkout (the Procfile's).
"""

from __future__ import annotations

import os
import sys

USAGE = "usage: avalon serve [gunicorn options] | avalon db upgrade | avalon <flask command>"


def main(argv: list[str] | None = None) -> None:
    """Run gunicorn or the Flask CLI in this process's place, on the packaged app."""
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] in ("-h", "--help"):
        print(USAGE)
        raise SystemExit(0 if args else 2)
    if args[0] == "serve":
        # gunicorn reads WEB_CONCURRENCY as it loads, before any setting of ours: read
        # every setting gunicorn needs here first, so a bad one is named in one line.
        import avalon.serving  # noqa: F401

        command = ["gunicorn", "--config", "python:avalon.serving", *args[1:], "avalon.wsgi:app"]
    else:
        command = ["flask", "--app", "avalon.wsgi", *args]
    executable = [sys.executable, "-m", *command]  # this environment's gunicorn and Flask
    os.execv(sys.executable, executable)
