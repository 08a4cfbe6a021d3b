"""The browser client, driven in Debian's Chromium: lobby, chat, seats, reconnects, a game."""

from __future__ import annotations

import re
import signal
import urllib.request
from collections.abc import Callable

import pytest

from tests.browser_support import PHONE
from tests.browser_support import RECONNECT_TIMEOUT
from tests.browser_support import Player
from tests.browser_support import save_screenshot
from tests.support import ServerProcess
from tests.support import WsClient

try:
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - require_browser() skips or fails first
    pass

pytestmark = pytest.mark.timeout(90)

XSS = "<img src=x onerror=window.__xss=1><script>window.__xss=2</script>"
SEAT_GONE = "Your seat is no longer valid (expired or removed)."
KICKED = "The host removed you from this room."
RESTARTING = "The server is restarting — reconnecting…"
OTHER_TAB = "You opened this room in another tab."


def room_players(site: ServerProcess, code: str) -> list[dict]:
    """The room's players as the HTTP API lists them."""
    status, body = site.request("GET", f"/api/rooms/{code}")
    assert status == 200, body
    return body["players"]


def test_pages_carry_security_headers(site: ServerProcess) -> None:
    with urllib.request.urlopen(site.url + "/r/ABCDE") as response:
        headers = response.headers
        page = response.read().decode()
    policy = headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    assert f"connect-src 'self' ws://127.0.0.1:{site.port} wss://127.0.0.1:{site.port}" in policy
    assert "unsafe-inline" not in policy
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["X-Frame-Options"] == "DENY"
    # No inline code at all: every script and style comes from /static.
    assert re.search(r"<script(?![^>]*\bsrc=)", page) is None
    assert "style=" not in page and "<style" not in page
    with urllib.request.urlopen(site.url + "/static/js/main.js") as response:
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "javascript" in response.headers["Content-Type"]


def test_create_join_presence_and_chat(new_player: Callable[..., Player]) -> None:
    alice = new_player("Alice")
    code = alice.create_room()
    expect(alice.player_row("Alice").locator(".badge.host")).to_have_text("Host")

    bob = new_player("Bob")
    bob.page.goto(f"/r/{code}")
    expect(bob.page.locator("#join-room-code")).to_have_text(code)
    expect(bob.page.locator("#join-room-info")).to_contain_text("Alice is here")
    # Join with the keyboard alone: type the name and press Enter.
    bob.page.locator("#join-name").fill("Bob")
    bob.page.locator("#join-name").press("Enter")
    bob.code = code
    bob.expect_online()
    expect(bob.page).to_have_url(re.compile(f"/r/{code}$"))

    for page_owner in (alice, bob):
        page_owner.expect_presence("Alice", "online")
        page_owner.expect_presence("Bob", "online")
    expect(bob.player_row("Alice").locator(".badge.host")).to_be_visible()
    expect(bob.player_row("Bob").locator(".badge.you")).to_be_visible()
    # Only the host may remove players.
    expect(alice.player_row("Bob").locator("button.kick")).to_be_visible()
    expect(bob.page.locator("button.kick")).to_have_count(0)

    alice.chat("Hello Bob")
    bob.expect_chat(["Hello Bob"])
    bob.chat("Hi Alice!\nA second line.")
    alice.expect_chat(["Hello Bob", "Hi Alice!\nA second line."])

    save_screenshot(alice.page)

    bob.chat(XSS)
    for page_owner in (alice, bob):
        page_owner.expect_chat(["Hello Bob", "Hi Alice!\nA second line.", XSS])
        page = page_owner.page
        assert page.evaluate("window.__xss") is None
        assert page.locator("#chat-log img, #chat-log script").count() == 0
    expect(alice.page.locator("#chat-log .chat-author").last).to_have_text("Bob")

    bob.close()
    alice.expect_presence("Bob", "offline")


