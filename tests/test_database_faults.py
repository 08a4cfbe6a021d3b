"""PostgreSQL refusing connections: every answer says so, nobody is cut, the log stays
readable, and everything works again once it is back."""

from __future__ import annotations

import time

import pytest

from tests.game_driver import Table
from tests.services import POSTGRES_URL
from tests.services import require_service
from tests.support import wait_for
from tests.tcp_proxy import TcpProxy

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def proxy(postgres):
    """A cuttable path to the shared PostgreSQL."""
    require_service("PostgreSQL", "127.0.0.1", 5432)
    path = TcpProxy(5432)
    yield path
    path.close()


def test_a_database_that_refuses_connections_is_said_so_and_cuts_nobody(make_server, proxy):
    server = make_server(DATABASE_URL=POSTGRES_URL.replace(":5432/", f":{proxy.port}/"))
    seats = server.room_with_players(5)
    table = Table(server, seats)
    try:
        table.start(roles=["merlin", "assassin"], lady_of_the_lake=False)
        host = table.clients[table.host]
        proxy.refuse()
        host.chat("anyone there?", correlation_id="chat")
        answer = host.recv_until(lambda m: m.get("correlation_id") == "chat", 15)
        assert (answer["type"], answer["event"]) == ("error", "unavailable")
        team = table.view["players"][: table.view["team_sizes"][0]]
        propose = {"action": "propose_team", "players": team}
        table.send(table.view["leader"], "action", propose, "move")
        leader = table.clients[table.view["leader"]]
        answer = leader.recv_until(lambda m: m.get("correlation_id") == "move", 15)
        assert (answer["type"], answer["event"]) == ("error", "unavailable")
        # The sockets stay: they still answer (no database needed for a ping).
        for client in table.clients.values():
            client.send({"type": "system", "correlation_id": "p", "payload": {"action": "ping"}})
            assert client.recv_until(lambda m: m.get("correlation_id") == "p")["event"] == "pong"
        # The probe keeps its answer for a second (web/health.py): the next one says why.
        wait_for(lambda: server.request("GET", "/readyz")[0] == 503, timeout=5, interval=0.3)
        assert "connection refused" in server.request("GET", "/readyz")[1]["reason"]
        time.sleep(3)  # three passes of every background task while the database is down
        log = server.log()
        assert "Traceback" not in log
        for event in ("timer_sweep_failed", "bot_sweep_failed", "database_check_failed"):
            assert log.count(f"event={event}") <= 1, event
        assert log.count("event=database_refused") <= 2  # one per kind (refused, then down)
        # Back: the same sockets chat and play again.
        proxy.restore()
        wait_for(lambda: server.request("GET", "/readyz")[0] == 200, timeout=20, interval=0.5)

        def chat_arrives() -> bool:
            host.chat("back", correlation_id="again")
            reply = host.recv_until(lambda m: m.get("correlation_id") == "again", 15)
            return reply["event"] == "chat"

        wait_for(chat_arrives, timeout=20, interval=0.5)
        table.send(table.view["leader"], "action", propose, "move2")
        table.sync(table.view["version"] + 1)
        assert table.view["team"] == team
    finally:
        table.close()
