"""The table between and during games in Chromium: the host's lobby and game controls,
locks, seats after a game, kicks that stick, back to the lobby, leaving the room."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from tests.browser_player import CARDS_OFF
from tests.browser_player import Player
from tests.browser_player import exact
from tests.socket_bots import Bots
from tests.support import ServerProcess

try:
    from playwright.sync_api import Locator
    from playwright.sync_api import Route
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - chromium() skips or fails first
    pass

pytestmark = pytest.mark.timeout(120)

LOCKED = "The room is locked: nobody new can join."
KICKED = "The host removed you from this room."


def actions(player: Player, name: str) -> list[dict]:
    """The payloads of every action of this name the player's pages sent."""
    return [
        envelope["payload"]
        for envelope in player.sent
        if envelope.get("type") == "action" and envelope["payload"].get("action") == name
    ]


def member(player: Player, list_id: str, name: str) -> Locator:
    """A row of a members' list on the player's page, by exact name."""
    page = player.page
    return page.locator(f"#{list_id} li").filter(has=page.locator(".name", has_text=exact(name)))


def test_host_controls_in_the_lobby_and_the_game(
    site: ServerProcess, new_player: Callable[..., Player]
) -> None:
    ann = new_player("Ann")
    code = ann.create_room()
    ben = new_player("Ben")
    ben.join(code)
    bots = Bots(site, [site.join(code, name) for name in ("Cat", "Dan", "Eve")])
    try:
        page = ann.page
        expect(page.locator("#player-count")).to_have_text("5")
        # Only the host has the options, the lock and Remove.
        expect(ben.page.locator("#options-form")).to_be_hidden()
        expect(ben.page.locator("#lobby-wait")).to_have_text(
            "Waiting for the host to start the game."
        )
        expect(ben.page.locator("#lock-room, button.kick")).to_have_count(0)
        expect(page.locator("#players button.kick")).to_have_count(4)

        # The turn timer must be within the server's limits.
        page.get_by_label("Turn timer").check()
        seconds = page.get_by_label("Seconds per turn")
        seconds.fill("5")
        expect(page.locator("#options-error")).to_have_text("The turn timer is 10 to 3600 seconds.")
        expect(page.locator("#start-game")).to_be_disabled()
        seconds.fill("30")
        expect(page.locator("#options-error")).to_be_hidden()
        page.get_by_label("Shuffle the seats").uncheck()
        page.get_by_label("Percival").check()

        # A locked room: everyone is told; a new visitor cannot join, even to watch.
        page.locator("#lock-room").click()
        for player in (ann, ben):
            expect(player.page.locator("#lock-status")).to_have_text(LOCKED)
        expect(page.locator("#lock-room")).to_have_attribute("aria-pressed", "true")
        status, body = site.request(
            "POST", f"/api/rooms/{code}/join", {"display_name": "Late", "spectator": True}
        )
        assert status == 409 and body["error"]["code"] == "room_locked"
        visitor = new_player("Visitor")
        visitor.page.goto(f"/r/{code}")
        expect(visitor.page.locator("#join-room-info")).to_contain_text(
            "The host has locked this room"
        )
        expect(visitor.page.get_by_role("button", name="Join", exact=True)).to_be_disabled()
        page.locator("#lock-room").click()
        for player in (ann, ben):
            expect(player.page.locator("#lock-status")).to_have_count(0)
        visitor.page.reload()
        expect(visitor.page.get_by_role("button", name="Join", exact=True)).to_be_enabled()
        visitor.page.locator("#join-name").fill("Visitor")
        visitor.page.locator("#join-spectator").check()
        visitor.page.get_by_role("button", name="Join", exact=True).click()
        visitor.code = code
        visitor.expect_online()

        page.locator("#start-game").click()
        assert actions(ann, "start_game")[-1] == {
            "action": "start_game",
            "roles": ["merlin", "percival", "assassin"],
            "lady_of_the_lake": False,
            "turn_timer": 30,
            "random_seats": False,
            "bot_chat": True,
            **CARDS_OFF,
        }
        # Seats not shuffled: the order people joined in.
        order = [ann.player_id, ben.player_id, *bots.ids]
        for player in (ann, ben):
            seats = player.page.locator("#seats li")
            expect(seats).to_have_count(5)
            assert [int(s.get_attribute("data-player-id") or 0) for s in seats.all()] == order
            expect(player.page.locator("#timer-text")).to_have_text(
                re.compile(r"^Time left for this turn: 0:(30|[12]\d)$")
            )
        # The host pauses the timer for everyone, and lets it run again.
        expect(ben.page.locator("#pause-timer")).to_be_hidden()
        pause = page.locator("#pause-timer")
        expect(pause).to_have_text("Pause the timer")
        pause.click()
        for player in (ann, ben):
            expect(player.page.locator("#timer-text")).to_have_text(
                re.compile(r"^Timer paused \(0:(30|[12]\d) left\)$")
            )
        expect(ben.page.locator("#log-section")).to_contain_text("The host paused the turn timer.")
        expect(pause).to_have_text("Resume the timer")
        pause.click()
        for player in (ann, ben):
            expect(player.page.locator("#timer-text")).to_contain_text("Time left for this turn")
        expect(pause).to_have_text("Pause the timer")
        assert [p["paused"] for p in actions(ann, "pause_timer")] == [True, False]
        ann.expect_clean_text()

        # During a game the host can still remove a spectator.
        expect(ben.page.locator("#watchers")).to_have_text("Watching: Visitor.")
        expect(ben.page.locator("#game-spectators")).to_have_count(0)
        member(ann, "game-spectators", "Visitor").get_by_role(
            "button", name="Remove Visitor from the room"
        ).click()
        page.locator("#kick-confirm").click()
        visitor.expect_notice(KICKED)
        expect(ben.page.locator("#watchers")).to_have_text("")
    finally:
        bots.close()