def test_reload_returns_to_the_same_seat(
    site: ServerProcess, new_player: Callable[..., Player]
) -> None:
    alice = new_player("Alice")
    code = alice.create_room()
    bob = new_player("Bob")
    bob.join(code)
    seat = bob.seat()
    assert seat is not None and seat["code"] == code and seat["display_name"] == "Bob"
    alice.chat("first")
    alice.expect_chat(["first"])  # stored before Bob speaks: the order is the server's
    bob.chat("second")
    bob.expect_chat(["first", "second"])

    bob.page.reload()
    bob.expect_online()
    assert bob.seat() == seat
    bob.expect_chat(["first", "second"])
    expect(bob.player_row("Bob").locator(".badge.you")).to_be_visible()
    alice.expect_presence("Bob", "online")

    # A closed tab: a new one at the room's link sits in the same seat without asking.
    bob.page.close()
    bob.page = bob.new_page()
    bob.page.goto(f"/r/{code}")
    bob.expect_online()
    expect(bob.page.locator("#join-view")).to_be_hidden()
    bob.expect_chat(["first", "second"])
    assert bob.seat() == seat
    assert [player["display_name"] for player in room_players(site, code)] == ["Alice", "Bob"]
    assert bob.joins() == 1


def test_invalid_seat_asks_for_a_name_again(new_player: Callable[..., Player]) -> None:
    alice = new_player("Alice")
    code = alice.create_room()
    alice.page.evaluate(
        """key => {
            const seat = JSON.parse(localStorage.getItem(key));
            seat.token = "forged." + seat.token;
            localStorage.setItem(key, JSON.stringify(seat));
        }""",
        f"avalon.seat.{code}",
    )
    alice.page.reload()
    alice.expect_notice(SEAT_GONE)
    expect(alice.page.locator("#join-view")).to_be_visible()
    assert alice.seat() is None
    # Joining again under another name gives a new seat in the same room.
    alice.page.locator("#join-name").fill("Alice Again")
    alice.page.get_by_role("button", name="Join", exact=True).click()
    alice.expect_online()
    expect(alice.player_row("Alice Again").locator(".badge.you")).to_be_visible()
    expect(alice.page.locator("#notice")).to_be_hidden()


def test_unknown_room(new_player: Callable[..., Player]) -> None:
    visitor = new_player("Visitor")
    visitor.page.goto("/r/ZZZZZ")
    expect(visitor.page.locator("#join-room-info")).to_have_text("This room does not exist.")
    # A seat kept for a room that is gone: the socket's 4404 sends the player home.
    visitor.page.evaluate(
        """() => localStorage.setItem("avalon.seat.ZZZZZ",
            JSON.stringify({code: "ZZZZZ", player_id: 1, token: "x", display_name: "V"}))"""
    )
    visitor.page.reload()
    visitor.expect_notice("This room does not exist.")
    expect(visitor.page.locator("#home-view")).to_be_visible()
    expect(visitor.page).to_have_url(re.compile(r"/$"))


def test_pages_reconnect_after_a_server_restart(
    site: ServerProcess, new_player: Callable[..., Player]
) -> None:
    alice = new_player("Alice")
    code = alice.create_room()
    bob = new_player("Bob")
    bob.join(code)
    alice.chat("before the restart")
    bob.expect_chat(["before the restart"])

    assert site.process is not None
    site.process.send_signal(signal.SIGTERM)  # every socket is closed with 1001
    for player in (alice, bob):
        player.expect_notice(RESTARTING)
        expect(player.page.locator("#conn-status")).to_have_attribute("data-state", "reconnecting")
    site.stop()  # wait for the old server to exit
    site.start()  # the same port and database

    for player in (alice, bob):
        player.expect_online(timeout=RECONNECT_TIMEOUT)
        expect(player.page.locator("#notice")).to_be_hidden()
    alice.expect_presence("Bob", "online")
    bob.expect_presence("Alice", "online")
    bob.chat("after the restart")
    for player in (alice, bob):
        player.expect_chat(["before the restart", "after the restart"])
    # The reconnects asked only for the chat they had not seen.
    assert [player["display_name"] for player in room_players(site, code)] == ["Alice", "Bob"]


