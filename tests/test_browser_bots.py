"""Computer players in Chromium: the host fills the table with bots (up to the seat limit)
and removes them, every bot carries a badge, one person and four bots play a whole game
through the page, and the room's games link to their replays, also for a newcomer."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from tests.browser_player import Player
from tests.support import ServerProcess

try:
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - chromium() skips or fails first
    pass

pytestmark = pytest.mark.timeout(120)

BOT_DELAY = "0.05"  # seconds a bot waits before it moves: fast tests
GAME_TIMEOUT = 60  # seconds one person and four bots may take for a whole game


@pytest.fixture
def site(make_server: Callable[..., ServerProcess]) -> ServerProcess:
    """A server of its own for each test, whose bots move almost at once."""
    return make_server(AVALON_BOT_DELAY=BOT_DELAY)


def add_bots(player: Player, count: int) -> None:
    """Press "Add a computer player" `count` times, each time waiting for the new seat."""
    for _ in range(count):
        seated = int(player.page.locator("#player-count").inner_text())
        player.page.locator("#lobby-add-bot").click()
        expect(player.page.locator("#player-count")).to_have_text(str(seated + 1))


def test_one_person_and_four_bots_play_a_whole_game(
    site: ServerProcess, new_player: Callable[..., Player]
) -> None:
    ann = new_player("Ann")
    code = ann.create_room()
    page = ann.page
    hint = page.locator("#lobby-bots-hint")
    expect(hint).to_contain_text("4 or fewer people can still play a game of 5")

    # Bots join with a badge and a Remove of their own; the host can fill all ten seats.
    add_bots(ann, 4)
    bots = page.locator("#players li[data-bot='true']")
    expect(bots).to_have_count(4)
    expect(bots.locator(".badge.bot")).to_have_text(["Bot"] * 4)
    expect(bots.locator(".name")).to_have_text(["Bot 1", "Bot 2", "Bot 3", "Bot 4"])
    expect(page.locator("#log-section")).to_contain_text(
        "The host added the computer player Bot 4."
    )
    assert ann.axe_problems() == []
    add_bots(ann, 5)
    expect(page.locator("#player-count")).to_have_text("10")
    expect(page.locator("#lobby-add-bot")).to_be_disabled()
    expect(hint).to_have_text("All 10 seats are taken.")
    for name in ["Bot 9", "Bot 8", "Bot 7", "Bot 6", "Bot 5"]:
        page.get_by_role("button", name=f"Remove the computer player {name}").click()
        expect(page.locator("#players li .name", has_text=name)).to_have_count(0)
    expect(page.locator("#player-count")).to_have_text("5")
    expect(page.locator("#lobby-add-bot")).to_be_enabled()
    expect(page.locator("#log-section")).to_contain_text(
        "The host removed the computer player Bot 5."
    )
    status, room = site.request("GET", f"/api/rooms/{code}")
    assert [p["bot"] for p in room["players"]] == [False, True, True, True, True]

    # The game: Ann makes her own moves, the bots theirs.
    page.locator("#start-game").click()
    expect(page.locator("#seats li")).to_have_count(5)
    expect(page.locator("#seats .badge.bot")).to_have_count(4)
    me = ann.player_id
    expect(page.locator(f"#seats li[data-player-id='{me}'] .badge.bot")).to_have_count(0)
    deadline = time.monotonic() + GAME_TIMEOUT
    while not page.locator("#winner").count():
        assert time.monotonic() < deadline, "the game did not end in time"
        if not ann.take_turn():
            page.wait_for_timeout(50)
    expect(page.locator("#roles-reveal li")).to_have_count(5)
    ann.expect_clean_text()

    # The end screen links to the replay; it shows the bots' badges too.
    expect(page.locator("#replay-link")).to_have_attribute("href", f"/r/{code}/games/1")
    expect(page.locator("#between-games a")).to_have_text(["Game 1"])
    expect(page.locator("#between-add-bot")).to_be_enabled()  # bots may join between games
    page.locator("#replay-link").click()
    expect(page.locator("#replay-body")).to_be_visible()
    expect(page.locator("#replay-seats .badge.bot")).to_have_count(4)
    expect(page.locator(f"#replay-seats li[data-player-id='{me}'] .name")).to_have_text("Ann")
    page.go_back()
    ann.expect_online()
    page.locator("#back-to-lobby").click()
    expect(page.locator("#lobby")).to_be_visible()
    expect(page.locator("#games-list a")).to_have_text(["Game 1"])

    # A newcomer who saw none of the games finds them in the lobby all the same.
    zed = new_player("Zed")
    zed.join(code)
    expect(zed.page.locator("#games-list a")).to_have_text(["Game 1"])
    expect(zed.page.locator("#games-list a")).to_have_attribute("href", f"/r/{code}/games/1")
    expect(zed.page.locator("#lobby-add-bot")).to_have_count(0)  # only the host adds bots
    expect(zed.page.locator("#players li[data-bot='true'] button")).to_have_count(0)
    expect(zed.page.locator("#lobby-setup")).to_contain_text("The last game's setup")
