"""Absent players, endings and pauses (PROTOCOL section 9), over real sockets.

No game waits for ever on someone who is gone: a stand-in plays an absent seat after the
grace, at once after `leave_room`, or when the host asks; every move it makes is marked;
the seat is the person's again when they return. The table can end a game or a pause by
a majority, and a pause ends by itself.
"""

from __future__ import annotations

import time

import pytest

from tests.game_driver import Table
from tests.support import ServerProcess
from tests.support import WsClient

pytestmark = pytest.mark.timeout(120)


def event(client: WsClient, name: str, timeout: float = 15) -> dict:
    """The next event envelope of this name on a socket (others are skipped)."""
    return client.recv_until(lambda m: m["type"] == "event" and m["event"] == name, timeout)


def reply(client: WsClient, correlation_id: str, timeout: float = 10) -> dict:
    """The answer (event, state or error) that carries this correlation id."""
    return client.recv_until(lambda m: m.get("correlation_id") == correlation_id, timeout)


def newest_view(client: WsClient, predicate, timeout: float = 15) -> dict:
    """Read game views from a socket until one satisfies `predicate`; return it."""
    found = client.recv_until(
        lambda m: m["type"] == "state" and m["event"] == "game" and predicate(m["payload"]),
        timeout,
    )
    return found["payload"]


def drop(table: Table, player_id: int) -> None:
    """Close one member's socket and stop reading it (the person is gone)."""
    table.clients.pop(player_id).close()
    table.views.pop(player_id)


def start(server: ServerProcess, players: int = 5) -> Table:
    """A table of people, the game started with no turn timer and no Lady."""
    table = Table(server, server.room_with_players(players))
    table.start(roles=["merlin", "assassin"], lady_of_the_lake=False)
    return table


def test_an_absent_leader_gets_a_stand_in_whose_moves_are_marked_until_they_return(
    make_server,
):
    server = make_server(AVALON_ABSENT_GRACE="1", AVALON_BOT_DELAY="0.2")
    table = start(server)
    try:
        leader = table.view["leader"]
        if leader == table.host:  # someone else watches for the table
            table.host = next(p for p in table.view["players"] if p != leader)
        seat = table.seats[leader]
        host = table.clients[table.host]
        drop(table, leader)  # the leader closes the tab; no timer runs
        away = event(host, "presence_line")["payload"]
        assert (away["event"], away["player_id"]) == ("away", leader)
        handed = event(host, "stand_in")["payload"]
        assert handed == {"player_id": leader, "reason": "absent"}
        proposed = event(host, "team_proposed")["payload"]
        assert proposed["auto"] is True  # the leader did not choose this team
        for player in list(table.clients):
            version = table.view["version"]
            table.send(player, "vote", {"approve": True})
            table.sync(version + 1)
        view = newest_view(host, lambda v: len(v["history"]) == 1)
        assert view["history"][0]["auto"] == [leader]  # the stand-in's ballot, marked
        assert view["history"][0]["auto_proposal"] is True
        assert view["stand_ins"] == [leader]
        assert [(line["event"], line["player_id"]) for line in view["log"]] == [
            ("away", leader),
            ("stand_in", leader),
        ]
        # The person comes back: the seat is theirs at once, the log says so.
        client, snapshot = server.join_socket(seat)
        table.clients[leader] = client
        table.views[leader] = snapshot["payload"]["game"]
        assert event(host, "stand_in_ended")["payload"] == {"player_id": leader}
        back = newest_view(client, lambda v: v["stand_ins"] == [])
        assert [line["event"] for line in back["log"]] == ["away", "stand_in", "back"]
        assert back["you"]["role"] == table.role_of(leader)  # their own seat, their role
    finally:
        table.close()


