"""The turn timer's countdown in Chromium, by the server's clock, and the your-turn alerts."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from tests.browser_player import Player
from tests.browser_support import players
from tests.socket_bots import BOT_NAMES
from tests.socket_bots import Bots
from tests.support import ServerProcess

try:
    from playwright.sync_api import Browser
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - chromium() skips or fails first
    pass

pytestmark = pytest.mark.timeout(120)

# The page's clock runs an hour fast, and sound, vibration and notifications are recorded.
ALERT_STUBS = """(() => {
    const realNow = Date.now.bind(Date);
    Date.now = () => realNow() + 3600 * 1000;
    const alerts = (window.__alerts = {beeps: 0, vibrations: 0, notes: []});
    const start = OscillatorNode.prototype.start;
    OscillatorNode.prototype.start = function (...args) {
        alerts.beeps += 1;
        return start.apply(this, args);
    };
    Object.defineProperty(Navigator.prototype, "vibrate", {
        configurable: true,
        value: () => { alerts.vibrations += 1; return true; },
    });
    class FakeNotification {
        constructor(title, options) { alerts.notes.push([title, options.body]); }
        close() {}
    }
    FakeNotification.permission = "default";
    FakeNotification.requestPermission = async () => (FakeNotification.permission = "granted");
    window.Notification = FakeNotification;
    window.__hidden = false;
    Object.defineProperty(Document.prototype, "visibilityState", {
        configurable: true,
        get: () => (window.__hidden ? "hidden" : "visible"),
    });
})();"""


def alerts(player: Player) -> dict:
    """What the page's alerts did so far."""
    return player.page.evaluate("window.__alerts")


def test_countdown_from_the_server_clock_and_your_turn_alerts(
    browser: Browser, make_server: Callable[..., ServerProcess]
) -> None:
    timed = make_server(AVALON_TURN_TIMER_MIN="1")
    with players(browser, timed.url) as open_player:
        ann = open_player("Ann")
        ann.context.add_init_script(ALERT_STUBS)
        code = ann.create_room()
        me = ann.player_id
        bots = Bots(
            timed,
            [timed.join(code, name) for name in BOT_NAMES],
            team=lambda view, size: [me] + [p for p in view["players"] if p != me][: size - 1],
            # The bots vote after Ann: her vote leaves the game waiting for others.
            wait=lambda view: view["phase"] == "voting" and me not in view["voted"],
        )
        page = ann.page
        try:
            # Notifications need the browser's permission, asked from the click.
            page.locator("#settings summary").click()
            page.get_by_label("Show a desktop notification while this tab is hidden").check()
            expect(page.locator("#pref-notify")).to_be_checked()
            page.get_by_label("Turn timer").check()
            page.get_by_label("Seconds per turn").fill("20")
            page.evaluate("window.__hidden = true")
            page.locator("#start-game").click()

            # The countdown follows the server's clock, not the page's (an hour fast).
            timer = page.locator("#timer-text")
            expect(timer).to_have_text(re.compile(r"^Time left for this turn: 0:(20|1\d)$"))
            first = timer.inner_text()
            expect(timer).not_to_have_text(first, timeout=3000)
            expect(timer).to_have_text(re.compile(r"^Time left for this turn: 0:1\d$"))

            # A vote waits for everyone: sound, vibration, a notification, the title.
            def to_the_vote() -> bool:
                if page.locator("#team-form").count():
                    ann.take_turn()  # Ann leads first: her team goes to the vote
                return page.locator("#vote-approve").count() > 0

            bots.play_until(to_the_vote)
            expect(page).to_have_title(re.compile(f"^Your turn — Avalon — room {code}$"))
            done = alerts(ann)
            assert done["beeps"] >= 2 and done["vibrations"] >= 1, done
            title, body = done["notes"][-1]
            assert title == f"Avalon — your turn (room {code})"
            assert body == page.locator("#phase-text").inner_text()
            ann.vote(True)
            expect(page).to_have_title(f"Avalon — room {code}")

            # Sound off: the next turn (Ann's quest card) vibrates and notifies, silently.
            page.get_by_label("Play a short sound").uncheck()
            beeps = alerts(ann)["beeps"]
            bots.play_until(lambda: page.locator("#quest-success").count() > 0)
            expect(page).to_have_title(re.compile("^Your turn"))
            later = alerts(ann)
            assert later["beeps"] == beeps and later["vibrations"] > done["vibrations"], later
            assert len(later["notes"]) > len(done["notes"])
            ann.expect_clean_text()

            # The choices are remembered.
            page.reload()
            ann.expect_online()
            page.locator("#settings summary").click()
            expect(page.get_by_label("Play a short sound")).not_to_be_checked()
            expect(page.locator("#pref-notify")).to_be_checked()
            expect(timer).to_have_text(re.compile(r"^Time left for this turn: 0:[01]\d$"))
        finally:
            bots.close()
