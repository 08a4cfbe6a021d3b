"""The card screens test_browser_cards.py does not reach, played in Chromium: the Lady of
the Sea named as such everywhere and her announce step (on phones), the Sire of the Sea and
the Ref of the Rain, anonymous votes and hidden history in the grid and the log, and
per-phase turn timers. Socket bots hold the other seats; each browser plays its own turns,
and where a neighbour could see a screen, a good and an evil player's are compared."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from tests.browser_player import PHONE
from tests.browser_player import Player
from tests.cards_table import GOOD_ROLES
from tests.cards_table import CardTable
from tests.cards_table import no_result
from tests.cards_table import private_result
from tests.cards_table import same_box
from tests.support import ServerProcess

try:
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - chromium() skips or fails first
    pass

pytestmark = pytest.mark.timeout(60)
NAMES = ["Ann", "Ben", "Cat", "Dan", "Eve"]


@pytest.fixture
def site(make_server: Callable[..., ServerProcess]) -> ServerProcess:
    """A server whose turn timers may be as short as a second (for the timer test)."""
    return make_server(AVALON_TURN_TIMER_MIN="1")


def new_table(site: ServerProcess, **policies) -> CardTable:
    """Five seats over sockets, Ann hosting."""
    host = site.create_room(NAMES[0])
    seats = [host] + [site.join(host["code"], name) for name in NAMES[1:]]
    return CardTable(site, seats, **policies)


def test_the_lady_of_the_sea_is_named_and_her_claims_look_alike_on_phones(
    site: ServerProcess, new_player: Callable[..., Player]
) -> None:
    table = new_table(site, succeed=lambda view, pid: view["quest"] != 3)
    code = next(iter(table.seats.values()))["code"]
    try:
        view = table.start(lady="sea", lady_announce=True)
        sides = table.sides()
        first = view["lady"]["holder"]  # checks `second`, who then checks `third`
        second = next(p for p in view["players"] if sides[p] != sides[first])
        third = next(p for p in view["players"] if sides[p] == sides[first] and p != first)
        bots = [p for p in view["players"] if p not in (first, second)]
        fail = [next(p for p in bots if sides[p] == "evil")]  # quest 3 fails: a third check
        fail.append(next(p for p in bots if p not in fail))
        table.team = lambda view, size: fail if view["quest"] == 3 else bots[:size]
        table.aim = lambda view, pid: second if pid == first else third
        table.claims = {first: "good", second: "evil"}
        holder, checked = (table.seat(new_player, pid, viewport=PHONE) for pid in (first, second))
        watcher = new_player("Zoe", locale="de-DE")
        watcher.take_seat(site.join(code, "Zoe", spectator=True))
        name = table.names
        reads = [p.requests.count(f"GET /api/rooms/{code}") for p in (holder, checked)]

        table.play(lambda v: v["phase"] == "lady")
        expect(holder.phase()).to_contain_text("You hold the Lady of the Sea:")
        expect(checked.phase()).to_have_text(f"{name[first]} is using the Lady of the Sea.")
        expect(checked.seat_row(first).locator(".badge.lady")).to_have_text("Lady of the Sea")
        expect(checked.page.locator("#lady-holder")).to_have_text(
            f"The Lady of the Sea is with {name[first]}."
        )
        expect(watcher.phase()).to_contain_text("Herrin des Meeres")

        # The check's result is the holder's alone; the announce step waits on them.
        table.play(lambda v: v["phase"] == "lady_announce")
        expect(private_result(holder, "sea")).to_contain_text(
            f"The Lady of the Sea showed you that {name[second]} is "
        )
        no_result([checked, watcher], "sea")
        expect(holder.page.locator("#claim-evil")).to_be_visible()
        expect(holder.page).to_have_title(re.compile("^Your turn"))
        expect(checked.phase()).to_have_text(
            f"{name[first]} is telling the table what the Lady showed about {name[second]}."
        )
        expect(checked.page.locator("#waiting")).to_have_text(f"Waiting for {name[first]}.")
        claim = holder.panel_shot()

        # After quest 3 the second holder saw the other side: the same claim panel.
        table.play(lambda v: v["phase"] == "lady_announce" and len(v["lady"]["checks"]) == 2)
        expect(checked.page.locator("#claim-good")).to_be_visible()
        assert checked.panel_shot() == claim
        table.play(lambda v: v["phase"] == "team_building" and v["quest"] == 4)

        for player in (holder, checked):
            events = player.page.locator("#card-events")
            expect(events).to_contain_text(f"{name[first]} says {name[second]} is good.")
            expect(events).to_contain_text(f"{name[second]} says {name[third]} is evil.")
        # Each holder reads their own check as its result, in the place of the line the
        # table reads, once; the other's check as the table does.
        used = [
            f"{name[first]} used the Lady of the Sea on {name[second]}.",
            f"{name[second]} used the Lady of the Sea on {name[third]}.",
        ]
        moves = "#log li:not(.log-presence)"
        lines = {p: p.page.locator(moves).all_text_contents() for p in (holder, checked)}
        for me, other, seen in ((holder, checked, second), (checked, holder, third)):
            mine = me.page.locator(f"{moves}.log-secret")
            expect(mine).to_have_count(1)
            expect(mine).to_contain_text(f"The Lady of the Sea showed you that {name[seen]} is ")
            at = lines[me].index(mine.text_content())
            assert lines[other][at] == used[0 if me is holder else 1], lines
            assert used[0 if me is holder else 1] not in lines[me]
            assert used[1 if me is holder else 0] in lines[me]
            assert len(lines[me]) == len(lines[other])
        expect(watcher.page.locator("#log .log-secret")).to_have_count(0)
        for player in (holder, checked):
            log = player.page.locator("#log")
            expect(log).to_contain_text("holds the Lady of the Sea.")
            game = player.page.locator("#game").text_content() or ""
            assert "Lake" not in game, game
            assert player.page.evaluate("document.documentElement.scrollWidth <= innerWidth")
            player.expect_clean_text()
        # The cards' events need no reading of the room: their view says it all.
        assert [p.requests.count(f"GET /api/rooms/{code}") for p in (holder, checked)] == reads
        expect(private_result(checked, "sea")).to_have_count(1)
        expect(private_result(holder, "sea")).to_have_count(1)  # its own only
        expect(watcher.page.locator("#lady-holder")).to_contain_text("Herrin des Meeres")
        expect(watcher.page.locator("#card-events li")).to_have_count(2)
        watcher.expect_clean_text()
    finally:
        table.close()


def test_the_sire_of_the_sea_and_the_ref_of_the_rain(
    site: ServerProcess, new_player: Callable[..., Player]
) -> None:
    table = new_table(site, succeed=lambda view, pid: view["quest"] == 2)

    def fits(view: dict, sides: dict[int, str]) -> bool:
        """The seats holding neither chain have both sides: the browsers' (good and evil)."""
        free = [
            p for p in view["players"] if p not in (view["ref"]["holder"], view["sire"]["holder"])
        ]
        return {sides[p] for p in free} == {"good", "evil"}

    try:
        view = table.deal(fits, sire_of_the_sea=True, ref_of_the_rain=True, lady=None)
        sides = table.sides()
        ref, sire = view["ref"]["holder"], view["sire"]["holder"]
        free = [p for p in view["players"] if p not in (ref, sire)]
        good = next(p for p in free if sides[p] == "good")
        evil = next(p for p in free if sides[p] == "evil")
        bots = [p for p in view["players"] if p not in (good, evil)]
        fail = [next(p for p in bots if sides[p] == "evil")]  # quests 1 and 3 fail
        fail.append(next(p for p in bots if p not in fail))
        table.team = lambda view, size: bots[:size] if view["quest"] == 2 else fail
        # The Ref: its first holder checks `good`, who checks `evil`; the Sire: its first
        # holder shows itself to `evil`, who shows itself to `good`.
        table.aim = lambda view, pid: {ref: good, good: evil, sire: evil, evil: good}[pid]
        p, q = (table.seat(new_player, pid) for pid in (good, evil))
        name = table.names

        table.play(lambda v: v["phase"] == "ref")
        for player in (p, q):
            expect(player.phase()).to_have_text(f"{name[ref]} is using the Ref of the Rain.")
            expect(player.page.locator("#waiting")).to_have_text(f"Waiting for {name[ref]}.")
        assert p.panel_shot() == q.panel_shot()
        same_box([p, q], "#card-board", under="#lady-info")
        table.play(lambda v: v["phase"] == "sire")
        for player in (p, q):
            expect(player.page.locator("#card-events")).to_contain_text(
                f"{name[ref]} checked {name[good]} with the Ref of the Rain."
            )
            expect(player.page.locator("#ref-holder")).to_have_text(
                f"The Ref of the Rain is with {name[good]}."
            )
        no_result([p, q], "ref")  # the bot's result, on no page
        assert p.panel_shot() == q.panel_shot()
        same_box([p, q], "#card-board", under="#lady-info")

        # The Sire's first holder shows itself to the evil browser: its result alone.
        table.play(lambda v: v["phase"] == "ref")
        expect(private_result(q, "sire")).to_have_text(
            f"With the Sire of the Sea, {name[sire]} showed you that they are {sides[sire]}."
        )
        no_result([p], "sire")

        # After quest 3 the browsers use the chains themselves.
        expect(p.page.locator("#ref-use-form input")).to_have_count(3)  # never a past holder
        expect(p.phase()).to_contain_text("You hold the Ref of the Rain")
        expect(p.page).to_have_title(re.compile("^Your turn"))
        expect(q.page.locator("#waiting")).to_have_text(f"Waiting for {name[good]}.")
        table.play(lambda v: v["phase"] == "sire")
        expect(private_result(p, "ref")).to_have_text(
            f"The Ref of the Rain showed you that {name[evil]} is evil."
        )
        no_result([q], "ref")
        expect(q.page.locator("#sire-use-form input")).to_have_count(3)
        expect(p.page.locator("#waiting")).to_have_text(f"Waiting for {name[evil]}.")
        table.play(lambda v: v["phase"] == "team_building" and v["quest"] == 4)
        expect(private_result(p, "sire")).to_have_text(
            f"With the Sire of the Sea, {name[evil]} showed you that they are evil."
        )
        expect(private_result(q, "sire")).to_have_count(1)
        for player in (p, q):
            events = player.page.locator("#card-events")
            expect(events).to_contain_text(f"{name[good]} checked {name[evil]} with the Ref")
            expect(events).to_contain_text(f"{name[evil]} showed their loyalty to {name[good]}")
            player.expect_clean_text()
    finally:
        table.close()


