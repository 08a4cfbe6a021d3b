"""Avalon beside reference servers, one run, alternating servers: the issue-14 table.

For each scenario and each round, every server is started in turn (the order rotates
each round), the same fan-out client (bench/fanout.py, dialects in bench/wire.py) runs
against it, and the server is stopped again. Server CPU per delivery is read from
/proc (user + system time of the worker processes, from just before the first message
to the end of the drain). The table gives medians over the rounds; the ratios are
Avalon's CPU per delivery over each reference server's, taken within each round (both
measured minutes apart on the same machine), then their median.

    python bench/compare.py                          # what `make bench` runs
    python bench/compare.py --rounds 1 --duration 5  # a quick look
    python bench/compare.py --servers hub,avalon --baseline /path/to/older/checkout

The reference servers (bench/ref/) run in their own virtualenv, made from the pinned
bench/requirements.txt by `make bench` or, failing that, by this script (.bench-venv at
the repository root). --baseline adds an "avalon-before" column served from another
checkout of this repository (say `git worktree add` or `git archive` of an older commit)
with this virtualenv.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import fanout
from spawn import CommandServer
from spawn import SpawnedServer

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
REF = BENCH / "ref"
VENV = ROOT / ".bench-venv"
REQUIREMENTS = BENCH / "requirements.txt"
TITLES = {
    "hub": "featureless flask-sock + gevent hub",
    "socketio": "Flask-SocketIO (gevent)",
    "socketio-redis": "Flask-SocketIO, Redis queue, 3 workers",
    "websockets": "websockets asyncio `broadcast()`",
    "avalon-before": "Avalon before (--baseline)",
    "avalon": "Avalon",
    "avalon-scaled-before": "Avalon before, PostgreSQL + Redis, 3 workers",
    "avalon-scaled": "Avalon, PostgreSQL + Redis, 3 workers",
    "avalon-affinity": "Avalon, PostgreSQL + Redis, 1 worker (room affinity at best)",
}
SCALED_WORKERS = 3  # the README's scale-out: three workers on PostgreSQL and Redis


@dataclass(frozen=True)
class Scenario:
    name: str
    rooms: int
    clients: int
    senders: str
    rate: float
    client_procs: int
    duration: float | None = None  # seconds of chat; None: --duration
    servers: tuple[str, ...] = ("hub", "socketio", "websockets", "avalon-before", "avalon")


SCENARIOS = [
    Scenario("1 room x 10, one sender at 100 msg/s", 1, 10, "one", 100, 1),
    Scenario("10 rooms x 10, all chatting at 20 msg/s", 10, 10, "all", 20, 2),
    Scenario("10 rooms x 10, all chatting at 50 msg/s", 10, 10, "all", 50, 2),
    # The README's load model: real rooms are small and quiet, and there are many of them.
    Scenario(
        "quiet: 200 rooms x 7, each player one msg every 10 s",
        *(200, 7, "all", 0.1, 2, 60),
        ("hub", "socketio-redis", "avalon-before", "avalon")
        + ("avalon-scaled-before", "avalon-scaled", "avalon-affinity"),
    ),
]


def bench_python() -> Path:
    """The benchmark virtualenv's python, made (or refreshed) from bench/requirements.txt."""
    python = VENV / "bin" / "python"
    stamp = VENV / ".requirements"
    wanted = REQUIREMENTS.read_text()
    if python.exists() and stamp.exists() and stamp.read_text() == wanted:
        return python
    print(f"making the benchmark virtualenv {VENV.name} from bench/requirements.txt ...")
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(VENV)], check=True)
    pip = [str(python), "-m", "pip", "install", "--quiet"]
    subprocess.run([*pip, "-r", str(REQUIREMENTS)], check=True)
    stamp.write_text(wanted)
    return python


def make_server(kind: str, scenario: Scenario, args: argparse.Namespace, temp: Path) -> Any:
    """A stopped server of this kind, ready to start."""
    log = temp / f"{kind}.log"
    if kind.startswith("avalon"):
        before = kind.endswith("-before")
        root = args.baseline if before else ROOT
        python = str(args.baseline_python or sys.executable) if before else sys.executable
        fanout_args = fanout.parse_args(["--spawn-server", "--rate", str(scenario.rate)])
        env = fanout.server_env(fanout_args, temp)
        env["DATABASE_URL"] = f"sqlite:///{temp / (kind + '.db')}"
        workers = 1
        if kind.startswith("avalon-scaled") or kind == "avalon-affinity":
            env["DATABASE_URL"] = fresh_database(args.database_url)
            env["REDIS_URL"] = fresh_redis(args.redis_url)
            # Affinity's floor: every room on one worker, so each message is published
            # once and read once, as if rooms were routed to workers by their code.
            workers = 1 if kind == "avalon-affinity" else SCALED_WORKERS
        return SpawnedServer(workers, env, log, "gunicorn.conf.py", root=root, python=python)
    if kind == "websockets":
        python = str(args.ref_python.absolute())  # the servers run from bench/ref/
        env = {"PYTHONUNBUFFERED": "1", "PYTHONPATH": ""}
        return CommandServer([python, "websockets_app.py", "{port}"], REF, env, log)
    if kind == "socketio-redis":
        queue = {"SOCKETIO_MESSAGE_QUEUE": fresh_redis(args.redis_url)}
        return ref_gunicorn(args.ref_python, "socketio_app:app", 10000, log, SCALED_WORKERS, queue)
    module = "hub:app" if kind == "hub" else "socketio_app:app"
    return ref_gunicorn(args.ref_python, module, 10000, log)


