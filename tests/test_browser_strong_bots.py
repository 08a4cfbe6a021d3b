"""A person and four strong bots in Chromium: the host picks the level on the page, the
seats say it, the whole game is played through the page, and the bots keep a human pace
(none moves sooner than half of AVALON_BOT_DELAY after the table changed), as a
spectator's socket times it."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
import websocket

from tests.browser_player import Player
from tests.support import Closed
from tests.support import ServerProcess
from tests.test_browser_bots import add_bots

try:
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - chromium() skips or fails first
    pass

pytestmark = pytest.mark.timeout(150)

BOT_DELAY = 0.6  # seconds: a bot waits 0.3 to 0.9 s before it moves
FAST = BOT_DELAY / 2 - 0.05  # a change sooner than this after the last one was not a bot's


@pytest.fixture
def site(make_server: Callable[..., ServerProcess]) -> ServerProcess:
    """A server of its own whose bots wait BOT_DELAY, as they would for people."""
    return make_server(AVALON_BOT_DELAY=str(BOT_DELAY))


def moves_of(view: dict, me: int) -> int:
    """How many moves a seat made in a finished game: its votes, teams and quest cards."""
    votes = sum(1 for p in view["history"] if str(me) in (p["votes"] or {}))
    teams = sum(1 for p in view["history"] if p["leader"] == me)
    cards = sum(1 for r in view["quest_results"] if me in r["team"])
    return votes + teams + cards + (view.get("assassin_target") is not None)


def test_a_person_plays_a_whole_game_with_four_strong_bots_at_a_human_pace(
    site: ServerProcess, new_player: Callable[..., Player]
) -> None:
    ann = new_player("Ann")
    code = ann.create_room()
    page = ann.page
    page.locator("#lobby-bot-level").select_option("strong")
    add_bots(ann, 4)
    bots = page.locator("#players li[data-bot='true']")
    expect(bots.locator(".status-text")).to_have_text(["computer player, Strong"] * 4)
    status, room = site.request("GET", f"/api/rooms/{code}")
    assert [p["bot_level"] for p in room["players"]] == [None] + ["strong"] * 4

    # A spectator's socket times every change of the game, on a thread of its own.
    watcher, _ = site.join_socket(site.join(code, "Watcher", spectator=True))
    changes: list[tuple[float, dict]] = []
    lines: list[dict] = []  # the bots' chat lines (on by default)

    def watch() -> None:
        try:
            while True:
                message = watcher.recv(timeout=120)
                if message["type"] == "state" and message["event"] == "game":
                    changes.append((time.monotonic(), message["payload"]))
                elif message.get("event") == "chat" and message["payload"].get("channel") == "bot":
                    lines.append(message["payload"])
        except (Closed, OSError, websocket.WebSocketException):
            return

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    try:
        page.locator("#start-game").click()
        expect(page.locator("#seats .badge.bot")).to_have_count(4)
        deadline = time.monotonic() + 100
        while not page.locator("#winner").count():
            assert time.monotonic() < deadline, "the game did not end in time"
            if not ann.take_turn():
                page.wait_for_timeout(50)
        expect(page.locator("#roles-reveal li")).to_have_count(5)
        ann.expect_clean_text()
        wait = time.monotonic() + 10
        while not (changes and changes[-1][1]["phase"] == "game_over"):
            assert time.monotonic() < wait, "the spectator never saw the end"
            page.wait_for_timeout(50)
    finally:
        watcher.close()
        thread.join(timeout=5)

    # The bots' lines read as sentences in the page's language, naming players by name.
    said = page.locator("#chat-log .bot-line")
    expect(said).to_have_count(len(lines))
    names = [text for text in page.locator("#players li .name").all_inner_texts() if text]
    for text, line in zip(said.all_inner_texts(), lines, strict=True):
        assert ":" not in text and text.endswith("."), (text, line)
        if not line["message"].startswith("trust_me"):
            assert any(name in text for name in names), (text, names)

    final = changes[-1][1]
    versions = {view["version"]: at for at, view in changes}
    ordered = sorted(versions)
    gaps = [versions[b] - versions[a] for a, b in zip(ordered, ordered[1:], strict=False)]
    fast = [gap for gap in gaps if gap < FAST]
    # Only Ann moves at once: every quicker change is one of her moves (or follows one).
    assert len(fast) <= 2 * moves_of(final, ann.player_id), (fast, gaps)
    assert len(gaps) - len(fast) >= len(gaps) // 2, gaps  # most changes were the bots'
