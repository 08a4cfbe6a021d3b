"""A gevent worker holding N idle sockets: the server, its seats, the sockets, /proc.

The measuring side of bench/memory.py, which bench/idle.py and bench/storm.py share:
gunicorn with one worker, rooms and seats over HTTP, idle client sockets in one asyncio
loop, and the worker's resident memory, descriptors and greenlets.
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from spawn import SpawnedServer
from websockets.asyncio.client import ClientConnection
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

ROOT = Path(__file__).resolve().parent.parent
HTTP = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: no proxies
SETTLE_SECONDS = 3.0  # idle time before each RSS reading (pings, timers, allocator)
OPEN_CONCURRENCY = 200  # handshakes in flight at once


# The server


class Server(SpawnedServer):
    """gunicorn with gevent workers (one unless told) on a loopback port."""

    def __init__(self, env: dict[str, str], config: str, log_path: Path, workers: int = 1) -> None:
        super().__init__(workers, env, log_path, config)

    def worker_pid(self) -> int | None:
        """The one worker's pid, once it runs."""
        pids = self.worker_pids()
        return pids[0] if len(pids) == 1 else None

    def metrics(self) -> dict[str, float]:
        """The server's unlabelled metrics, by name."""
        _, text = get(self.url + "/metrics")
        values = {}
        for line in text.splitlines():
            if line and not line.startswith("#") and "{" not in line:
                name, _, value = line.partition(" ")
                values[name] = float(value)
        return values


def get(url: str) -> tuple[int, str]:
    """GET a URL; return the status and the body."""
    with HTTP.open(url, timeout=30) as response:
        return response.status, response.read().decode()


def post(url: str, body: dict) -> dict:
    """POST a JSON body; return the JSON answer."""
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST")
    request.add_header("Content-Type", "application/json")
    try:
        with HTTP.open(request, timeout=30) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as err:
        with err:
            raise SystemExit(f"POST {url} answered {err.code}: {err.read()[:200]!r}") from None


def rss_kb(pid: int) -> int:
    """Resident memory of a process, in KB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def open_fds(pid: int) -> int:
    """How many descriptors a process holds open."""
    return len(os.listdir(f"/proc/{pid}/fd"))


# Rooms and sockets


def create_room(url: str, players: int, spectators: int) -> list[dict]:
    """A room with its host, players and spectators; return every seat."""
    host = post(url + "/api/rooms", {"display_name": "p1", "device": uuid.uuid4().hex})
    seats = [host]
    for number in range(2, players + spectators + 1):
        body = {
            "display_name": f"p{number}",
            "spectator": number > players,
            "device": uuid.uuid4().hex,
        }
        seats.append(post(f"{url}/api/rooms/{host['code']}/join", body))
    return seats


def create_seats(url: str, sockets: int, players: int, spectators: int) -> list[dict]:
    """Make rooms enough for `sockets` seats; return every seat."""
    per_room = players + spectators
    rooms = -(-sockets // per_room)
    with ThreadPoolExecutor(max_workers=8) as pool:
        made = pool.map(lambda _: create_room(url, players, spectators), range(rooms))
        return [seat for room in made for seat in room][:sockets]


def socket_url(url: str, seat: dict) -> str:
    """The room socket URL of a seat."""
    return (
        f"ws{url.removeprefix('http')}/ws/rooms/{seat['code']}"
        f"?player_id={seat['player_id']}&token={seat['token']}"
    )


async def drain(ws: ClientConnection) -> None:
    """Read (and drop) everything the server sends, so pings keep being answered."""
    try:
        async for _ in ws:
            pass
    except ConnectionClosed:
        pass


class Clients:
    """Idle sockets held by one asyncio loop."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.sockets: list[ClientConnection] = []
        self.readers: list[asyncio.Task] = []

    async def open(self, seats: list[dict]) -> None:
        """Open one socket per seat, a few at a time."""
        limit = asyncio.Semaphore(OPEN_CONCURRENCY)

        async def one(seat: dict) -> None:
            async with limit:
                ws = await connect(
                    socket_url(self.url, seat),
                    compression=None,
                    ping_interval=None,  # the server pings; the client only answers
                    open_timeout=60,
                    max_queue=None,
                )
                first = json.loads(await ws.recv())
                if first.get("event") != "room":
                    raise SystemExit(f"unexpected first message: {first}")
                self.sockets.append(ws)
                self.readers.append(asyncio.create_task(drain(ws)))

        await asyncio.gather(*(one(seat) for seat in seats))

    async def close(self) -> None:
        """Close every socket, a few at a time."""
        limit = asyncio.Semaphore(OPEN_CONCURRENCY)

        async def one(ws: ClientConnection) -> None:
            async with limit:
                await ws.close()

        await asyncio.gather(*(one(ws) for ws in self.sockets), return_exceptions=True)
        await asyncio.gather(*self.readers, return_exceptions=True)


async def wait_sockets(server: Server, count: int, timeout: float = 60) -> None:
    """Wait until the server counts `count` open sockets."""
    deadline = time.monotonic() + timeout
    while server.metrics().get("avalon_open_sockets") != count:
        if time.monotonic() > deadline:
            raise SystemExit(f"the server never reported {count} open sockets")
        await asyncio.sleep(0.2)


async def reading(server: Server, pid: int, sockets: int) -> dict[str, Any]:
    """Wait for the server to register every socket, let it idle, then read the worker."""
    await wait_sockets(server, sockets)
    await asyncio.sleep(SETTLE_SECONDS)
    values = server.metrics()
    return {
        "sockets": sockets,
        "rss_kb": rss_kb(pid),
        "fds": open_fds(pid),
        "greenlets": values.get("avalon_greenlets"),
    }


# Descriptors


def raise_fd_limit(needed: int) -> int:
    """Raise the soft descriptor limit to the hard one; return it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < needed:
        raise SystemExit(f"need {needed} descriptors but the hard limit is {hard}")
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard
