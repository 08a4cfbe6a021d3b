"""Several hosts behind nginx: deploy/nginx.conf in front of two gunicorn masters.

Two "hosts" (separate ports, logs and metrics directories, two workers each) share
Redis and a PostgreSQL database of this test's own; nginx runs the repository's file
(only its ports changed) round-robin with no sticky sessions, unprivileged in a prefix
under the test's temporary directory, on loopback only. Sockets go through nginx as the
page opens them (the token as a subprotocol), and one as another client may (`token=`):
nginx's logs show neither a token nor any query string.
"""

from __future__ import annotations

import http.client
import json
import random
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from typing import Any

import pytest
import websocket

from tests.credential_support import connect_as_browser
from tests.credential_support import lines_showing
from tests.game_driver import Table
from tests.services import REDIS_URL
from tests.services import NginxProcess
from tests.services import fresh_postgres_database
from tests.services import require_nginx
from tests.services import require_service
from tests.support import ROOT
from tests.support import ServerProcess
from tests.support import WsClient
from tests.support import wait_for

pytestmark = pytest.mark.timeout(240)

CONFIG = ROOT / "deploy" / "nginx.conf"
UPSTREAM_PORTS = (8001, 8002)  # as written in deploy/nginx.conf
LISTEN_PORT = 8080
BURST = 60  # the per-address limit of /api/rooms* here: room requests per 6000 s
CLIENT_ADDRESS = "127.0.0.2"  # the limit test's own client (the game plays from 127.0.0.1)
CONNECTED = re.compile(r"^(\S+ \S+) .*event=connected room=\S+ player=(\d+)")


class BrowserNginx(NginxProcess):
    """nginx whose clients open a seat's socket as the page does: the token as a subprotocol.

    A test that passes anything but `since` (`token=`, headers) plays another kind of
    client. Every token sent and every socket opened is counted, for the log checks.
    """

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.tokens: set[str] = set()
        self.sockets = 0

    def connect(self, seat: dict | None = None, **kwargs: Any) -> WsClient:
        """Open a socket the browser's way unless the caller chose its credentials."""
        if seat is None or kwargs.keys() - {"since"}:
            client = super().connect(seat, **kwargs)
        else:
            client = connect_as_browser(self, seat, **kwargs)
        if seat is not None:
            self.tokens.add(seat["token"])
        self.sockets += 1
        return client

    def access_log(self) -> str:
        """Everything nginx wrote to its access log."""
        return (self.prefix / "logs" / "access.log").read_text(errors="replace")


class Cluster:
    """nginx and the two hosts behind it."""

    def __init__(self, nginx: BrowserNginx, hosts: list[ServerProcess]) -> None:
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
            nginx = BrowserNginx(tmp_path, CONFIG, upstreams, LISTEN_PORT)
            nginx.start()
            yield Cluster(nginx, hosts)
        finally:
            if nginx is not None:
                nginx.stop()
            for host in hosts:
                host.stop()


def get_from(address: str, port: int, path: str, headers: dict[str, str]) -> tuple[int, dict]:
    """A GET sent from a given loopback source address: status and headers."""
    connection = http.client.HTTPConnection(
        "127.0.0.1", port, timeout=10, source_address=(address, 0)
    )
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


def test_metrics_are_not_served_through_nginx(cluster):
    assert get_from("127.0.0.1", cluster.nginx.port, "/metrics", {})[0] == 404
    assert cluster.hosts[0].request("GET", "/metrics")[0] == 200  # scraped on the host


def test_the_client_address_through_nginx_reaches_the_shared_limit(cluster):
    statuses: list[int] = []
    headers: dict[str, str] = {}
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


