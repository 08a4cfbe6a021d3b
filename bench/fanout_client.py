"""Fan-out benchmark, one client process: its sockets, senders, readers and counters.

bench/fanout.py starts these processes and deals each a share of the rooms; a process
connects every seat of its rooms, waits for the start signal, chats, drains and reports
back over its pipe (a room never spans two processes).
"""

from __future__ import annotations

import asyncio
import random
import signal
import time
from array import array
from collections import Counter
from dataclasses import dataclass
from dataclasses import field
from multiprocessing.connection import Connection as Pipe

import wire
from websockets.asyncio.client import ClientConnection
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

TAG = "b"  # first field of every benchmark chat message: b:<sender>:<seq>:<send time>
CLOSE_TIMEOUT = 5.0  # seconds to wait for the closing handshakes at the end


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


# Client process


def socket_url(base_url: str, seat: dict, kind: str = "avalon") -> str:
    """The room socket URL for one seat."""
    return wire.socket_url(kind, base_url, seat)


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
