"""The browser client in Chromium: security headers, the lobby, chat and the host's options."""

from __future__ import annotations

import re
import urllib.request
from collections.abc import Callable

import pytest

from tests.browser_player import CARDS_OFF
from tests.browser_player import PHONE
from tests.browser_player import Player
from tests.browser_support import save_screenshot
from tests.support import ServerProcess

try:
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - require_browser() skips or fails first
    pass

pytestmark = pytest.mark.timeout(90)

XSS = "<img src=x onerror=window.__xss=1><script>window.__xss=2</script>"
KICKED = "The host removed you from this room."


def test_pages_carry_security_headers(site: ServerProcess) -> None:
    with urllib.request.urlopen(site.url + "/r/ABCDE") as response:
        headers = response.headers
        page = response.read().decode()
    policy = headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    assert f"connect-src 'self' ws://127.0.0.1:{site.port} wss://127.0.0.1:{site.port}" in policy
    assert "unsafe-inline" not in policy
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["X-Frame-Options"] == "DENY"
    # No inline code at all: every script and style comes from /static.
    assert re.search(r"<script(?![^>]*\bsrc=)", page) is None
    assert "style=" not in page and "<style" not in page
    with urllib.request.urlopen(site.url + "/static/js/main.js") as response:
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "javascript" in response.headers["Content-Type"]


def test_create_join_presence_and_chat(new_player: Callable[..., Player]) -> None:
    alice = new_player("Alice")
    code = alice.create_room()
    expect(alice.player_row("Alice").locator(".badge.host")).to_have_text("Host")

    bob = new_player("Bob")
    bob.page.goto(f"/r/{code}")
    expect(bob.page.locator("#join-room-code")).to_have_text(code)
    expect(bob.page.locator("#join-room-info")).to_contain_text("Alice is here")
    # Join with the keyboard alone: type the name and press Enter.
    bob.page.locator("#join-name").fill("Bob")
    bob.page.locator("#join-name").press("Enter")
    bob.code = code
    bob.expect_online()
    expect(bob.page).to_have_url(re.compile(f"/r/{code}$"))

    for page_owner in (alice, bob):
        page_owner.expect_presence("Alice", "online")
        page_owner.expect_presence("Bob", "online")
    expect(bob.player_row("Alice").locator(".badge.host")).to_be_visible()
    expect(bob.player_row("Bob").locator(".badge.you")).to_be_visible()
    # Only the host may remove players.
    expect(alice.player_row("Bob").locator("button.kick")).to_be_visible()
    expect(bob.page.locator("button.kick")).to_have_count(0)

    alice.chat("Hello Bob")
    bob.expect_chat(["Hello Bob"])
    bob.chat("Hi Alice!\nA second line.")
    alice.expect_chat(["Hello Bob", "Hi Alice!\nA second line."])

    save_screenshot(alice.page)

    bob.chat(XSS)
    for page_owner in (alice, bob):
        page_owner.expect_chat(["Hello Bob", "Hi Alice!\nA second line.", XSS])
        page = page_owner.page
        assert page.evaluate("window.__xss") is None
        assert page.locator("#chat-log img, #chat-log script").count() == 0
    expect(alice.page.locator("#chat-log .chat-author").last).to_have_text("Bob")

    bob.close()
    alice.expect_presence("Bob", "offline")


