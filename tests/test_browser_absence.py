"""Absent players and the troll in Chromium (issue 25): a look-alike name refused, a
removed friend let back in, spectators' chat kept to spectators, the host's mark and seat
colours in chat, a phone on the Chat tab told it is its turn, a friend leaving mid-game
with no timer (a stand-in plays, every automatic move marked, the seat given back), a log
that survives a reload and reads the same for a late spectator, an end vote, and a second
game in a row with no failed request."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.browser_player import PHONE
from tests.browser_player import Player
from tests.browser_player import exact
from tests.socket_bots import Bots
from tests.support import ServerProcess

try:
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - chromium() skips or fails first
    pass

pytestmark = pytest.mark.timeout(150)

GREEK_ETA = "\u0397ana"  # "Ηana": looks like "Hana"
# Counts the page's vibrations (headless Chromium has no motor to buzz).
BUZZ_COUNTER = """window.__buzz = 0;
Object.defineProperty(Navigator.prototype, "vibrate", {
    configurable: true,
    value: () => { window.__buzz += 1; return true; },
});"""


@pytest.fixture
def site(
    make_server: Callable[..., ServerProcess], request: pytest.FixtureRequest
) -> ServerProcess:
    """A server whose stand-ins take an absent seat after two seconds (or the grace a test
    gives as its parameter), and quick bots."""
    grace = getattr(request, "param", "2")
    return make_server(AVALON_ABSENT_GRACE=grace, AVALON_BOT_DELAY="0.05")


def watch_failures(player: Player) -> list[str]:
    """Collect the page's failed requests and console errors from now on."""
    problems: list[str] = []
    page = player.page
    page.on("response", lambda r: r.status >= 400 and problems.append(f"{r.status} {r.url}"))
    page.on("console", lambda m: m.type == "error" and problems.append(m.text))
    return problems


def try_name(player: Player, code: str, name: str, spectator: bool = False) -> None:
    """Fill the join form of the room's link with a name and press Join."""
    page = player.page
    if not page.url.endswith(f"/r/{code}"):
        page.goto(f"/r/{code}")
    player.wait_for_room_details()
    page.locator("#join-name").fill(name)
    page.locator("#join-spectator").set_checked(spectator)
    page.get_by_role("button", name="Join", exact=True).click()


def test_trolls_stay_out_and_a_removed_friend_comes_back(
    new_player: Callable[..., Player],
) -> None:
    ann = new_player("Ann")
    code = ann.create_room()
    hana = new_player("Hana")
    hana.join(code)
    # A look-alike of a member's name, and names a badge or the page could be taken for.
    troll = new_player("Troll")
    error = troll.page.locator("#join-error")
    try_name(troll, code, GREEK_ETA)
    expect(error).to_have_text(
        "That name is taken in this room, or looks too much like a member's "
        "(or a removed member's) name: pick another."
    )
    for name in ("Ann (host)", "System"):
        try_name(troll, code, name)
        expect(error).to_contain_text("without control characters, brackets or words the page")

    # A friend watching is removed: the host is asked first, told what it does, and may
    # lock the room at once; the lock's label follows.
    fay = new_player("Fay")
    try_name(fay, code, "Fay", spectator=True)
    fay.code = code
    fay.expect_online()
    page = ann.page
    page.locator("#spectators li").filter(has=page.locator(".name", has_text=exact("Fay"))).locator(
        "button.kick"
    ).click()
    expect(page.locator("#kick-dialog")).to_be_visible()
    expect(page.locator("#kick-text")).to_have_text(
        "Fay will be removed and their name stays taken in this room; they can come back with "
        "a new browser — lock the room to keep strangers out."
    )
    expect(page.locator("#kick-cancel")).to_be_focused()  # the safe choice first
    assert ann.axe_problems() == []
    page.locator("#kick-lock").check()
    page.locator("#kick-confirm").click()
    expect(page.locator("#kick-dialog")).to_be_hidden()
    fay.expect_notice("The host removed you from this room.")
    expect(page.locator("#lock-room")).to_have_text("Unlock the room")
    # The removed name is listed for the host, and stays taken meanwhile.
    removed = page.locator("#removed li[data-removed='Fay']")
    expect(removed).to_be_visible()
    expect(hana.page.locator("#removed")).to_have_count(0)
    page.locator("#lock-room").click()
    expect(page.locator("#lock-room")).to_have_text("Lock the room")
    try_name(troll, code, "Fay")
    expect(error).to_contain_text("That name is taken in this room")
    # Let back in: the friend's browser may join again, under the same name.
    removed.get_by_role("button", name="Let Fay back in").click()
    expect(removed).to_have_count(0)
    fay.page.reload()
    expect(fay.page.get_by_role("button", name="Join", exact=True)).to_be_enabled()
    try_name(fay, code, "Fay", spectator=True)
    fay.expect_online()
    expect(page.locator("#spectators li")).to_have_count(1)


