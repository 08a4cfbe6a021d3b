"""The error hierarchy: each error carries the code the client sees."""

from __future__ import annotations

from avalon.protocol.codes import CLOSE_ERRORS
from avalon.protocol.codes import CloseCode


class AvalonError(Exception):
    """Base error with a protocol error code and a human-readable message."""

    status = 400

    def __init__(self, code: str, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        if status is not None:
            self.status = status

    def to_dict(self) -> dict:
        """Return the error body shared by HTTP and WebSocket answers."""
        return {"code": self.code, "message": self.message}


class ApiError(AvalonError):
    """An HTTP API error answered as JSON with a 4xx status."""


class ProtocolError(AvalonError):
    """A WebSocket message the server refuses; the socket stays open."""

    correlation_id: str | None = None  # the refused message's id, once known


class CloseSocket(Exception):
    """Close the current socket with a code and a short reason."""

    def __init__(self, code: CloseCode, reason: str, error_code: str | None = None) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason
        # Refusals tell the client why in an error envelope before the close frame.
        self.error_code = error_code or CLOSE_ERRORS.get(code)
