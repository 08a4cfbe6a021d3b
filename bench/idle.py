"""Server CPU of idle sockets: N open sockets that send nothing, pings included.

Spawns one gevent worker, opens N sockets (10 players a room), lets them settle, then
reads the worker's CPU time (/proc) over a window longer than two ping intervals. The
client answers the server's pings (and sends nothing else), so the window holds every
periodic cost of a quiet worker: pings and pongs, the idle sweep, timers, metrics.
With --hub the featureless flask-sock hub (bench/ref/hub.py, pings every 25 s too)
gets the same sockets in the same run.

    python bench/idle.py                          # 1,000 sockets, 60 s
    python bench/idle.py --sockets 1000 --seconds 90 --hub
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

import compare
from fanout import cpu_seconds
from memory_sockets import OPEN_CONCURRENCY
from memory_sockets import ROOT
from memory_sockets import Server
from memory_sockets import create_seats
from memory_sockets import drain
from memory_sockets import raise_fd_limit
from memory_sockets import wait_sockets
from spawn import CommandServer
from websockets.asyncio.client import ClientConnection
from websockets.asyncio.client import connect

SETTLE_SECONDS = 5.0


async def open_all(urls: list[str], first_frame: bool) -> list[ClientConnection]:
    """Open every socket (reading Avalon's first snapshot); a task per socket drains it."""
    limit = asyncio.Semaphore(OPEN_CONCURRENCY)
    sockets: list[ClientConnection] = []

    async def one(url: str) -> None:
        async with limit:
            ws = await connect(url, compression=None, ping_interval=None, open_timeout=60)
            if first_frame:
                await ws.recv()
            sockets.append(ws)

    await asyncio.gather(*(one(url) for url in urls))
    return sockets


async def measure(
    urls: list[str], pids: list[int], seconds: float, avalon: Server | None
) -> tuple[float, int]:
    """Open the sockets, settle, read the workers' CPU over `seconds`; count survivors."""
    sockets = await open_all(urls, avalon is not None)
    readers = [asyncio.create_task(drain(ws)) for ws in sockets]  # pongs need a reader
    if avalon is not None:
        await wait_sockets(avalon, len(urls))
    await asyncio.sleep(SETTLE_SECONDS)
    before = cpu_seconds(pids)
    await asyncio.sleep(seconds)
    used = cpu_seconds(pids) - before
    still_open = sum(1 for ws in sockets if ws.close_code is None)
    await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)
    await asyncio.gather(*readers, return_exceptions=True)
    return used, still_open


def run(kind: str, args: argparse.Namespace, temp: Path) -> dict:
    if kind == "avalon":
        env = {
            "SECRET_KEY": "idle-benchmark-only",
            "DATABASE_URL": f"sqlite:///{temp / 'idle.db'}",
            "WEB_CONCURRENCY": "1",
            "AVALON_WORKER_CONNECTIONS": str(args.sockets + 1000),
            "AVALON_ROOM_REQUEST_BURST": "1000000",
            "AVALON_ROOM_REQUEST_RATE": "1000000",
        }
        server: Server | CommandServer = Server(env, str(ROOT / "gunicorn.conf.py"), temp / "a.log")
        server.start()
        seats = create_seats(server.url, args.sockets, 10, 0)
        base = f"ws{server.url.removeprefix('http')}/ws/rooms"
        urls = [f"{base}/{s['code']}?player_id={s['player_id']}&token={s['token']}" for s in seats]
    else:
        python = args.ref_python or compare.bench_python()
        server = compare.ref_gunicorn(python, "hub:app", args.sockets + 1000, temp / "h.log")
        server.start()
        urls = compare.hub_urls(server, args.sockets)
    try:
        avalon = server if isinstance(server, Server) else None
        used, still_open = asyncio.run(measure(urls, server.worker_pids(), args.seconds, avalon))
    finally:
        server.stop()
    return {"cpu_s": used, "open": still_open}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sockets", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=60.0, help="measured window")
    parser.add_argument("--hub", action="store_true", help="also the featureless hub")
    parser.add_argument("--ref-python", type=Path, help="python of the benchmark virtualenv")
    args = parser.parse_args(argv)
    raise_fd_limit(args.sockets * 2 + 500)
    kinds = ["avalon", "hub"] if args.hub else ["avalon"]
    began = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="avalon-idle-") as temp:
        for kind in kinds:
            result = run(kind, args, Path(temp))
            share = result["cpu_s"] / args.seconds * 100
            print(
                f"{kind}: {args.sockets} idle sockets, {result['cpu_s']:.2f} s of CPU in"
                f" {args.seconds:g} s = {share:.2f} % of a core;"
                f" {result['open']} sockets still open at the end",
                flush=True,
            )
    print(f"({time.monotonic() - began:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
