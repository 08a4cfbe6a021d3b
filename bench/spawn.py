"""A gunicorn server for the benchmarks, started as tests/support.py starts one."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BOOT_TIMEOUT = 30.0  # seconds to wait for a spawned server to answer /healthz
HTTP = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: no proxies


class SpawnedServer:
    """gunicorn with gevent workers on a free loopback port, stopped with SIGTERM."""

    def __init__(
        self,
        workers: int,
        env: dict[str, str],
        log_path: Path,
        config: str,
        root: Path = ROOT,
        python: str = sys.executable,
    ) -> None:
        self.root = root  # the checkout to serve (another one to compare commits)
        self.python = python  # its virtualenv's python (its own pins, to compare commits)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.workers = workers
        self.env = {**os.environ, **env}
        self.log_path = log_path
        self.config = config
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        """Create the schema, start gunicorn and wait until every worker is up."""
        subprocess.run(
            [self.python, "-m", "flask", "--app", "wsgi", "init-db"],
            cwd=self.root,
            env=self.env,
            check=True,
            capture_output=True,
        )
        with open(self.log_path, "ab") as log_file:
            self.process = subprocess.Popen(
                [self.python, "-m", "gunicorn", "--config", self.config]
                + ["--bind", f"127.0.0.1:{self.port}", "--workers", str(self.workers)]
                + ["wsgi:app"],
                cwd=self.root,
                env=self.env,
                stdout=log_file,
                stderr=subprocess.STDOUT,
            )
        self.wait_ready()

    def wait_ready(self) -> None:
        """Poll /healthz and the worker count until the server is fully up."""
        deadline = time.monotonic() + BOOT_TIMEOUT
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited early; see {self.log_path}")
            if healthy(self.url) and len(self.worker_pids()) >= self.workers:
                return
            time.sleep(0.1)
        raise SystemExit(f"server did not start in {BOOT_TIMEOUT:g}s; see {self.log_path}")

    def worker_pids(self) -> list[int]:
        """The gunicorn workers: the master's child processes."""
        assert self.process is not None
        return child_pids(self.process.pid)

    def stop(self) -> int | None:
        """Stop gunicorn with SIGTERM (SIGKILL if it lingers); return its exit code."""
        if self.process is None or self.process.poll() is not None:
            return None if self.process is None else self.process.returncode
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(25)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait(5)


def free_port() -> int:
    """Ask the kernel for a free loopback port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def healthy(base_url: str) -> bool:
    """Tell whether GET /healthz answers 200."""
    try:
        with HTTP.open(base_url + "/healthz", timeout=1) as response:
            return response.status == 200
    except OSError:
        return False


def proc_stat_fields(pid: int) -> list[str]:
    """Fields of /proc/<pid>/stat after the command name (state is index 0)."""
    text = Path(f"/proc/{pid}/stat").read_text()
    return text[text.rindex(")") + 2 :].split()


def child_pids(parent: int) -> list[int]:
    """Processes whose parent is `parent`, read from /proc."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = proc_stat_fields(int(entry.name))
        except OSError:
            continue
        if int(fields[1]) == parent:
            pids.append(int(entry.name))
    return sorted(pids)


class CommandServer(SpawnedServer):
    """A reference server of the benchmarks: any command that serves /healthz on a port.

    `command` may contain `{port}`; it runs in `cwd` with `env` added. The measured
    processes are the command's children (gunicorn's workers) or, for a single-process
    server, the command itself.
    """

    def __init__(
        self, command: list[str], cwd: Path, env: dict[str, str], log_path: Path, workers: int = 1
    ) -> None:
        super().__init__(workers, env, log_path, config="")
        self.command = [part.format(port=self.port) for part in command]
        self.cwd = cwd

    def start(self) -> None:
        with open(self.log_path, "ab") as log_file:
            self.process = subprocess.Popen(
                self.command, cwd=self.cwd, env=self.env, stdout=log_file, stderr=subprocess.STDOUT
            )
        self.wait_ready()

    def worker_pids(self) -> list[int]:
        assert self.process is not None
        return child_pids(self.process.pid) or [self.process.pid]