def test_nginx_logs_neither_tokens_nor_query_strings(cluster):
    # Runs last: every socket of the games above went through nginx the browser's way.
    nginx = cluster.nginx
    ann, bob = nginx.room_with_players(2)
    page, _ = nginx.join_socket(ann)
    # A client other than the page may still send its token in the query: here on purpose.
    other, _ = nginx.join_socket(bob, token=bob["token"])
    other.chat("sent by a query-string client")
    assert page.recv_event("chat")["payload"]["message"] == "sent by a query-string client"
    page.close()
    other.close()
    # nginx refuses a too-large body itself: at `error` level that line shows the query.
    status, _ = nginx.request("POST", f"/api/rooms?token={ann['token']}", raw=b"x" * 20_000)
    assert status == 413

    def all_logged() -> bool:  # a socket's line is written when it ends, the 413's late
        lines = nginx.access_log().splitlines()
        sockets = sum('"GET /ws/rooms/' in line for line in lines)
        return sockets >= nginx.sockets and any(" 413 " in line for line in lines)

    wait_for(all_logged, timeout=20)
    access = nginx.access_log()
    assert f'"GET /ws/rooms/{ann["code"]} HTTP/1.1" 101' in access  # the path alone
    assert '"POST /api/rooms HTTP/1.1" 413' in access
    secrets = nginx.tokens | {"token=", "?"}
    assert lines_showing(access, secrets) == []
    assert lines_showing(nginx.log(), secrets) == []
    for host in cluster.hosts:  # and the hosts (gunicorn redacts the query's token)
        assert lines_showing(host.log(), nginx.tokens) == []


def test_an_upgrade_behind_nginx_as_the_readme_tells_it(tmp_path):
    """The README's upgrade: new hosts on new ports, the upstream edited, nginx reloaded,
    the old hosts stopped with SIGTERM; a game in progress plays on."""
    require_service("Redis", "127.0.0.1", 6379)
    require_nginx()
    with fresh_postgres_database("avalon_upgrade") as database_url:
        env = {"DATABASE_URL": database_url, "REDIS_URL": REDIS_URL, "AVALON_PROXY_HOPS": "1"}
        old = ServerProcess(tmp_path / "old", env, workers=2)
        (tmp_path / "old").mkdir()
        old.start()
        nginx = BrowserNginx(tmp_path, CONFIG, dict.fromkeys(UPSTREAM_PORTS, old.port), LISTEN_PORT)
        new = None
        try:
            nginx.start()
            table = Table(nginx, nginx.room_with_players(5))
            table.start()
            rng = random.Random(7)
            for _ in range(4):
                table.play_move(rng)
            version = table.view["version"]
            # 1-2. The new release on new ports (its release step already ran: the same
            # schema here), ready before it gets any traffic.
            (tmp_path / "new").mkdir()
            new = ServerProcess(tmp_path / "new", env, workers=2).start()
            # 3. The upstream block names the new ports; nginx reloads without dropping
            # a connection (old sockets stay on the old host until it closes them).
            text = nginx.config.read_text().replace(
                f"127.0.0.1:{old.port}", f"127.0.0.1:{new.port}"
            )
            nginx.config.write_text(text)
            command = [nginx_binary(), "-p", str(nginx.prefix), "-e", "logs/error.log"]
            subprocess.run([*command, "-c", str(nginx.config), "-s", "reload"], check=True)
            wait_for(lambda: new.request("GET", "/readyz")[0] == 200, timeout=20)
            # 4. The old hosts stop: every socket closes with 1001 and comes back through
            # nginx to the new release, same seat, same game.
            assert old.terminate() == 0
            for player in list(table.clients):
                assert table.clients[player].expect_close() == 1001
                first = table.reconnect(player)
                assert first["payload"]["game"]["version"] == version
            assert {cluster_host(new, player) for player in table.clients} == {True}
            final = table.play_to_end(rng)
            assert final["phase"] == "game_over" and final["game_id"] == table.game_id
            table.close()
            assert "Traceback" not in new.log() + old.log()
        finally:
            nginx.stop()
            old.stop()
            if new is not None:
                new.stop()


def nginx_binary() -> str:
    """The nginx executable (.ci/run installs Debian's)."""
    return shutil.which("nginx") or "/usr/sbin/nginx"


def cluster_host(host: ServerProcess, player_id: int) -> bool:
    """Tell whether the player's newest socket is on this host (its `connected` line)."""
    return any(
        (match := CONNECTED.match(line)) and int(match.group(2)) == player_id
        for line in host.log().splitlines()
    )