def cell_texts(player: Player) -> list[str]:
    """Every vote cell's words, row by row (the rows' names left out: one says "you")."""
    return player.page.locator("#vote-grid .vote-cell").all_text_contents()


@pytest.mark.parametrize("option", ["anonymous_votes", "hidden_history"])
def test_anonymous_votes_and_hidden_history_tell_no_one_until_the_end(
    site: ServerProcess, new_player: Callable[..., Player], option: str
) -> None:
    # The bots reject quest 1's first team, which the browsers approve: a vote of 2-3.
    table = new_table(site, approve=lambda view, pid: (view["quest"], view["proposal"]) != (1, 1))
    try:
        view = table.start(lady=None, **{option: True})
        sides = table.sides()
        assassin = next(p for p, v in table.views.items() if v and v["you"]["role"] == "assassin")
        evil = next(p for p in view["players"] if sides[p] == "evil" and p != assassin)
        good = next(p for p in view["players"] if sides[p] == "good")
        bots = [p for p in view["players"] if p not in (good, evil)]
        table.team = lambda view, size: bots[:size]
        players = [table.seat(new_player, pid) for pid in (good, evil)]

        table.play(lambda v: v["phase"] == "team_building" and v["quest"] == 2)
        for player in players:
            expect(player.page.locator("#quests li[data-state='success']")).to_have_count(1)
            log = player.page.locator("#log .log-game")
            expect(log.filter(has_text="Quest 1 succeeded")).to_have_count(1)
        if option == "anonymous_votes":
            for player in players:
                grid = player.page.locator("#vote-grid")
                expect(grid.locator(".vote-cell.secret")).to_have_count(10)
                expect(grid.locator(".vote-cell.approve, .vote-cell.reject")).to_have_count(0)
                expect(grid.locator(".vote-cell").first).to_contain_text("secret vote")
                expect(grid.locator(".grid-tally")).to_have_text(["2–3", "5–0"])
                expect(grid.locator(".grid-secret")).to_be_visible()
                expect(player.page.locator("#vote-tally")).to_contain_text("5 approve, 0 reject")
                expect(log.filter(has_text="For:")).to_have_count(0)  # nobody named
            assert cell_texts(players[0]) == cell_texts(players[1])  # the rows' names aside
            size = "[...document.querySelectorAll('#vote-grid .vote-cell')]"
            size += ".map((c) => [c.offsetWidth, c.offsetHeight])"
            sizes = [p.page.evaluate(size) for p in players]
            assert sizes[0] == sizes[1], (
                sizes
            )  # the cells alike (the grid's place follows the role card)
        else:
            for player in players:
                expect(player.page.locator("#hidden-history")).to_have_text(
                    "The vote history is hidden until the end of the game."
                )
                expect(player.page.locator("#vote-grid table")).to_have_count(0)
                expect(log.filter(has_text="proposed")).to_have_count(0)
                expect(player.page.locator("#last-vote")).to_have_text("")
            same_box(players, "#vote-grid", under="#vote-grid")
        lines = [p.page.locator("#log .log-game").all_text_contents() for p in players]
        assert lines[0] == lines[1]

        # At the end every vote is shown, as it was cast.
        table.play(lambda v: v["phase"] == "game_over")
        for player in players:
            grid = player.page.locator("#vote-grid")
            expect(grid.locator(".vote-cell.reject")).to_have_count(3)
            expect(grid.locator(".vote-cell.secret")).to_have_count(0)
            expect(grid.locator(".grid-proposal")).to_have_count(4)
            player.expect_clean_text()
    finally:
        table.close()


