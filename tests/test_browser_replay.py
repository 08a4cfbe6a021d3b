"""Replays in Chromium: a finished game stepped with the buttons and the arrow keys, a jump
to a quest, the roles revealed on the seats, the step kept in the address; the page of a
game still in play (409) and of no game at all (404); axe on the replay page."""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from collections.abc import Callable

import pytest

from tests.browser_player import PHONE
from tests.browser_player import Player
from tests.browser_support import DOCS
from tests.browser_support import save_screenshot
from tests.socket_bots import Bots
from tests.support import ServerProcess

try:
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - chromium() skips or fails first
    pass

pytestmark = pytest.mark.timeout(120)

ROLES = ["merlin", "assassin", "percival", "morgana"]
NAMES = ["Ann", "Ben", "Cat", "Dan", "Eve"]


def socket_table(site: ServerProcess) -> tuple[str, Bots]:
    """Five seats played over sockets: the first proposal of each quest is rejected, and
    evil fails quest 2 when it is on the team."""
    host = site.create_room(NAMES[0])
    seats = [host] + [site.join(host["code"], name) for name in NAMES[1:]]
    bots = Bots(
        site,
        seats,
        approve=lambda view, pid: view["proposal"] > 1,
        succeed=lambda view, pid: view["quest"] != 2,
    )
    return seats[0]["code"], bots


def start(bots: Bots, **options: object) -> None:
    """The host (the first seat) starts a game with these options."""
    host = bots.ids[0]
    payload = {"action": "start_game", **options}
    bots.clients[host].send({"type": "action", "correlation_id": "start", "payload": payload})


def game_over(bots: Bots, number: int) -> Callable[[], bool]:
    """Whether the bots' newest view is game `number`, over."""

    def done() -> bool:
        views = [view for view in bots.views.values() if view]
        return any(v["number"] == number and v["phase"] == "game_over" for v in views)

    return done


def record(site: ServerProcess, code: str, number: int) -> dict:
    """A game's record from the HTTP API."""
    status, body = site.request("GET", f"/api/rooms/{code}/games/{number}")
    assert status == 200, body
    return body


def step_count(game: dict) -> int:
    """The steps a replay has: start, proposals, quests, Lady checks, assassination, end."""
    assassination = 1 if game["assassin_target"] is not None else 0
    return (
        2
        + len(game["proposals"])
        + len(game["quest_results"])
        + len(game["lady_checks"])
        + assassination
    )


def page_status(site: ServerProcess, path: str) -> int:
    """The HTTP status of a page."""
    try:
        with urllib.request.urlopen(site.url + path) as response:
            return response.status
    except urllib.error.HTTPError as err:
        return err.code


