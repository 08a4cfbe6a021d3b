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
    "websockets": "websockets asyncio `broadcast()`",
    "avalon-before": "Avalon before (--baseline)",
    "avalon": "Avalon",
}


@dataclass(frozen=True)
class Scenario:
    name: str
    rooms: int
    clients: int
    senders: str
    rate: float
    client_procs: int


SCENARIOS = [
    Scenario("1 room x 10, one sender at 100 msg/s", 1, 10, "one", 100, 1),
    Scenario("10 rooms x 10, all chatting at 20 msg/s", 10, 10, "all", 20, 2),
    Scenario("10 rooms x 10, all chatting at 50 msg/s", 10, 10, "all", 50, 2),
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
        root = args.baseline if kind == "avalon-before" else ROOT
        fanout_args = fanout.parse_args(["--spawn-server", "--rate", str(scenario.rate)])
        env = fanout.server_env(fanout_args, temp)
        env["DATABASE_URL"] = f"sqlite:///{temp / (kind + '.db')}"
        return SpawnedServer(1, env, log, "gunicorn.conf.py", root=root)
    if kind == "websockets":
        python = str(args.ref_python.absolute())  # the servers run from bench/ref/
        env = {"PYTHONUNBUFFERED": "1", "PYTHONPATH": ""}
        return CommandServer([python, "websockets_app.py", "{port}"], REF, env, log)
    module = "hub:app" if kind == "hub" else "socketio_app:app"
    return ref_gunicorn(args.ref_python, module, 10000, log)


def ref_gunicorn(python: Path, module: str, connections: int, log: Path) -> CommandServer:
    """A stopped gunicorn serving a reference app of bench/ref/ on one gevent worker."""
    command = [str(python.absolute()), "-m", "gunicorn", "-k", "gevent", "--workers", "1"]
    command += ["--worker-connections", str(connections), "--bind", "127.0.0.1:{port}", module]
    return CommandServer(command, REF, {"PYTHONUNBUFFERED": "1", "PYTHONPATH": ""}, log)


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
            wire_kind = "avalon" if kind.startswith("avalon") else kind
            fanout_args = fanout.parse_args(
                ["--url", server.url, "--kind", wire_kind]
                + ["--rooms", str(scenario.rooms), "--clients", str(scenario.clients)]
                + ["--senders", scenario.senders, "--rate", str(scenario.rate)]
                + ["--duration", str(args.duration), "--drain", "5"]
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


def ratios(results: dict, scenario: str, kinds: list[str], rounds: int) -> dict[str, str]:
    """Avalon's CPU per delivery over each other server's, per round, as a median (range)."""
    found = {}
    for other in kinds:
        if other == "avalon":
            continue
        per_round = []
        for index in range(rounds):
            mine = results[scenario]["avalon"][index]["us"]
            theirs = results[scenario][other][index]["us"]
            if mine and theirs:
                per_round.append(mine / theirs)
        if per_round:
            low, high = min(per_round), max(per_round)
            found[other] = f"{statistics.median(per_round):.2f} [{low:.2f}-{high:.2f}]"
    return found


def print_table(results: dict, kinds: list[str], rounds: int) -> None:
    print()
    print("| scenario | " + " | ".join(TITLES[kind] for kind in kinds) + " |")
    print("| --- |" + " --- |" * len(kinds))
    for name, by_kind in results.items():
        print(f"| {name} | " + " | ".join(cell(by_kind[kind]) for kind in kinds) + " |")
    print()
    others = [kind for kind in kinds if kind != "avalon"]
    if "avalon" in kinds and others:
        print("Avalon's CPU per delivery over the other server's (median [range] of the rounds):")
        print()
        print("| scenario | " + " | ".join(f"Avalon / {kind}" for kind in others) + " |")
        print("| --- |" + " --- |" * len(others))
        for name in results:
            found = ratios(results, name, kinds, rounds)
            print(f"| {name} | " + " | ".join(found.get(kind, "n/a") for kind in others) + " |")
        print()
        print("p99 over the featureless hub's (median of the rounds):")
        for name, by_kind in results.items():
            if "hub" in by_kind:
                pairs = zip(by_kind["avalon"], by_kind["hub"], strict=True)
                per = [a["p99"] / h["p99"] for a, h in pairs if a["p99"] and h["p99"]]
                if per:
                    print(f"  {name}: {statistics.median(per):.2f}")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="runs of each server (default 3)")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of chat a run")
    parser.add_argument(
        "--servers",
        default="hub,socketio,websockets,avalon",
        help="comma-separated: hub, socketio, websockets, avalon (and avalon-before)",
    )
    parser.add_argument(
        "--scenarios", default="1,2,3", help="comma-separated numbers of the table's rows"
    )
    parser.add_argument("--baseline", type=Path, help="another checkout: an avalon-before column")
    parser.add_argument("--ref-python", type=Path, help="python of the benchmark virtualenv")
    parser.add_argument("--json", type=Path, help="also write every run's figures here")
    args = parser.parse_args(argv)
    kinds = [kind.strip() for kind in args.servers.split(",") if kind.strip()]
    if args.baseline and "avalon-before" not in kinds:
        kinds.insert(kinds.index("avalon") if "avalon" in kinds else len(kinds), "avalon-before")
    unknown = set(kinds) - set(TITLES)
    if unknown or ("avalon-before" in kinds and not args.baseline):
        parser.error(f"unknown servers {sorted(unknown)} (avalon-before needs --baseline)")
    args.kinds = kinds
    args.picked = [SCENARIOS[int(number) - 1] for number in args.scenarios.split(",")]
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if any(not kind.startswith("avalon") for kind in args.kinds) and args.ref_python is None:
        args.ref_python = bench_python()
    results: dict[str, dict[str, list[dict]]] = {
        s.name: {kind: [] for kind in args.kinds} for s in args.picked
    }
    kinds = args.kinds
    began = time.monotonic()
    for round_index in range(args.rounds):
        for scenario in args.picked:
            shift = round_index % len(kinds)
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
    print_table(results, kinds, args.rounds)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