def test_per_phase_turn_timers_time_only_their_phases(
    site: ServerProcess, new_player: Callable[..., Player]
) -> None:
    host = new_player(NAMES[0])
    code = host.create_room()
    table = CardTable(site, [site.join(code, name) for name in NAMES[1:]])
    try:
        page = host.page
        expect(page.locator("#player-count")).to_have_text("5")
        page.locator("#opt-turn-timers").check()
        page.locator("#opt-tt-vote").fill("3")  # votes only: nothing else is timed
        expect(page.locator("#options-error")).to_have_text("")
        page.locator("#start-game").click()
        start = [e for e in host.sent if e.get("payload", {}).get("action") == "start_game"]
        assert start[-1]["payload"]["turn_timers"] == {"vote": 3}
        table.play_until(lambda: all(table.views.values()), timeout=10)
        sides = table.sides()
        me = host.player_id
        sides[me] = "good" if host.role() in GOOD_ROLES else "evil"
        other = next(p for p in table.views if sides[p] != sides[me])
        table.names[me] = NAMES[0]
        table.browsers[me] = host
        rival = table.seat(new_player, other)
        bots = list(table.clients)
        table.team = lambda view, size: bots[:size]
        table.plays = {"team_building", "questing"}  # the browsers never vote: the timer does
        players = [host, rival]
        for player in players:
            expect(player.page.locator("#timer")).to_be_hidden()  # the team has no timer

        view = table.play(lambda v: v["phase"] == "voting" and len(v["voted"]) == 3)
        for player in players:
            expect(player.page.locator("#timer-text")).to_contain_text("Time left for this turn")
        # The countdown alike (its seconds may tick apart; only the host's pause button,
        # for good and evil hosts alike, shares its line).
        same_box(players, "#timer-text", under="#timer-text", words=False)
        for player in players:
            expect(player.page.locator("#timer .timer-bar")).to_be_visible()
        table.play(lambda v: v["phase"] == "questing", timeout=15)  # the timer's approvals
        for player in players:
            expect(player.page.locator("#timer")).to_be_hidden()  # quest cards have none
            cells = player.page.locator("#vote-grid .vote-cell[data-auto='true']")
            expect(cells).to_have_count(2)
            expect(player.page.locator("#log")).to_contain_text("made automatically")
        assert view["history"] == []  # the countdown was seen while the vote was open
    finally:
        table.close()


