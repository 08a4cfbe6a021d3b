"""One log format for the app, gunicorn's access log and its error log, never a token.

Every line is `time level [pid] logger message`, the message `event=... key=value`
(gunicorn's own error lines keep their words), tracebacks folded onto the line.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from gunicorn.glogging import Logger

TOKEN_PATTERN = re.compile(r"(token=)[^&\s\"]*", re.IGNORECASE)


def redact(text: str | None) -> str | None:
    """Replace every token= value in a URL or query string."""
    return TOKEN_PATTERN.sub(r"\1[redacted]", text) if text else text


class RedactingFilter(logging.Filter):
    """Rewrite a record's message with every token= value redacted."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact the formatted message (and drop the args it was formatted from)."""
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


class RedactingLogger(Logger):
    """gunicorn's logger with token= redacted from the access log and the error log.

    The error log prints a malformed request line as it arrived, query string included.
    """

    def setup(self, cfg: Any) -> None:
        """Set gunicorn's handlers up, then redact every line either log writes."""
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            if not any(isinstance(f, RedactingFilter) for f in log.filters):
                log.addFilter(RedactingFilter())
            for handler in log.handlers:  # one format for every line the server writes
                handler.setFormatter(OneLineFormatter())

    def atoms(self, resp: Any, req: Any, environ: dict, request_time: Any) -> dict:
        """Build the access-log atoms, then redact the URL-bearing ones."""
        atoms = super().atoms(resp, req, environ, request_time)
        for key in ("r", "q", "U"):
            atoms[key] = redact(atoms.get(key))
        for key in list(atoms):
            if key.lower() == "{authorization}i":
                atoms[key] = "[redacted]"
        return atoms


class OneLineFormatter(logging.Formatter):
    """One line per record, tracebacks included, so log search and shipping stay simple."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s [%(process)d] %(name)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        """Format, redact any token and fold newlines into `\\n`."""
        text = redact(super().format(record)) or ""
        return text.replace("\n", "\\n")


def configure_logging() -> None:
    """Send the app's one-line logs to stderr (gunicorn's own lines go there too).

    Records carry no thread name or id (`logging.logThreads` off), for every handler.
    """
    # No thread in the records: under gevent every greenlet is a "thread", and a greenlet
    # that logs (each socket's, at connect) would keep a dummy Thread for its whole life.
    logging.logThreads = False
    root = logging.getLogger()
    if any(isinstance(handler.formatter, OneLineFormatter) for handler in root.handlers):
        return
    handler = logging.StreamHandler()
    handler.setFormatter(OneLineFormatter())
    root.addHandler(handler)
    root.setLevel(logging.INFO)
