"""The Redis broker's checks, each run by tests/test_redis_broker.py in a process of its own.

The broker does its I/O through redis-py, which is cooperative only once gevent has
patched the standard library: that must happen first thing in a process, so each
check runs here, after `monkey.patch_all()`, with a redis-server of its own.
`python -m tests.broker_checks NAME DIRECTORY` exits 0 when the check holds.
"""

from __future__ import annotations

from gevent import monkey

monkey.patch_all()

import struct  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402

import gevent  # noqa: E402
import redis  # noqa: E402
from gevent import socket as gsocket  # noqa: E402

from avalon.realtime.connection import Connection  # noqa: E402
from avalon.realtime.hub import Delivery  # noqa: E402
from avalon.realtime.reader import ClientSocket  # noqa: E402
from avalon.realtime.redis_broker import POOL_SIZE  # noqa: E402
from avalon.realtime.redis_broker import RedisBroker  # noqa: E402
from avalon.realtime.redis_publisher import encode  # noqa: E402
from avalon.realtime.transport import Transport  # noqa: E402
from tests.services import own_redis_server  # noqa: E402

ROOM = "CHECK"


class Seat:
    """A registered socket of one seat and the client's end of it."""

    def __init__(self, broker: RedisBroker, player_id: int) -> None:
        server, self.client = gsocket.socketpair()
        self.client.settimeout(5)
        transport = Transport(server, write_timeout=2)
        self.conn = Connection(ClientSocket(transport, 1024), ROOM, 1, player_id, "P", 64)
        self.came_online = broker.connect(self.conn)
        self.conn.start(b"")

    def frames(self, seconds: float = 0.5) -> list[bytes]:
        """Every text frame the client gets within `seconds` (payloads)."""
        payloads = []
        deadline = time.monotonic() + seconds
        buffer = b""
        while time.monotonic() < deadline:
            self.client.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                buffer += self.client.recv(65536)
            except TimeoutError:
                break
            while len(buffer) >= 2 and len(buffer) >= 2 + (buffer[1] & 0x7F):
                length = buffer[1] & 0x7F
                assert length < 126, "checks send short frames"
                payloads.append(buffer[2 : 2 + length])
                buffer = buffer[2 + length :]
        return payloads


def message(text: str) -> Delivery:
    """A room message as the services publish it."""
    return Delivery(ROOM, b'{"m":"' + text.encode() + b'"}')


