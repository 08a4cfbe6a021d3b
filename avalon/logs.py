"""gunicorn access logging that never writes a player's token."""

from __future__ import annotations

import re
from typing import Any

from gunicorn.glogging import Logger

TOKEN_PATTERN = re.compile(r"(token=)[^&\s]*", re.IGNORECASE)


def redact(text: str | None) -> str | None:
    """Replace every token= value in a URL or query string."""
    return TOKEN_PATTERN.sub(r"\1[redacted]", text) if text else text


class RedactingLogger(Logger):
    """gunicorn's logger with token= redacted from the request line and query."""

    def atoms(self, resp: Any, req: Any, environ: dict, request_time: Any) -> dict:
        """Build the access-log atoms, then redact the URL-bearing ones."""
        atoms = super().atoms(resp, req, environ, request_time)
        for key in ("r", "q", "U"):
            atoms[key] = redact(atoms.get(key))
        for key in list(atoms):
            if key.lower() == "{authorization}i":
                atoms[key] = "[redacted]"
        return atoms
