"""No tells in Chromium (issue 25): a good and an evil player's quest panels are the same
pixel for pixel with "Hide my role" on and off, nothing on the board is coloured by side,
a good player's Fail is refused like any move, the smallest text is 12 px, the log is the
same after a reload, and two games in a row bring no console error and no failed request."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.browser_player import Player
from tests.socket_bots import GOOD_ROLES
from tests.socket_bots import Bots
from tests.support import ServerProcess

try:
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - chromium() skips or fails first
    pass

pytestmark = pytest.mark.timeout(120)

# The sides' colours in style.css (--good, --evil): nothing of a live game may wear them.
SIDE_COLOURS = ("rgb(124, 196, 255)", "rgb(255, 138, 128)")
START = {
    "action": "start_game",
    "roles": ["merlin", "assassin"],
    "lady_of_the_lake": False,
    "turn_timer": None,
    "random_seats": False,
}


def open_seat(new_player: Callable[..., Player], seat: dict) -> Player:
    """A browser given a seat made over HTTP (as if it had joined itself), in its room."""
    player = new_player(seat["display_name"])
    page = player.page
    problems: list[str] = []
    player.problems = problems  # type: ignore[attr-defined]
    # A failed request or a console error on any client is a bug (issue 25: a 404 per game).
    page.on("response", lambda r: r.status >= 400 and problems.append(f"{r.status} {r.url}"))
    page.on("console", lambda m: m.type == "error" and problems.append(m.text))
    player.take_seat(seat)
    return player


def side_coloured(player: Player) -> list[str]:
    """Elements of the seats and the role card drawn in a side's colour."""
    return player.page.eval_on_selector_all(
        "#seats *, #role-card, #role-card *",
        """(nodes, colours) => nodes.filter(node => node.checkVisibility()).filter(node => {
            const style = getComputedStyle(node);
            return [style.color, style.borderTopColor, style.backgroundColor]
                .some(value => colours.includes(value));
        }).map(node => node.tagName + "." + node.className + ": " + node.textContent)""",
        list(SIDE_COLOURS),
    )


def smallest_text(player: Player) -> float:
    """The smallest computed font size of any visible text on the page, in CSS pixels."""
    return player.page.evaluate(
        """() => {
            let smallest = Infinity;
            const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
            for (let node = walker.nextNode(); node; node = walker.nextNode()) {
                const parent = node.parentElement;
                if (!node.textContent.trim() || !parent || !parent.checkVisibility()) continue;
                if (parent.closest(".visually-hidden")) continue;
                smallest = Math.min(smallest, parseFloat(getComputedStyle(parent).fontSize));
            }
            return smallest;
        }"""
    )


def test_good_and_evil_look_the_same(
    site: ServerProcess, new_player: Callable[..., Player]
) -> None:
    seats = site.room_with_players(5)
    host = seats[0]["player_id"]
    chosen: list[int] = []  # the good and the evil browser: every team the bots propose

    def team(view: dict, size: int) -> list[int]:
        return (chosen + [pid for pid in view["players"] if pid not in chosen])[:size]

    bots = Bots(site, seats, team=team, wait=lambda view: not chosen)
    try:
        bots.clients[host].send({"type": "action", "correlation_id": "s", "payload": START})
        bots.play_until(lambda: all(bots.views.values()), timeout=10)
        roles = {pid: view["you"]["role"] for pid, view in bots.views.items()}
        others = [pid for pid in roles if pid != host]
        good = next(pid for pid in others if roles[pid] in GOOD_ROLES)
        evil = next(pid for pid in others if roles[pid] not in GOOD_ROLES)
        chosen += [good, evil]
        for pid in chosen:  # these two seats are played in browsers from now on
            bots.clients.pop(pid).close()
            bots.views.pop(pid)
        by_id = {seat["player_id"]: seat for seat in seats}
        browsers = {pid: open_seat(new_player, by_id[pid]) for pid in chosen}
        good_page, evil_page = browsers[good], browsers[evil]

        def both_on_quest() -> bool:
            for player in browsers.values():
                if player.page.locator("#team-form").count():
                    player.propose(chosen)
                    expect(player.page.locator("#team-form")).to_have_count(0)
                elif player.page.locator("#vote-approve").count():
                    player.take_turn(approve=True)
            return all(p.page.locator("#quest-fail").count() for p in browsers.values())

        bots.play_until(both_on_quest, timeout=30)
        for player in (good_page, evil_page):
            expect(player.page.locator("#quest-success")).to_be_enabled()
            expect(player.page.locator("#quest-fail")).to_be_enabled()
        # The role shown: same frame for every role, no side's colour anywhere on the board.
        assert good_page.panel_shot() == evil_page.panel_shot()
        expect(evil_page.page.locator("#seats .badge.knows")).not_to_have_count(0)
        frames = {
            p.page.locator("#role-card").evaluate("n => getComputedStyle(n).borderTopColor")
            for p in browsers.values()
        }
        assert len(frames) == 1, frames
        assert side_coloured(good_page) == [] and side_coloured(evil_page) == []
        for player in browsers.values():
            assert smallest_text(player) >= 12
            # The fifth-rejection line is below the table, where no seat covers it.
            hint = player.page.locator("#track-hint").bounding_box()
            assert hint is not None
            for seat in player.page.locator("#seats li").all():
                box = seat.bounding_box()
                assert box is not None
                assert (
                    box["y"] + box["height"] <= hint["y"] or box["y"] >= hint["y"] + hint["height"]
                )

        # Role hidden: the covered cards and the panels are the same, pixel for pixel.
        for player in browsers.values():
            player.page.locator("#settings summary").click()
            player.page.get_by_label("Hide my role until I press to see it").check()
            expect(player.page.locator("#seats .badge.knows")).to_have_count(0)
            player.page.locator("#settings summary").click()
        assert good_page.panel_shot() == evil_page.panel_shot()
        cards = [
            p.page.locator("#role-card").screenshot(animations="disabled")
            for p in browsers.values()
        ]
        assert cards[0] == cards[1]

        # A good player's Fail is refused where and as any refusal is; nothing was played.
        good_page.play(False)
        refusal = good_page.page.locator(".toast.error")
        expect(refusal).to_contain_text("Good players can only play Success")
        expect(good_page.page.locator("#quest-fail")).to_be_enabled()
        for player in browsers.values():
            player.play(True)
            expect(player.page.locator("#quest-success")).to_have_count(0)

        # The log is rebuilt from the view: a reload shows the very same text.
        lines = evil_page.page.locator("#log li")
        before = lines.all_inner_texts()
        assert "Quest 1 succeeded with 0 fail cards." in before
        evil_page.page.reload()
        evil_page.expect_online()
        expect(lines).to_have_text(before)

        # To the end of the game, then a second game in a row.
        def over() -> bool:
            for player in browsers.values():
                player.take_turn()
            return all(p.page.locator("#winner").count() for p in browsers.values())

        bots.play_until(over, timeout=40)
        bots.clients[host].send(
            {"type": "action", "correlation_id": "again", "payload": {"action": "play_again"}}
        )
        for player in browsers.values():
            expect(player.page.locator("#winner")).to_have_count(0)
            expect(player.page.locator("#log li")).to_have_count(1)  # a new game, a new log
            expect(player.page.locator("#log")).to_contain_text("The game has started.")
            player.expect_clean_text()
        problems = [p for player in browsers.values() for p in player.problems]  # type: ignore[attr-defined]
        assert problems == []
    finally:
        bots.close()