def test_other_tab_then_back_with_missed_chat(
    site: ServerProcess, new_player: Callable[..., Player]
) -> None:
    alice = new_player("Alice")
    code = alice.create_room()
    bob = new_player("Bob")
    bob.join(code)
    alice.chat("one")
    bob.expect_chat(["one"])

    # Bob's seat opens elsewhere: his page is told so and does not fight back.
    seat = bob.seat()
    assert seat is not None
    other = WsClient(site.ws_url(seat), origin=site.url)
    try:
        other.recv_until(lambda message: message.get("event") == "room")
        bob.expect_notice(OTHER_TAB)
        expect(bob.page.locator("#conn-status")).to_have_attribute("data-state", "offline")
        alice.chat("two")
        alice.chat("three")
        other.recv_until(lambda message: message.get("payload", {}).get("message") == "three")
        bob.page.wait_for_timeout(1500)  # long enough for an automatic reconnect, were there one
        expect(bob.page.locator("#conn-status")).to_have_attribute("data-state", "offline")
    finally:
        other.close()

    first_id = bob.page.locator("#chat-log li").first.get_attribute("data-chat-id")
    bob.page.get_by_role("button", name="Use this tab").click()
    bob.expect_online()
    bob.expect_chat(["one", "two", "three"])
    # It asked for the messages after the last one it had, and showed none twice.
    assert f"since={first_id}" in bob.sockets[-1]
    alice.expect_presence("Bob", "online")


def test_host_options_follow_the_rules(
    site: ServerProcess, new_player: Callable[..., Player]
) -> None:
    host = new_player("Host", viewport=PHONE)
    code = host.create_room()
    page = host.page
    start = page.locator("#start-game")
    expect(page.locator("#options-error")).to_contain_text("at least 5 players")
    expect(start).to_be_disabled()

    for i in range(2, 6):
        site.join(code, f"Guest{i}")
    leaver = new_player("Guest6")
    leaver.join(code)
    leaver_id = leaver.player_id
    expect(page.locator("#player-count")).to_have_text("6")

    # The host removes a player from the lobby; the removed player's page says so in plain
    # words, and its join form stays closed: that browser cannot come back.
    host.player_row("Guest6").get_by_role("button", name="Remove Guest6 from the room").click()
    kicks = [e for e in host.sent if e.get("payload", {}).get("action") == "kick"]
    assert kicks[-1]["payload"] == {"action": "kick", "player_id": leaver_id}
    expect(host.player_row("Guest6")).to_have_count(0)
    leaver.expect_notice(KICKED)
    expect(leaver.page.locator("#join-view")).to_be_visible()
    expect(leaver.page.locator("#join-room-info")).to_contain_text("cannot join it again")
    expect(leaver.page.get_by_role("button", name="Join", exact=True)).to_be_disabled()
    expect(page.locator("#player-count")).to_have_text("5")
    expect(page.locator("#options-error")).to_be_hidden()
    expect(start).to_be_enabled()
    lady = page.get_by_label("Lady of the Lake")
    expect(lady).not_to_be_checked()  # off below 7 players

    # Five players have two evil seats: the Assassin and one more.
    page.get_by_label("Morgana").check()
    expect(page.get_by_label("Mordred")).to_be_disabled()
    expect(page.get_by_label("Oberon")).to_be_disabled()
    page.get_by_label("Morgana").uncheck()
    expect(page.get_by_label("Mordred")).to_be_enabled()
    page.get_by_label("Percival").check()
    page.get_by_label("Mordred").check()
    expect(page.get_by_label("Morgana")).to_be_disabled()
    lady.check()

    # Phone-sized: nothing sticks out sideways.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    start.click()
    actions = [envelope for envelope in host.sent if envelope.get("type") == "action"]
    assert actions[-1]["payload"] == {
        "action": "start_game",
        "roles": ["merlin", "percival", "assassin", "mordred"],
        "lady_of_the_lake": True,
        "turn_timer": None,
        "random_seats": True,
    }
    assert isinstance(actions[-1]["correlation_id"], str)