def test_host_options_follow_the_rules(
    site: ServerProcess, new_player: Callable[..., Player]
) -> None:
    host = new_player("Hostess", viewport=PHONE)
    code = host.create_room()
    page = host.page
    start = page.locator("#start-game")
    expect(page.locator("#options-error")).to_contain_text("at least 5 players")
    expect(start).to_be_disabled()

    for i in range(2, 6):
        site.join(code, f"Guest{i}")
    leaver = new_player("Guest6")
    leaver.join(code)
    leaver_id = leaver.player_id
    expect(page.locator("#player-count")).to_have_text("6")

    # The host removes a player from the lobby; the removed player's page says so in plain
    # words, and its join form stays closed: that browser cannot come back.
    host.player_row("Guest6").get_by_role("button", name="Remove Guest6 from the room").click()
    # Remove asks first, in the page, and names what it does.
    expect(page.locator("#kick-text")).to_contain_text("their name stays taken in this room")
    page.locator("#kick-confirm").click()
    kicks = [e for e in host.sent if e.get("payload", {}).get("action") == "kick"]
    assert kicks[-1]["payload"] == {"action": "kick", "player_id": leaver_id}
    expect(host.player_row("Guest6")).to_have_count(0)
    leaver.expect_notice(KICKED)
    expect(leaver.page.locator("#join-view")).to_be_visible()
    expect(leaver.page.locator("#join-room-info")).to_contain_text("cannot join it again")
    expect(leaver.page.get_by_role("button", name="Join", exact=True)).to_be_disabled()
    expect(page.locator("#player-count")).to_have_text("5")
    expect(page.locator("#options-error")).to_be_hidden()
    expect(start).to_be_enabled()
    lady = page.get_by_label("Lady of the Lake")
    expect(lady).not_to_be_checked()  # off below 7 players

    # Five players have two evil seats: the Assassin and one more.
    page.get_by_label("Morgana").check()
    expect(page.get_by_label("Mordred", exact=True)).to_be_disabled()
    expect(page.get_by_label("Oberon")).to_be_disabled()
    page.get_by_label("Morgana").uncheck()
    expect(page.get_by_label("Mordred", exact=True)).to_be_enabled()
    page.get_by_label("Percival").check()
    page.get_by_label("Mordred", exact=True).check()
    expect(page.get_by_label("Morgana")).to_be_disabled()
    lady.check()

    # Phone-sized: nothing sticks out sideways.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    start.click()
    actions = [envelope for envelope in host.sent if envelope.get("type") == "action"]
    assert actions[-1]["payload"] == {
        "action": "start_game",
        "roles": ["merlin", "percival", "assassin", "mordred"],
        "lady_of_the_lake": True,
        "turn_timer": None,
        "random_seats": True,
        "bot_chat": True,
        **CARDS_OFF,
        "lady": "lake",
    }
    assert isinstance(actions[-1]["correlation_id"], str)


def test_lady_defaults_on_at_seven(site: ServerProcess, new_player: Callable[..., Player]) -> None:
    host = new_player("Hostess")
    code = host.create_room()
    for i in range(2, 8):
        site.join(code, f"Guest{i}")
    expect(host.page.locator("#player-count")).to_have_text("7")
    expect(host.page.get_by_label("Lady of the Lake")).to_be_checked()
    host.page.get_by_label("Morgana").check()
    host.page.get_by_label("Mordred", exact=True).check()
    expect(host.page.get_by_label("Oberon")).to_be_disabled()  # 7 players: 3 evil seats


def test_a_room_read_the_socket_overtook_does_not_undo_a_lock(
    new_player: Callable[..., Player],
) -> None:
    # Removing a member makes the host's page read the room again over HTTP; the host locks
    # the room at once. An answer that left the server before the lock and arrives after
    # the lock's event is read again, not shown: the room stays locked on the page.
    ann = new_player("Ann")
    code = ann.create_room()
    fay = new_player("Fay")
    fay.join(code, spectator=True)
    page = ann.page
    held: list = []

    def hold(route) -> None:  # the first read, as it was before the lock, kept back for now
        if held:
            route.continue_()
            return
        response = route.fetch()
        held.append((route, response, {**response.json(), "locked": False}))

    page.route(f"**/api/rooms/{code}", hold)
    fay_row = page.locator("#spectators li").filter(has=page.locator(".name", has_text="Fay"))
    fay_row.locator("button.kick").click()
    page.locator("#kick-lock").check()
    page.locator("#kick-confirm").click()
    lock = page.locator("#lock-room")
    expect(lock).to_have_text("Unlock the room")  # the lock's event came first
    for _ in range(100):  # each wait lets the held request's handler run
        if held:
            break
        page.wait_for_timeout(50)
    assert held, "the page did not read the room again after the removal"
    route, response, stale = held[0]
    route.fulfill(response=response, json=stale)
    expect(page.locator("#removed")).to_contain_text("Fay")  # the read again, applied
    expect(lock).to_have_text("Unlock the room")
    expect(lock).to_have_attribute("aria-pressed", "true")