def test_a_friend_leaves_mid_game_and_the_table_goes_on(
    site: ServerProcess, new_player: Callable[..., Player]
) -> None:
    ann = new_player("Ann")
    code = ann.create_room()
    problems = watch_failures(ann)
    hana = new_player("Hana", viewport=PHONE)
    hana.join(code)
    fay = new_player("Fay")
    try_name(fay, code, "Fay", spectator=True)
    fay.code = code
    fay.expect_online()
    frozen = [False]  # the bots stop moving while the table votes
    bots = Bots(site, [site.join(code, n) for n in ("Cat", "Dan", "Eve")], wait=lambda v: frozen[0])
    page = ann.page
    try:
        # The host's setup shows for the others as it is chosen.
        expect(page.locator("#player-count")).to_have_text("5")
        page.get_by_label("Percival").check()
        expect(hana.page.locator("#lobby-setup")).to_contain_text(
            "The host is choosing — Special roles: Merlin, Percival, Assassin."
        )
        page.locator("#start-game").click()
        expect(hana.page.locator("#seats li")).to_have_count(5)

        # Chat: the host's mark and each seat's colour; a spectator's words stay with the
        # spectators until the host opens their chat.
        phone = hana.page
        phone.locator("#tab-chat").click()
        ann.chat("Welcome, everyone")
        message = hana.page.locator("#chat-log li").filter(has_text="Welcome, everyone")
        expect(message.locator(".chat-host")).to_be_visible()
        colour = message.locator(".seat-dot").get_attribute("data-colour")
        seat = hana.page.locator(f"#seats li[data-player-id='{ann.player_id}'] .seat-num")
        expect(seat).to_have_attribute("data-colour", colour or "-")
        fay.chat("Ann is Merlin, obviously")
        expect(fay.page.locator("#chat-log li .chat-spectators")).to_have_count(1)
        page.locator("#spectator-chat").click()
        expect(page.locator("#spectator-chat")).to_have_text("Spectators' chat: everyone")
        fay.chat("Good luck")
        ann.expect_chat(["Welcome, everyone", "Good luck"])

        # A phone on the Chat tab is told when it is its turn, on the Table tab and aloud.
        cue = phone.locator("#turn-cue")

        def hana_waited_for() -> bool:
            ann.take_turn()
            return cue.is_visible()

        bots.play_until(hana_waited_for, timeout=30)
        expect(cue).to_contain_text("Your turn")
        expect(phone.locator("#turn-announce")).to_have_text("Your turn: open the Table tab.")
        phone.locator("#tab-game").click()
        expect(cue).to_be_hidden()
        # After a reload the browser refuses to vibrate until a tap: the first tap buzzes.
        hana.context.add_init_script(BUZZ_COUNTER)
        phone.reload()
        hana.expect_online()
        expect(phone.locator("#vote-approve, #team-form").first).to_be_visible()
        assert phone.evaluate("window.__buzz") == 0
        phone.locator("#tab-chat").click()
        phone.wait_for_function("window.__buzz === 1", timeout=5_000)
        expect(cue).to_be_visible()
        phone.locator("#tab-game").click()

        # Hana closes the tab mid-game, with no turn timer: a stand-in plays her seat after
        # the grace, and every move it makes is marked as automatic.
        hana_id = hana.player_id
        phone.close()
        badge = page.locator(f"#seats li[data-player-id='{hana_id}'] .badge.stand-in")

        def stand_in_moved() -> bool:
            ann.take_turn()
            return badge.count() > 0 and page.locator("#vote-grid td[data-auto='true']").count() > 0

        bots.play_until(stand_in_moved, timeout=40)
        frozen[0] = True
        expect(page.locator("#log")).to_contain_text(
            "A stand-in plays for Hana, who has been away too long."
        )
        expect(page.locator("#log")).to_contain_text("made automatically")
        cell = page.locator(f"#vote-grid tr[data-player-id='{hana_id}'] td[data-auto='true']")
        expect(cell.first).to_have_attribute(
            "title", "Made by the timer or a stand-in, not by the player"
        )

        # She is back: the seat is hers again at once.
        hana.page = hana.new_page()
        hana.page.goto(f"/r/{code}")
        hana.expect_online()
        expect(badge).to_have_count(0)
        expect(page.locator("#log")).to_contain_text("Hana is back and plays again.")

        # The log is the server's: the same after a reload, and for a late spectator.
        lines = page.locator("#log li")
        before = lines.all_inner_texts()
        page.reload()
        ann.expect_online()
        expect(lines).to_have_text(before)
        gus = new_player("Gus")
        try_name(gus, code, "Gus", spectator=True)
        gus.code = code
        gus.expect_online()
        expect(gus.page.locator("#log li")).to_have_text(before)

        # The table votes to end the game: no winner, every role shown.
        expect(page.locator("#propose-end")).to_be_enabled()
        page.locator("#propose-end").click()
        expect(page.locator("#end-vote")).to_be_visible(timeout=20_000)  # Ann's own page first
        bar = hana.page.locator("#end-vote")
        expect(bar).to_contain_text("Ann proposes to end the game with no winner.")
        expect(hana.page.locator("#end-vote-count")).to_have_text(
            "Yes: 1, no: 0; 3 yes votes end it."
        )
        hana.page.locator("#end-yes").click()
        expect(page.locator("#end-vote-count")).to_have_text("Yes: 2, no: 0; 3 yes votes end it.")
        vote = {"action": "vote_end", "end": True}
        bots.clients[bots.ids[0]].send({"type": "action", "correlation_id": "e", "payload": vote})
        for player in (ann, hana, gus):
            expect(player.page.locator("#winner")).to_have_text("No winner")
            expect(player.page.locator("#over-reason")).to_have_text(
                "The table ended the game — no winner."
            )
            expect(player.page.locator("#roles-reveal li")).to_have_count(5)
            expect(player.page.locator("#record-winner")).to_have_text(
                "The table ended the game — no winner."
            )
            player.expect_clean_text()
        expect(gus.page.locator("#between-spectators")).to_be_visible()
        expect(gus.page.locator("#between .spectators-title")).to_have_text("Spectators")

        # A second game in a row: a fresh log, and no failed request on the host's page.
        frozen[0] = False
        page.locator("#play-again").click()
        for player in (ann, hana):
            expect(player.page.locator("#winner")).to_have_count(0)
            expect(player.page.locator("#log li").first).to_contain_text("The game has started.")
        assert problems == []
    finally:
        bots.close()