def test_lady_defaults_on_at_seven(site: ServerProcess, new_player: Callable[..., Player]) -> None:
    host = new_player("Host")
    code = host.create_room()
    for i in range(2, 8):
        site.join(code, f"Guest{i}")
    expect(host.page.locator("#player-count")).to_have_text("7")
    expect(host.page.get_by_label("Lady of the Lake")).to_be_checked()
    host.page.get_by_label("Morgana").check()
    host.page.get_by_label("Mordred").check()
    expect(host.page.get_by_label("Oberon")).to_be_disabled()  # 7 players: 3 evil seats


# ---- the game ---------------------------------------------------------------------------


def seat_table(new_player: Callable[..., Player], count: int) -> list[Player]:
    """Open a room in one browser and join it from `count - 1` others; host first."""
    host = new_player("Ann")
    code = host.create_room()
    names = ["Ben", "Cat", "Dan", "Eve", "Fay", "Gus", "Hal", "Ivy", "Jo"]
    players = [host]
    for name in names[: count - 1]:
        player = new_player(name)
        player.join(code)
        players.append(player)
    expect(host.page.locator("#player-count")).to_have_text(str(count))
    for player in players:
        player.expect_online()
    return players


def by_id(players: list[Player]) -> dict[int, Player]:
    """Map player ids to players."""
    return {player.player_id: player for player in players}


def start_game(host: Player, roles: list[str], lady: bool) -> None:
    """Tick the host's options and start."""
    page = host.page
    for role in ("Percival", "Morgana", "Mordred", "Oberon"):
        box = page.get_by_label(role)
        if role.lower() in roles:
            box.check()
        else:
            box.uncheck()
    page.get_by_label("Lady of the Lake").set_checked(lady)
    page.locator("#start-game").click()


def current_leader(players: list[Player]) -> Player:
    """The player every page agrees is the leader."""
    leader_ids = {player.leader_id() for player in players}
    assert len(leader_ids) == 1, leader_ids
    return by_id(players)[leader_ids.pop()]


def everyone_votes(players: list[Player], approve: bool) -> None:
    """Every player votes the same way through their page."""
    for player in players:
        expect(player.page.locator("#vote-approve")).to_be_visible()
        player.vote(approve)
        expect(player.page.locator("#vote-approve")).to_have_count(0)


def expect_quest(players: list[Player], quest: int, state: str, text: str, fails: int) -> None:
    """Every page shows a quest's state, result and fail cards (when there were any)."""
    for player in players:
        item = player.page.locator(f"#quests li[data-quest='{quest}']")
        expect(item).to_have_attribute("data-state", state)
        expect(item.locator(".q-result")).to_have_text(text)
        if fails:
            expect(item.locator(".q-fails")).to_have_text(f"{fails} fail card" + "s" * (fails > 1))
        else:
            expect(item.locator(".q-fails")).to_have_count(0)


def play_quest(players: list[Player], team: list[int], fails_by: set[int]) -> None:
    """Team members play their cards; everyone sees Fail, only evil players may press it."""
    table = by_id(players)
    for player in players:
        if player.player_id not in team:
            expect(player.page.locator("#quest-success")).to_have_count(0)
    for member in team:
        player = table[member]
        fail_button = player.page.locator("#quest-fail")
        expect(player.page.locator("#quest-success")).to_be_visible()
        expect(fail_button).to_be_visible()
        if player.role() in ("merlin", "percival", "loyal_servant"):
            expect(fail_button).to_be_disabled()
        else:
            expect(fail_button).to_be_enabled()
        player.play(member not in fails_by)
        expect(player.page.locator("#quest-success")).to_have_count(0)