def test_a_finished_game_step_by_step(
    site: ServerProcess, new_player: Callable[..., Player]
) -> None:
    code, bots = socket_table(site)
    try:
        start(bots, roles=ROLES, lady_of_the_lake=True)
        bots.play_until(game_over(bots, 1))
    finally:
        bots.close()
    game = record(site, code, 1)

    def name(player_id: int) -> str:
        return game["names"][str(player_id)]

    total = step_count(game)
    first = game["proposals"][0]

    visitor = new_player("Visitor")
    page = visitor.page
    assert page_status(site, f"/r/{code}/games/1") == 200
    page.goto(f"/r/{code}/games/1")
    expect(page.locator("#replay-body")).to_be_visible()
    expect(page.locator("#replay-title")).to_have_text(f"Game 1 of room {code}")
    expect(page).to_have_title(f"Avalon — game 1 of room {code}")
    expect(page.locator("#replay-setup")).to_contain_text("Lady of the Lake: on.")
    expect(page.locator("#replay-counter")).to_have_text(f"Step 1 of {total}")
    expect(page.locator("#replay-text")).to_contain_text(f"{name(first['leader'])} leads first")
    expect(page.locator("#replay-steps li")).to_have_count(total)

    # Every seat, in seat order, with its name and its role revealed from the first step.
    seats = page.locator("#replay-seats li")
    expect(seats).to_have_count(5)
    for index, player_id in enumerate(game["players"]):
        seat = seats.nth(index)
        expect(seat).to_have_attribute("data-player-id", str(player_id))
        expect(seat).to_have_attribute("data-role", game["roles"][str(player_id)])
        expect(seat.locator(".name")).to_have_text(name(player_id))
    expect(page.locator("#replay-seats .badge.leader")).to_have_count(1)
    expect(page.locator("#replay-back")).to_be_disabled()

    # Forward: the first proposal, rejected, with everyone's vote on the seats.
    page.locator("#replay-forward").click()
    expect(page.locator("#replay-counter")).to_have_text(f"Step 2 of {total}")
    expect(page.locator("#replay-text")).to_contain_text(f"{name(first['leader'])} proposed")
    expect(page.locator("#replay-text")).to_contain_text("was rejected")
    expect(page.locator("#replay-seats li[data-vote='reject']")).to_have_count(5)
    expect(page.locator("#replay-grid .grid-proposal")).to_have_count(1)
    expect(page).to_have_url(re.compile(r"#step-2$"))

    # The arrow keys step forward and back; the second proposal is approved.
    page.keyboard.press("ArrowRight")
    expect(page.locator("#replay-counter")).to_have_text(f"Step 3 of {total}")
    expect(page.locator("#replay-text")).to_contain_text("was approved")
    page.keyboard.press("ArrowRight")
    expect(page.locator("#replay-text")).to_contain_text("Quest 1:")
    expect(page.locator("#replay-quests li[data-quest='1']")).to_have_attribute(
        "data-state", "success" if game["quest_results"][0]["success"] else "fail"
    )
    page.keyboard.press("ArrowLeft")
    expect(page.locator("#replay-counter")).to_have_text(f"Step 3 of {total}")

    # Jump to quest 2: its first proposal; the quest's button is marked as the current one.
    page.locator("#replay-jumps button[data-quest='2']").click()
    second = next(p for p in game["proposals"] if p["quest"] == 2)
    expect(page.locator("#replay-text")).to_contain_text("for quest 2 (proposal 1)")
    expect(page.locator("#replay-text")).to_contain_text(f"{name(second['leader'])} proposed")
    expect(page.locator("#replay-jumps button[data-quest='2']")).to_have_attribute(
        "aria-current", "step"
    )

    # The Lady's check after quest 2, with what she showed on the target's seat.
    if game["lady_checks"]:
        check = game["lady_checks"][0]
        page.locator("#replay-steps li[data-kind='lady'] button").first.click()
        expect(page.locator("#replay-text")).to_have_text(
            f"{name(check['holder'])} examined {name(check['target'])}: {check['alignment']}."
        )
        target = page.locator(f"#replay-seats li[data-player-id='{check['target']}']")
        expect(target.locator(".badge", has_text="Lady:")).to_have_text(
            f"Lady: {check['alignment']}"
        )

    # End: the winner; the step is in the address and survives a reload.
    page.keyboard.press("End")
    expect(page.locator("#replay-counter")).to_have_text(f"Step {total} of {total}")
    winner = "Good wins." if game["winner"] == "good" else "Evil wins."
    expect(page.locator("#replay-text")).to_contain_text(winner)
    expect(page.locator("#replay-forward")).to_be_disabled()
    if game["assassin_target"] is not None:
        named = page.locator(f"#replay-seats li[data-player-id='{game['assassin_target']}']")
        expect(named.locator(".badge.target")).to_have_text("named by the Assassin")
    page.reload()
    expect(page.locator("#replay-counter")).to_have_text(f"Step {total} of {total}")
    # A button pressed to its end hands the focus on, so the keyboard is never lost.
    page.locator("#replay-first").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#replay-counter")).to_have_text(f"Step 1 of {total}")
    expect(page.locator("#replay-forward")).to_be_focused()
    page.locator("#replay-last").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#replay-back")).to_be_focused()
    page.keyboard.press("Home")
    expect(page.locator("#replay-counter")).to_have_text(f"Step 1 of {total}")
    visitor.expect_clean_text()
    page.locator("#replay-forward").click()
    save_screenshot(page, DOCS / "replay.png", full_page=True)
    assert visitor.axe_problems() == []

    # On a phone: the same page, one column, nothing wider than the screen.
    phone = new_player("Phone", viewport=PHONE)
    phone.page.goto(f"/r/{code}/games/1#step-3")
    expect(phone.page.locator("#replay-counter")).to_have_text(f"Step 3 of {total}")
    assert phone.page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    # The step buttons sit just below the table, not a screen away from it.
    table = phone.page.locator("#replay-table").bounding_box()
    buttons = phone.page.locator("#replay-forward").bounding_box()
    assert table is not None and buttons is not None
    assert 0 <= buttons["y"] - (table["y"] + table["height"]) < 150, (table, buttons)
    assert phone.axe_problems() == []

    # The link back to the room opens its join page.
    page.locator("#replay-room-link").click()
    expect(page.locator("#join-view")).to_be_visible()
    expect(page.locator("#join-room-code")).to_have_text(code)


def test_a_game_in_play_and_no_game_at_all(
    site: ServerProcess, new_player: Callable[..., Player]
) -> None:
    code, bots = socket_table(site)
    visitor = new_player("Visitor")
    page = visitor.page
    try:
        # No game at all: the page is a 404 and says so; so does an unknown room.
        assert page_status(site, f"/r/{code}/games/1") == 404
        page.goto(f"/r/{code}/games/1")
        expect(page.locator("#replay-status")).to_have_text(f"Room {code} has no game 1.")
        expect(page.locator("#replay-body")).to_be_hidden()
        assert page_status(site, "/r/ZZZZZ/games/1") == 404
        page.goto("/r/ZZZZZ/games/1")
        expect(page.locator("#replay-status")).to_have_text("This room does not exist.")
        visitor.expect_clean_text()
        assert visitor.axe_problems() == []

        # A game in play: the page is served, and says its replay comes once it is over.
        start(bots, roles=["merlin", "assassin"])
        bots.pump(0.5)
        assert page_status(site, f"/r/{code}/games/1") == 200
        page.goto(f"/r/{code}/games/1")
        expect(page.locator("#replay-status")).to_have_text(
            f"Game 1 of room {code} is still being played. Its replay opens here once it is over."
        )
        expect(page.locator("#replay-body")).to_be_hidden()
        visitor.expect_clean_text()
        assert visitor.axe_problems() == []

        # Once it is over, "Check again" shows it.
        bots.play_until(game_over(bots, 1))
        page.locator("#replay-again").click()
        expect(page.locator("#replay-body")).to_be_visible()
        expect(page.locator("#replay-status")).to_have_text("")
        expect(page.locator("#replay-seats li")).to_have_count(5)
    finally:
        bots.close()
