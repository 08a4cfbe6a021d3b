"""Test helpers: a real gunicorn server, an HTTP client and a WebSocket client."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import websocket

from tests.server_db import prepare_database

ROOT = Path(__file__).resolve().parent.parent
SECRET_KEY = "test-secret-key"
IN_CI = os.environ.get("CI", "").lower() == "true"
LOG_FIELD = re.compile(r"\b([a-z_]+)=(\S+)")  # the key=value fields of our log lines
LOG_PID = re.compile(r"\[(\d+)\]")  # the process id the log format puts in brackets


def new_device() -> str:
    """A browser's own random id, as the page keeps one."""
    return uuid.uuid4().hex


def free_port() -> int:
    """Ask the kernel for a free loopback port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_open(host: str, port: int) -> bool:
    """Tell whether something listens on host:port."""
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def stop_process(
    process: subprocess.Popen | None, grace: float, stop_signal: int = signal.SIGTERM
) -> None:
    """Signal a process that still runs (SIGTERM); SIGKILL it if it outlives `grace`."""
    if process is None or process.poll() is not None:
        return
    process.send_signal(stop_signal)
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)


class ServerProcess:
    """A gunicorn process serving the app on a loopback port."""

    def __init__(
        self,
        tmp_path: Path,
        env: dict[str, str],
        workers: int = 1,
        root: Path = ROOT,
        measured: bool = True,
    ) -> None:
        self.root = root  # the checkout whose code this server runs
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = tmp_path / f"gunicorn-{self.port}.log"
        self.env = {
            **os.environ,
            "SECRET_KEY": SECRET_KEY,
            "PYTHONUNBUFFERED": "1",
            "AVALON_WRITE_TIMEOUT": "5",
            # Tests create rooms far faster than people; the limit has its own test.
            "AVALON_ROOM_REQUEST_BURST": "1000000",
            "AVALON_MOVE_BURST": "1000000",  # test tables play far faster than people too
            **env,
        }
        if not measured:  # no coverage in this server, under `make test` (see conftest)
            for name in ("COVERAGE_PROCESS_START", "COVERAGE_PROCESS_CONFIG"):
                self.env.pop(name, None)
        self.workers = workers
        self.process: subprocess.Popen | None = None

    def start(self) -> ServerProcess:
        """Prepare the database, start gunicorn and wait until it answers."""
        prepare_database(self.root, self.env)
        self.spawn()
        self.wait_ready()
        return self

    def spawn(self) -> None:
        """Start gunicorn as it is (no init-db), without waiting for it."""
        gunicorn = Path(sys.executable).with_name("gunicorn")
        self.log_file = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [
                str(gunicorn),
                "--config",
                "gunicorn.conf.py",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(self.workers),
            ]
            + ["wsgi:app"],
            cwd=self.root,
            env=self.env,
            stdout=self.log_file,
            stderr=subprocess.STDOUT,
        )

    def launch(self, path: str = "/livez", timeout: float = 20) -> ServerProcess:
        """Start gunicorn without preparing the database; wait until `path` answers at all."""
        self.spawn()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited:\n{self.log()}")
            try:
                self.request("GET", path)
                return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"server did not start:\n{self.log()}")

    def worker_pids(self) -> list[int]:
        """The pids of the master's live worker processes."""
        assert self.process is not None
        pid = self.process.pid
        try:
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            return []
        return sorted(int(child) for child in children)

    def kill(self) -> None:
        """Kill the master and every worker at once with SIGKILL, as a host that dies."""
        assert self.process is not None
        for pid in [self.process.pid, *self.worker_pids()]:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.process.wait(10)

    def wait_ready(self, timeout: float = 20) -> None:
        """Poll /healthz until the server answers."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited:\n{self.log()}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=1) as response:
                    if response.status == 200:
                        return
            except (OSError, urllib.error.URLError):
                pass
            time.sleep(0.05)
        raise RuntimeError(f"server did not start:\n{self.log()}")

    def log(self) -> str:
        """Everything gunicorn and the app logged."""
        return self.log_path.read_text(errors="replace")

    def log_events(self, *events: str) -> list[dict[str, str]]:
        """The structured fields (key=value, plus the process id) of each line of one of
        these `event=`s, in the log's order."""
        found = []
        for line in self.log().splitlines():
            fields = dict(LOG_FIELD.findall(line))
            if fields.get("event") in events:
                pid = LOG_PID.search(line)
                fields["pid"] = pid.group(1) if pid else ""
                found.append(fields)
        return found

    def terminate(self, timeout: float = 20) -> int:
        """Send SIGTERM and wait for the process to exit; return its exit code."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout)

    def restart(self) -> None:
        """Stop the server and start it again on the same port and database."""
        self.stop()
        self.start()

    def stop(self, quick: bool = False) -> None:
        """Stop the server (SIGTERM, then SIGKILL). `quick`: gunicorn's quick shutdown
        (SIGQUIT), for a test that is over: SIGTERM's graceful one waits a second more,
        for the worker's loop to wake, on each of the suite's hundreds of servers."""
        stop_process(
            self.process, grace=15, stop_signal=signal.SIGQUIT if quick else signal.SIGTERM
        )
        if hasattr(self, "log_file"):
            self.log_file.close()

    # HTTP helpers

    def request(
        self, method: str, path: str, body: Any = None, raw: bytes | None = None
    ) -> tuple[int, Any]:
        """Send an HTTP request; return status and decoded JSON (or text)."""
        if isinstance(body, dict) and "display_name" in body and "device" not in body:
            # Every browser sends its own id with a create or join (PROTOCOL section 9);
            # a test about a missing device sends raw bytes, or "device": None.
            body = {**body, "device": new_device()}
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        req = urllib.request.Request(self.url + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=10) as response:
                status, text = response.status, response.read().decode()
        except urllib.error.HTTPError as err:
            with err:
                status, text = err.code, err.read().decode()
        try:
            return status, json.loads(text)
        except ValueError:
            return status, text

    def create_room(self, name: str = "Alice") -> dict:
        """Create a room and return the host's seat."""
        status, body = self.request("POST", "/api/rooms", {"display_name": name})
        assert status == 201, body
        return body

    def join(
        self, code: str, name: str, spectator: bool = False, device: str | None = None
    ) -> dict:
        """Join a room and return the seat."""
        body: dict[str, Any] = {"display_name": name, "spectator": spectator}
        if device is not None:
            body["device"] = device
        status, body = self.request("POST", f"/api/rooms/{code}/join", body)
        assert status == 201, body
        return body

    def room_with_players(self, count: int) -> list[dict]:
        """Create a room with `count` players; return their seats, host first."""
        host = self.create_room("Player1")
        return [host] + [self.join(host["code"], f"Player{i}") for i in range(2, count + 1)]

    def metric(self, name: str) -> float:
        """Read one unlabelled metric of the (single) worker."""
        status, text = self.request("GET", "/metrics")
        assert status == 200
        for line in text.splitlines():
            if line.startswith(name + " "):
                return float(line.split()[1])
        return 0.0

    def ws_url(self, seat: dict | None = None, code: str | None = None, **params: Any) -> str:
        """Build the socket URL for a seat, with extra or overriding query parameters."""
        query: dict[str, Any] = {}
        if seat is not None:
            query = {"player_id": seat["player_id"], "token": seat["token"]}
            code = code or seat["code"]
        query.update(params)
        text = "&".join(f"{key}={value}" for key, value in query.items() if value is not None)
        return f"ws://127.0.0.1:{self.port}/ws/rooms/{code}?{text}"

    def connect(self, seat: dict | None = None, **kwargs: Any) -> WsClient:
        """Open a socket for a seat."""
        headers = kwargs.pop("headers", None)
        origin = kwargs.pop("origin", None)
        code = kwargs.pop("code", None)
        return WsClient(self.ws_url(seat, code=code, **kwargs), headers=headers, origin=origin)

    def join_socket(self, seat: dict, **kwargs: Any) -> tuple[WsClient, dict]:
        """Open a socket and read its first state frame."""
        client = self.connect(seat, **kwargs)
        try:
            first = client.recv()
            assert first["type"] == "state" and first["event"] == "room", first
        except BaseException:  # a socket left open would fail a later test (ResourceWarning)
            client.close()
            raise
        return client, first