def wait(condition: Callable[[], bool], seconds: float = 10) -> None:
    """Wait (cooperatively) until the condition holds."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        gevent.sleep(0.02)


def started_broker(url: str) -> RedisBroker:
    """A broker of a namespace of its own, its greenlets running and listening."""
    broker = RedisBroker(url, f"checks-{uuid.uuid4().hex[:8]}")
    broker.start()
    wait(broker.listening.is_set)
    return broker


def check_delivery_through_redis(directory: Path) -> None:
    with own_redis_server(directory) as redis_server:
        broker = started_broker(redis_server.url)
        seat = Seat(broker, 1)
        assert seat.came_online and broker.online(ROOM) == {1}
        broker.publish(message("hello"))
        assert seat.frames() == [b'{"m":"hello"}']
        assert broker.disconnect(seat.conn) and broker.online(ROOM) == set()


def check_outage_delivers_here_at_once_and_catches_up(directory: Path) -> None:
    with own_redis_server(directory) as redis_server:
        broker = started_broker(redis_server.url)
        caught_up: list[tuple[str, int | None]] = []
        resyncs: list[bool] = []
        broker.on_catch_up = lambda room, since: caught_up.append((room, since))
        broker.on_resync = lambda: resyncs.append(True)
        seat = Seat(broker, 1)
        seat.conn.chat_seen = 41
        redis_server.kill()
        chat = message("during")
        chat.chat_id = 42
        started = time.monotonic()
        broker.publish(chat)
        assert seat.frames() == [b'{"m":"during"}']  # delivered here, not lost
        assert time.monotonic() - started < 1.5
        assert broker.in_outage() and seat.conn.chat_mark == 41
        started = time.monotonic()
        assert broker.online(ROOM) == {1}  # this worker's sockets; no wait on Redis
        assert time.monotonic() - started < 0.15
        redis_server.start()
        wait(lambda: not broker.in_outage())
        wait(lambda: caught_up == [(ROOM, 41)] and resyncs == [True])


def check_a_stalled_publish_is_delivered_once(directory: Path) -> None:
    with own_redis_server(directory) as redis_server:
        broker = started_broker(redis_server.url)
        broker.on_catch_up = lambda room, since: None
        seat = Seat(broker, 1)
        redis_server.pause()
        broker.publish(message("stalled"))
        assert seat.frames(1.0) == [b'{"m":"stalled"}']  # after the publish timed out
        redis_server.resume()  # Redis now publishes what it had read: dropped here
        wait(lambda: not broker.in_outage())
        broker.publish(message("after"))
        assert seat.frames(1.0) == [b'{"m":"after"}']
        # Whether Redis went on to publish what it read while stopped is up to it: a
        # copy that does arrive after it was delivered here is dropped.
        broker.local_copies[999] = time.monotonic()
        header = {"to": None, "x": None, "r": None, "c": None, "w": broker.worker_id, "i": 999}
        broker.client.publish(broker.keys.channel(ROOM), encode(header, b'{"m":"twice"}'))
        assert seat.frames(0.5) == [] and 999 not in broker.local_copies


def check_a_close_during_an_outage_is_retried(directory: Path) -> None:
    with own_redis_server(directory) as redis_server:
        broker = started_broker(redis_server.url)
        seat = Seat(broker, 1)
        redis_server.kill()
        broker.close_player(ROOM, 1, 4401, "removed")
        wait(lambda: seat.conn.close_code == 4401)
        assert broker.closes_to_retry  # for a socket of the player on another worker
        redis_server.start()
        wait(lambda: not broker.in_outage() and not broker.closes_to_retry)
        first = seat.client.recv(64)
        assert first[:4] == struct.pack("!BBH", 0x88, 2 + len("removed"), 4401)


def check_more_sockets_leaving_at_once_than_the_pool_holds_wait_for_a_connection(
    directory: Path,
) -> None:
    # A worker closing every socket at once (a restart's storm) releases every presence
    # together: those beyond the pool wait for a connection, not fail as if Redis were down.
    with own_redis_server(directory) as redis_server:
        broker = started_broker(redis_server.url)
        seats = [Seat(broker, player) for player in range(1, POOL_SIZE + 51)]
        assert broker.online(ROOM) == set(range(1, POOL_SIZE + 51))
        # Redis holds every reply for 30 ms (under the handlers' timeout): the first
        # releases keep the pool's connections that long, so the rest find it empty.
        redis.Redis.from_url(redis_server.url).execute_command("CLIENT", "PAUSE", 30, "ALL")
        leaving = [gevent.spawn(broker.disconnect, seat.conn) for seat in seats]
        gevent.joinall(leaving, timeout=10, raise_error=True)
        assert all(job.value is True for job in leaving)
        assert not broker.in_outage()
        assert broker.online(ROOM) == set()


def slow_link(redis_port: int, marker: bytes, hold: float) -> int:
    """A loopback port that relays to Redis, holding back the rest of a reply at `marker`.

    What a slow network does to one reply: its first part arrives, the rest `hold`
    seconds later.
    """
    listener = gsocket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)

    def pump(source: gsocket.socket, target: gsocket.socket, split: bool) -> None:
        try:
            while data := source.recv(65536):
                at = data.find(marker) if split else -1
                if at >= 0:
                    target.sendall(data[:at])
                    gevent.sleep(hold)
                    data = data[at:]
                target.sendall(data)
        except OSError:
            pass  # either end went away: so does the link
        finally:
            target.close()

    def serve() -> None:
        while True:
            client, _ = listener.accept()
            upstream = gsocket.create_connection(("127.0.0.1", redis_port))
            gevent.spawn(pump, client, upstream, False)
            gevent.spawn(pump, upstream, client, True)

    gevent.spawn(serve)
    return listener.getsockname()[1]


def check_a_message_split_by_a_slow_link_arrives_whole_without_an_outage(
    directory: Path,
) -> None:
    # The listener waits for messages LISTEN_POLL at a time; a reply whose second half
    # comes later than that is finished by the next wait, not taken for a dead Redis.
    with own_redis_server(directory) as redis_server:
        port = slow_link(redis_server.port, b"SPLIT", 0.35)
        broker = started_broker(f"redis://127.0.0.1:{port}/0")
        seat = Seat(broker, 1)
        broker.publish(message("before-SPLIT-after"))
        assert seat.frames(1.5) == [b'{"m":"before-SPLIT-after"}']
        broker.publish(message("next"))
        assert seat.frames() == [b'{"m":"next"}']
        assert not broker.in_outage() and not broker.listener_cut


def check_a_cut_subscription_makes_every_socket_catch_up(directory: Path) -> None:
    # Redis stays up but drops the listener's connection: the messages of the gap are
    # gone, so the sockets get fresh snapshots, rather than a silent resubscribe.
    with own_redis_server(directory) as redis_server:
        broker = started_broker(redis_server.url)
        resyncs: list[bool] = []
        broker.on_resync = lambda: resyncs.append(True)
        seat = Seat(broker, 1)
        redis.Redis.from_url(redis_server.url).client_kill_filter(_type="pubsub")
        wait(lambda: resyncs == [True] and not broker.in_outage())
        broker.publish(message("after"))
        assert seat.frames(1.0) == [b'{"m":"after"}']


def check_never_reached_is_told_apart_from_an_outage(directory: Path) -> None:
    broker = RedisBroker("redis://127.0.0.1:9/0", "checks-nobody")  # the discard port
    broker.start()
    wait(broker.in_outage)
    assert not broker.ever_connected and not broker.healthy()
    started = time.monotonic()
    assert broker.online(ROOM) == set()
    assert time.monotonic() - started < 0.15


CHECKS = {name.removeprefix("check_"): check for name, check in globals().items()
          if name.startswith("check_")}  # fmt: skip

if __name__ == "__main__":
    CHECKS[sys.argv[1]](Path(sys.argv[2]))
    print("ok")
