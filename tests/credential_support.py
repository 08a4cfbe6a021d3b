"""Sockets that carry their seat's token as a browser does: an offered subprotocol."""

from __future__ import annotations

from typing import Any

import websocket

from tests.support import ServerProcess
from tests.support import WsClient

# The wire contract (PROTOCOL section 11), written out rather than imported from the app
# so that a change on either side fails the tests.
SUBPROTOCOL = "avalon"
TOKEN_PROTOCOL_PREFIX = "avalon.token."


def browser_protocols(token: str) -> list[str]:
    """The subprotocols the page offers: `["avalon", "avalon.token." + token]`."""
    return [SUBPROTOCOL, TOKEN_PROTOCOL_PREFIX + token]


class ProtocolClient(WsClient):
    """A WsClient whose handshake offers subprotocols instead of sending a token in the URL.

    websocket-client fails the handshake unless the server answers with one of them.
    """

    def __init__(self, url: str, subprotocols: list[str], timeout: float = 10) -> None:
        self.ws = websocket.create_connection(
            url, timeout=timeout, subprotocols=subprotocols, suppress_origin=True
        )
        self.received: list[dict] = []
        self.close_code: int | None = None

    @property
    def subprotocol(self) -> str | None:
        """The subprotocol the server answered with."""
        return self.ws.getsubprotocol()


def connect_as_browser(server: ServerProcess, seat: dict, **params: Any) -> ProtocolClient:
    """Open a seat's socket with the token as a subprotocol and none in the URL."""
    url = server.ws_url(seat, token=None, **params)
    assert "token=" not in url, url
    return ProtocolClient(url, browser_protocols(seat["token"]))


def lines_showing(text: str, secrets: set[str]) -> list[str]:
    """Every line of a log that shows one of these strings."""
    return [line for line in text.splitlines() if any(secret in line for secret in secrets)]
