"""Fan-out benchmark: R rooms x N clients chatting over the room socket.

Every room is created over HTTP, each player opens a WebSocket, then every client (or one
per room) sends chat messages at a fixed rate. Each message carries its sender, a sequence
number and its send time; every client times the chat events it receives. The report gives
connect times, delivery rate, latency, losses, errors, close codes and, when the server's
processes are known, its CPU time per delivery.

    python bench/fanout.py --spawn-server --workers 1 --rooms 10 --clients 10 --rate 50
    python bench/fanout.py --url http://127.0.0.1:8000 --rooms 2 --clients 5 --rate 5

Client processes each run one asyncio loop for a share of the rooms (a room never spans
two processes, so each process knows how many deliveries its rooms should get).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import random
import secrets
import signal
import sys
import tempfile
import time
import urllib.error
import urllib.request
from array import array
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from dataclasses import field
from multiprocessing.connection import Connection as Pipe
from pathlib import Path
from typing import Any

import wire
from spawn import SpawnedServer
from spawn import proc_stat_fields
from websockets.asyncio.client import ClientConnection
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

ROOT = Path(__file__).resolve().parent.parent
TAG = "b"  # first field of every benchmark chat message: b:<sender>:<seq>:<send time>
START_DELAY = 0.5  # seconds between "everyone is connected" and the first message
CLOSE_TIMEOUT = 5.0  # seconds to wait for the closing handshakes at the end
SERVER_BOOT_TIMEOUT = 30.0  # seconds to wait for a spawned server to answer /healthz
PROFILE_CONFIG = "bench/profile_gunicorn.conf.py"  # relative to the repository root
HTTP = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: no proxies


@dataclass
class Options:
    """What one client process needs to know to run its share."""

    rate: float
    senders: str
    duration: float
    drain: float
    connect_timeout: float
    connect_concurrency: int
    kind: str = "avalon"  # which server's dialect the client speaks (bench/wire.py)


@dataclass
class Client:
    """One player's socket and its counters."""

    code: str
    player_id: int
    url: str
    ws: ClientConnection | None = None
    sent: int = 0
    refused: int = 0  # chat messages answered with an error envelope (never delivered)
    received: int = 0
    close_code: int | None = None  # set when the server closed before we did
    stopped: bool = False  # the sender stopped early: its socket was closed


@dataclass
class ProcResult:
    """What one client process reports back to the parent."""

    sockets: int = 0
    connect_times: list[float] = field(default_factory=list)
    connect_errors: Counter = field(default_factory=Counter)
    sent: int = 0
    refused: int = 0
    expected: int = 0
    received: int = 0
    latencies: bytes = b""  # array('d') of seconds, one per delivery
    errors: Counter = field(default_factory=Counter)
    closes_during_run: Counter = field(default_factory=Counter)
    closes_at_end: Counter = field(default_factory=Counter)
    senders: int = 0
    senders_stopped: int = 0  # senders whose socket the server closed during the run
    sent_by_survivors: int = 0  # messages sent by the senders that were never stopped
    max_send_lag: float = 0.0
    send_cpu: float = 0.0  # this process's CPU seconds during the send phase
    drain_time: float = 0.0


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


# HTTP setup


