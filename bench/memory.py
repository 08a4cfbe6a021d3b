"""Resident memory per open idle socket in one gevent worker.

Spawns the server (gunicorn, one gevent worker, the project's settings), creates enough
rooms over HTTP (10 players each by default), opens N idle sockets from one asyncio
client, reads each socket's first snapshot, and reads the worker's VmRSS from /proc
before any socket and at checkpoints on the way to N. Reports KB per socket, overall and
between the first and the last checkpoint (which leaves out one-time growth), plus
descriptors and greenlets per socket. Loopback only; stops by itself.

    python bench/memory.py                    # 5,000 sockets
    python bench/memory.py --sockets 1000 --breakdown
    python bench/memory.py --sockets 1000 --breakdown --tracemalloc

--breakdown has the worker count its objects (gc) by type before and after the sockets
and report the difference per socket, with the C stack the greenlets keep on the heap.
--tracemalloc adds Python allocations by source line (the worker then runs slower and
bigger: use its RSS figures only with the breakdown, not as the measurement).

Both the client and the server need more descriptors than the usual soft limit of 1024:
this script raises its own soft RLIMIT_NOFILE to the hard limit before it starts the
server, which inherits it. Beside this script: memory_sockets.py holds the server, its
seats and the idle sockets (bench/idle.py and bench/storm.py use them too),
memory_breakdown.py the worker's own account of its memory.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import sys
import tempfile
import time
from pathlib import Path

from memory_breakdown import BREAKDOWN_CONFIG
from memory_breakdown import describe
from memory_breakdown import print_breakdown
from memory_sockets import OPEN_CONCURRENCY
from memory_sockets import ROOT
from memory_sockets import SETTLE_SECONDS
from memory_sockets import Clients
from memory_sockets import Server
from memory_sockets import create_seats
from memory_sockets import drain
from memory_sockets import raise_fd_limit
from memory_sockets import reading
from memory_sockets import rss_kb
from memory_sockets import wait_sockets
from websockets.asyncio.client import ClientConnection
from websockets.asyncio.client import connect

CHECKPOINTS = 5  # RSS readings on the way to N sockets


# Main


async def measure(args: argparse.Namespace, server: Server, report: Path | None) -> dict:
    """Open the sockets, let them idle and read the worker's memory at each checkpoint."""
    pid = server.worker_pid()
    assert pid is not None
    started = time.monotonic()
    seats = create_seats(server.url, args.sockets, args.players, args.spectators)
    setup = time.monotonic() - started
    clients = Clients(server.url)
    # Warm-up: the first sockets load code and fill caches; that is not per-socket cost.
    warm = Clients(server.url)
    await warm.open(seats[: args.warmup])
    await warm.close()
    await wait_sockets(server, 0)
    before = await reading(server, pid, 0)
    details_before = describe(server, pid, report, 0) if report else None
    readings = []
    marks = sorted({args.sockets * step // CHECKPOINTS for step in range(1, CHECKPOINTS + 1)})
    opened = 0
    started = time.monotonic()
    for mark in marks:
        await clients.open(seats[opened:mark])
        opened = mark
        readings.append(await reading(server, pid, mark))
    open_time = time.monotonic() - started - SETTLE_SECONDS * len(marks)
    details_after = describe(server, pid, report, 1) if report else None
    await clients.close()
    await wait_sockets(server, 0)
    closed = await reading(server, pid, 0)
    return {
        "setup_seconds": setup,
        "open_seconds": open_time,
        "before": before,
        "readings": readings,
        "closed": closed,
        "details": (details_before, details_after),
    }


async def measure_hub(args: argparse.Namespace, temp_dir: Path) -> dict:
    """The same idle sockets against the featureless hub (bench/ref/hub.py): KB per socket."""
    import compare

    python = args.ref_python or compare.bench_python()
    server = compare.ref_gunicorn(python, "hub:app", args.sockets + 1000, temp_dir / "hub.log")
    server.start()
    try:
        pid = server.worker_pids()[0]
        urls = compare.hub_urls(server, args.sockets)
        limit = asyncio.Semaphore(OPEN_CONCURRENCY)
        sockets: list[ClientConnection] = []

        async def one(url: str) -> None:
            async with limit:
                ws = await connect(url, compression=None, ping_interval=None, open_timeout=60)
                sockets.append(ws)

        await asyncio.gather(*(one(url) for url in urls[: args.warmup]))
        await asyncio.gather(*(ws.close() for ws in sockets))
        sockets.clear()
        await asyncio.sleep(SETTLE_SECONDS)
        before = rss_kb(pid)
        readers = []
        marks = sorted({args.sockets * step // CHECKPOINTS for step in range(1, CHECKPOINTS + 1)})
        opened, readings = 0, []
        for mark in marks:
            await asyncio.gather(*(one(url) for url in urls[opened:mark]))
            readers += [asyncio.create_task(drain(ws)) for ws in sockets[opened:]]
            opened = mark
            await asyncio.sleep(SETTLE_SECONDS)
            readings.append((mark, rss_kb(pid)))
        await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)
        await asyncio.gather(*readers, return_exceptions=True)
    finally:
        server.stop()
    (first, first_rss), (last, last_rss) = readings[0], readings[-1]
    return {
        "kb_per_socket": (last_rss - before) / last,
        "slope": (last_rss - first_rss) / max(1, last - first),
    }


def print_results(args: argparse.Namespace, result: dict) -> None:
    """Print the memory per idle socket at each checkpoint."""
    before, readings, closed = result["before"], result["readings"], result["closed"]
    last = readings[-1]
    print(
        f"{args.sockets} idle sockets in one gevent worker ({args.players} players"
        f" + {args.spectators} spectators a room); rooms and seats made in"
        f" {result['setup_seconds']:.1f} s, sockets opened in {result['open_seconds']:.1f} s"
    )
    print(f"\n  {'sockets':>7} {'RSS MB':>8} {'KB/socket':>10} {'fds':>6} {'greenlets':>9}")
    for row in [before, *readings]:
        per = (row["rss_kb"] - before["rss_kb"]) / row["sockets"] if row["sockets"] else 0.0
        greenlets = row["greenlets"] if row["greenlets"] is not None else float("nan")
        print(
            f"  {row['sockets']:7d} {row['rss_kb'] / 1024:8.1f} {per:10.1f}"
            f" {row['fds']:6d} {greenlets:9.0f}"
        )
    overall = (last["rss_kb"] - before["rss_kb"]) / last["sockets"]
    first = readings[0]
    slope = (last["rss_kb"] - first["rss_kb"]) / max(1, last["sockets"] - first["sockets"])
    fds = (last["fds"] - before["fds"]) / last["sockets"]
    print(f"\n  resident memory per idle socket: {overall:.1f} KB")
    print(f"  between {first['sockets']} and {last['sockets']} sockets: {slope:.1f} KB/socket")
    print(f"  descriptors per socket: {fds:.2f}")
    if last["greenlets"] is not None and before["greenlets"] is not None:
        per = (last["greenlets"] - before["greenlets"]) / last["sockets"]
        print(f"  greenlets per socket: {per:.2f}")
    print(
        f"  after closing them all: RSS {closed['rss_kb'] / 1024:.1f} MB"
        f" ({(closed['rss_kb'] - before['rss_kb']) / 1024:+.1f} MB), {closed['fds']} fds,"
        f" {closed['greenlets']:.0f} greenlets"
    )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sockets", type=int, default=5000, help="idle sockets to open")
    parser.add_argument("--players", type=int, default=10, help="players a room (1-10)")
    parser.add_argument("--spectators", type=int, default=0, help="spectators a room (0-40)")
    parser.add_argument("--warmup", type=int, default=100, help="sockets opened and closed first")
    parser.add_argument("--breakdown", action="store_true", help="count objects per socket")
    parser.add_argument("--tracemalloc", action="store_true", help="with --breakdown: by line")
    parser.add_argument("--server-log", type=Path, help="keep the gunicorn log here")
    parser.add_argument(
        "--server-env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="extra environment for the server (repeatable)",
    )
    parser.add_argument(
        "--hub", action="store_true", help="also the featureless hub (bench/ref/hub.py)"
    )
    parser.add_argument("--ref-python", type=Path, help="python of the benchmark virtualenv")
    parser.add_argument("--json", action="store_true", help="print the numbers as JSON")
    args = parser.parse_args(argv)
    if not 1 <= args.players <= 10 or not 0 <= args.spectators <= 40:
        parser.error("a room holds 1-10 players and 0-40 spectators")
    if args.sockets < CHECKPOINTS or args.warmup > args.sockets:
        parser.error(f"--sockets must be at least {CHECKPOINTS} and at least --warmup")
    if args.tracemalloc:
        args.breakdown = True
    return args


def main(argv: list[str] | None = None) -> int:
    """Start a server, measure, print the results; return the exit status."""
    args = parse_args(argv)
    raise_fd_limit(args.sockets + 500)
    with tempfile.TemporaryDirectory(prefix="avalon-memory-") as temp:
        temp_dir = Path(temp)
        env = {
            "SECRET_KEY": secrets.token_urlsafe(32),
            "DATABASE_URL": f"sqlite:///{temp_dir / 'memory.db'}",
            "WEB_CONCURRENCY": "1",
            "AVALON_WORKER_CONNECTIONS": str(args.sockets + 1000),
            "AVALON_ROOM_REQUEST_BURST": "1000000",
            "AVALON_ROOM_REQUEST_RATE": "1000000",
            "PYTHONUNBUFFERED": "1",
        }
        for item in args.server_env:
            name, _, value = item.partition("=")
            env[name] = value
        config = str(ROOT / "gunicorn.conf.py")
        report = None
        if args.breakdown:
            report = temp_dir / "report"
            env["AVALON_BENCH_MEMORY_REPORT"] = str(report)
            breakdown_config = temp_dir / "gunicorn_breakdown.conf.py"
            breakdown_config.write_text(BREAKDOWN_CONFIG.format(project_config=config))
            config = str(breakdown_config)
            if args.tracemalloc:
                env["PYTHONTRACEMALLOC"] = "1"
        server = Server(env, config, args.server_log or temp_dir / "gunicorn.log")
        try:
            server.start()
            result = asyncio.run(measure(args, server, report))
        finally:
            server.stop()
        if args.hub:
            result["hub"] = asyncio.run(measure_hub(args, temp_dir))
        log = server.log_path.read_text(errors="replace")
        problems = log.count("Traceback")
    if args.json:
        result.pop("details")
        print(json.dumps({**result, "tracebacks": problems}, indent=2))
    else:
        print_results(args, result)
        if "hub" in result:
            hub = result["hub"]
            last = result["readings"][-1]
            ours = (last["rss_kb"] - result["before"]["rss_kb"]) / last["sockets"]
            print(
                f"\n  featureless flask-sock hub, same sockets, same run:"
                f" {hub['kb_per_socket']:.1f} KB per idle socket"
                f" ({hub['slope']:.1f} KB/socket between checkpoints);"
                f" Avalon / hub: {ours / hub['kb_per_socket']:.2f}"
            )
        if args.breakdown:
            print_breakdown(*result["details"], args.sockets)
        if problems:
            print(f"\n{problems} tracebacks in the server log")
    return 0


if __name__ == "__main__":
    sys.exit(main())