def ref_gunicorn(
    python: Path,
    module: str,
    connections: int,
    log: Path,
    workers: int = 1,
    env: dict[str, str] | None = None,
) -> CommandServer:
    """A stopped gunicorn serving a reference app of bench/ref/ on gevent workers."""
    command = [str(python.absolute()), "-m", "gunicorn", "-k", "gevent", "--workers", str(workers)]
    command += ["--worker-connections", str(connections), "--bind", "127.0.0.1:{port}", module]
    env = {"PYTHONUNBUFFERED": "1", "PYTHONPATH": "", **(env or {})}
    return CommandServer(command, REF, env, log, workers=workers)


def fresh_database(url: str) -> str:
    """The PostgreSQL database at `url`, made or emptied: every run starts from no rooms."""
    import psycopg2  # the app's driver, in the project's virtualenv

    try:
        connection = psycopg2.connect(url)
    except psycopg2.OperationalError as error:
        if "does not exist" not in str(error):
            raise
        server, _, name = url.rpartition("/")
        maintenance = psycopg2.connect(f"{server}/postgres")
        maintenance.autocommit = True
        with maintenance.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
        maintenance.close()
        connection = psycopg2.connect(url)
    try:
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    finally:
        connection.close()
    return url


def fresh_redis(url: str) -> str:
    """The Redis database at `url`, emptied, so no run sees another's keys or streams."""
    import redis  # the app's client, in the project's virtualenv

    client = redis.Redis.from_url(url)
    try:
        client.flushdb()
    finally:
        client.close()
    return url


def hub_urls(server: CommandServer, sockets: int) -> list[str]:
    """Socket URLs of the featureless hub for `sockets` clients, ten to a room."""
    base = f"ws{server.url.removeprefix('http')}/ws/room"
    return [f"{base}{index // 10}" for index in range(sockets)]


def run_one(kind: str, scenario: Scenario, args: argparse.Namespace) -> dict[str, Any]:
    """Start one server, run one scenario against it, stop it; return the figures."""
    with tempfile.TemporaryDirectory(prefix="avalon-compare-") as temp:
        server = make_server(kind, scenario, args, Path(temp))
        try:
            server.start()
            wire_kind = kind.split("-")[0]  # avalon-scaled speaks avalon, and so on
            fanout_args = fanout.parse_args(
                ["--url", server.url, "--kind", wire_kind]
                + ["--rooms", str(scenario.rooms), "--clients", str(scenario.clients)]
                + ["--senders", scenario.senders, "--rate", str(scenario.rate)]
                + ["--duration", str(scenario.duration or args.duration), "--drain", "5"]
                + ["--client-procs", str(scenario.client_procs)]
            )
            summary = fanout.run_benchmark(fanout_args, server.url, server.worker_pids())
        finally:
            server.stop()
    cpu = summary["server_cpu"] or {}
    return {
        "us": cpu.get("us_per_delivery"),
        "p99": summary["latency_ms"]["p99"],
        "p50": summary["latency_ms"]["p50"],
        "lost": summary["lost"],
        "received": summary["deliveries_received"],
        "errors": summary["errors"],
        "closes": summary["closes_during_run"],
        "cores": cpu.get("cores_used"),
        "client": summary["client"]["bottleneck"],
        "load": summary["load_average_1min"]["before"],
    }


def cell(runs: list[dict]) -> str:
    """Median CPU per delivery and p99 of some runs, flagged when deliveries were lost."""
    us = [run["us"] for run in runs if run["us"] is not None]
    p99 = [run["p99"] for run in runs if run["p99"] is not None]
    if not us:
        return "n/a"
    text = f"{statistics.median(us):.0f} us, p99 {statistics.median(p99):.1f} ms"
    lost = sum(run["lost"] for run in runs)
    return text + (f" (lost {lost})" if lost else "")


def ratios(runs: dict[str, list[dict]], mine: str, rounds: int) -> dict[str, str]:
    """One Avalon column's CPU per delivery over each reference server's and its code
    before's, per round."""
    found = {}
    for other in runs:
        if other.startswith("avalon") and other != f"{mine}-before":
            continue
        per_round = []
        for index in range(rounds):
            ours, theirs = runs[mine][index]["us"], runs[other][index]["us"]
            if ours and theirs:
                per_round.append(ours / theirs)
        if per_round:
            low, high = min(per_round), max(per_round)
            found[other] = f"{statistics.median(per_round):.2f} [{low:.2f}-{high:.2f}]"
    return found