def http_json(url: str, body: dict) -> tuple[int, dict]:
    """POST a JSON body; return the status and decoded JSON answer."""
    data = json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method="POST")
    request.add_header("Content-Type", "application/json")
    try:
        with HTTP.open(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        with err:
            return err.code, json.loads(err.read() or b"{}")


HTTP_HINTS = {
    "room_full": "a room holds 10 players and AVALON_MAX_SPECTATORS spectators (default 40):"
    " use more rooms, or raise it (with --spawn-server: --server-env AVALON_MAX_SPECTATORS=N)",
    "rate_limited": "raise AVALON_ROOM_REQUEST_BURST / AVALON_ROOM_REQUEST_RATE on the server",
}


def create_room(base_url: str, clients: int, players: int) -> list[dict]:
    """Create a room, join players then spectators up to `clients`; return seats, host first."""
    status, host = http_json(base_url + "/api/rooms", {"display_name": "p1"})
    if status != 201:
        code = host.get("error", {}).get("code")
        raise SystemExit(f"POST /api/rooms answered {status} {code}: {HTTP_HINTS.get(code, '')}")
    seats = [host]
    for number in range(2, clients + 1):
        url = f"{base_url}/api/rooms/{host['code']}/join"
        body = {"display_name": f"p{number}", "spectator": number > players}
        status, seat = http_json(url, body)
        if status != 201:
            code = seat.get("error", {}).get("code")
            raise SystemExit(f"join #{number} answered {status} {code}: {HTTP_HINTS.get(code, '')}")
        seats.append(seat)
    return seats


def create_rooms(base_url: str, rooms: int, clients: int, players: int) -> list[list[dict]]:
    """Create every room (a few at a time)."""
    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(lambda _: create_room(base_url, clients, players), range(rooms)))


def socket_url(base_url: str, seat: dict, kind: str = "avalon") -> str:
    """The room socket URL for one seat."""
    return wire.socket_url(kind, base_url, seat)


# Client process


def client_main(rooms: list[list[dict]], base_url: str, options: Options, pipe: Pipe) -> None:
    """Entry point of a client process: run its rooms, talk to the parent over the pipe."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C
    asyncio.run(run_client(rooms, base_url, options, pipe))


async def run_client(rooms: list[list[dict]], base_url: str, options: Options, pipe: Pipe) -> None:
    """Connect, wait for the start signal, chat, drain, report, then close."""
    result = ProcResult()
    latencies: array = array("d")
    by_room = [
        [Client(s["code"], s["player_id"], socket_url(base_url, s, options.kind)) for s in r]
        for r in rooms
    ]
    clients = [client for room in by_room for client in room]
    result.sockets = len(clients)
    limit = asyncio.Semaphore(options.connect_concurrency)
    await asyncio.gather(*(open_socket(c, options, limit, result) for c in clients))
    pipe.send(("ready", result.connect_times, result.connect_errors))
    loop = asyncio.get_running_loop()
    message, start = await loop.run_in_executor(None, pipe.recv)
    if message != "start":
        return
    readers = [
        asyncio.create_task(read_loop(c, latencies, result, options.kind)) for c in clients if c.ws
    ]
    end = start + options.duration
    take = 1 if options.senders == "one" else None
    senders = [c for room in by_room for c in room[:take] if c.ws]
    cpu_before = time.process_time()
    lags = await asyncio.gather(
        *(send_loop(c, options.rate, start, end, options.kind) for c in senders)
    )
    result.send_cpu = time.process_time() - cpu_before
    result.max_send_lag = max(lags, default=0.0)
    await drain(by_room, end + options.drain)
    result.drain_time = max(0.0, time.time() - end)
    fill_counts(by_room, senders, result)
    result.latencies = latencies.tobytes()
    closes_during_run = Counter(str(c.close_code) for c in clients if c.close_code is not None)
    result.closes_during_run = closes_during_run
    pipe.send(("done", result))
    await loop.run_in_executor(None, pipe.recv)  # "close": the parent has read server CPU
    result.closes_at_end = await close_all(clients)
    for task in readers:
        task.cancel()
    pipe.send(("closed", result.closes_at_end))


async def open_socket(
    client: Client, options: Options, limit: asyncio.Semaphore, result: ProcResult
) -> None:
    """Open one socket and read its first state frame, timing both."""
    async with limit:
        began = time.perf_counter()
        try:
            async with asyncio.timeout(options.connect_timeout):
                ws = await connect(
                    client.url,
                    compression=None,
                    proxy=None,
                    ping_interval=None,
                    max_queue=4096,
                    open_timeout=None,
                )
                problem = await wire.handshake(options.kind, ws, client.code)
        except ConnectionClosed as closed:
            code = closed.rcvd.code if closed.rcvd else "no close frame"
            result.connect_errors[f"closed {code}"] += 1
            return
        except Exception as exc:  # refused handshakes, timeouts, resets: count them all
            result.connect_errors[type(exc).__name__] += 1
            return
        if problem is not None:
            result.connect_errors[problem] += 1
            await ws.close()
            return
        client.ws = ws
        result.connect_times.append(time.perf_counter() - began)


async def send_loop(
    client: Client, rate: float, start: float, end: float, kind: str = "avalon"
) -> float:
    """Send chat messages on a fixed schedule until `end`; return the worst lag behind it."""
    assert client.ws is not None
    interval = 1.0 / rate
    due = start + random.uniform(0, interval)  # spread senders over the first interval
    worst = 0.0
    while due < end:
        delay = due - time.time()
        if delay > 0:
            await asyncio.sleep(delay)
        else:
            worst = max(worst, -delay)
        text = f"{TAG}:{client.player_id}:{client.sent}:{time.time():.6f}"
        try:
            await client.ws.send(wire.chat_frame(kind, client.code, client.sent, text))
        except ConnectionClosed:
            client.stopped = True
            break
        client.sent += 1
        due += interval
    return worst


async def read_loop(
    client: Client, latencies: array, result: ProcResult, kind: str = "avalon"
) -> None:
    """Record every benchmark chat delivery and every error until the socket closes."""
    assert client.ws is not None
    try:
        async for raw in client.ws:
            now = time.time()
            what, value = wire.parse(kind, raw)
            if what == "chat":
                if value.startswith(TAG + ":"):
                    latencies.append(now - float(value.rsplit(":", 1)[1]))
                    client.received += 1
            elif what == "error":
                result.errors[value[0]] += 1
                if value[1].startswith("c"):
                    client.refused += 1
            elif what == "reply":
                await client.ws.send(value)
    except ConnectionClosed as closed:
        client.close_code = closed.rcvd.code if closed.rcvd else 1006  # 1006: no close frame
    else:  # the iteration ends quietly on a 1000 or 1001 close
        client.close_code = client.ws.close_code


def expected_for(room: list[Client]) -> int:
    """Deliveries a room's open sockets should get: accepted messages x open sockets."""
    accepted = sum(c.sent - c.refused for c in room)
    return accepted * sum(1 for c in room if c.ws is not None)


