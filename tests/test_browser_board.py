"""The board in Chromium: seats around the table with the current votes, the vote history
grid (the same after a reload and for a late spectator), no tells on the quest panel,
keyboard-only play and the phone layout."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from tests.browser_player import PHONE
from tests.browser_player import Player
from tests.browser_support import DOCS
from tests.browser_support import save_screenshot
from tests.socket_bots import BOT_NAMES
from tests.socket_bots import GOOD_ROLES
from tests.socket_bots import Bots
from tests.support import ServerProcess

try:
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - chromium() skips or fails first
    pass

pytestmark = pytest.mark.timeout(120)


def table_with_bots(
    site: ServerProcess,
    new_player: Callable[..., Player],
    viewport: dict | None = None,
    **policy: Callable,
) -> tuple[Player, Bots]:
    """Ann in a browser hosts; four bots over sockets fill the table. Every team the bots
    propose has Ann on it, so each quest waits for her card."""
    ann = new_player("Ann", viewport=viewport)
    code = ann.create_room()
    me = ann.player_id

    def with_ann(view: dict, size: int) -> list[int]:
        return [me] + [pid for pid in view["players"] if pid != me][: size - 1]

    policy.setdefault("team", with_ann)
    bots = Bots(site, [site.join(code, name) for name in BOT_NAMES], **policy)
    expect(ann.page.locator("#player-count")).to_have_text("5")
    return ann, bots


def grid_cells(player: Player) -> list[list[str]]:
    """The vote grid as data: per row, the player id, then each cell's classes."""
    return player.page.eval_on_selector_all(
        "#vote-grid-table tbody tr",
        """rows => rows.map(row => [row.dataset.playerId,
            ...[...row.querySelectorAll("td")].map(cell => cell.className)])""",
    )


def seat_votes(player: Player) -> list[str]:
    """The vote shown on each seat of the table ("" for none)."""
    return [
        seat.get_attribute("data-vote") or "" for seat in player.page.locator("#seats li").all()
    ]


def test_votes_on_the_seats_and_a_grid_that_survives_a_reload(
    site: ServerProcess, new_player: Callable[..., Player]
) -> None:
    # Every quest's first team is rejected and its second approved; quest 2 fails.
    ann, bots = table_with_bots(
        site,
        new_player,
        approve=lambda view, pid: view["proposal"] >= 2,
        succeed=lambda view, pid: view["quest"] != 2,
    )
    page = ann.page
    try:
        page.locator("#start-game").click()
        expect(page.locator("#grid-empty")).to_have_text("No team has been voted on yet.")

        def until(condition: Callable[[], bool]) -> None:
            def step() -> bool:
                if condition():
                    return True
                proposal = page.locator("#proposal-text")
                second = proposal.count() > 0 and proposal.inner_text().startswith("Proposal 2")
                ann.take_turn(approve=second)
                return condition()

            bots.play_until(step)

        # Quest 1, proposal 2 is on its quest: its votes are on the seats.
        until(lambda: page.locator("#seats li[data-vote='approve']").count() == 5)
        assert seat_votes(ann) == ["approve"] * 5
        expect(page.locator("#seats .badge.approve")).to_have_count(5)
        ann.expect_clean_text()
        # The next proposal starts clean: no votes on the seats, all of them in the grid.
        until(lambda: page.locator("#quests li[data-quest='2'][data-state='current']").count() > 0)
        expect(page.locator("#seats .badge.approve, #seats .badge.reject")).to_have_count(0)
        until(lambda: page.locator("#vote-grid-table .grid-proposal").count() == 3)
        expect(page.locator("#seats .badge.approve, #seats .badge.reject")).to_have_count(0)
        until(lambda: page.locator("#quests li[data-quest='3'][data-state='current']").count() > 0)
        ann.expect_clean_text()

        bots.play_until(lambda: len(bots.view()["quest_results"]) == 2)
        view = bots.view()
        history = view["history"]
        assert [(p["quest"], p["proposal"], p["approved"]) for p in history] == [
            (1, 1, False),
            (1, 2, True),
            (2, 1, False),
            (2, 2, True),
        ]
        grid = page.locator("#vote-grid-table")
        outcomes = [
            f"Quest {r['quest']}"
            + ("succeeded" if r["success"] else "failed")
            + (f" ({r['fails']} fail{'s' * (r['fails'] > 1)})" if r["fails"] else "")
            for r in view["quest_results"]
        ]
        expect(grid.locator(".grid-quest")).to_have_text(outcomes)
        expect(grid.locator(".grid-proposal")).to_have_text(["#1", "#2", "#1", "#2"])
        expect(grid.locator("tfoot td")).to_have_text(["0–5", "5–0", "0–5", "5–0"])
        for column, proposal in enumerate(history, start=1):
            cells = grid.locator(f"tbody tr td:nth-of-type({column})")
            expect(cells.and_(page.locator(".leader"))).to_have_count(1)
            expect(cells.and_(page.locator(".team"))).to_have_count(len(proposal["team"]))
            vote = "approve" if proposal["approved"] else "reject"
            expect(cells.and_(page.locator(f".{vote}"))).to_have_count(5)
            leader_row = grid.locator(f"tbody tr[data-player-id='{proposal['leader']}']")
            expect(leader_row.locator(f"td:nth-of-type({column})")).to_have_class(
                re.compile(r"\bleader\b")
            )
        before = grid_cells(ann)
        assert len(before) == 5 and all(len(row) == 5 for row in before)
        bots.clients[bots.ids[1]].chat("Quest 2 failed with both of them on it. Hmm.")
        ann.chat("Let's see who approves this one.")
        ann.expect_chat(
            ["Quest 2 failed with both of them on it. Hmm.", "Let's see who approves this one."]
        )
        save_screenshot(page, DOCS / "board.png")
        save_screenshot(page, DOCS / "vote-grid.png", locator=page.locator("#history"))

        # A reload draws the same grid; so does a spectator who arrives now.
        html = page.locator("#vote-grid").inner_html()
        page.reload()
        ann.expect_online()
        expect(page.locator("#vote-grid-table")).to_be_visible()
        assert page.locator("#vote-grid").inner_html() == html
        sam = new_player("Sam")
        sam.page.goto(f"/r/{ann.code}")
        sam.page.locator("#join-name").fill("Sam")
        sam.page.get_by_role("button", name="Join", exact=True).click()
        sam.code = ann.code
        sam.expect_online()
        expect(sam.page.locator("#vote-grid-table")).to_be_visible()
        assert grid_cells(sam) == before
        sam.expect_clean_text()
    finally:
        bots.close()


