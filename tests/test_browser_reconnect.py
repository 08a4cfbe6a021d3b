"""Seats in Chromium: a reload, a new tab, a forged seat, a gone room, a restart, another tab."""

from __future__ import annotations

import re
import signal
from collections.abc import Callable

import pytest

from tests.browser_player import RECONNECT_TIMEOUT
from tests.browser_player import Player
from tests.browser_support import room_players
from tests.support import ServerProcess
from tests.support import WsClient

try:
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - require_browser() skips or fails first
    pass

pytestmark = pytest.mark.timeout(90)

SEAT_GONE = "Your seat is no longer valid (expired or removed)."
RESTARTING = "The server is restarting — reconnecting…"
OTHER_TAB = "You opened this room in another tab."


def test_reload_returns_to_the_same_seat(
    site: ServerProcess, new_player: Callable[..., Player]
) -> None:
    alice = new_player("Alice")
    code = alice.create_room()
    bob = new_player("Bob")
    bob.join(code)
    seat = bob.seat()
    assert seat is not None and seat["code"] == code and seat["display_name"] == "Bob"
    alice.chat("first")
    alice.expect_chat(["first"])  # stored before Bob speaks: the order is the server's
    bob.chat("second")
    bob.expect_chat(["first", "second"])

    bob.page.reload()
    bob.expect_online()
    assert bob.seat() == seat
    bob.expect_chat(["first", "second"])
    expect(bob.player_row("Bob").locator(".badge.you")).to_be_visible()
    alice.expect_presence("Bob", "online")

    # A closed tab: a new one at the room's link sits in the same seat without asking.
    bob.page.close()
    bob.page = bob.new_page()
    bob.page.goto(f"/r/{code}")
    bob.expect_online()
    expect(bob.page.locator("#join-view")).to_be_hidden()
    bob.expect_chat(["first", "second"])
    assert bob.seat() == seat
    assert [player["display_name"] for player in room_players(site, code)] == ["Alice", "Bob"]
    assert bob.joins() == 1


def test_invalid_seat_asks_for_a_name_again(new_player: Callable[..., Player]) -> None:
    alice = new_player("Alice")
    code = alice.create_room()
    alice.page.evaluate(
        """key => {
            const seat = JSON.parse(localStorage.getItem(key));
            seat.token = "forged." + seat.token;
            localStorage.setItem(key, JSON.stringify(seat));
        }""",
        f"avalon.seat.{code}",
    )
    alice.page.reload()
    alice.expect_notice(SEAT_GONE)
    expect(alice.page.locator("#join-view")).to_be_visible()
    assert alice.seat() is None
    # Joining again under another name gives a new seat in the same room.
    alice.page.locator("#join-name").fill("Alice Again")
    alice.page.get_by_role("button", name="Join", exact=True).click()
    alice.expect_online()
    expect(alice.player_row("Alice Again").locator(".badge.you")).to_be_visible()
    expect(alice.page.locator("#notice")).to_be_hidden()


def test_unknown_room(new_player: Callable[..., Player]) -> None:
    visitor = new_player("Visitor")
    visitor.page.goto("/r/ZZZZZ")
    expect(visitor.page.locator("#join-room-info")).to_have_text("This room does not exist.")
    # A seat kept for a room that is gone: the socket's 4404 sends the player home.
    visitor.page.evaluate(
        """() => localStorage.setItem("avalon.seat.ZZZZZ",
            JSON.stringify({code: "ZZZZZ", player_id: 1, token: "x", display_name: "V"}))"""
    )
    visitor.page.reload()
    visitor.expect_notice("This room does not exist.")
    expect(visitor.page.locator("#home-view")).to_be_visible()
    expect(visitor.page).to_have_url(re.compile(r"/$"))


def test_pages_reconnect_after_a_server_restart(
    site: ServerProcess, new_player: Callable[..., Player]
) -> None:
    alice = new_player("Alice")
    code = alice.create_room()
    bob = new_player("Bob")
    bob.join(code)
    alice.chat("before the restart")
    bob.expect_chat(["before the restart"])

    assert site.process is not None
    site.process.send_signal(signal.SIGTERM)  # every socket is closed with 1001
    for player in (alice, bob):
        player.expect_notice(RESTARTING)
        expect(player.page.locator("#conn-status")).to_have_attribute("data-state", "reconnecting")
    site.stop()  # wait for the old server to exit
    site.start()  # the same port and database

    for player in (alice, bob):
        player.expect_online(timeout=RECONNECT_TIMEOUT)
        expect(player.page.locator("#notice")).to_be_hidden()
    alice.expect_presence("Bob", "online")
    bob.expect_presence("Alice", "online")
    bob.chat("after the restart")
    for player in (alice, bob):
        player.expect_chat(["before the restart", "after the restart"])
    # The reconnects asked only for the chat they had not seen.
    assert [player["display_name"] for player in room_players(site, code)] == ["Alice", "Bob"]


def test_other_tab_then_back_with_missed_chat(
    site: ServerProcess, new_player: Callable[..., Player]
) -> None:
    alice = new_player("Alice")
    code = alice.create_room()
    bob = new_player("Bob")
    bob.join(code)
    alice.chat("one")
    bob.expect_chat(["one"])

    # Bob's seat opens elsewhere: his page is told so and does not fight back.
    seat = bob.seat()
    assert seat is not None
    other = WsClient(site.ws_url(seat), origin=site.url)
    try:
        other.recv_until(lambda message: message.get("event") == "room")
        bob.expect_notice(OTHER_TAB)
        expect(bob.page.locator("#conn-status")).to_have_attribute("data-state", "offline")
        alice.chat("two")
        alice.chat("three")
        other.recv_until(lambda message: message.get("payload", {}).get("message") == "three")
        bob.page.wait_for_timeout(1500)  # long enough for an automatic reconnect, were there one
        expect(bob.page.locator("#conn-status")).to_have_attribute("data-state", "offline")
    finally:
        other.close()

    first_id = bob.page.locator("#chat-log li").first.get_attribute("data-chat-id")
    bob.page.get_by_role("button", name="Use this tab").click()
    bob.expect_online()
    bob.expect_chat(["one", "two", "three"])
    # It asked for the messages after the last one it had, and showed none twice.
    assert f"since={first_id}" in bob.sockets[-1]
    alice.expect_presence("Bob", "online")
