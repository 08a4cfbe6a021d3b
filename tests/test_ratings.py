"""Ratings, history and groups: which games are rated, and what a rated game changes, in
the transaction that ends it (real sockets, real servers, both databases)."""

from __future__ import annotations

import random

import pytest

from avalon.accounts import ratings
from avalon.accounts.results import is_rated
from tests.account_support import Browser
from tests.account_support import signed_up
from tests.game_driver import Table
from tests.rules_support import by_role
from tests.rules_support import make_game
from tests.rules_support import play_quests
from tests.rules_support import propose
from tests.rules_support import side
from tests.rules_support import vote_all

pytestmark = pytest.mark.timeout(90)


def finished_game(auto: str | None = None):
    """A five-seat game evil won by three failed quests; `auto` marks one move as made
    for someone ("propose", "vote", "quest", "assassinate")."""
    game = make_game(5)
    if auto == "propose":
        game.propose_team(game.leader, game.players[:2], auto=True)
        vote_all(game, [])
    if auto == "vote":
        propose(game)
        for pid in game.players:
            game.vote(pid, False, auto=pid == game.players[0])
    if auto == "quest":
        evil = side(game, "evil")[0]
        propose(game, [evil, side(game, "good")[0]])
        vote_all(game, True)
        game.play_quest(evil, True, auto=True)
        game.play_quest(side(game, "good")[0], True)
    if auto == "assassinate":
        play_quests(game, [True, True, True])
        game.assassinate(by_role(game, "assassin"), by_role(game, "merlin"), auto=True)
        return game
    play_quests(game, [False] * 3)
    return game


def test_only_a_game_of_people_with_accounts_and_no_move_made_for_them_is_rated():
    game = finished_game()
    assert game.phase == "game_over" and game.winner == "evil"
    accounts = {pid: 100 + pid for pid in game.players}
    assert is_rated(game, accounts, set())
    guest = dict(list(accounts.items())[1:])
    assert not is_rated(game, guest, set())  # a guest at the table
    assert not is_rated(game, accounts, {game.players[0]})  # a computer player
    twice = {**accounts, game.players[1]: accounts[game.players[0]]}
    assert not is_rated(game, twice, set())  # one account holding two seats
    for auto in ("propose", "vote", "quest", "assassinate"):
        moved = finished_game(auto)
        assert moved.phase == "game_over", auto
        assert not is_rated(moved, {pid: pid for pid in moved.players}, set()), auto
    ended = make_game(5)
    ended.abandon()
    assert not is_rated(ended, {pid: pid for pid in ended.players}, set())


def test_openskill_moves_the_winners_up_and_the_losers_down():
    before = {account: ratings.MODEL.rating() for account in range(5)}
    seats = [ratings.Seat(a, "good" if a < 3 else "evil", a >= 3) for a in range(5)]
    after = ratings.play(before, seats)
    assert all(after[a].mu < before[a].mu for a in range(3))
    assert all(after[a].mu > before[a].mu for a in range(3, 5))
    assert all(after[a].sigma < before[a].sigma for a in range(5))


def seat_accounts(server, count: int) -> tuple[list[Browser], list[dict]]:
    """`count` signed-in browsers seated in one new room, the first its host."""
    browsers = [signed_up(server)[0] for _ in range(count)]
    host = browsers[0].create_room("Ann")
    seats = [host] + [b.join(host["code"], f"Seat{i}") for i, b in enumerate(browsers[1:], 2)]
    return browsers, seats


def test_a_rated_game_moves_every_rating_and_files_it_under_the_group(server):
    browsers, seats = seat_accounts(server, 5)
    code = seats[0]["code"]
    # Only the signed-in host makes the group, from this site's page.
    assert browsers[1].request("POST", f"/api/rooms/{code}/group", {"name": "Fri"})[0] == 403
    assert Browser(server).request("POST", f"/api/rooms/{code}/group", {"name": "Fri"})[0] == 401
    status, made = browsers[0].request("POST", f"/api/rooms/{code}/group", {"name": "Fridays"})
    assert status == 201 and len(made["group_id"]) >= 16
    table = Table(server, seats)
    table.start()
    final = table.play_to_end(random.Random(3))
    table.close()
    winner = final["winner"]
    for browser in browsers:
        me = browser.me()
        last = me["last_games"][0]
        assert last["rated"] is True and last["replay"] == f"/r/{code}/games/1"
        assert me["stats"]["games"] == 1 and me["stats"]["rated_games"] == 1
        overall = me["ratings"]["overall"]
        assert overall["games"] == 1 and overall["wins"] == int(last["won"])
        assert me["ratings"][last["side"]]["games"] == 1
        assert (last["rating_change"] > 0) == (last["side"] == winner), last
        assert me["stats"]["by_role"][last["role"]] == {"games": 1, "wins": int(last["won"])}
        assert me["groups"] == [{"group_id": made["group_id"], "name": "Fridays"}]
        browser.request("PATCH", "/api/accounts/me", {"public": True})
    status, group = Browser(server).request("GET", f"/api/groups/{made['group_id']}")
    assert status == 200 and len(group["members"]) == 5 and len(group["games"]) == 1
    assert {row["games"] for row in group["ladder"]} == {1}
    assert group["stats"]["by_setup"][0]["good_wins"] == int(winner == "good")
    assert sum(role["games"] for role in group["stats"]["most_played"]) == 5
    ids = {browser.me()["account_id"] for browser in browsers}
    listed = []
    for page in range(1, 100):
        status, board = Browser(server).request("GET", f"/api/leaderboard?page={page}")
        listed += board["players"]
        if page >= board["pages"]:
            break
    ranks = [row["ordinal"] for row in listed]
    assert ids <= {row["account_id"] for row in listed} and ranks == sorted(ranks, reverse=True)


def test_a_game_with_a_guest_is_kept_unrated_and_the_guest_claims_it_later(server):
    browsers, seats = seat_accounts(server, 4)
    guest = Browser(server)
    seats.append(guest.join(seats[0]["code"], "Guest"))
    table = Table(server, seats)
    table.start()
    table.play_to_end(random.Random(4))
    table.close()
    me = browsers[1].me()
    assert me["last_games"][0]["rated"] is False and me["ratings"]["overall"]["games"] == 0
    assert me["last_games"][0]["rating_change"] is None
    newcomer, _ = signed_up(server)
    status, body = newcomer.request("POST", "/api/accounts/me/claim", {"device": guest.device})
    assert (status, body) == (200, {"claimed": 1})
    mine = newcomer.me()
    assert mine["stats"]["games"] == 1 and mine["last_games"][0]["rated"] is False
    assert mine["ratings"]["overall"]["games"] == 0
