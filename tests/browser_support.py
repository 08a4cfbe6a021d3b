"""Browser test helpers: Debian's Chromium under Playwright, a context per player, screenshots."""

from __future__ import annotations

import os
from collections.abc import Callable
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.browser_player import EXPECT_TIMEOUT
from tests.browser_player import Player
from tests.support import IN_CI
from tests.support import ROOT
from tests.support import ServerProcess

try:
    from playwright.sync_api import Browser
    from playwright.sync_api import Locator
    from playwright.sync_api import Page
    from playwright.sync_api import expect
    from playwright.sync_api import sync_playwright
except ImportError:  # pragma: no cover - reported by require_browser()
    sync_playwright = None  # type: ignore[assignment]

# Debian's package, never a browser downloaded by Playwright.
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Set AVALON_SCREENSHOTS=1 to refresh the README's screenshots in docs/ from the tests.
DOCS = ROOT / "docs"
SCREENSHOT = DOCS / "screenshot.png"
SCREENSHOTS = os.environ.get("AVALON_SCREENSHOTS", "") not in ("", "0")


def require_browser() -> None:
    """Skip without Playwright or Debian's Chromium on a laptop; fail in CI, where both must be."""
    missing = None
    if sync_playwright is None:
        missing = "the playwright package is not installed (pip install -r requirements-dev.txt)"
    elif not CHROMIUM.exists():
        missing = f"{CHROMIUM} is missing (apt-get install chromium)"
    if missing is None:
        return
    if IN_CI:
        pytest.fail(f"{missing} (CI=true: the browser tests must run)")
    pytest.skip(missing)


def launch(playwright: Any) -> Browser:
    """Start Debian's headless Chromium."""
    expect.set_options(timeout=EXPECT_TIMEOUT)
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


@contextmanager
def chromium() -> Iterator[Browser]:
    """One headless Chromium (for a test module); skips or fails as require_browser() says."""
    require_browser()
    with sync_playwright() as playwright:
        browser = launch(playwright)
        yield browser
        browser.close()


@contextmanager
def players(browser: Browser, base_url: str) -> Iterator[Callable[..., Player]]:
    """Open a browser context per player; fail on any script or CSP error of their pages."""
    opened: list[Player] = []

    def open_player(name: str, **kwargs: Any) -> Player:
        player = Player(browser, base_url, name, **kwargs)
        opened.append(player)
        return player

    yield open_player
    errors = [error for player in opened for error in player.errors]
    for player in opened:
        player.close()
    assert errors == []


def save_screenshot(
    page: Page, path: Path = SCREENSHOT, locator: Locator | None = None, full_page: bool = False
) -> None:
    """Refresh one of the README's screenshots (of the page or one element) when
    AVALON_SCREENSHOTS is set."""
    if SCREENSHOTS:
        path.parent.mkdir(exist_ok=True)
        page.evaluate("() => document.activeElement && document.activeElement.blur()")
        page.mouse.move(0, 0)  # no hover effect where the last click was
        page.evaluate("window.scrollTo(0, 0)")
        if locator is not None:
            locator.screenshot(path=str(path))
        else:
            page.screenshot(path=str(path), full_page=full_page)


def room_players(site: ServerProcess, code: str) -> list[dict]:
    """The room's players as the HTTP API lists them."""
    status, body = site.request("GET", f"/api/rooms/{code}")
    assert status == 200, body
    return body["players"]
