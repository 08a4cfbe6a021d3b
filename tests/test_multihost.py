"""Several hosts behind nginx: deploy/nginx.conf in front of two gunicorn masters.

Two "hosts" (separate ports, logs and metrics directories, two workers each) share
Redis and a PostgreSQL database of this test's own; nginx runs the repository's file
(only its ports changed) round-robin with no sticky sessions, unprivileged in a prefix
under the test's temporary directory, on loopback only.
"""

from __future__ import annotations

import http.client
import json
import random
import re
import time
from collections.abc import Iterator

import pytest
import websocket

from tests.game_driver import Table
from tests.services import REDIS_URL
from tests.services import NginxProcess
from tests.services import fresh_postgres_database
from tests.services import require_nginx
from tests.services import require_service
from tests.support import ROOT
from tests.support import ServerProcess
from tests.support import wait_for

pytestmark = pytest.mark.timeout(240)

CONFIG = ROOT / "deploy" / "nginx.conf"
UPSTREAM_PORTS = (8001, 8002)  # as written in deploy/nginx.conf
LISTEN_PORT = 8080
BURST = 60  # the per-address limit of /api/rooms* here: room requests per 6000 s
CLIENT_ADDRESS = "127.0.0.2"  # the limit test's own client (the game plays from 127.0.0.1)
CONNECTED = re.compile(r"^(\S+ \S+) .*event=connected room=\S+ player=(\d+)")


class Cluster:
    """nginx and the two hosts behind it."""

    def __init__(self, nginx: NginxProcess, hosts: list[ServerProcess]) -> None:
        self.nginx = nginx
        self.hosts = hosts

    def host_of(self, player_id: int) -> ServerProcess:
        """The host holding a player's latest socket (the newest `connected` log line)."""
        newest: list[tuple[str, int]] = []
        for index, host in enumerate(self.hosts):
            for line in host.log().splitlines():
                match = CONNECTED.match(line)
                if match and int(match.group(2)) == player_id:
                    newest.append((match.group(1), index))
        assert newest, f"player {player_id} never connected"
        return self.hosts[max(newest)[1]]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """Two hosts sharing Redis and a fresh PostgreSQL database, behind nginx."""
    require_service("Redis", "127.0.0.1", 6379)
    require_nginx()
    tmp_path = tmp_path_factory.mktemp("multihost")
    with fresh_postgres_database("avalon_multihost") as database_url:
        hosts: list[ServerProcess] = []
        nginx = None
        try:
            for name in ("a", "b"):
                directory = tmp_path / f"host-{name}"
                directory.mkdir()
                env = {
                    "DATABASE_URL": database_url,
                    "REDIS_URL": REDIS_URL,
                    "AVALON_PROXY_HOPS": "1",
                    "AVALON_METRICS_DIR": str(directory / "metrics"),
                    "AVALON_ROOM_REQUEST_BURST": str(BURST),
                    "AVALON_ROOM_REQUEST_RATE": "0.01",
                }
                hosts.append(ServerProcess(directory, env, workers=2).start())
            upstreams = dict(zip(UPSTREAM_PORTS, [host.port for host in hosts], strict=True))
            nginx = NginxProcess(tmp_path, CONFIG, upstreams, LISTEN_PORT).start()
            yield Cluster(nginx, hosts)
        finally:
            if nginx is not None:
                nginx.stop()
            for host in hosts:
                host.stop()


