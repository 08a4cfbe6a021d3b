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
server, which inherits it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import secrets
import signal
import sys
import tempfile
import time
import urllib.error
import urllib.request
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
CHECKPOINTS = 5  # RSS readings on the way to N sockets

# A gunicorn config written to the temporary directory for --breakdown: the project's
# settings plus a SIGUSR2 handler that makes the worker describe its memory.
BREAKDOWN_CONFIG = """
import os
import runpy
import signal

for _name, _value in runpy.run_path({project_config!r}).items():
    if not _name.startswith("__"):
        globals()[_name] = _value

_project_post_worker_init = globals()["post_worker_init"]
_state = {{}}


def _describe():
    import collections
    import gc
    import json
    import sys
    import tracemalloc

    import greenlet

    gc.collect()
    counts = collections.Counter()
    sizes = collections.Counter()
    stacks = 0
    greenlets = 0
    for obj in gc.get_objects():
        kind = type(obj)
        name = f"{{kind.__module__}}.{{kind.__qualname__}}"
        counts[name] += 1
        sizes[name] += sys.getsizeof(obj)
        if isinstance(obj, greenlet.greenlet):
            greenlets += 1
            stacks += getattr(obj, "_stack_saved", 0)
    report = {{
        "counts": counts,
        "sizes": sizes,
        "greenlets": greenlets,
        "greenlet_stacks": stacks,
        "owners": _owners(counts),
    }}
    if tracemalloc.is_tracing():
        snapshot = tracemalloc.take_snapshot().filter_traces(
            [tracemalloc.Filter(False, tracemalloc.__file__)]
        )
        if "snapshot" in _state:
            report["lines"] = [
                [str(stat.traceback[0]), stat.size_diff, stat.count_diff]
                for stat in snapshot.compare_to(_state["snapshot"], "lineno")[:40]
            ]
            report["files"] = [
                [str(stat.traceback[0].filename), stat.size_diff, stat.count_diff]
                for stat in snapshot.compare_to(_state["snapshot"], "filename")[:25]
            ]
        _state["snapshot"] = snapshot
    number = _state.get("number", 0)
    _state["number"] = number + 1
    path = os.environ["AVALON_BENCH_MEMORY_REPORT"] + f".{{number}}"
    with open(path + ".tmp", "w") as out:
        json.dump(report, out)
    os.replace(path + ".tmp", path)


def _owners(counts):
    # For the types that grew most: what refers to a sample of their instances.
    import collections
    import gc
    import types

    previous = _state.get("counts", {{}})
    _state["counts"] = counts
    grown = sorted(counts, key=lambda name: previous.get(name, 0) - counts[name])[:12]
    wanted = set(grown)
    samples = {{}}  # id -> type name, at most 100 of each type
    taken = collections.Counter()
    everything = gc.get_objects()
    for obj in reversed(everything):  # the newest objects come last
        kind = type(obj)
        name = f"{{kind.__module__}}.{{kind.__qualname__}}"
        if name in wanted and taken[name] < 100:
            taken[name] += 1
            samples[id(obj)] = name
    holders = collections.defaultdict(collections.Counter)  # type name -> holder labels
    dicts = {{}}  # id of a holding dict -> the type names it holds
    for obj in everything:
        if isinstance(obj, types.FrameType) or obj is everything:
            continue
        for ref in gc.get_referents(obj):
            name = samples.get(id(ref))
            if name is None:
                continue
            if type(obj) is dict:
                dicts.setdefault(id(obj), []).append(name)
            else:
                holders[name][type(obj).__module__ + "." + type(obj).__qualname__] += 1
    for obj in everything:
        for ref in gc.get_referents(obj):
            if type(ref) is dict and id(ref) in dicts and getattr(obj, "__dict__", None) is ref:
                for name in dicts.pop(id(ref)):
                    holders[name]["__dict__ of " + type(obj).__qualname__] += 1
    for names in dicts.values():
        for name in names:
            holders[name]["dict"] += 1
    del everything
    return {{name: holders[name].most_common(4) for name in grown}}


def post_worker_init(worker):
    _project_post_worker_init(worker)
    import gevent

    gevent.signal_handler(signal.SIGUSR2, lambda: gevent.spawn(_describe))
"""


# The server


class Server(SpawnedServer):
    """gunicorn with one gevent worker on a loopback port."""

    def __init__(self, env: dict[str, str], config: str, log_path: Path) -> None:
        super().__init__(1, env, log_path, config)

    def worker_pid(self) -> int | None:
        """The one worker's pid, once it runs."""
        pids = self.worker_pids()
        return pids[0] if len(pids) == 1 else None

    def metrics(self) -> dict[str, float]:
        _, text = get(self.url + "/metrics")
        values = {}
        for line in text.splitlines():
            if line and not line.startswith("#") and "{" not in line:
                name, _, value = line.partition(" ")
                values[name] = float(value)
        return values


