"""Redis faults lose nothing and lift no limit: two workers on a Redis of the test's own.

While Redis is down (killed) or stalled (SIGSTOP) the table keeps chatting and playing:
each worker delivers to its own sockets at once, and once Redis is back every socket
catches up, so nothing acknowledged is missing from any open socket afterwards.
"""

from __future__ import annotations

import itertools
import random
import subprocess
import sys
import time

import pytest
import websocket

from tests.game_driver import Table
from tests.support import Closed
from tests.support import ServerProcess
from tests.support import WsClient
from tests.support import free_port
from tests.support import wait_for

pytestmark = pytest.mark.timeout(120)

ECHO_WITHIN = 2.0  # seconds a sender waits for its own chat during the outage, at most
CATCH_UP_WITHIN = 20.0  # seconds every socket has to hold everything once Redis is back
OUTAGE_SECONDS = 4.0  # how long Redis stays down (killed) or stalled (SIGSTOP)


def placement(server: ServerProcess) -> dict[int, int]:
    """The worker pid holding each player's latest socket."""
    return {int(f["player"]): int(f["pid"]) for f in server.log_events("connected")}


def spread_table(server: ServerProcess) -> Table:
    """Five players and spectators, with sockets on both workers."""
    seats = server.room_with_players(5)
    code = seats[0]["code"]
    watchers = [server.join(code, f"Watcher{n}", spectator=True) for n in range(3)]
    table = Table(server, seats, watchers)
    for number in range(3, 20):  # more spectators until both workers hold sockets
        if len(set(placement(server).values())) == 2:
            break
        watcher = server.join(code, f"Watcher{number}", spectator=True)
        table.seats[watcher["player_id"]] = watcher
        table.reconnect(watcher["player_id"])
    assert len(set(placement(server).values())) == 2
    return table


def chat_and_wait_for_echo(client: WsClient, text: str) -> dict:
    """Send a chat message; return its echo (the acknowledgement), timed."""
    started = time.monotonic()
    client.chat(text, correlation_id=text)
    echo = client.recv_until(lambda m: m.get("correlation_id") == text, timeout=10)
    assert echo["event"] == "chat", echo
    assert time.monotonic() - started < ECHO_WITHIN, "the sender waited on Redis"
    return echo["payload"]


def move_and_see_it(table: Table, rng: random.Random) -> int:
    """Make one awaited move; wait until the mover's own socket shows it; its version."""
    player, kind, payload = table.next_moves(rng)[0]
    version = table.view["version"]  # the newest the table has seen
    table.send(player, kind, payload, correlation_id="fault-move")
    client = table.clients[player]
    while table.views[player]["version"] <= version:
        message = client.recv(timeout=10)
        assert message["type"] != "error", message
        if message["type"] == "state" and message["event"] == "game":
            table.views[player] = message["payload"]
    table.views[table.host] = table.views[player]  # next_moves reads the host's view
    return table.views[player]["version"]


def everything_arrives(table: Table, chat: dict[int, str], version: int) -> None:
    """Read every socket until it holds every acknowledged chat id it may read (`chat`: id
    -> channel; a spectators' message only reaches spectators) and the game's version.

    What each socket received so far counts too (other reads may have taken it).
    """
    deadline = time.monotonic() + CATCH_UP_WITHIN
    for player_id, client in table.clients.items():
        watching = table.seats[player_id].get("spectator", False)
        wanted = {i for i, channel in chat.items() if channel == "all" or watching}
        seen: set[int] = set()
        newest = 0
        for message in list(client.received):
            seen |= chat_ids_in(message)
            newest = max(newest, game_version_in(message))
        while not (wanted <= seen and newest >= version):
            message = client.recv(timeout=max(0.1, deadline - time.monotonic()))
            seen |= chat_ids_in(message)
            newest = max(newest, game_version_in(message))


def game_version_in(message: dict) -> int:
    """The game version a frame carries: a game view, or a snapshot's game (0: none)."""
    if message.get("type") != "state":
        return 0
    game = message["payload"] if message["event"] == "game" else message["payload"].get("game")
    return game["version"] if game else 0


def acknowledge(acknowledged: dict[int, str], chat: dict) -> None:
    """Note an acknowledged chat message and who may read it."""
    acknowledged[chat["id"]] = chat.get("channel", "all")


def chat_ids_in(message: dict) -> set[int]:
    """The chat ids a frame carries: one chat event, or a snapshot's chat."""
    if message.get("event") == "chat":
        return {message["payload"]["id"]}
    if message.get("type") == "state" and message.get("event") == "room":
        return {chat["id"] for chat in message["payload"]["chat"]}
    return set()


