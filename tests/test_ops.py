"""Operations: per-address limits, metrics over workers, the metrics directory."""

from __future__ import annotations

import os
import re
import signal
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from avalon.ops import metrics
from avalon.services.limits import AddressLimiter
from avalon.services.limits import RedisCounts
from avalon.services.limits import window_item
from tests.services import REDIS_URL
from tests.services import require_service
from tests.support import free_port
from tests.support import wait_for

pytestmark = pytest.mark.timeout(60)
PACKAGE = Path(__file__).resolve().parent.parent / "avalon"


def get(url: str) -> tuple[int, dict[str, str]]:
    """GET over a new connection (so the kernel picks any worker); status and headers."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, dict(response.headers)
    except urllib.error.HTTPError as err:
        with err:
            return err.code, dict(err.headers)


def scrape(server) -> dict[str, float]:
    """Every sample of one /metrics answer, by its name and labels as written."""
    status, text = server.request("GET", "/metrics")
    assert status == 200
    samples = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            samples[name] = float(value)
    return samples


def test_room_requests_are_limited_per_address(make_backend_server):
    server = make_backend_server(AVALON_ROOM_REQUEST_BURST="3", AVALON_ROOM_REQUEST_RATE="0.01")
    host = server.create_room()
    assert server.request("GET", f"/api/rooms/{host['code']}")[0] == 200
    assert server.request("GET", "/api/rooms/ZZZZZ")[0] == 404
    status, answer = server.request("GET", "/api/rooms/YYYYY")
    assert (status, answer["error"]["code"]) == (429, "rate_limited")
    status, headers = get(server.url + "/api/rooms/YYYYY")
    assert status == 429 and 1 <= int(headers["Retry-After"]) <= 300
    status, answer = server.request(
        "POST", f"/api/rooms/{host['code']}/join", {"display_name": "B"}
    )
    assert status == 429
    # Other routes are not limited.
    assert server.request("GET", "/readyz")[0] == 200
    assert scrape(server)["avalon_http_rate_limited_total"] == 3


def test_the_limit_is_shared_by_workers_and_hosts_through_redis(make_server, tmp_path):
    require_service("Redis", "127.0.0.1", 6379)
    shared = {
        "REDIS_URL": REDIS_URL,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'shared.db'}",  # one deployment: one namespace
        "AVALON_ROOM_REQUEST_BURST": "6",
        "AVALON_ROOM_REQUEST_RATE": "0.01",
    }
    first = make_server(workers=2, **shared)
    second = make_server(workers=2, **shared)
    # New connections land on either worker; per-worker limits would allow 6 x 4.
    answers = [get(f"{server.url}/api/rooms/ZZZZZ")[0] for server in [first, second] * 8]
    assert answers.count(404) == 6 and answers.count(429) == 10
    assert answers[:6] == [404] * 6


def test_address_limiter_semantics_in_process():
    limiter = AddressLimiter(burst=2, rate=0.01)
    assert [limiter.allow("a")[0] for _ in range(3)] == [True, True, False]
    allowed, retry_after = limiter.allow("a")
    assert not allowed and 1 <= retry_after <= 200
    assert limiter.allow("b") == (True, 0)  # another address has its own allowance
    item = window_item(30, 1)  # the defaults: 30 at once, then about 1 per second
    assert (item.amount, item.get_expiry()) == (30, 30)


def test_address_limiter_counts_in_process_while_redis_fails():
    before = metrics._pending[("avalon_redis_errors_total", "rate_limit")]
    redis = RedisCounts(f"redis://127.0.0.1:{free_port()}/0", "ops-test")
    limiter = AddressLimiter(burst=2, rate=0.01, redis=redis)
    assert [limiter.allow("a")[0] for _ in range(3)] == [True, True, False]
    assert limiter.allow("b") == (True, 0)
    # Redis is left alone for a while after a failure: one error, not one per request.
    assert metrics._pending[("avalon_redis_errors_total", "rate_limit")] == before + 1


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
    assert "# TYPE avalon_messages_in_total counter" in text
    assert re.search(r"^avalon_greenlets \d+", text, re.MULTILINE)
    # The standard process metrics, one series per live worker, and python_info.
    for pid in pids:
        assert f'process_resident_memory_bytes{{pid="{pid}"}}' in text
        assert f'process_cpu_seconds_total{{pid="{pid}"}}' in text
    assert "python_info{" in text
    for client in clients:
        client.close()
    wait_for(lambda: server.metric("avalon_open_sockets") == 0, timeout=10)


def test_counters_never_go_backwards_when_a_worker_is_killed(make_server, tmp_path):
    metrics_dir = tmp_path / "metrics"
    server = make_server(workers=2, AVALON_METRICS_DIR=str(metrics_dir))
    clients = []
    for _ in range(20):
        clients += [server.join_socket(seat)[0] for seat in server.room_with_players(3)]
        holders = {fields["pid"] for fields in server.log_events("connected")}
        if len(holders) == 2:
            break
    assert len(holders) == 2
    for index, client in enumerate(clients):
        client.send(
            {"type": "system", "correlation_id": f"p{index}", "payload": {"action": "ping"}}
        )
        client.recv_event("pong")
    wait_for(lambda: scrape(server)["avalon_messages_in_total"] == len(clients), timeout=10)
    before = scrape(server)

    victim = int(sorted(holders)[0])
    os.kill(victim, signal.SIGKILL)
    wait_for(lambda: len(server.worker_pids()) == 2 and victim not in server.worker_pids())
    survivors = sum(1 for f in server.log_events("connected") if int(f["pid"]) != victim)
    for _ in range(10):  # whichever worker answers, nothing a counter counted is lost
        after = scrape(server)
        for name, value in before.items():
            if name.endswith("_total") and not name.startswith("process_"):
                assert after.get(name, 0) >= value, name
    assert after["avalon_messages_in_total"] == len(clients)
    # The dead worker's gauges went with it; its process series too.
    wait_for(lambda: server.metric("avalon_open_sockets") <= survivors, timeout=10)
    assert f'process_cpu_seconds_total{{pid="{victim}"}}' not in scrape(server)
    wait_for(lambda: server.metric("avalon_workers") == 2, timeout=15)
    assert not list(metrics_dir.glob(f"gauge_livesum_{victim}.db"))
    assert list(metrics_dir.glob(f"counter_{victim}.db"))
    for client in clients:
        client.close()


def test_the_master_makes_and_removes_its_own_metrics_directory(make_server):
    server = make_server()
    directory = Path(server.log_events("metrics_directory")[0]["path"])
    assert directory.is_dir() and list(directory.glob("*.db"))
    server.stop()
    assert not directory.exists()


def test_a_given_metrics_directory_is_emptied_at_start(make_server, tmp_path):
    directory = tmp_path / "given"
    directory.mkdir()
    (directory / "counter_1.db").write_bytes(b"left by an earlier run")
    server = make_server(AVALON_METRICS_DIR=str(directory))
    assert server.log_events("metrics_directory")[0]["path"] == str(directory)
    assert not (directory / "counter_1.db").exists()
    assert server.metric("avalon_workers") == 1


def test_no_heap_walk_in_the_package():
    offenders = [
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if "get_objects(" in path.read_text()
    ]
    assert offenders == []


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


def test_ten_friends_on_one_address_reconnect_freely_while_a_strangers_flood_is_limited(
    make_server,
):
    # The address's allowance is just enough to create the room and seat ten people.
    server = make_server(AVALON_ROOM_REQUEST_BURST="11", AVALON_ROOM_REQUEST_RATE="0.01")
    seats = server.room_with_players(10)
    # An outage: every friend's page reconnects again and again (40 upgrades in all).
    for _ in range(4):
        for seat in seats:
            client, first = server.join_socket(seat)
            assert first["payload"]["you"]["player_id"] == seat["player_id"]
            client.close()
    # A stranger from the same address, with no valid token, meets the address's limit.
    forged = {**seats[0], "token": seats[0]["token"][:-4] + "AAAA"}
    refusals = []
    for _ in range(3):
        client = server.connect(forged)
        refusals.append(client.recv_until(lambda m: m["type"] == "error")["event"])
        client.close()
    assert refusals[-1] == "rate_limited"
    # A seat's own token has an allowance of its own: a flood of one seat is cut too.
    codes = []
    for _ in range(30):
        client = server.connect(seats[1])
        codes.append(client.recv()["event"])
        client.close()
    assert codes[0] == "room" and codes[-1] == "rate_limited"