def get(url: str) -> tuple[int, str]:
    with HTTP.open(url, timeout=30) as response:
        return response.status, response.read().decode()


def post(url: str, body: dict) -> dict:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST")
    request.add_header("Content-Type", "application/json")
    try:
        with HTTP.open(request, timeout=30) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as err:
        with err:
            raise SystemExit(f"POST {url} answered {err.code}: {err.read()[:200]!r}") from None


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def open_fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


# Rooms and sockets


def create_room(url: str, players: int, spectators: int) -> list[dict]:
    """A room with its host, players and spectators; return every seat."""
    host = post(url + "/api/rooms", {"display_name": "p1"})
    seats = [host]
    for number in range(2, players + spectators + 1):
        body = {"display_name": f"p{number}", "spectator": number > players}
        seats.append(post(f"{url}/api/rooms/{host['code']}/join", body))
    return seats


def create_seats(url: str, sockets: int, players: int, spectators: int) -> list[dict]:
    per_room = players + spectators
    rooms = -(-sockets // per_room)
    with ThreadPoolExecutor(max_workers=8) as pool:
        made = pool.map(lambda _: create_room(url, players, spectators), range(rooms))
        return [seat for room in made for seat in room][:sockets]


def socket_url(url: str, seat: dict) -> str:
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
        limit = asyncio.Semaphore(OPEN_CONCURRENCY)

        async def one(ws: ClientConnection) -> None:
            async with limit:
                await ws.close()

        await asyncio.gather(*(one(ws) for ws in self.sockets), return_exceptions=True)
        await asyncio.gather(*self.readers, return_exceptions=True)


async def wait_sockets(server: Server, count: int, timeout: float = 60) -> None:
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


# Breakdown


def describe(server: Server, pid: int, report: Path, number: int) -> dict:
    """Have the worker describe its objects (and allocations); return the report."""
    path = Path(f"{report}.{number}")
    os.kill(pid, signal.SIGUSR2)
    deadline = time.monotonic() + 120
    while not path.exists():
        if time.monotonic() > deadline:
            raise SystemExit("the worker wrote no memory report")
        time.sleep(0.2)
    return json.loads(path.read_text())


def print_breakdown(before: dict, after: dict, sockets: int) -> None:
    print(f"\nwhat one socket adds in the worker (gc-tracked objects, {sockets} sockets):")
    rows = []
    for name, count in after["counts"].items():
        extra = count - before["counts"].get(name, 0)
        if extra >= sockets // 2:
            size = after["sizes"][name] - before["sizes"].get(name, 0)
            rows.append((size / sockets, extra / sockets, name))
    rows.sort(reverse=True)
    print(f"  {'bytes':>8} {'objects':>8}  type (shallow sizes: sys.getsizeof)")
    for size, count, name in rows[:40]:
        print(f"  {size:8.0f} {count:8.2f}  {name}")
    print(f"  {sum(row[0] for row in rows):8.0f}           total of these types")
    print("\nwho holds the most numerous ones (referrers of 100 samples):")
    for name, owners in after["owners"].items():
        extra = after["counts"].get(name, 0) - before["counts"].get(name, 0)
        if extra >= sockets // 2:
            held = ", ".join(f"{label} {n}" for label, n in owners)
            print(f"  {name} ({extra / sockets:.1f}/socket): {held}")
    greenlets = (after["greenlets"] - before["greenlets"]) / sockets
    stacks = (after["greenlet_stacks"] - before["greenlet_stacks"]) / sockets
    print(f"  greenlets per socket: {greenlets:.2f}; their saved C stacks: {stacks:.0f} bytes")
    if "lines" in after:
        print("\nPython allocations per socket, by file (tracemalloc):")
        for where, size, count in after["files"]:
            if size > 0:
                print(f"  {size / sockets:8.0f} B {count / sockets:7.2f} blocks  {short(where)}")
        print("\nby line:")
        for where, size, count in after["lines"]:
            if size > 0:
                print(f"  {size / sockets:8.0f} B {count / sockets:7.2f} blocks  {short(where)}")


def short(path: str) -> str:
    for marker in ("/site-packages/", "/avalon/", "/lib/python3"):
        if marker in path:
            return path[path.index(marker) + 1 :]
    return path


# Main


def raise_fd_limit(needed: int) -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < needed:
        raise SystemExit(f"need {needed} descriptors but the hard limit is {hard}")
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


async def measure(args: argparse.Namespace, server: Server, report: Path | None) -> dict:
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