def test_leave_room_hands_the_seat_at_once_and_the_host_calls_a_stand_in_after_ten_seconds(
    make_server,
):
    server = make_server(AVALON_ABSENT_GRACE="300")
    table = start(server)
    try:
        host = table.clients[table.host]
        quiet, leaver = [p for p in table.view["players"] if p != table.host][:2]
        left_at = time.monotonic()
        table.action(leaver, "leave_room")
        assert event(host, "stand_in")["payload"] == {"player_id": leaver, "reason": "left"}
        assert time.monotonic() - left_at < 10  # not the 300 s grace
        drop(table, leaver)
        drop(table, quiet)
        offline_at = time.monotonic()
        table.action(table.host, "stand_in", "early", player_id=quiet)
        refused = reply(host, "early")
        assert refused["event"] == "not_allowed" and "10 s" in refused["payload"]["message"]
        table.action(table.host, "stand_in", "bad", player_id="everyone")
        assert reply(host, "bad")["event"] == "invalid_payload"
        others = [p for p in table.clients if p != table.host]
        table.action(others[0], "stand_in", "not-host", player_id=quiet)
        assert reply(table.clients[others[0]], "not-host")["event"] == "not_allowed"
        time.sleep(max(0.0, 10.5 - (time.monotonic() - offline_at)))  # the host's 10 s rule
        table.action(table.host, "stand_in", "now", player_id=quiet)
        assert event(host, "stand_in")["payload"] == {"player_id": quiet, "reason": "host"}
        view = newest_view(host, lambda v: sorted(v["stand_ins"]) == sorted([quiet, leaver]))
        reasons = [line.get("reason") for line in view["log"] if line["event"] == "stand_in"]
        assert reasons == ["left", "host"]
    finally:
        table.close()


def test_the_table_refuses_then_votes_to_end_a_game_with_no_winner(make_server):
    server = make_server(AVALON_ABSENT_GRACE="300")
    table = start(server)
    try:
        code = table.seats[table.host]["code"]
        host = table.clients[table.host]
        first, second, third, fourth = [p for p in table.view["players"] if p != table.host]
        drop(table, fourth)  # gone: not counted in the majority (4 connected: 3 needed)
        event(host, "presence_line")
        table.action(first, "vote_end", "early", end=True)
        assert reply(table.clients[first], "early")["event"] == "not_allowed"  # none open
        table.action(first, "propose_end", "open")
        assert event(host, "end_proposed")["payload"] == {"by": first}
        vote = newest_view(host, lambda v: v["end_vote"] is not None)["end_vote"]
        assert (vote["by"], vote["yes"], vote["needed"]) == (first, [first], 3)
        table.action(second, "vote_end", "n1", end=False)
        assert event(host, "end_vote_cast")["payload"] == {"player_id": second}
        table.action(second, "vote_end", "twice", end=True)
        assert reply(table.clients[second], "twice")["event"] == "not_allowed"
        table.action(third, "vote_end", "n2", end=False)  # yes can no longer reach 3
        assert event(host, "end_vote_result")["payload"]["ended"] is False
        refused = newest_view(host, lambda v: v["end_vote"] is None)
        assert refused["phase"] != "game_over"
        assert [line["event"] for line in refused["log"]][-1] == "end_refused"
        # A second vote passes: the game ends with no winner and every role shown.
        table.action(second, "propose_end", "again")
        reply(table.clients[second], "again")
        table.action(first, "vote_end", "y1", end=True)
        table.action(third, "vote_end", "y2", end=True)
        over = newest_view(host, lambda v: v["phase"] == "game_over")
        assert (over["winner"], over["reason"]) == (None, "abandoned")
        assert len(over["roles"]) == 5
        assert server.request("GET", f"/api/rooms/{code}")[1]["status"] == "finished"
        table.action(first, "propose_end", "late")
        assert reply(table.clients[first], "late")["event"] == "not_allowed"
    finally:
        table.close()


