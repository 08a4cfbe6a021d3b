"""Test helpers for the services beside the app: PostgreSQL, Redis and nginx."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.support import IN_CI
from tests.support import ServerProcess
from tests.support import free_port
from tests.support import port_open
from tests.support import stop_process
from tests.support import wait_for

# The PostgreSQL database the tests may own: under pytest-xdist each worker process has a
# database of its own beside it ("test_gw0", ...), so two workers never reset each other's
# schema; Redis keys follow, since the default namespace derives from the database URL.
POSTGRES_ADMIN_URL = os.environ.get(
    "AVALON_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test"
)
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
POSTGRES_URL = f"{POSTGRES_ADMIN_URL}_{XDIST_WORKER}" if XDIST_WORKER else POSTGRES_ADMIN_URL
REDIS_URL = os.environ.get("AVALON_TEST_REDIS", "redis://127.0.0.1:6379/0")


def require_service(name: str, host: str, port: int) -> None:
    """Skip without the service on a laptop; fail in CI, where it must run."""
    if port_open(host, port):
        return
    message = f"{name} is not running on {host}:{port}"
    if IN_CI:
        pytest.fail(f"{message} (CI=true: these tests must run)")
    pytest.skip(f"{message}; start it to run these tests")


class NginxProcess(ServerProcess):
    """nginx in front of servers, from a configuration file, unprivileged in a prefix.

    `upstreams` maps each upstream port written in the file to the one it runs on, and
    the `listen` port written in the file becomes a free one; every other directive is
    the file's own.
    """

    def __init__(self, tmp_path: Path, config: Path, upstreams: dict[int, int], listen: int):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.prefix = tmp_path / f"nginx-{self.port}"
        (self.prefix / "logs").mkdir(parents=True)
        (self.prefix / "temp").mkdir()
        text = config.read_text()
        for written, actual in {**upstreams, listen: self.port}.items():
            text = re.sub(rf"127\.0\.0\.1:{written}\b", f"127.0.0.1:{actual}", text)
        self.config = self.prefix / "nginx.conf"
        self.config.write_text(text)
        self.log_path = self.prefix / "logs" / "error.log"
        self.process = None

    def start(self) -> NginxProcess:
        """Start nginx in the foreground and wait until it accepts connections."""
        binary = shutil.which("nginx") or "/usr/sbin/nginx"
        command = [binary, "-p", str(self.prefix), "-e", "logs/error.log", "-c", str(self.config)]
        subprocess.run([*command, "-t"], check=True, capture_output=True)
        self.process = subprocess.Popen(
            [*command, "-g", "daemon off;"], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
        )
        wait_for(lambda: port_open("127.0.0.1", self.port), timeout=10)
        return self

    def stop(self) -> None:
        """Stop nginx (SIGTERM, then SIGKILL)."""
        stop_process(self.process, grace=10)


def require_nginx() -> None:
    """Skip without nginx on a laptop; fail in CI, where .ci/run installs it."""
    if shutil.which("nginx") or Path("/usr/sbin/nginx").exists():
        return
    if IN_CI:
        pytest.fail("nginx is not installed (CI=true: .ci/run installs it)")
    pytest.skip("nginx is not installed")


@contextmanager
def fresh_postgres_database(prefix: str = "avalon_test") -> Iterator[str]:
    """A new, empty PostgreSQL database of the test's own, dropped afterwards."""
    require_service("PostgreSQL", "127.0.0.1", 5432)
    import psycopg2

    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = psycopg2.connect(POSTGRES_ADMIN_URL)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f"CREATE DATABASE {name}")
    try:
        yield POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.close()


def ensure_worker_database() -> None:
    """Create this xdist worker's own PostgreSQL database if it does not exist yet."""
    if POSTGRES_URL == POSTGRES_ADMIN_URL or not port_open("127.0.0.1", 5432):
        return  # one process uses the database itself; a missing server is reported later
    import psycopg2

    name = POSTGRES_URL.rsplit("/", 1)[1]
    admin = psycopg2.connect(POSTGRES_ADMIN_URL)
    admin.autocommit = True
    try:
        with admin.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
            if cursor.fetchone() is None:
                cursor.execute(f"CREATE DATABASE {name}")
    finally:
        admin.close()


class OwnRedis:
    """A redis-server of the test's own on a free loopback port, to kill, stop or restart."""

    def __init__(self, binary: str, directory: Path) -> None:
        self.binary, self.directory = binary, directory
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        """Start it (again, on the same port) and wait until it accepts connections."""
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
            + ["--appendonly", "no", "--dir", str(self.directory)],
            stdout=subprocess.DEVNULL,
        )
        wait_for(lambda: port_open("127.0.0.1", self.port), timeout=10)

    def signal(self, number: int) -> None:
        """Send a signal to the server if it runs."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(number)

    def pause(self) -> None:
        """Stop it with SIGSTOP: connections stay open and nothing answers (a stall)."""
        self.signal(signal.SIGSTOP)

    def resume(self) -> None:
        """Let a paused server go on (SIGCONT)."""
        self.signal(signal.SIGCONT)

    def kill(self) -> None:
        """SIGKILL it (after SIGCONT, should it be stopped) and reap it."""
        if self.process is not None:
            self.signal(signal.SIGCONT)
            self.process.kill()
            self.process.wait(10)
            self.process = None

    stop = kill


@contextmanager
def own_redis_server(directory: Path) -> Iterator[OwnRedis]:
    """A running redis-server of the caller's own; killed at the end whatever happened."""
    binary = shutil.which("redis-server")
    if binary is None:
        if IN_CI:
            pytest.fail("redis-server is not installed (CI=true: this test must run)")
        pytest.skip("redis-server is not installed")
    server = OwnRedis(binary, directory)
    server.start()
    try:
        yield server
    finally:
        server.kill()
