"""Rooms across gunicorn workers through Redis, on SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
import threading
import time
import uuid

import pytest
import redis

from tests.services import REDIS_URL
from tests.services import require_service
from tests.support import free_port
from tests.support import wait_for

pytestmark = pytest.mark.timeout(180)

ROOMS = 3
PLAYERS = 10
SPECTATORS = 10
CHATS_PER_CLIENT = 3


def worker_pids(server) -> dict[int, list[int]]:
    """The worker pid that served each socket of each player, in connection order."""
    placement: dict[int, list[int]] = {}
    for fields in server.log_events("connected"):
        placement.setdefault(int(fields["player"]), []).append(int(fields["pid"]))
    return placement


@pytest.fixture
def cluster(make_backend_server):
    """Three gevent workers sharing rooms through Redis, on each database backend."""
    require_service("Redis", "127.0.0.1", 6379)
    return make_backend_server(workers=3, REDIS_URL=REDIS_URL)


def fill_room(server) -> list[dict]:
    """A room with ten players and ten spectators."""
    seats = server.room_with_players(PLAYERS)
    code = seats[0]["code"]
    return seats + [server.join(code, f"Watcher{i}", spectator=True) for i in range(SPECTATORS)]


def test_sixty_clients_see_every_message_once_and_in_one_order(cluster):
    rooms = [fill_room(cluster) for _ in range(ROOMS)]
    sockets = {seat["player_id"]: cluster.join_socket(seat)[0] for seats in rooms for seat in seats}
    assert len(sockets) == 60
    assert len({pid for pids in worker_pids(cluster).values() for pid in pids}) >= 2

    # Every room member is online, whichever worker answers and holds the sockets.
    for seats in rooms:
        status, room = cluster.request("GET", f"/api/rooms/{seats[0]['code']}")
        assert status == 200
        assert all(member["online"] for member in room["players"] + room["spectators"])

    expected_per_room = len(rooms[0]) * CHATS_PER_CLIENT
    received: dict[int, list[int]] = {player_id: [] for player_id in sockets}

    def read(player_id: int) -> None:
        client = sockets[player_id]
        while len(received[player_id]) < expected_per_room:
            message = client.recv(timeout=30)
            if message["event"] == "chat":
                received[player_id].append(message["payload"]["id"])

    readers = [threading.Thread(target=read, args=(player_id,)) for player_id in sockets]
    for reader in readers:
        reader.start()
    for number in range(CHATS_PER_CLIENT):
        for player_id, client in sockets.items():
            client.chat(f"{player_id}:{number}")
    for reader in readers:
        reader.join(60)

    for seats in rooms:
        orders = [received[seat["player_id"]] for seat in seats]
        assert len(set(orders[0])) == expected_per_room  # every message, none twice
        assert all(order == orders[0] for order in orders)  # one order for everyone
    for client in sockets.values():
        client.close()


def test_presence_and_replacement_across_workers(cluster):
    seats = cluster.room_with_players(8)
    watcher, _ = cluster.join_socket(seats[0])
    sockets = {seat["player_id"]: cluster.join_socket(seat)[0] for seat in seats[1:]}
    opened = [watcher, *sockets.values()]
    try:
        for _ in sockets:
            watcher.recv_event("player_connected")

        def replace(seat: dict) -> None:
            """A second socket of the player, wherever it lands, closes the first (4409)."""
            newer = cluster.join_socket(seat)[0]
            opened.append(newer)
            assert sockets[seat["player_id"]].expect_close() == 4409
            sockets[seat["player_id"]] = newer

        def crossed() -> bool:
            """Whether some replacement landed on another worker than the socket it closed."""
            wait_for(lambda: sum(map(len, worker_pids(cluster).values())) == len(opened))
            placement = worker_pids(cluster).values()
            return any(a != b for pids in placement for a, b in itertools.pairwise(pids))

        for seat in seats[1:]:
            replace(seat)
        # The kernel may hand a run of sockets to one worker: replace again until one
        # replacement crossed workers, or the test proves nothing.
        for attempt in range(40):
            if crossed():
                break
            replace(seats[1 + attempt % 7])
        assert crossed(), "no replacement crossed workers; the test proves nothing"
        sockets[seats[1]["player_id"]].chat("marker")
        assert watcher.recv()["event"] == "chat"  # no connect or disconnect came first
        status, room = cluster.request("GET", f"/api/rooms/{seats[0]['code']}")
        assert all(player["online"] for player in room["players"])
        # Leaving is seen by a member on another worker, and the flag goes off.
        leaving = seats[2]["player_id"]
        sockets.pop(leaving).close()
        assert watcher.recv_event("player_disconnected")["payload"]["player_id"] == leaving
        status, room = cluster.request("GET", f"/api/rooms/{seats[0]['code']}")
        online = {player["player_id"]: player["online"] for player in room["players"]}
        assert online[leaving] is False and online[seats[3]["player_id"]] is True
    finally:
        for client in opened:
            client.close()


def test_a_socket_opened_before_the_seats_holder_elsewhere_is_refused(make_backend_server):
    require_service("Redis", "127.0.0.1", 6379)
    namespace = f"seat-{uuid.uuid4().hex[:8]}"
    server = make_backend_server(REDIS_URL=REDIS_URL, AVALON_NAMESPACE=namespace)
    seats = server.room_with_players(2)
    seat = seats[1]
    watcher, _ = server.join_socket(seats[0])
    store = redis.Redis.from_url(REDIS_URL)
    key = f"{namespace}:conn:{seat['code']}:{seat['player_id']}"
    try:
        # The seat is held on another host by a socket opened after this one will be
        # (what a slow authentication of a dead, older socket meets): it is refused.
        holder = f"elsewhere:1@{time.time() + 3600:.6f}"
        store.set(key, holder, ex=60)
        late = server.connect(seat)
        try:
            assert late.expect_close() == 4409
        finally:
            late.close()
        assert store.get(key) == holder.encode()  # the seat stays where it is
        # Nobody was told the refused socket's player came. (The seat's own join over HTTP
        # may still be on its way through Redis: that is not about this socket.)
        watcher.chat("marker")
        before = []
        while (message := watcher.recv())["event"] != "chat":
            before.append(message)
        assert [m["event"] for m in before if m["event"] != "player_joined"] == [], before
        # A holder from a worker of the earlier release (no opening time) gives way.
        store.set(key, "earlier-release:1", ex=60)
        fresh, first = server.join_socket(seat)
        try:
            assert first["payload"]["you"]["player_id"] == seat["player_id"]
            taken = store.get(key).decode()
            assert taken != "earlier-release:1" and "@" in taken
        finally:
            fresh.close()
    finally:
        store.delete(key)
        store.close()
        watcher.close()


def test_sockets_hold_no_database_connection(make_server, postgres):
    import psycopg2

    name = f"avalon-pool-{free_port()}"
    server = make_server(
        DATABASE_URL=f"{postgres}?application_name={name}",
        AVALON_DB_POOL="2",
    )
    rooms = [server.room_with_players(8) for _ in range(2)]
    clients = [server.join_socket(seat)[0] for seats in rooms for seat in seats]
    for client in clients:
        client.chat("sixteen sockets, two database connections")
    for client in clients:
        for _ in range(8):
            client.recv_event("chat")
    with psycopg2.connect(postgres) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", [name])
        (count,) = cursor.fetchone()
    connection.close()
    assert 1 <= count <= 2
    for client in clients:
        client.close()