async def drain(by_room: list[list[Client]], deadline: float) -> None:
    """Wait until every expected delivery arrived, or the deadline passes."""
    while time.time() < deadline:
        expected = sum(expected_for(room) for room in by_room)
        if sum(c.received for room in by_room for c in room) >= expected:
            return
        await asyncio.sleep(0.05)


def fill_counts(by_room: list[list[Client]], senders: list[Client], result: ProcResult) -> None:
    """Copy the per-socket counters into the process result."""
    result.senders = len(senders)
    result.senders_stopped = sum(c.stopped for c in senders)
    result.sent_by_survivors = sum(c.sent for c in senders if not c.stopped)
    clients = [c for room in by_room for c in room]
    result.sent = sum(c.sent for c in clients)
    result.refused = sum(c.refused for c in clients)
    result.received = sum(c.received for c in clients)
    result.expected = sum(expected_for(room) for room in by_room)


async def close_all(clients: list[Client]) -> Counter:
    """Close every still-open socket; count the close codes the server answered with."""
    open_clients = [c for c in clients if c.ws is not None and c.close_code is None]
    try:
        async with asyncio.timeout(CLOSE_TIMEOUT):
            await asyncio.gather(*(c.ws.close() for c in open_clients if c.ws))
    except TimeoutError:
        pass
    codes: Counter = Counter()
    for client in open_clients:
        assert client.ws is not None
        codes[str(client.ws.close_code)] += 1
    return codes


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


