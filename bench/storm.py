"""Reconnect storm: every socket of a worker closed by its SIGTERM comes back at once.

Spawns gunicorn with one gevent worker, opens N sockets (10 players a room), and has one
player of every room chat once a second. Then the worker gets SIGTERM: it closes every
socket with 1001, the master starts a fresh worker, and every client reconnects at once
with `since=` the newest chat id it holds. The report: how long after the signal every
socket held its new snapshot, how many handshakes were refused, and whether any chat
message the server acknowledged (the sender's copy, with its id) is missing from any
member's view (live or in the since= snapshot).

    python bench/storm.py                        # 2,000 sockets in 200 rooms
    python bench/storm.py --sockets 500
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from fanout import cpu_seconds
from memory_sockets import ROOT
from memory_sockets import Server
from memory_sockets import create_seats
from memory_sockets import raise_fd_limit
from memory_sockets import wait_sockets
from websockets.asyncio.client import ClientConnection
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

OPEN_CONCURRENCY = 200
CHAT_EVERY = 1.0  # seconds between two messages of a room's sender
AFTER_STORM = 3.0  # seconds of chat after every socket is back
DEADLINE = 60.0  # give up waiting for reconnects after this


class Member:
    """One client: its socket, the chat ids it holds, when it got its snapshot back."""

    def __init__(self, seat: dict, base: str) -> None:
        self.seat = seat
        self.base = base
        self.ws: ClientConnection | None = None
        self.seen: set[int] = set()
        self.acked: set[int] = set()  # ids of this member's own messages, as acknowledged
        self.back_at: float | None = None  # when the snapshot after the storm arrived
        self.closes: Counter = Counter()
        self.refused = 0
        self.sent = 0

    def url(self) -> str:
        seat = self.seat
        url = f"{self.base}/{seat['code']}?player_id={seat['player_id']}&token={seat['token']}"
        return url + (f"&since={max(self.seen)}" if self.seen else "")

    async def open(self) -> None:
        """Connect and read the snapshot; retried until it works (each failure counted)."""
        while True:
            try:
                ws = await connect(
                    self.url(), compression=None, ping_interval=None, open_timeout=30
                )
                first = json.loads(await ws.recv())
            except Exception as exc:  # refused, reset, timed out: count it and try again
                self.refused += 1
                self.closes[type(exc).__name__] += 1
                await asyncio.sleep(0.2)
                continue
            if first.get("type") != "state":
                self.refused += 1
                await ws.close()
                await asyncio.sleep(0.2)
                continue
            self.seen |= {chat["id"] for chat in first["payload"].get("chat", [])}
            self.ws = ws
            return

    async def read(self, storm: Storm) -> None:
        """Record chat; on a close, reconnect at once with since= and keep reading."""
        while not storm.done:
            assert self.ws is not None
            try:
                async for raw in self.ws:
                    message = json.loads(raw)
                    if message.get("event") == "chat":
                        chat_id = message["payload"]["id"]
                        self.seen.add(chat_id)
                        if message.get("correlation_id"):
                            self.acked.add(chat_id)
                closed = self.ws.close_code
            except ConnectionClosed as exc:
                closed = exc.rcvd.code if exc.rcvd else 1006
            if storm.done:
                return
            self.closes[str(closed)] += 1
            self.ws = None
            await self.open()
            if storm.signalled is not None and self.back_at is None:
                self.back_at = time.monotonic() - storm.signalled

    async def chat(self, storm: Storm) -> None:
        """Send a message every CHAT_EVERY seconds while connected."""
        while not storm.stop_chat:
            await asyncio.sleep(CHAT_EVERY)
            ws = self.ws
            if ws is None:
                continue
            envelope = {"type": "chat", "correlation_id": f"s{self.sent}", "payload": {}}
            envelope["payload"]["message"] = f"storm {self.sent}"
            try:
                await ws.send(json.dumps(envelope))
                self.sent += 1
            except ConnectionClosed:
                pass


class Storm:
    def __init__(self) -> None:
        self.signalled: float | None = None
        self.stop_chat = False
        self.done = False


async def run(server: Server, seats: list[dict]) -> dict:
    base = f"ws{server.url.removeprefix('http')}/ws/rooms"
    members = [Member(seat, base) for seat in seats]
    limit = asyncio.Semaphore(OPEN_CONCURRENCY)

    async def first_open(member: Member) -> None:
        async with limit:
            await member.open()

    await asyncio.gather(*(first_open(m) for m in members))
    await wait_sockets(server, len(members))
    storm = Storm()
    readers = [asyncio.create_task(m.read(storm)) for m in members]
    rooms: dict[str, list[Member]] = {}
    for member in members:
        rooms.setdefault(member.seat["code"], []).append(member)
    senders = [asyncio.create_task(room[0].chat(storm)) for room in rooms.values()]
    await asyncio.sleep(3 * CHAT_EVERY)
    old = server.worker_pids()
    storm.signalled = time.monotonic()
    client_cpu = time.process_time()
    for pid in old:  # every worker at once: the whole deployment's sockets come back
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + DEADLINE
    fresh_up = None  # when every fresh worker was running (not yet serving, perhaps)
    old_gone = None  # when the last old worker had exited
    while any(m.back_at is None for m in members) and time.monotonic() < deadline:
        workers = set(server.worker_pids())
        if old_gone is None and not workers & set(old):
            old_gone = time.monotonic() - storm.signalled
        if fresh_up is None and len(workers - set(old)) >= len(old):
            fresh_up = time.monotonic() - storm.signalled
        await asyncio.sleep(0.05)
    client_cpu = time.process_time() - client_cpu
    fresh = server.worker_pids()
    server_cpu = cpu_seconds(fresh)  # the fresh workers' whole lives: the storm
    await asyncio.sleep(AFTER_STORM)
    storm.stop_chat = True
    await asyncio.gather(*senders)
    await asyncio.sleep(2.0)  # the last messages' deliveries
    storm.done = True
    lost = 0
    for room in rooms.values():
        acked = set().union(*(m.acked for m in room))
        lost += sum(len(acked - m.seen) for m in room)
    back = sorted(m.back_at for m in members if m.back_at is not None)
    await asyncio.gather(*(m.ws.close() for m in members if m.ws), return_exceptions=True)
    for task in readers:
        task.cancel()
    closes: Counter = sum((m.closes for m in members), Counter())
    return {
        "sockets": len(members),
        "rooms": len(rooms),
        "old_worker": old,
        "fresh_worker": fresh,
        "back": len(back),
        "back_p50_s": statistics.median(back) if back else None,
        "back_p99_s": back[int(0.99 * (len(back) - 1))] if back else None,
        "back_max_s": back[-1] if back else None,
        "refused": sum(m.refused for m in members),
        "closes": dict(closes),
        "acked": sum(len(m.acked) for m in members),
        "lost": lost,
        "fresh_up_s": fresh_up,
        "old_gone_s": old_gone,
        "client_cpu_s": client_cpu,
        "server_cpu_s": server_cpu,
    }


def after(seconds: float | None) -> str:
    """A moment of the storm, in seconds after the signal (or never, by the deadline)."""
    return "never" if seconds is None else f"{seconds:.2f} s"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sockets", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    parser.add_argument("--redis-url", help="default: none (the in-process hub)")
    parser.add_argument("--server-log", type=Path, help="keep the gunicorn log here")
    parser.add_argument(
        "--server-profile", type=Path, metavar="PREFIX", help="sample the workers (see README)"
    )
    args = parser.parse_args(argv)
    raise_fd_limit(args.sockets * 3 + 500)
    with tempfile.TemporaryDirectory(prefix="avalon-storm-") as temp:
        env = {
            "SECRET_KEY": "storm-benchmark-only",
            "DATABASE_URL": args.database_url or f"sqlite:///{Path(temp) / 'storm.db'}",
            "WEB_CONCURRENCY": str(args.workers),
            "AVALON_WORKER_CONNECTIONS": str(args.sockets + 1000),
            "AVALON_ROOM_REQUEST_BURST": "1000000",  # every socket upgrade counts here
            "AVALON_ROOM_REQUEST_RATE": "1000000",
        }
        config = "gunicorn.conf.py"
        if args.server_profile:  # each worker writes its profile when it exits
            env["AVALON_BENCH_PROFILE"] = str(args.server_profile.resolve())
            config = "bench/profile_gunicorn.conf.py"
        if args.redis_url:
            env["REDIS_URL"] = args.redis_url
        log_path = args.server_log or Path(temp) / "storm.log"
        server = Server(env, str(ROOT / config), log_path, args.workers)
        try:
            server.start()
            began = time.monotonic()
            seats = create_seats(server.url, args.sockets, 10, 0)
            print(f"{len(seats)} seats made in {time.monotonic() - began:.1f} s", flush=True)
            result = asyncio.run(run(server, seats))
        finally:
            server.stop()
        log_text = server.log_path.read_text(errors="replace")
        tracebacks = log_text.count("Traceback")
        errors_500 = log_text.count("status=500 ")
        if tracebacks:
            at = log_text.index("Traceback")
            print(log_text[max(0, at - 300) : at + 2500])
    print(
        f"{result['sockets']} sockets in {result['rooms']} rooms; SIGTERM to workers"
        f" {result['old_worker']}, fresh workers {result['fresh_worker']}"
    )
    print(
        f"back with a snapshot: {result['back']} of {result['sockets']}, p50"
        f" {result['back_p50_s']:.2f} s, p99 {result['back_p99_s']:.2f} s,"
        f" last {result['back_max_s']:.2f} s after the signal"
    )
    print(
        f"old workers gone {after(result['old_gone_s'])} and fresh workers running"
        f" {after(result['fresh_up_s'])} after the signal; CPU until the"
        f" last was back: the fresh workers {result['server_cpu_s']:.1f} s, the client"
        f" {result['client_cpu_s']:.1f} s"
    )
    print(
        f"refused handshakes: {result['refused']}; closes seen: {result['closes']};"
        f" acknowledged chat messages {result['acked']}, missing from a member's view:"
        f" {result['lost']}; {tracebacks} tracebacks and {errors_500} HTTP 500s in the log"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