def panel_shape(player: Player) -> list[dict]:
    """Every element of the action panel: tag, id, class, text, size, and whether enabled."""
    return player.page.eval_on_selector_all(
        "#action-panel, #action-panel *",
        """nodes => nodes.map(node => {
            const box = node.getBoundingClientRect();
            return {tag: node.tagName, id: node.id, cls: node.className,
                    text: node.childElementCount ? "" : node.textContent,
                    width: Math.round(box.width), height: Math.round(box.height),
                    x: Math.round(box.x), disabled: !!node.disabled};
        })""",
    )


def test_quest_panel_is_the_same_for_good_and_evil_and_play_by_keyboard(
    new_player: Callable[..., Player],
) -> None:
    host = new_player("Ann")
    code = host.create_room()
    table = [host]
    for name in BOT_NAMES:
        player = new_player(name)
        player.join(code)
        table.append(player)
    expect(host.page.locator("#player-count")).to_have_text("5")
    host.press_by_keyboard("#start-game")
    roles = {player.player_id: player.role() for player in table}
    by_id = {player.player_id: player for player in table}
    good = next(pid for pid, role in roles.items() if role in GOOD_ROLES)
    evil = next(pid for pid, role in roles.items() if role not in GOOD_ROLES)

    # The leader picks a good and an evil player with the keyboard alone.
    leader = by_id[
        int(host.page.locator("#seats li[data-leader='true']").get_attribute("data-player-id") or 0)
    ]
    for pid in (good, evil):
        leader.press_by_keyboard(f"#pick-{pid}", key="Space")
        expect(leader.page.locator(f"#pick-{pid}")).to_be_checked()
    leader.press_by_keyboard("#propose-team")
    # Everyone votes with the keyboard alone.
    for player in table:
        player.press_by_keyboard("#vote-approve")
    for player in table:
        expect(player.page.locator("#vote-approve")).to_have_count(0)
        player.expect_clean_text()

    # On the quest, good and evil see the very same panel, both cards enabled.
    good_page, evil_page = by_id[good], by_id[evil]
    for player in (good_page, evil_page):
        expect(player.page.locator("#quest-success")).to_be_enabled()
        expect(player.page.locator("#quest-fail")).to_be_enabled()
    assert panel_shape(good_page) == panel_shape(evil_page)
    expect(good_page.page.locator("#quest-rule")).to_have_text(
        "Good players can only play Success; evil players choose either card."
    )
    for player in (good_page, evil_page):
        player.press_by_keyboard("#quest-success")
    for player in table:
        expect(player.page.locator("#quests li[data-quest='1']")).to_have_attribute(
            "data-state", "success"
        )
        player.expect_clean_text()

    # Players side by side can keep their role covered until they press to see it.
    page = evil_page.page
    page.locator("#settings summary").click()
    page.get_by_label("Hide my role until I press to see it").check()
    expect(page.locator("#my-role")).to_have_count(0)
    expect(page.locator("#seats .badge.knows")).to_have_count(0)
    expect(page.locator("#role-card")).to_have_attribute("data-alignment", "")
    reveal = page.locator("#reveal-role")
    expect(reveal).to_have_text("Show my role")
    expect(reveal).to_have_attribute("aria-expanded", "false")
    evil_page.press_by_keyboard("#reveal-role")
    expect(page.locator("#my-role")).to_be_visible()
    expect(reveal).to_have_text("Cover my role")
    page.reload()
    evil_page.expect_online()
    expect(page.locator("#my-role")).to_have_count(0)  # remembered, covered again


