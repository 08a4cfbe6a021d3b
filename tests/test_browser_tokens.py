"""Sliding tokens in Chromium: the page keeps the fresh token the server sends past half
the old one's life, so a reload after the first token expired still finds its seat."""

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