def print_table(results: dict, kinds: list[str], rounds: int) -> None:
    """The README's table, then each Avalon column's ratios over the reference servers."""
    kinds = [kind for kind in kinds if any(kind in runs for runs in results.values())]
    print()
    print("| scenario | " + " | ".join(TITLES[kind] for kind in kinds) + " |")
    print("| --- |" + " --- |" * len(kinds))
    for name, by_kind in results.items():
        cells = [cell(by_kind[kind]) if kind in by_kind else "-" for kind in kinds]
        print(f"| {name} | " + " | ".join(cells) + " |")
    print()
    for mine in [kind for kind in kinds if kind in ("avalon", "avalon-scaled", "avalon-affinity")]:
        others = [kind for kind in kinds if not kind.startswith("avalon")]
        others += [kind for kind in kinds if kind == f"{mine}-before"]
        rows = {name: runs for name, runs in results.items() if mine in runs}
        if not rows or not others:
            continue
        print(f"{TITLES[mine]}: CPU per delivery over the other server's (median [range]):")
        print()
        print("| scenario | " + " | ".join(f"over {kind}" for kind in others) + " |")
        print("| --- |" + " --- |" * len(others))
        for name, runs in rows.items():
            found = ratios(runs, mine, rounds)
            print(f"| {name} | " + " | ".join(found.get(kind, "-") for kind in others) + " |")
        print()
        print("p99 over the featureless hub's (median of the rounds):")
        for name, runs in rows.items():
            if "hub" in runs:
                pairs = zip(runs[mine], runs["hub"], strict=True)
                per = [a["p99"] / h["p99"] for a, h in pairs if a["p99"] and h["p99"]]
                if per:
                    print(f"  {name}: {statistics.median(per):.2f}")
        print()


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="runs of each server (default 3)")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of chat a run")
    parser.add_argument(
        "--servers",
        default=",".join(kind for kind in TITLES if kind != "avalon-before"),
        help="comma-separated, of: " + ", ".join(TITLES) + " (avalon-before needs --baseline);"
        " each scenario runs those of them it lists",
    )
    parser.add_argument(
        "--scenarios", default="1,2,3,4", help="comma-separated numbers of the table's rows"
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", "postgresql://127.0.0.1:5432/avalon_bench"),
        help="PostgreSQL of the scaled Avalon column, emptied before each run",
    )
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/7"),
        help="Redis database of the scaled columns, flushed before each run",
    )
    parser.add_argument("--baseline", type=Path, help="another checkout: avalon-before columns")
    parser.add_argument(
        "--baseline-python", type=Path, help="the python of the baseline's own virtualenv"
    )
    parser.add_argument("--ref-python", type=Path, help="python of the benchmark virtualenv")
    parser.add_argument("--json", type=Path, help="also write every run's figures here")
    args = parser.parse_args(argv)
    kinds = [kind.strip() for kind in args.servers.split(",") if kind.strip()]
    if not args.baseline:  # the columns of code before need its checkout
        kinds = [kind for kind in kinds if not kind.endswith("-before")]
    elif "avalon-before" not in kinds:
        kinds.insert(kinds.index("avalon") if "avalon" in kinds else len(kinds), "avalon-before")
    unknown = set(kinds) - set(TITLES)
    if unknown:
        parser.error(f"unknown servers {sorted(unknown)} (avalon-before needs --baseline)")
    args.kinds = kinds
    args.picked = [SCENARIOS[int(number) - 1] for number in args.scenarios.split(",")]
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if any(not kind.startswith("avalon") for kind in args.kinds) and args.ref_python is None:
        args.ref_python = bench_python()
    results: dict[str, dict[str, list[dict]]] = {
        s.name: {kind: [] for kind in args.kinds if kind in s.servers} for s in args.picked
    }
    began = time.monotonic()
    for round_index in range(args.rounds):
        for scenario in args.picked:
            kinds = list(results[scenario.name])
            shift = round_index % max(1, len(kinds))
            for kind in kinds[shift:] + kinds[:shift]:  # alternate who goes first
                run = run_one(kind, scenario, args)
                results[scenario.name][kind].append(run)
                print(
                    f"round {round_index + 1} | {scenario.name} | {kind}: {run['us']} us/delivery,"
                    f" p50 {run['p50']} p99 {run['p99']} ms, lost {run['lost']},"
                    f" errors {run['errors'] or 'none'}, closes {run['closes'] or 'none'},"
                    f" {run['cores']} cores, load {run['load']:.2f}, client bottleneck:"
                    f" {run['client']}",
                    flush=True,
                )
    print(f"\n{args.rounds} rounds in {time.monotonic() - began:.0f} s, {os.cpu_count()} cores")
    print_table(results, args.kinds, args.rounds)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