def no_sideways_scroll(player: Player) -> None:
    """The page is no wider than the screen."""
    assert player.page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), (
        player.page.evaluate("document.documentElement.scrollWidth")
    )


def small_buttons(player: Player) -> list[str]:
    """Visible buttons smaller than 44 x 44 CSS pixels."""
    return player.page.eval_on_selector_all(
        "button",
        """buttons => buttons.filter(b => b.offsetParent !== null).map(b => {
            const box = b.getBoundingClientRect();
            return [b.id || b.textContent.trim(), Math.round(box.width), Math.round(box.height)];
        }).filter(([name, w, h]) => w < 44 || h < 44).map(x => x.join(" "))""",
    )


def test_a_game_on_a_phone(site: ServerProcess, new_player: Callable[..., Player]) -> None:
    seen: set[str] = set()  # the phases the phone has shown; the bots wait for each one
    ann, bots = table_with_bots(
        site, new_player, viewport=PHONE, wait=lambda view: view["phase"] not in seen
    )
    page = ann.page
    try:
        no_sideways_scroll(ann)
        assert small_buttons(ann) == []
        page.locator("#start-game").click()
        expect(page.locator("#seats li")).to_have_count(5)
        # On a phone the seats are a column: one above the other, all at the same left.
        lefts = {round(seat.bounding_box()["x"]) for seat in page.locator("#seats li").all()}
        assert len(lefts) == 1, lefts
        shot = False

        def step() -> bool:
            nonlocal shot
            phase, move = ann.turn()
            if phase not in seen:
                seen.add(phase)
                no_sideways_scroll(ann)
                assert small_buttons(ann) == [], phase
                ann.expect_clean_text()
            if phase == "voting" and move and not shot:
                shot = True  # the phone's screenshot: a vote, with a chat message unread
                bots.clients[bots.ids[0]].chat("Approve, this team is fine")
                expect(page.locator("#chat-unread")).to_have_text("1")
                save_screenshot(page, DOCS / "phone.png")
                page.locator("#tab-chat").click()
                ann.expect_chat(["Approve, this team is fine"])
                page.locator("#tab-game").click()
            if move:  # the move of the phase just seen: it waits for Ann
                ann.take_turn()
            return phase == "game_over"

        bots.play_until(step, timeout=60)
        assert seen == {"team_building", "voting", "questing", "assassination", "game_over"}
        # The chat is one tap away, and its tab counts what arrived meanwhile.
        bots.clients[bots.ids[1]].chat("Well played, everyone")
        unread = page.locator("#chat-unread")
        expect(unread).to_have_text("1")
        expect(page.locator("#tab-chat")).to_have_attribute("aria-label", "Chat, 1 unread message")
        expect(page.locator("#chat-input")).to_be_hidden()
        page.locator("#tab-chat").click()
        expect(page.locator("#chat-input")).to_be_in_viewport()
        ann.expect_chat(["Approve, this team is fine", "Well played, everyone"])
        expect(unread).to_be_hidden()
        no_sideways_scroll(ann)
        page.locator("#tab-game").click()
        expect(page.locator("#winner")).to_be_visible()
    finally:
        bots.close()