@pytest.mark.parametrize("fault", ["killed", "stalled"])
def test_nothing_acknowledged_is_lost_while_redis_is_down(make_server, own_redis, fault):
    limits = {"AVALON_CHAT_BURST": "10", "AVALON_CHAT_RATE": "1"}
    server = make_server(workers=2, REDIS_URL=own_redis.url, **limits)
    table = spread_table(server)
    rng = random.Random(7)
    try:
        table.start(lady_of_the_lake=False)
        acknowledged: dict[int, str] = {}
        acknowledge(acknowledged, chat_and_wait_for_echo(table.clients[table.host], "before"))
        own_redis.kill() if fault == "killed" else own_redis.pause()
        started = time.monotonic()
        version = 0
        for number, client in enumerate(table.clients.values()):
            acknowledge(acknowledged, chat_and_wait_for_echo(client, f"during {number}"))
            if number < 4:
                version = move_and_see_it(table, rng)
        # The seat limit holds during the outage: one seat's flood gets its burst at most.
        flooder = table.clients[table.host]
        for number in range(30):
            flooder.chat(f"flood {number}", correlation_id=f"flood {number}")
        answers = []
        try:
            while len(answers) < 30:
                message = flooder.recv_until(
                    lambda m: str(m.get("correlation_id", "")).startswith("flood")
                )
                answers.append(message["event"])
                if message["event"] == "chat":
                    acknowledge(acknowledged, message["payload"])
        except Closed:
            pass  # closed with 1008 for too many refusals: the limit held
        assert answers.count("chat") <= 10 + 2, answers
        talkers = itertools.cycle(list(table.clients.values())[1:])
        while time.monotonic() - started < OUTAGE_SECONDS:  # the table goes on chatting
            text = f"still down {time.monotonic():.2f}"
            acknowledge(acknowledged, chat_and_wait_for_echo(next(talkers), text))
            time.sleep(0.25)
        own_redis.start() if fault == "killed" else own_redis.resume()
        try:  # past 20 refusals in 10 s the socket is closed with 1008 (perhaps only now)
            ping = {"type": "system", "correlation_id": "alive", "payload": {"action": "ping"}}
            flooder.send(ping)
            flooder.recv_until(lambda m: m.get("correlation_id") == "alive")
        except (Closed, OSError, websocket.WebSocketException):
            table.reconnect(table.host)
        everything_arrives(table, acknowledged, version)
        after = chat_and_wait_for_echo(table.clients[list(table.clients)[1]], "after")
        everything_arrives(table, {after["id"]: "all"}, version)
    finally:
        table.close()
    log = server.log()
    assert "Traceback" not in log
    assert log.count("Booting worker") == 2  # no worker died and was replaced
    # One line per outage, not per failed call: a worker says "outage" again only after it
    # said "back". (On a loaded machine an answer slower than the handlers' 0.1 s just
    # after Redis resumes can begin a second, short outage: at most two a worker.)
    said: dict[str, list[str]] = {}
    for fields in server.log_events("redis_outage", "redis_back"):
        said.setdefault(fields["worker"], []).append(fields["event"])
    assert said, "no worker saw the outage"
    for worker, events in said.items():
        assert events[::2] == ["redis_outage"] * len(events[::2]), (worker, events)
        assert events[1::2] == ["redis_back"] * len(events[1::2]), (worker, events)
        assert events.count("redis_outage") <= 2, (worker, events)


def test_a_redis_url_that_never_answers_makes_readyz_fail_with_the_reason(tmp_path):
    nobody = f"redis://127.0.0.1:{free_port()}/0"  # a typo'd port: nothing listens there
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'r.db'}", "REDIS_URL": nobody}
    server = ServerProcess(tmp_path, env)
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"],
        cwd=server.root, env=server.env, check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    server.launch("/livez")
    try:
        wait_for(lambda: server.request("GET", "/readyz")[0] == 503, timeout=10)
        status, report = server.request("GET", "/readyz")
        assert report["redis"] == "unreachable" and "REDIS_URL" in report["reason"]
        assert report["database"] == "ok"  # the rest of the report is as usual
        time.sleep(2)  # the listener keeps retrying meanwhile: it must not log each time
        assert len(server.log_events("redis_unreachable")) == 1
        assert "Traceback" not in server.log()
    finally:
        server.stop()