# The board's sentences, asked of the page's own module (the same instance the page runs).
SAY = """async ([parts, votes]) => {
    // A played card's moment comes from the rules the page loads: wait for them.
    const rules = await import("/static/js/rules.js");
    for (let i = 0; i < 100 && !rules.rules; i += 1) await new Promise((r) => setTimeout(r, 50));
    const board = await import("/static/js/cardboard.js");
    const name = (id) => "P" + id;
    return [board.cardEvents(parts, name).map((e) => e.text), board.openVoteLines(votes, name)];
}"""
SPOTLIGHT = {"card": "in_the_spotlight", "player": 1, "target": 2, "quest": 2, "face_up": False}
LEADER = {"card": "strong_leader", "player": 3, "target": None, "quest": 3}


@pytest.mark.parametrize("lang", ["en", "de"])
def test_a_card_played_in_the_spotlight_and_an_open_vote_are_said(
    new_player: Callable[..., Player], lang: str
) -> None:
    # Both come from cards dealt at random, so their sentences are asked of the page itself.
    player = new_player("Ann", locale=lang)
    player.page.goto("/")
    expect(player.page.locator("#lang-select")).to_have_value(lang)  # its messages are in
    parts = {"plot": {"used": [SPOTLIGHT, LEADER]}}
    lines, votes = player.page.evaluate(SAY, [parts, {"4": True, "5": False}])
    if lang == "en":
        assert lines == [
            "P1 played In the Spotlight on P2.",
            "P2 played Fail face up.",
            "P3 played Strong Leader.",
        ]
        assert votes == [
            "P4 (Opinion Maker) voted first, openly: approve.",
            "P5 (Opinion Maker) voted first, openly: reject.",
        ]
    for line in [*lines, *votes]:
        assert "{" not in line and "P" in line, line
    assert "Meinungsmacher" in votes[0] or lang == "en"