def run_quest(
    players: list[Player], quest: int, pick: Callable[[Player], list[int]], fails_by: set[int]
) -> list[int]:
    """Leader proposes, all approve, the team plays; return the team."""
    leader = current_leader(players)
    team = pick(leader)
    for player in players:
        if player is not leader:
            expect(player.page.locator("#team-form")).to_have_count(0)
            expect(player.phase()).to_contain_text(f"{leader.name} is choosing a team")
    leader.propose(team)
    for player in players:
        expect(player.phase()).to_contain_text(f"Vote on the team for quest {quest}")
    everyone_votes(players, approve=True)
    play_quest(players, team, fails_by)
    return team


def test_a_full_game_through_the_ui(site: ServerProcess, new_player: Callable[..., Player]) -> None:
    players = seat_table(new_player, 5)
    host = players[0]
    names = {player.player_id: player.name for player in players}
    start_game(host, ["percival", "morgana"], lady=True)

    # Night: each page explains its own role, and only its own.
    roles = {player.player_id: player.role() for player in players}
    assert sorted(roles.values()) == sorted(
        ["merlin", "percival", "loyal_servant", "assassin", "morgana"]
    )
    role_of = {role: pid for pid, role in roles.items()}
    table = by_id(players)
    evil = {role_of["assassin"], role_of["morgana"]}
    good = set(roles) - evil
    percival = table[role_of["percival"]]
    knowledge = percival.page.locator("#night-knowledge")
    expect(percival.page.locator("#my-role")).to_have_text("You are Percival.")
    expect(knowledge).to_contain_text("are Merlin and Morgana — you don't know which.")
    for pid in (role_of["merlin"], role_of["morgana"]):
        expect(knowledge).to_contain_text(names[pid])
    merlin = table[role_of["merlin"]]
    for pid in evil:
        expect(merlin.page.locator("#night-knowledge")).to_contain_text(names[pid])
        expect(merlin.seat_row(pid).locator(".badge.evil")).to_have_text("Evil")
    for pid in evil:
        partner = (evil - {pid}).pop()
        expect(table[pid].page.locator("#night-knowledge")).to_contain_text(
            f"{names[partner]} is evil with you."
        )
    servant = table[role_of["loyal_servant"]]
    expect(servant.page.locator("#night-knowledge")).to_contain_text("You know nothing more")
    expect(servant.page.locator("#seats .badge.evil")).to_have_count(0)
    for player in players:
        sizes = player.page.locator("#quests .q-size")
        expect(sizes).to_have_text([f"{n} players" for n in (2, 3, 2, 3, 3)])
        expect(player.page.locator("#proposal-text")).to_have_text("Proposal 1 of 5")
        expect(player.page.locator("#quests li[data-quest='1']")).to_have_attribute(
            "data-state", "current"
        )
        expect(player.page.locator("#lady-info")).to_contain_text("Lady of the Lake")

    # Quest 1, proposal 1: everyone rejects; the leader moves on.
    first = current_leader(players)
    first.propose([first.player_id, next(pid for pid in roles if pid != first.player_id)])
    everyone_votes(players, approve=False)
    for player in players:
        expect(player.page.locator("#proposal-text")).to_have_text("Proposal 2 of 5")
        expect(player.page.locator("#last-vote")).to_have_text(
            "Last vote: rejected, 0 for and 5 against."
        )
    second = current_leader(players)
    assert second is not first

    # Proposal 2: approved, and the Assassin fails it.
    saboteur = role_of["assassin"]

    def with_saboteur(leader: Player) -> list[int]:
        return [saboteur, next(pid for pid in roles if pid != saboteur)]

    run_quest(players, 1, with_saboteur, fails_by={saboteur})
    expect_quest(players, 1, "fail", "Failed", fails=1)
    for player in players:
        expect(player.page.locator("#proposal-text")).to_have_text("Proposal 1 of 5")

    # Quest 2 succeeds; then the Lady of the Lake.
    def good_team(size: int) -> Callable[[Player], list[int]]:
        return lambda leader: sorted(good)[:size]

    run_quest(players, 2, good_team(3), fails_by=set())
    expect_quest(players, 2, "success", "Success", fails=0)
    holder_row = host.page.locator("#seats li").filter(has=host.page.locator(".badge.lady"))
    holder = table[int(holder_row.get_attribute("data-player-id") or 0)]
    for player in players:
        if player is not holder:
            expect(player.page.locator("#target-form")).to_have_count(0)
            expect(player.phase()).to_contain_text(f"{holder.name} is using the Lady")
    expect(holder.phase()).to_contain_text("You hold the Lady of the Lake")
    eligible = holder.page.locator("#target-form input[type=radio]")
    expect(eligible).to_have_count(4)  # everyone but the holder, who held her first
    target = int(eligible.first.get_attribute("value") or 0)
    holder.pick_target(target, "use-lady")
    seen = "evil" if target in evil else "good"
    expect(holder.page.locator("#lady-info .lady-result")).to_have_text(
        f"The Lady showed you that {names[target]} is {seen}."
    )
    for player in players:
        if player is not holder:
            expect(player.page.locator("#lady-info .lady-result")).to_have_count(0)
        expect(player.page.locator("#lady-info")).to_contain_text(
            f"{holder.name} examined {names[target]}"
        )

    # Quest 3 succeeds; the Lady again, now held by the last target.
    run_quest(players, 3, good_team(2), fails_by=set())
    expect_quest(players, 3, "success", "Success", fails=0)
    second_holder = table[target]
    expect(second_holder.phase()).to_contain_text("You hold the Lady of the Lake")
    eligible = second_holder.page.locator("#target-form input[type=radio]")
    expect(eligible).to_have_count(3)  # the first holder and the current one are out
    later = int(eligible.first.get_attribute("value") or 0)
    assert later not in (holder.player_id, target)
    second_holder.pick_target(later, "use-lady")
    percival.chat("I trust the Lady.")
    expect(percival.page.locator("#team-form, #waiting").first).to_be_visible()
    save_screenshot(percival.page)
    for player in players:
        expect(player.page.locator("#quests li[data-quest='4']")).to_have_attribute(
            "data-state", "current"
        )

    # Quest 4 succeeds: three successes, so the Assassin names a suspect.
    run_quest(players, 4, good_team(3), fails_by=set())
    assassin = table[role_of["assassin"]]
    expect(assassin.phase()).to_contain_text("Name the player you believe is Merlin")
    for player in players:
        if player is not assassin:
            expect(player.page.locator("#target-form")).to_have_count(0)
            expect(player.phase()).to_contain_text("The Assassin is choosing")
    assassin.pick_target(role_of["percival"], "assassinate")

    # Game over: every role revealed on every page, good wins; whom the Assassin named.
    assassin_name, percival_name = names[role_of["assassin"]], names[role_of["percival"]]
    for player in players:
        expect(player.page.locator("#winner")).to_have_text("Good wins!")
        expect(player.page.locator("#game-over")).to_contain_text("did not find Merlin")
        expect(player.page.locator("#assassination")).to_have_text(
            f"{assassin_name}, the Assassin, named {percival_name} — who was Percival, not Merlin."
        )
        reveal = player.page.locator("#roles-reveal li")
        expect(reveal).to_have_count(5)
        for pid, role in roles.items():
            expect(
                player.page.locator(f"#roles-reveal li[data-player-id='{pid}']")
            ).to_have_attribute("data-role", role)
        play_again = player.page.locator("#play-again")
        expect(play_again).to_have_count(1 if player is host else 0)

    # The game's record on the end screen: every proposal in the grid, quests, the Lady.
    record = servant.page.locator("#record")
    expect(record.locator("#record-proposals")).to_have_text(
        "5 teams were voted on: 4 approved, 1 rejected (see the vote history)."
    )
    expect(servant.page.locator("#vote-grid-table thead .grid-proposal")).to_have_count(5)
    expect(record.locator("#record-quests li")).to_have_count(4)
    expect(record.locator("#record-quests li").first).to_contain_text("failed, 1 fail card")
    expect(record).to_contain_text(f"{holder.name} examined {names[target]}: {seen}")
    expect(record.locator("#record-winner")).to_contain_text("Good won.")

    # Play again: the host starts a new game in the same room.
    host.page.locator("#play-again").click()
    for player in players:
        expect(player.page.locator("#game-over")).to_be_hidden()
        expect(player.page.locator("#grid-empty")).to_be_visible()
        expect(player.page.locator("#quests li[data-quest='1']")).to_have_attribute(
            "data-state", "current"
        )
        expect(player.page.locator("#quests .q-result").first).to_have_text("Now")
        assert player.role()  # a role again (which ones is the server's choice)


