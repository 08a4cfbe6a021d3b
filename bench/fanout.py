"""Fan-out benchmark: R rooms x N clients chatting over the room socket.

Every room is created over HTTP, each player opens a WebSocket, then every client (or one
per room) sends chat messages at a fixed rate. Each message carries its sender, a sequence
number and its send time; every client times the chat events it receives. The report gives
connect times, delivery rate, latency, losses, errors, close codes and, when the server's
processes are known, its CPU time per delivery.

    python bench/fanout.py --spawn-server --workers 1 --rooms 10 --clients 10 --rate 50
    python bench/fanout.py --url http://127.0.0.1:8000 --rooms 2 --clients 5 --rate 5

Client processes each run one asyncio loop for a share of the rooms (a room never spans
two processes, so each process knows how many deliveries its rooms should get). Beside
this script: fanout_rooms.py makes the rooms over HTTP, fanout_client.py is one client
process, fanout_report.py combines and prints the results.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import secrets
import sys
import tempfile
import time
from multiprocessing.connection import Connection as Pipe
from pathlib import Path
from typing import Any

import wire
from fanout_client import CLOSE_TIMEOUT
from fanout_client import Options
from fanout_client import ProcResult
from fanout_client import client_main
from fanout_report import print_summary
from fanout_report import summarize
from fanout_rooms import create_rooms
from spawn import SpawnedServer
from spawn import proc_stat_fields

ROOT = Path(__file__).resolve().parent.parent
START_DELAY = 0.5  # seconds between "everyone is connected" and the first message
PROFILE_CONFIG = "bench/profile_gunicorn.conf.py"  # relative to the repository root


# Server side: CPU time, log scan (spawning is in spawn.py)


def cpu_seconds(pids: list[int]) -> float:
    """User plus system CPU seconds used so far by these processes (gone ones count 0)."""
    return sum(cpu_split(pids))


def cpu_split(pids: list[int]) -> tuple[float, float]:
    """User and system CPU seconds used so far by these processes (gone ones count 0)."""
    user = system = 0
    for pid in pids:
        try:
            fields = proc_stat_fields(pid)
        except OSError:
            continue
        user += int(fields[11])  # utime, stime (fields 14 and 15)
        system += int(fields[12])
    tick = os.sysconf("SC_CLK_TCK")
    return user / tick, system / tick


def scan_log(path: Path) -> dict[str, Any]:
    """Count tracebacks, errors and worker timeouts in a gunicorn log; keep the first one."""
    lines = path.read_text(errors="replace").splitlines() if path.exists() else []
    markers = ("Traceback", " ERROR ", "[ERROR]", "[CRITICAL]", "WORKER TIMEOUT")
    hits = [index for index, line in enumerate(lines) if any(m in line for m in markers)]
    first = lines[hits[0] : hits[0] + 15] if hits else []
    return {
        "tracebacks": sum("Traceback" in line for line in lines),
        "error_lines": len(hits),
        "first_problem": first,
    }


# Parent: orchestration


def split(rooms: list[list[dict]], parts: int) -> list[list[list[dict]]]:
    """Deal the rooms round-robin to `parts` processes (never fewer than one room each)."""
    parts = max(1, min(parts, len(rooms)))
    return [rooms[index::parts] for index in range(parts)]


def receive_all(pipes: list[Pipe], kind: str, timeout: float) -> list[Any]:
    """Wait for one message of `kind` from every client process, within `timeout`."""
    deadline = time.monotonic() + timeout
    answers: list[Any] = [None] * len(pipes)
    for index, pipe in enumerate(pipes):
        if not pipe.poll(max(0.0, deadline - time.monotonic())):
            raise SystemExit(f"client process {index} sent no '{kind}' in {timeout:g}s")
        message = pipe.recv()
        if message[0] != kind:
            raise SystemExit(f"client process {index} sent {message[0]!r}, expected {kind!r}")
        answers[index] = message[1:]
    return answers


def run_benchmark(args: argparse.Namespace, base_url: str, pids: list[int]) -> dict[str, Any]:
    """Create rooms, run the client processes, and gather every measurement."""
    load_before = os.getloadavg()[0]
    began = time.perf_counter()
    kind = getattr(args, "kind", "avalon")
    if kind == "avalon":
        rooms = create_rooms(base_url, args.rooms, args.clients, args.players)
    else:
        rooms = wire.plain_rooms(args.rooms, args.clients)
    setup_time = time.perf_counter() - began
    options = Options(
        args.rate,
        args.senders,
        args.duration,
        args.drain,
        args.connect_timeout,
        args.connect_concurrency,
        kind,
    )
    context = multiprocessing.get_context("spawn")
    pipes, procs = [], []
    for share in split(rooms, args.client_procs):
        parent_end, child_end = context.Pipe()
        proc = context.Process(target=client_main, args=(share, base_url, options, child_end))
        proc.start()
        pipes.append(parent_end)
        procs.append(proc)
    try:
        connect_began = time.perf_counter()
        ready = receive_all(pipes, "ready", args.connect_timeout * args.clients * args.rooms + 30)
        connect_time = time.perf_counter() - connect_began
        split_before = cpu_split(pids) if pids else None
        cpu_before = sum(split_before) if split_before else None
        start = time.time() + START_DELAY
        for pipe in pipes:
            pipe.send(("start", start))
        done = receive_all(pipes, "done", START_DELAY + args.duration + args.drain + 60)
        split_after = cpu_split(pids) if pids else None
        cpu_after = sum(split_after) if split_after else None
        wall = time.time() - start
        for pipe in pipes:
            pipe.send(("close", None))
        closed = receive_all(pipes, "closed", CLOSE_TIMEOUT + 10)
    finally:
        for proc in procs:
            proc.join(10)
            if proc.is_alive():
                proc.terminate()
    results: list[ProcResult] = [answer[0] for answer in done]
    server_cpu = None if cpu_before is None or cpu_after is None else cpu_after - cpu_before
    summary = summarize(args, results, ready, closed, setup_time, connect_time, server_cpu, wall)
    summary["load_average_1min"] = {"before": load_before, "after": os.getloadavg()[0]}
    if summary["server_cpu"] is not None and split_before and split_after:
        system = split_after[1] - split_before[1]
        summary["server_cpu"]["system_share"] = (
            round(system / server_cpu, 2) if server_cpu else None
        )
    return summary


# Command line


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--url", help="base URL of a running server, e.g. http://127.0.0.1:8000")
    target.add_argument("--spawn-server", action="store_true", help="start gunicorn here")
    parser.add_argument("--rooms", type=int, default=10, help="rooms (default 10)")
    parser.add_argument("--clients", type=int, default=10, help="clients per room (default 10)")
    parser.add_argument(
        "--players", type=int, default=10, help="clients per room beyond this join as spectators"
    )
    parser.add_argument("--rate", type=float, default=50.0, help="msg/s per sender (default 50)")
    parser.add_argument(
        "--senders", choices=["all", "one"], default="all", help="who chats in each room"
    )
    parser.add_argument("--duration", type=float, default=15.0, help="send phase seconds")
    parser.add_argument("--drain", type=float, default=5.0, help="max seconds to await stragglers")
    parser.add_argument("--client-procs", type=int, default=2, help="client processes (default 2)")
    parser.add_argument("--connect-timeout", type=float, default=10.0, help="per socket seconds")
    parser.add_argument("--connect-concurrency", type=int, default=20, help="per client process")
    parser.add_argument("--workers", type=int, default=1, help="gunicorn workers (spawned server)")
    parser.add_argument(
        "--database-url", help="spawned server's DATABASE_URL (default: temp SQLite)"
    )
    parser.add_argument("--redis-url", help="spawned server's REDIS_URL")
    parser.add_argument(
        "--server-env", action="append", default=[], metavar="KEY=VALUE", help="extra server env"
    )
    parser.add_argument("--server-log", type=Path, help="keep the spawned server's log here")
    parser.add_argument(
        "--server-profile",
        type=Path,
        metavar="PREFIX",
        help="sample the spawned workers' stacks into PREFIX.<pid>.txt/.folded",
    )
    parser.add_argument(
        "--server-pid", type=int, action="append", default=[], help="measure CPU of this pid"
    )
    parser.add_argument(
        "--kind",
        choices=wire.KINDS,
        default="avalon",
        help="the server's dialect (bench/wire.py): avalon, or a reference server",
    )
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)
    if min(args.rooms, args.clients, args.client_procs, args.workers) < 1 or args.rate <= 0:
        parser.error("rooms, clients, client-procs, workers and rate must be positive")
    if args.server_profile and not args.spawn_server:
        parser.error("--server-profile needs --spawn-server")
    if args.duration <= 0 or args.duration > 3600 or args.drain < 0:
        parser.error("duration must be in (0, 3600] and drain non-negative")
    return args


def server_env(args: argparse.Namespace, temp_dir: Path) -> dict[str, str]:
    """Environment for a spawned server: a loose rate limiter, a temp database by default."""
    limit = str(max(1000, int(args.rate * 4)))
    env = {
        "SECRET_KEY": secrets.token_urlsafe(32),
        "DATABASE_URL": args.database_url or f"sqlite:///{temp_dir / 'bench.db'}",
        "AVALON_CHAT_RATE": limit,
        "AVALON_CHAT_BURST": limit,
        "AVALON_ROOM_REQUEST_RATE": "100000",  # setup creates rooms and joins fast
        "AVALON_ROOM_REQUEST_BURST": "100000",
        "PYTHONUNBUFFERED": "1",
    }
    if args.redis_url:
        env["REDIS_URL"] = args.redis_url
    if args.server_profile:
        env["AVALON_BENCH_PROFILE"] = str(args.server_profile.resolve())
    for item in args.server_env:
        key, _, value = item.partition("=")
        env[key] = value
    return env


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark against a given or a spawned server and report."""
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="avalon-bench-") as temp:
        temp_dir = Path(temp)
        server: SpawnedServer | None = None
        log_info = None
        try:
            if args.spawn_server:
                log_path = args.server_log or temp_dir / "gunicorn.log"
                config = PROFILE_CONFIG if args.server_profile else "gunicorn.conf.py"
                env = server_env(args, temp_dir)
                server = SpawnedServer(args.workers, env, log_path, config)
                server.start()
                base_url, pids = server.url, server.worker_pids()
            else:
                base_url, pids = args.url.rstrip("/"), args.server_pid
            summary = run_benchmark(args, base_url, pids)
        finally:
            if server is not None:
                server.stop()
                log_info = scan_log(server.log_path)
        summary["server_log"] = log_info
        if args.json:
            print(json.dumps(summary, indent=2))
        else:
            print_summary(summary, log_info)
    return 0


if __name__ == "__main__":
    sys.exit(main())