def percentile(ordered: list[float] | array, fraction: float) -> float | None:
    """Nearest-rank percentile of an already sorted sequence (None when empty)."""
    if not ordered:
        return None
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def summarize(
    args: argparse.Namespace,
    results: list[ProcResult],
    ready: list[Any],
    closed: list[Any],
    setup_time: float,
    connect_time: float,
    server_cpu: float | None,
    wall: float,
) -> dict[str, Any]:
    """Combine the processes' results into one report."""
    connect_times = sorted(t for answer in ready for t in answer[0])
    connect_errors = sum((answer[1] for answer in ready), Counter())
    latencies: array = array("d")
    for result in results:
        latencies.frombytes(result.latencies)
    ordered = sorted(latencies)
    sent = sum(r.sent for r in results)
    received = sum(r.received for r in results)
    expected = sum(r.expected for r in results)
    senders = args.rooms * (1 if args.senders == "one" else args.clients)
    target_sent = senders * args.rate * args.duration
    survivors = sum(r.senders - r.senders_stopped for r in results)
    survivor_plan = survivors * args.rate * args.duration
    survivor_share = (
        sum(r.sent_by_survivors for r in results) / survivor_plan if survivors else None
    )
    client_cpu = sum(r.send_cpu for r in results)
    ms = 1000.0
    summary: dict[str, Any] = {
        "scenario": {
            "rooms": args.rooms,
            "clients_per_room": args.clients,
            "spectators_per_room": max(0, args.clients - args.players),
            "senders": args.senders,
            "rate_per_sender": args.rate,
            "duration_s": args.duration,
            "client_procs": len(results),
            "server_workers": args.workers if args.spawn_server else None,
            "cpu_count": os.cpu_count(),
        },
        "setup_http_s": round(setup_time, 3),
        "connect": {
            "sockets": sum(r.sockets for r in results),
            "connected": len(connect_times),
            "total_s": round(connect_time, 3),
            "p50_ms": round_or_none(percentile(connect_times, 0.50), ms),
            "p99_ms": round_or_none(percentile(connect_times, 0.99), ms),
            "errors": dict(connect_errors),
        },
        "sent": sent,
        "target_sent": round(target_sent),
        "achieved_send_rate": round(sent / args.duration, 1),
        "target_send_rate": round(senders * args.rate, 1),
        "refused": sum(r.refused for r in results),
        "senders_stopped_by_close": sum(r.senders_stopped for r in results),
        "survivors_send_share": round_or_none(survivor_share, digits=3),
        "deliveries_expected": expected,
        "deliveries_received": received,
        "deliveries_per_s": round(received / args.duration, 1),
        "lost": expected - received,
        "latency_ms": {
            "p50": round_or_none(percentile(ordered, 0.50), ms),
            "p99": round_or_none(percentile(ordered, 0.99), ms),
            "max": round_or_none(ordered[-1] if ordered else None, ms),
        },
        "drain_s": round(max(r.drain_time for r in results), 3),
        "errors": dict(sum((r.errors for r in results), Counter())),
        "closes_during_run": dict(sum((r.closes_during_run for r in results), Counter())),
        "closes_at_end": dict(sum((answer[0] for answer in closed), Counter())),
        "client": {
            "max_send_lag_ms": round(max(r.max_send_lag for r in results) * ms, 1),
            "cpu_s": round(client_cpu, 2),
            "busiest_proc_cpu_share": round(max(r.send_cpu for r in results) / args.duration, 2),
        },
        "server_cpu": server_cpu_summary(server_cpu, received, sent, wall),
    }
    summary["client"]["bottleneck"] = client_bottleneck(summary)
    return summary


def round_or_none(value: float | None, scale: float = 1.0, digits: int = 2) -> float | None:
    """Scale and round a measurement that may be missing."""
    return None if value is None else round(value * scale, digits)


def server_cpu_summary(cpu: float | None, received: int, sent: int, wall: float) -> dict | None:
    """Server CPU over the send phase and drain, per delivery and per chat message."""
    if cpu is None:
        return None
    return {
        "cpu_s": round(cpu, 3),
        "cores_used": round(cpu / wall, 2) if wall > 0 else None,
        "us_per_delivery": round(cpu / received * 1e6, 1) if received else None,
        "us_per_message": round(cpu / sent * 1e6, 1) if sent else None,
    }


