"""Tokens in Chromium: the page keeps the fresh token the server sends past half the old
one's life, so a reload after the first token expired still finds its seat; and the token
travels as an offered subprotocol, never in the socket's URL."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from tests.browser_player import Player
from tests.browser_support import players
from tests.support import ServerProcess

try:
    from playwright.sync_api import Browser
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - chromium() skips or fails first
    pass

pytestmark = pytest.mark.timeout(60)

TOKEN_MAX_AGE = 4  # seconds a token lives on this test's server (a week by default)
SEAT_GONE = "Your seat is no longer valid (expired or removed)."


def test_the_page_keeps_the_fresh_token(
    browser: Browser, make_server: Callable[..., ServerProcess]
) -> None:
    site = make_server(AVALON_TOKEN_MAX_AGE=str(TOKEN_MAX_AGE))
    with players(browser, site.url) as open_player:
        ann: Player = open_player("Ann")
        ann.create_room()
        first = ann.seat()
        assert first is not None
        created = time.monotonic()
        ann.page.wait_for_function(
            "([key, token]) => JSON.parse(localStorage.getItem(key)).token !== token",
            arg=[f"avalon.seat.{ann.code}", first["token"]],
            timeout=TOKEN_MAX_AGE * 1000,
        )
        renewed = ann.seat()
        assert renewed is not None and renewed["player_id"] == first["player_id"]
        # Past the first token's life the page still gets in, with the renewed one.
        time.sleep(max(0.0, TOKEN_MAX_AGE + 1 - (time.monotonic() - created)))
        ann.page.reload()
        ann.expect_online()
        expect(ann.page.locator("#join-view")).to_be_hidden()
        status, _ = site.request("GET", f"/api/rooms/{ann.code}")
        assert status == 200
        assert ann.joins() == 0  # never asked for a name again: the same seat all along
        # Proxies log URLs: the token is in none of the page's sockets'.
        assert len(ann.sockets) >= 2
        for url in ann.sockets:
            assert f"?player_id={first['player_id']}" in url
            assert "token=" not in url and first["token"] not in url
            assert renewed["token"] not in url


def test_the_page_offers_its_token_as_a_subprotocol(
    browser: Browser, make_server: Callable[..., ServerProcess]
) -> None:
    site = make_server()
    with players(browser, site.url) as open_player:
        ann: Player = open_player("Ann")
        # Chromium's own record of the handshake: Playwright shows a socket's URL only.
        cdp = ann.context.new_cdp_session(ann.page)
        cdp.send("Network.enable")
        offered: list[str] = []
        answered: list[str] = []
        cdp.on(
            "Network.webSocketWillSendHandshakeRequest",
            lambda event: offered.append(header(event["request"], "Sec-WebSocket-Protocol")),
        )
        cdp.on(
            "Network.webSocketHandshakeResponseReceived",
            lambda event: answered.append(header(event["response"], "Sec-WebSocket-Protocol")),
        )
        ann.create_room()
        seat = ann.seat()
        assert seat is not None
        assert offered == [f"avalon, avalon.token.{seat['token']}"]
        assert answered == ["avalon"]
        assert len(ann.sockets) == 1 and "token=" not in ann.sockets[0]


def test_a_stored_token_that_cannot_be_offered_asks_for_a_name(
    browser: Browser, make_server: Callable[..., ServerProcess]
) -> None:
    site = make_server()
    with players(browser, site.url) as open_player:
        ann: Player = open_player("Ann")
        code = ann.create_room()
        ann.page.evaluate(
            """key => {
                const seat = JSON.parse(localStorage.getItem(key));
                seat.token = "not, a token";
                localStorage.setItem(key, JSON.stringify(seat));
            }""",
            f"avalon.seat.{code}",
        )
        opened = len(ann.sockets)
        ann.page.reload()
        # As if the server had refused it (4401), without a socket that could not be opened.
        ann.expect_notice(SEAT_GONE)
        expect(ann.page.locator("#join-view")).to_be_visible()
        assert ann.seat() is None
        assert len(ann.sockets) == opened


def header(message: dict, name: str) -> str:
    """One header of a handshake Chromium reports (its header names' case varies)."""
    headers = {key.lower(): value for key, value in message["headers"].items()}
    return headers.get(name.lower(), "")
