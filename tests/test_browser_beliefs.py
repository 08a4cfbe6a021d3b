"""The replay's "what the table could have known" in Chromium: every seat's chance of
being evil beside the table, the prior at the first step, the record's last beliefs at the
end, each bar named for a screen reader, in the reader's language."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest

from tests.browser_player import Player
from tests.support import ServerProcess
from tests.test_browser_replay import ROLES
from tests.test_browser_replay import game_over
from tests.test_browser_replay import record
from tests.test_browser_replay import socket_table
from tests.test_browser_replay import start

try:
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - chromium() skips or fails first
    pass

pytestmark = pytest.mark.timeout(120)


def test_the_replay_shows_what_the_table_could_have_known(
    site: ServerProcess, new_player: Callable[..., Player]
) -> None:
    code, bots = socket_table(site)
    try:
        start(bots, roles=ROLES)
        bots.play_until(game_over(bots, 1))
    finally:
        bots.close()
    game = record(site, code, 1)
    last = game["beliefs"][-1]["evil"]

    page = new_player("Visitor").page
    page.goto(f"/r/{code}/games/1")
    card = page.locator("#replay-beliefs-card")
    expect(card).to_be_visible()
    expect(card.locator("h2")).to_have_text("What the table could have known")
    rows = page.locator("#replay-beliefs li")
    expect(rows).to_have_count(5)
    for index, player_id in enumerate(game["players"]):
        row = rows.nth(index)
        name = game["names"][str(player_id)]
        expect(row.locator(".belief-name")).to_have_text(name)
        expect(row.locator(".belief-percent")).to_have_text("40%")  # two evil seats of five
        expect(row.locator("meter")).to_have_attribute("aria-label", f"{name}: 40% likely evil")

    page.locator("#replay-last").click()
    for index, player_id in enumerate(game["players"]):
        percent = math.floor(last[str(player_id)] * 100 + 0.5)  # as Math.round: 98.5 -> 99
        expect(rows.nth(index).locator("meter")).to_have_attribute("value", str(percent))

    page.goto(f"/r/{code}/games/1?lang=de")
    expect(page.locator("#replay-beliefs-card h2")).to_have_text("Was der Tisch wissen konnte")
    expect(page.locator("#replay-beliefs li .belief-percent").first).to_have_text("40 %")
