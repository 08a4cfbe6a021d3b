"""Accessibility in Chromium: axe-core finds no serious or critical violation on the home
page, the join page, the lobby and every phase of a game, on a desktop and a phone, and
the whole game is played with the keyboard alone."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.browser_player import PHONE
from tests.browser_player import Player
from tests.socket_bots import Bots
from tests.support import ServerProcess

try:
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - chromium() skips or fails first
    pass

pytestmark = pytest.mark.timeout(120)

PHASES = {"team_building", "voting", "questing", "lady", "assassination", "game_over"}


def check(player: Player, where: str, problems: dict[str, list[str]]) -> None:
    """Run axe on the page as it is now; keep what it found under `where`. The page must
    not show an empty value either."""
    player.expect_clean_text()
    found = player.axe_problems()
    if found:
        problems[where] = found


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_axe_on_every_page_and_phase(
    site: ServerProcess, new_player: Callable[..., Player], viewport: dict | None
) -> None:
    problems: dict[str, list[str]] = {}
    visitor = new_player("Visitor", viewport=viewport)
    visitor.page.goto("/")
    expect(visitor.page.locator("#create-form")).to_be_visible()
    check(visitor, "home", problems)

    ann = new_player("Ann", viewport=viewport)
    code = ann.create_room()
    me = ann.player_id
    check(ann, "lobby alone", problems)
    seen: set[str] = set()  # the phases (and whose move) axe has looked at

    def key() -> str:
        phase, move = ann.turn()
        return phase + (":move" if move else "")

    bots = Bots(
        site,
        [site.join(code, name) for name in ("Ben", "Cat", "Dan", "Eve")],
        # Quest 1's teams are rejected until Ann leads, so her team picker is checked too.
        approve=lambda view, pid: view["quest"] > 1 or view["leader"] == me,
        team=lambda view, size: [me] + [p for p in view["players"] if p != me][: size - 1],
        # Nobody moves on before axe has seen the page in this phase.
        wait=lambda view: view["phase"] not in {k.split(":")[0] for k in seen},
    )
    try:
        expect(ann.page.locator("#player-count")).to_have_text("5")
        check(ann, "lobby", problems)
        visitor.page.goto(f"/r/{code}")
        expect(visitor.page.locator("#join-room-info")).to_contain_text("Ann")
        check(visitor, "join", problems)
        ann.press_by_keyboard("#opt-lady", key="Space")
        expect(ann.page.locator("#opt-lady")).to_be_checked()
        ann.press_by_keyboard("#start-game")
        expect(ann.page.locator("#game")).to_be_visible()

        def step() -> bool:
            now = key()
            if now not in seen:
                check(ann, now, problems)
                seen.add(now)
            if ann.page.locator("#winner").count():
                return True
            # Only a move the page offered when read: it stays there until Ann makes it.
            if now.endswith(":move"):
                view = bots.view() if any(bots.views.values()) else None
                leader = bool(view and view["leader"] == me)
                approve = bool(view and (view["quest"] > 1 or leader))
                ann.take_turn(approve=approve, keyboard=True)
            return False

        bots.play_until(step, timeout=80)
        expect(ann.page.locator("#action-panel")).to_have_attribute("data-phase", "game_over")
        if key() not in seen:  # the end came between two looks
            check(ann, key(), problems)
            seen.add(key())
        assert {k.split(":")[0] for k in seen} == PHASES, seen
        assert {"team_building:move", "voting:move", "questing:move"} <= seen, seen
        ann.page.locator("#settings summary").click()
        check(ann, "settings", problems)
    finally:
        bots.close()
    assert problems == {}