class Closed(Exception):
    """The server closed the socket."""

    def __init__(self, code: int | None, reason: str) -> None:
        super().__init__(f"closed with {code}: {reason}")
        self.code = code
        self.reason = reason


class WsClient:
    """A blocking WebSocket client that records every message it receives."""

    def __init__(
        self,
        url: str,
        headers: list[str] | None = None,
        origin: str | None = None,
        timeout: float = 10,
    ) -> None:
        # Like any non-browser client, send no Origin unless a test plays a browser.
        self.ws = websocket.create_connection(
            url,
            timeout=timeout,
            header=headers or [],
            origin=origin,
            suppress_origin=origin is None,
        )
        self.received: list[dict] = []
        self.close_code: int | None = None

    def send(self, message: dict | str | bytes) -> None:
        """Send a JSON envelope, raw text or a binary frame."""
        if isinstance(message, bytes):
            self.ws.send_binary(message)
        else:
            self.ws.send(message if isinstance(message, str) else json.dumps(message))

    def send_many(self, messages: list[dict]) -> None:
        """Send envelopes in one write: a server that closes part-way cannot break the pipe."""
        text = websocket.ABNF.OPCODE_TEXT
        frames = [websocket.ABNF.create_frame(json.dumps(m), text).format() for m in messages]
        self.ws.sock.sendall(b"".join(frames))

    def chat(self, text: str, correlation_id: str | None = None) -> None:
        """Send a chat message."""
        envelope: dict[str, Any] = {"type": "chat", "payload": {"message": text}}
        if correlation_id is not None:
            envelope["correlation_id"] = correlation_id
        self.send(envelope)

    def recv(self, timeout: float = 10) -> dict:
        """Receive the next message, or raise Closed when the server closes."""
        self.ws.settimeout(timeout)
        while True:
            opcode, frame = self.ws.recv_data_frame(True)
            if opcode == websocket.ABNF.OPCODE_CLOSE:
                data = frame.data or b""
                self.close_code = int.from_bytes(data[:2], "big") if len(data) >= 2 else None
                raise Closed(self.close_code, data[2:].decode(errors="replace"))
            if opcode in (websocket.ABNF.OPCODE_TEXT, websocket.ABNF.OPCODE_BINARY):
                message = json.loads(frame.data)
                self.received.append(message)
                return message

    def recv_until(self, predicate: Callable[[dict], bool], timeout: float = 10) -> dict:
        """Receive until a message matches."""
        deadline = time.monotonic() + timeout
        while True:
            message = self.recv(max(0.01, deadline - time.monotonic()))
            if predicate(message):
                return message

    def recv_event(self, name: str, timeout: float = 10) -> dict:
        """Receive until an envelope with this event name arrives."""
        return self.recv_until(lambda message: message.get("event") == name, timeout)

    def expect_close(self, timeout: float = 10) -> int | None:
        """Read until the server closes; return the close code."""
        deadline = time.monotonic() + timeout
        try:
            while True:
                self.recv(max(0.01, deadline - time.monotonic()))
        except Closed as closed:
            return closed.code
        except websocket.WebSocketConnectionClosedException:
            return None

    def close(self) -> None:
        """Close from the client side."""
        try:
            self.ws.close(timeout=1)
        except (OSError, websocket.WebSocketException):
            pass
        finally:
            self.ws.shutdown()  # close() leaves the socket open when the server closed first


def wait_for(condition: Callable[[], bool], timeout: float = 10, interval: float = 0.02) -> None:
    """Poll a condition that has no event to wait on (server-side counters)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(interval)
