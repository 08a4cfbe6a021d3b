"""A press on a move's button in Chromium survives the panel being redrawn under it.

The browser clicks only when a press goes down and up on the same element. Another
player's vote arriving between the two redraws the action panel: without care, the
pressed button is replaced and the vote is lost, silently, in the busiest moment of a
game (everyone votes at once).
"""

from __future__ import annotations

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


def to_the_vote(ann: Player) -> Callable[[], bool]:
    """A check for Bots.play_until: Ann proposes when she leads; true once she may vote."""

    def there() -> bool:
        if ann.page.locator("#team-form").count():
            ann.take_turn()
        return ann.page.locator("#vote-approve").count() > 0

    return there


def vote_arrives(ann: Player, bots: Bots, voter: int) -> None:
    """Have a bot vote, and wait until Ann's page has drawn the game it changed."""
    envelope = {"type": "vote", "correlation_id": "bot", "payload": {"approve": False}}
    bots.clients[voter].send(envelope)
    seat = ann.page.locator(f'li.seat[data-player-id="{voter}"]').first
    expect(seat).to_have_attribute("data-waiting", "false")


def vote_under_way(bots: Bots) -> tuple[int, int]:
    """The (quest, proposal) being voted on, once the bots' sockets have seen the vote."""
    bots.play_until(lambda: any(bots.views.values()) and bots.view()["phase"] == "voting")
    view = bots.view()
    return view["quest"], view["proposal"]


def ann_voted(ann: Player, bots: Bots, proposal: tuple[int, int]) -> bool:
    """Whether the server counted Ann's vote on this (quest, proposal)."""
    bots.pump()
    view = bots.view()
    if (view["quest"], view["proposal"]) != proposal:
        return True  # the vote is over: Ann's was one of the five
    return ann.player_id in view["voted"]


def test_a_vote_pressed_while_another_arrives_is_cast(
    browser: Browser, make_server: Callable[..., ServerProcess]
) -> None:
    server = make_server()
    with players(browser, server.url) as open_player:
        ann = open_player("Ann")
        code = ann.create_room()
        me = ann.player_id
        bots = Bots(
            server,
            [server.join(code, name) for name in BOT_NAMES],
            approve=lambda view, pid: False,  # every team is rejected: a new vote comes
            wait=lambda view: view["phase"] == "voting" and me not in view["voted"],
        )
        page = ann.page
        try:
            page.locator("#start-game").click()
            ben, cat = bots.ids[:2]

            # By the pointer: down on Approve, Ben's vote redraws the game, then up.
            bots.play_until(to_the_vote(ann))
            first = vote_under_way(bots)
            page.locator("#vote-approve").hover()  # scrolled into view, the pointer on it
            page.mouse.down()
            vote_arrives(ann, bots, ben)
            page.mouse.up()
            expect(page.locator("#vote-approve")).to_have_count(0)
            bots.play_until(lambda: ann_voted(ann, bots, first), timeout=10)
            assert [e["payload"] for e in ann.sent if e["type"] == "vote"] == [{"approve": True}]

            # By the keyboard, on the next proposal: Space goes down on Reject, Cat's vote
            # redraws the game, Space comes up (a button clicks on Space's release).
            bots.play_until(lambda: (bots.view()["quest"], bots.view()["proposal"]) != first)
            bots.play_until(to_the_vote(ann))
            second = vote_under_way(bots)
            page.locator("#vote-reject").focus()
            page.keyboard.down(" ")
            vote_arrives(ann, bots, cat)
            page.keyboard.up(" ")
            expect(page.locator("#vote-reject")).to_have_count(0)
            bots.play_until(lambda: ann_voted(ann, bots, second), timeout=10)
            votes = [e["payload"] for e in ann.sent if e["type"] == "vote"]
            assert votes == [{"approve": True}, {"approve": False}]
            assert not ann.errors, ann.errors
        finally:
            bots.close()