def play_to_five_rejections(bots: Bots, browsers: list[Player]) -> None:
    """Everyone rejects every team until evil wins by five rejections."""

    def step() -> bool:
        for player in browsers:
            page = player.page
            if page.locator("#team-form").count():
                version = bots.version()
                size = int(page.locator("#team-form legend").inner_text().split()[1])
                boxes = page.locator("#team-form input[type=checkbox]")
                for index in range(size):
                    boxes.nth(index).check()
                page.locator("#propose-team").click()
                bots.wait_past(version)
            elif page.locator("#vote-reject").count():
                version = bots.version()
                page.locator("#vote-reject").click()
                bots.wait_past(version)
        return browsers[0].page.locator("#winner").count() > 0

    bots.play_until(step, timeout=60)


def test_after_a_game_seats_change_kicks_stick_and_the_lobby_comes_back(
    site: ServerProcess, new_player: Callable[..., Player]
) -> None:
    ann = new_player("Ann")
    code = ann.create_room()
    ben = new_player("Ben")
    ben.join(code)
    failed: list[str] = []  # requests of Ben's page that failed (issue 25: a 404 per game)
    ben.page.on("response", lambda r: r.status >= 400 and failed.append(f"{r.status} {r.url}"))
    sam = new_player("Sam")
    sam.join(code, spectator=True)
    bots = Bots(
        site,
        [site.join(code, name) for name in ("Cat", "Dan", "Eve")],
        approve=lambda view, pid: False,
    )
    try:
        expect(ann.page.locator("#player-count")).to_have_text("5")
        expect(sam.page.locator("#lobby-wait")).to_contain_text("You are watching")
        ann.page.locator("#start-game").click()
        play_to_five_rejections(bots, [ann, ben])
        for player in (ann, ben, sam):
            expect(player.page.locator("#winner")).to_have_text("Evil wins!")
            expect(player.page.locator("#between")).to_be_visible()
        expect(ann.page.locator("#play-again")).to_be_visible()
        expect(ann.page.locator("#back-to-lobby")).to_be_visible()
        expect(ben.page.locator("#play-again, #back-to-lobby")).to_have_count(0)
        expect(ben.page.locator("#between-wait")).to_contain_text("The host can start")
        expect(ann.page.locator("#between-setup")).to_have_text(
            "This game's setup — Roles: Merlin, Loyal Servant ×2, Assassin, Minion of Mordred. "
            "Lady of the Lake: off. No turn timer."
        )

        # Someone opening the link after a game is offered a seat, not just watching.
        zed = new_player("Zed")
        zed.page.goto(f"/r/{code}")
        expect(zed.page.locator("#join-room-info")).to_contain_text(
            "The last game is over: you can take a seat for the next one."
        )
        expect(zed.page.locator("#join-spectator")).not_to_be_checked()
        zed.page.locator("#join-name").fill("Zed")
        zed.page.get_by_role("button", name="Join", exact=True).click()
        zed.code = code
        zed.expect_online()
        expect(member(ann, "between-players", "Zed")).to_have_count(1)
        expect(zed.page.locator("#leave-seat")).to_have_text("Watch instead")

        # The spectator takes a seat; a player steps back to watching.
        expect(sam.page.locator("#take-seat")).to_have_text("Take a seat")
        sam.page.locator("#take-seat").click()
        expect(member(ann, "between-players", "Sam")).to_have_count(1)
        expect(sam.page.locator("#leave-seat")).to_be_visible()
        ben.page.locator("#leave-seat").click()
        expect(member(ann, "between-spectators", "Ben")).to_have_count(1)
        expect(ben.page.locator("#take-seat")).to_be_visible()

        # The host removes Zed after the game: Zed is told, and that browser stays out.
        member(ann, "between-players", "Zed").get_by_role(
            "button", name="Remove Zed from the room"
        ).click()
        ann.page.locator("#kick-confirm").click()
        zed.expect_notice(KICKED)
        expect(zed.page.locator("#join-view")).to_be_visible()
        expect(zed.page.get_by_role("button", name="Join", exact=True)).to_be_disabled()
        expect(member(ann, "between-players", "Zed")).to_have_count(0)
        answer = zed.page.evaluate(
            """async code => {
                const device = localStorage.getItem("avalon.device");
                const response = await fetch(`/api/rooms/${code}/join`, {
                    method: "POST",
                    headers: {"Content-Type": "application/json"},
                    body: JSON.stringify({display_name: "Not Zed", device}),
                });
                return [response.status, (await response.json()).error.code];
            }""",
            code,
        )
        assert answer == [409, "kicked"]
        zed.page.reload()
        expect(zed.page.locator("#join-room-info")).to_contain_text("cannot join it again")

        # Back to the lobby: the setup can change; everyone sees the last one meanwhile.
        ann.page.locator("#back-to-lobby").click()
        for player in (ann, ben, sam):
            expect(player.page.locator("#lobby")).to_be_visible()
            expect(player.page.locator("#game")).to_be_hidden()
        expect(sam.page.locator("#lobby-setup")).to_have_text(
            "The last game's setup — Roles: Merlin, Loyal Servant ×2, Assassin, Minion of Mordred. "
            "Lady of the Lake: off. No turn timer."
        )
        expect(ann.page.locator("#options-form")).to_be_visible()
        expect(ann.page.locator("#player-count")).to_have_text("5")
        expect(ben.page.locator("#games-list li")).to_have_count(1)
        assert failed == []
        expect(ann.page.locator("#players button.kick")).to_have_count(4)
        ann.page.get_by_label("Morgana").check()
        ann.page.locator("#start-game").click()
        assert actions(ann, "start_game")[-1]["roles"] == ["merlin", "assassin", "morgana"]
        expect(sam.page.locator("#role-card h2")).to_have_text("Your role")
        expect(ben.page.locator("#role-card h2")).to_have_text("You are watching")
        for player in (ann, ben, sam):
            expect(player.page.locator("#grid-empty")).to_be_visible()
            player.expect_clean_text()

        # Leaving the room, asked twice: the page goes home and says so.
        ben.page.locator("#leave-room").click()
        expect(ben.page.locator("#leave-question")).to_contain_text("Leave this room?")
        ben.page.locator("#leave-confirm").click()
        ben.expect_notice(f"You left room {code}.")
        expect(ben.page.locator("#home-view")).to_be_visible()
        assert ben.seat() is None
        expect(ann.page.locator("#log-section")).to_contain_text("Ben left the room.")
        expect(ann.page.locator("#watchers")).to_have_text("")
    finally:
        bots.close()


def test_just_watch_ticked_while_the_room_loads_keeps_the_tick(
    site: ServerProcess, new_player: Callable[..., Player]
) -> None:
    """A friend quicker than the room's details: their choice to watch is not undone."""
    ann = new_player("Ann")
    code = ann.create_room()
    sam = new_player("Sam")
    held: list = []  # the join form's room request, answered only after the tick

    def hold_first(route: Route) -> None:
        if held:
            route.continue_()
        else:
            held.append(route)

    page = sam.page
    page.route(f"**/api/rooms/{code}", hold_first)
    with page.expect_request(f"**/api/rooms/{code}"):
        page.goto(f"/r/{code}")
    expect(page.locator("#join-room-info")).to_have_text("Checking the room…")
    page.locator("#join-name").fill("Sam")
    page.locator("#join-spectator").check()
    assert len(held) == 1
    held[0].continue_()
    expect(page.locator("#join-room-info")).to_contain_text("Ann")
    expect(page.locator("#join-spectator")).to_be_checked()
    page.get_by_role("button", name="Join", exact=True).click()
    sam.code = code
    sam.expect_online()
    expect(page.locator("#lobby-wait")).to_contain_text("You are watching")
    expect(ann.page.locator("#player-count")).to_have_text("1")