def get_from(address: str, port: int, path: str, headers: dict[str, str]) -> tuple[int, dict]:
    """A GET sent from a given loopback source address: status and headers."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.source_address = (address, 0)
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status, dict(response.getheaders())
    finally:
        connection.close()


def test_the_readme_shows_the_file_verbatim():
    readme = (ROOT / "README.md").read_text()
    assert f"```nginx\n{CONFIG.read_text()}```" in readme


def test_nginx_runs_the_repository_file_with_only_its_ports_changed(cluster):
    theirs = CONFIG.read_text().splitlines()
    ours = cluster.nginx.config.read_text().splitlines()
    changed = [(a, b) for a, b in zip(theirs, ours, strict=True) if a != b]
    assert len(changed) == 3 and all("127.0.0.1:" in a for a, _ in changed), changed
    assert "listen 127.0.0.1:" in cluster.nginx.config.read_text()  # loopback only


def test_the_client_address_through_nginx_reaches_the_shared_limit(cluster):
    statuses, headers = [], {}
    for attempt in range(BURST + 4):
        # A new forged address on every request: if the app believed it, nothing would
        # ever be limited. nginx replaces it with the address the request came from.
        forged = {"X-Forwarded-For": f"10.9.{attempt}.1"}
        status, headers = get_from(CLIENT_ADDRESS, cluster.nginx.port, "/api/rooms/ZZZZZ", forged)
        statuses.append(status)
    # Round-robin spread these over 2 hosts x 2 workers; the limit held for them all.
    assert statuses == [404] * BURST + [429] * 4
    assert 1 <= int(headers["Retry-After"]) <= 6000
    # Other addresses (the game's, 127.0.0.1) keep their own allowance.
    assert cluster.nginx.request("GET", "/api/rooms/ZZZZZ")[0] == 404

    def limited() -> float:  # each host sums its own workers (theirs a second old at most)
        return sum(host.metric("avalon_http_rate_limited_total") for host in cluster.hosts)

    wait_for(lambda: limited() == 4, timeout=10)


def seats_on_both_hosts(cluster: Cluster, table: Table) -> None:
    """Reconnect players until both hosts hold some of the table's sockets."""
    rng = random.Random(3)
    for _ in range(20):
        if len({id(cluster.host_of(player)) for player in table.clients}) == 2:
            return
        table.reconnect(rng.choice(list(table.clients)))
    raise AssertionError("round-robin never put players on both hosts")


def test_a_game_across_hosts_survives_a_host_dying(cluster):
    nginx = cluster.nginx
    table = Table(nginx, nginx.room_with_players(6))
    seats_on_both_hosts(cluster, table)
    timings: dict[str, float] = {}
    started = time.monotonic()
    table.start()
    assert table.play_to_end(random.Random(13))["phase"] == "game_over"
    timings["first game"] = time.monotonic() - started

    # A second game; one host dies in the middle of it.
    started = time.monotonic()
    table.start("play_again")
    rng = random.Random(31)
    for _ in range(6):
        table.play_move(rng)
    chat = ["before the crash"]
    table.clients[table.host].chat(chat[0])
    for client in table.clients.values():
        assert client.recv_event("chat")["payload"]["message"] == chat[0]
    dead, alive = cluster.hosts[1], cluster.hosts[0]
    orphans = [player for player in table.clients if cluster.host_of(player) is dead]
    survivors = [player for player in table.clients if player not in orphans]
    assert orphans and survivors
    version = table.view["version"]

    killed_at = time.monotonic()
    dead.kill()
    for player in orphans:  # their sockets end without a close frame: the host is gone
        with pytest.raises((websocket.WebSocketException, OSError, json.JSONDecodeError)):
            table.clients[player].recv(timeout=10)
    chat.append("while they were away")
    table.clients[survivors[0]].chat(chat[1])
    for player in survivors:
        assert table.clients[player].recv_event("chat")["payload"]["message"] == chat[1]
    for player in orphans:  # back through nginx, which now sends them to the live host
        first = table.reconnect(player)
        assert first["payload"]["game"]["version"] == version
        assert [message["message"] for message in first["payload"]["chat"]][-2:] == chat
        assert cluster.host_of(player) is alive
    timings["kill to all reconnected"] = time.monotonic() - killed_at

    status, body = alive.request("GET", "/readyz")
    assert status == 200 and body["redis"] == "ok"
    with pytest.raises(OSError):
        dead.request("GET", "/readyz")
    final = table.play_to_end(rng)
    assert final["phase"] == "game_over" and final["version"] > version
    assert final["game_id"] == table.game_id
    timings["second game"] = time.monotonic() - started
    print("multi-host timings (s):", {key: round(value, 2) for key, value in timings.items()})
    table.close()
    assert "Traceback" not in alive.log()


def test_after_the_crash_one_host_holds_and_the_other_fails(cluster):
    # Runs after the crash test: the dead host stays dead, the other holds.
    assert cluster.hosts[0].request("GET", "/readyz")[0] == 200
    with pytest.raises(OSError):
        cluster.hosts[1].request("GET", "/readyz")
    for _ in range(4):  # nginx skips the dead host
        assert cluster.nginx.request("GET", "/readyz")[0] == 200