@pytest.mark.parametrize("site", ["600"], indirect=True)  # only the host calls a stand-in
def test_the_table_ends_a_pause_and_the_host_calls_a_stand_in(
    site: ServerProcess, new_player: Callable[..., Player]
) -> None:
    ann = new_player("Ann")
    code = ann.create_room()
    hana = new_player("Hana")
    hana.join(code)
    bots = Bots(site, [site.join(code, n) for n in ("Cat", "Dan", "Eve")], wait=lambda v: True)
    page = ann.page
    try:
        expect(page.locator("#player-count")).to_have_text("5")
        page.get_by_label("Turn timer").check()
        page.get_by_label("Seconds per turn").fill("300")
        page.locator("#start-game").click()
        # The host pauses; the others see who asked to resume and when it resumes anyway.
        page.locator("#pause-timer").click()
        resume = hana.page.locator("#pause-timer")
        expect(resume).to_have_text("Vote to resume")
        info = hana.page.locator("#pause-info")
        expect(info).to_contain_text("Nobody has asked to resume yet. It resumes by itself at")
        resume.click()
        expect(resume).to_have_text("You asked to resume")
        expect(resume).to_be_disabled()
        expect(page.locator("#pause-info")).to_contain_text("Asked to resume: Hana.")
        # A majority of the connected seated players ends the pause.
        ask = {"action": "pause_timer", "paused": False}
        for pid in bots.ids[:2]:
            bots.clients[pid].send({"type": "action", "correlation_id": "r", "payload": ask})
        expect(page.locator("#timer-text")).to_contain_text("Time left for this turn")
        expect(page.locator("#pause-info")).to_be_hidden()
        expect(page.locator("#room-log")).to_contain_text(
            "The table voted to resume the turn timer."
        )

        # Hana is gone: after ten seconds offline the host may let a stand-in play her seat.
        hana_id = hana.player_id
        hana.page.close()
        seat = page.locator(f"#seats li[data-player-id='{hana_id}']")
        button = seat.get_by_role("button", name="Let a stand-in play for Hana")
        expect(button).to_be_visible(timeout=20_000)
        button.click()
        expect(seat.locator(".badge.stand-in")).to_have_text("stand-in")
        expect(button).to_have_count(0)
        expect(page.locator("#log")).to_contain_text("The host asked a stand-in to play for Hana.")
    finally:
        bots.close()