def client_bottleneck(summary: dict) -> str:
    """Judge whether the client side limited the run (closed senders do not count)."""
    reasons = []
    share = summary["survivors_send_share"]
    if share is not None and share < 0.95:
        reasons.append("senders sent under 95% of their schedule")
    if summary["client"]["max_send_lag_ms"] > 100:
        reasons.append("send schedule lagged over 100 ms")
    if summary["client"]["busiest_proc_cpu_share"] > 0.9:
        reasons.append("a client process used over 90% of a core")
    return "likely: " + "; ".join(reasons) if reasons else "no"


# Output


def print_summary(summary: dict[str, Any], log_info: dict[str, Any] | None) -> None:
    """Print the report for humans."""
    s, c, lat = summary["scenario"], summary["connect"], summary["latency_ms"]
    print(
        f"scenario: {s['rooms']} rooms x {s['clients_per_room']} clients"
        f" ({s['spectators_per_room']} of them spectators), senders={s['senders']},"
        f" {s['rate_per_sender']:g} msg/s each, {s['duration_s']:g} s,"
        f" {s['client_procs']} client procs, {s['cpu_count']} cores"
    )
    load = summary["load_average_1min"]
    print(
        f"machine load average (1 min): {load['before']:.2f} before, {load['after']:.2f} after"
        " (other busy processes distort every number below)"
    )
    print(f"setup: rooms and players over HTTP in {summary['setup_http_s']:.2f} s")
    print(
        f"connect: {c['connected']}/{c['sockets']} sockets in {c['total_s']:.2f} s,"
        f" per socket p50 {c['p50_ms']} ms p99 {c['p99_ms']} ms, errors {c['errors'] or 'none'}"
    )
    print(
        f"sent: {summary['sent']} of {summary['target_sent']} planned"
        f" ({summary['achieved_send_rate']:g}/s of {summary['target_send_rate']:g}/s),"
        f" refused by the server: {summary['refused']},"
        f" senders stopped by a server close: {summary['senders_stopped_by_close']}"
    )
    print(
        f"deliveries: {summary['deliveries_received']} received"
        f" of {summary['deliveries_expected']} expected,"
        f" {summary['deliveries_per_s']:g}/s, lost {summary['lost']}"
        f" (drain {summary['drain_s']:.2f} s)"
    )
    print(f"latency: p50 {lat['p50']} ms, p99 {lat['p99']} ms, max {lat['max']} ms")
    print(f"errors: {summary['errors'] or 'none'}")
    if summary["errors"].get("rate_limited"):
        print("  rate_limited: raise AVALON_CHAT_RATE and AVALON_CHAT_BURST on the server")
    print(
        f"closes: during run {summary['closes_during_run'] or 'none'},"
        f" at end {summary['closes_at_end'] or 'none'}"
    )
    if summary["closes_during_run"].get("4429"):
        print("  4429: server send queues filled (an overloaded server or a client not reading)")
    client = summary["client"]
    print(
        f"client: {client['cpu_s']} CPU s, busiest process {client['busiest_proc_cpu_share']:.0%}"
        f" of a core, max send lag {client['max_send_lag_ms']} ms,"
        f" client bottleneck: {client['bottleneck']}"
    )
    cpu = summary["server_cpu"]
    if cpu is None:
        print("server CPU: not measured (external server: pass --server-pid to measure)")
    else:
        print(
            f"server CPU: {cpu['cpu_s']} s ({cpu['cores_used']} cores),"
            f" {cpu['us_per_delivery']} us per delivery, {cpu['us_per_message']} us per message,"
            f" {cpu.get('system_share')} of it in the kernel"
        )
    if log_info is not None:
        print(
            f"server log: {log_info['tracebacks']} tracebacks,"
            f" {log_info['error_lines']} error lines"
        )
        for line in log_info["first_problem"]:
            print("  | " + line)


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