def test_a_pause_ends_by_the_tables_majority_or_by_itself(make_server):
    server = make_server(AVALON_TURN_TIMER_MIN="1", AVALON_MAX_PAUSE="2")
    table = Table(server, server.room_with_players(5))
    try:
        table.start(turn_timer=60, lady_of_the_lake=False)
        host = table.clients[table.host]
        others = [p for p in table.view["players"] if p != table.host]
        table.action(others[0], "pause_timer", "no", paused=True)
        assert reply(table.clients[others[0]], "no")["event"] == "not_allowed"
        table.action(others[0], "pause_timer", "not-paused", paused=False)
        assert reply(table.clients[others[0]], "not-paused")["event"] == "not_allowed"
        table.action(table.host, "pause_timer", "p", paused=True)
        paused = newest_view(host, lambda v: v["timer"]["paused"])
        assert paused["timer"]["resumes_at"] == pytest.approx(time.time() + 2, abs=2)
        # Nobody resumes it: it ends by itself after AVALON_MAX_PAUSE.
        assert event(host, "timer_paused", timeout=20)["payload"] == {"paused": False, "by": "time"}
        assert newest_view(host, lambda v: not v["timer"]["paused"])["timer"]["deadline"]
    finally:
        table.close()


def test_the_connected_majority_resumes_the_hosts_pause(make_server):
    server = make_server(AVALON_TURN_TIMER_MIN="1")
    table = Table(server, server.room_with_players(5))
    try:
        table.start(turn_timer=60, lady_of_the_lake=False)
        host = table.clients[table.host]
        first, second, third, gone = [p for p in table.view["players"] if p != table.host]
        drop(table, gone)  # 4 connected people: 3 asks end the pause
        table.action(table.host, "pause_timer", "p", paused=True)
        newest_view(host, lambda v: v["timer"]["paused"])
        table.action(first, "pause_timer", "a1", paused=False)
        asked = newest_view(table.clients[first], lambda v: v["timer"].get("unpause_votes"))
        assert asked["timer"]["unpause_votes"] == [first] and asked["timer"]["paused"]
        table.action(first, "pause_timer", "a1-again", paused=False)
        assert reply(table.clients[first], "a1-again")["event"] == "not_allowed"
        table.action(second, "pause_timer", "a2", paused=False)
        newest_view(host, lambda v: v["timer"].get("unpause_votes") == [first, second])
        table.action(third, "pause_timer", "a3", paused=False)
        assert event(host, "timer_paused")["payload"] == {"paused": False, "by": "table"}
        resumed = newest_view(host, lambda v: not v["timer"]["paused"])
        assert resumed["timer"]["deadline"] > time.time()
    finally:
        table.close()


def test_everyone_sees_the_setup_the_host_is_choosing(server):
    seats = server.room_with_players(5)
    code = seats[0]["code"]
    table = Table(server, seats)
    try:
        guest = table.clients[seats[1]["player_id"]]
        options = {"roles": ["merlin", "assassin", "percival", "morgana"], "turn_timer": 60}
        table.action(table.host, "setup", "s", options=options)
        shared = event(guest, "setup_changed")["payload"]["room"]
        assert shared["draft_options"] == options
        assert server.request("GET", f"/api/rooms/{code}")[1]["draft_options"] == options
        table.action(seats[1]["player_id"], "setup", "guest", options=options)
        assert reply(guest, "guest")["event"] == "not_allowed"
        table.action(table.host, "setup", "bad", options={"roles": [], "colour": "red"})
        assert reply(table.clients[table.host], "bad")["event"] == "invalid_payload"
        table.start(roles=["merlin", "assassin"], lady_of_the_lake=False)
        table.action(table.host, "setup", "during", options=options)
        assert reply(table.clients[table.host], "during")["event"] == "not_allowed"
    finally:
        table.close()


def test_a_reload_leaves_no_line_in_the_log(server):
    table = start(server)
    try:
        guest = next(p for p in table.view["players"] if p != table.host)
        drop(table, guest)
        away = event(table.clients[table.host], "presence_line")["payload"]
        assert (away["event"], away["player_id"]) == ("away", guest)
        table.reconnect(guest)  # back within seconds: a reload, not news for the table
        view = newest_view(table.clients[table.host], lambda v: v["log"] == [])
        assert view["stand_ins"] == [] and view["end_vote"] is None
    finally:
        table.close()
