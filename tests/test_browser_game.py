"""A game in Chromium: five pages play one to its end; mid-game, a reload, a new tab, a watcher."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.browser_player import Player
from tests.browser_support import room_players
from tests.browser_support import save_screenshot
from tests.support import ServerProcess

try:
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - require_browser() skips or fails first
    pass

pytestmark = pytest.mark.timeout(90)


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
        box = page.get_by_label(role, exact=True)
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
    """Team members play their cards; everyone sees both cards enabled (no tells): the
    server refuses a good player's Fail."""
    table = by_id(players)
    for player in players:
        if player.player_id not in team:
            expect(player.page.locator("#quest-success")).to_have_count(0)
    for member in team:
        player = table[member]
        fail_button = player.page.locator("#quest-fail")
        expect(player.page.locator("#quest-success")).to_be_visible()
        expect(fail_button).to_be_visible()
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
        expect(merlin.seat_row(pid).locator(".badge.knows")).to_have_text("Evil")
    for pid in evil:
        partner = (evil - {pid}).pop()
        expect(table[pid].page.locator("#night-knowledge")).to_contain_text(
            f"{names[partner]} is evil with you."
        )
    servant = table[role_of["loyal_servant"]]
    expect(servant.page.locator("#night-knowledge")).to_contain_text("You know nothing more")
    expect(servant.page.locator("#seats .badge.knows")).to_have_count(0)
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