def test_reload_mid_game_returns_to_the_same_seat_and_view(
    site: ServerProcess, new_player: Callable[..., Player]
) -> None:
    players = seat_table(new_player, 5)
    start_game(players[0], [], lady=False)
    leader = current_leader(players)
    team = [leader.player_id, next(p.player_id for p in players if p is not leader)]
    leader.propose(team)
    voter = next(player for player in players if player is not leader)
    seat, role, joins = voter.seat(), voter.role(), voter.joins()
    knowledge = voter.page.locator("#night-knowledge").inner_text()
    for player in players:
        if player is not voter:
            player.vote(True)

    voter.page.reload()
    voter.expect_online()
    assert voter.seat() == seat
    assert voter.role() == role
    expect(voter.page.locator("#night-knowledge")).to_have_text(knowledge)
    expect(voter.phase()).to_contain_text("Vote on the team for quest 1")
    for pid in team:
        expect(voter.seat_row(pid).locator(".badge.team")).to_be_visible()
    expect(voter.page.locator("#seats .badge.voted")).to_have_count(4)
    expect(voter.page.locator("#quests li[data-quest='1']")).to_have_attribute(
        "data-state", "current"
    )
    for player in players:
        if player is not voter:
            expect(player.page.locator("#waiting")).to_have_text(
                f"You voted. Waiting for {voter.name}."
            )

    voter.vote(True)
    for player in players:
        expect(player.phase()).to_contain_text("on quest 1")
        expect(player.page.locator("#last-vote")).to_have_text(
            "Last vote: approved, 5 for and 0 against."
        )
    # A new tab of the same browser sits in the same seat too, in the same game.
    voter.page.close()
    voter.page = voter.new_page()
    voter.page.goto(f"/r/{voter.code}")
    voter.expect_online()
    assert voter.role() == role
    expect(voter.phase()).to_contain_text("on quest 1")
    assert voter.joins() == joins  # back in the seat without joining again
    assert len(room_players(site, voter.code or "")) == 5

    # Someone opening the link now can only watch: the page offers it and shows the game.
    zed = new_player("Zed")
    zed.page.goto(f"/r/{voter.code}")
    expect(zed.page.locator("#join-room-info")).to_contain_text("A game is in progress")
    expect(zed.page.get_by_role("checkbox", name="Just watch")).to_be_checked()
    zed.page.locator("#join-name").fill("Zed")
    zed.page.get_by_role("button", name="Join", exact=True).click()
    zed.code = voter.code
    zed.expect_online()
    expect(zed.page.locator("#role-card h2")).to_have_text("You are watching")
    expect(zed.phase()).to_contain_text("on quest 1")
    expect(zed.page.locator("#watchers")).to_have_text("Watching: Zed (you).")
    expect(zed.page.locator("#seats li")).to_have_count(5)
    for player in players:
        if player is players[0]:  # the host: a list of spectators, each with Remove
            expect(player.page.locator("#game-spectators .name")).to_have_text(["Zed"])
        else:
            expect(player.page.locator("#watchers")).to_have_text("Watching: Zed.")
