"""Operations and security: per-address limits, metrics over workers, health, headers."""

from __future__ import annotations

import re

import pytest

from avalon.services.limits import AddressLimiter
from tests.support import wait_for

pytestmark = pytest.mark.timeout(60)


def test_room_requests_are_limited_per_address(make_backend_server):
    server = make_backend_server(AVALON_ROOM_REQUEST_BURST="3", AVALON_ROOM_REQUEST_RATE="0.01")
    host = server.create_room()
    assert server.request("GET", f"/api/rooms/{host['code']}")[0] == 200
    assert server.request("GET", "/api/rooms/ZZZZZ")[0] == 404
    status, answer = server.request("GET", "/api/rooms/YYYYY")
    assert (status, answer["error"]["code"]) == (429, "rate_limited")
    status, answer = server.request(
        "POST", f"/api/rooms/{host['code']}/join", {"display_name": "B"}
    )
    assert status == 429
    # Other routes are not limited.
    assert server.request("GET", "/healthz")[0] == 200
    assert "avalon_http_rate_limited_total 2" in server.request("GET", "/metrics")[1]


def test_address_limiter_forgets_the_oldest_addresses():
    limiter = AddressLimiter(burst=1, rate=0.001, capacity=2)
    assert limiter.allow("a", now=0) and limiter.allow("b", now=0)
    assert not limiter.allow("a", now=0)
    assert limiter.allow("c", now=0)  # evicts "b", the least recently seen
    assert limiter.allow("b", now=0)
    assert len(limiter.buckets) == 2


def test_metrics_are_summed_over_workers(make_backend_server):
    server = make_backend_server(workers=2)
    clients = []
    # The kernel decides which worker accepts: connect until both hold sockets.
    for _ in range(20):
        clients += [server.join_socket(seat)[0] for seat in server.room_with_players(5)]
        pids = {fields["pid"] for fields in server.log_events("connected")}
        if len(pids) == 2:
            break
    assert len(pids) == 2, "both workers should hold sockets for this test to mean anything"
    # Whichever worker answers, it reports both workers' sockets.
    for _ in range(6):
        wait_for(lambda: server.metric("avalon_open_sockets") == len(clients), timeout=10)
        assert server.metric("avalon_workers") == 2
        assert server.metric("avalon_rooms") >= 2
    text = server.request("GET", "/metrics")[1]
    assert "# TYPE avalon_open_sockets gauge" in text
    assert re.search(r"^avalon_greenlets \d+", text, re.MULTILINE)
    for client in clients:
        client.close()
    wait_for(lambda: server.metric("avalon_open_sockets") == 0, timeout=10)


def test_close_codes_are_counted(server):
    host = server.create_room()
    before = server.request("GET", "/metrics")[1]
    client = server.connect(host, token="garbage")
    assert client.expect_close() == 4401
    client.close()
    after = server.request("GET", "/metrics")[1]

    def count(text: str) -> float:
        match = re.search(r'^avalon_closes_total\{code="4401"\} (\S+)', text, re.MULTILINE)
        return float(match.group(1)) if match else 0.0

    assert count(after) == count(before) + 1
