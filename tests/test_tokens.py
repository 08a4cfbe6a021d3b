"""A token opens only the seat it was issued for (PROTOCOL section 11).

Ids are never handed out twice, and a token signed before its room or seat existed is
4401 whatever ids it names: a deleted room's token opens no later room.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC
from datetime import datetime

import pytest
from flask import Flask
from itsdangerous import TimestampSigner
from itsdangerous import URLSafeTimedSerializer

from avalon.protocol.errors import CloseSocket
from avalon.services.seats import find_seat
from avalon.services.tokens import SALT
from avalon.services.tokens import TokenClaims
from avalon.services.tokens import signed_before
from avalon.store import db
from avalon.store.models import Room
from avalon.store.models import RoomPlayer
from tests.support import SECRET_KEY
from tests.support import ServerProcess
from tests.support import WsClient

pytestmark = pytest.mark.timeout(30)

SIGNED = int(time.time()) - 600  # when this module's old tokens were signed (whole seconds)
MAX_AGE = 3600  # seconds: every token here is in date; only its age against the rows counts


def at(seconds: float) -> datetime:
    """A stored time (naive UTC) `seconds` after the old tokens were signed."""
    return datetime.fromtimestamp(SIGNED + seconds, UTC).replace(tzinfo=None)


class OldSigner(TimestampSigner):
    def get_timestamp(self) -> int:
        return SIGNED


def old_token(room_id: int, player_id: int) -> str:
    """A token the server signed at SIGNED for a room and player."""
    serializer = URLSafeTimedSerializer(SECRET_KEY, salt=SALT, signer=OldSigner)
    return serializer.dumps({"room_id": room_id, "room_player_id": player_id})


# The rule on its own


@pytest.mark.parametrize(
    ("moment", "before"),
    [(-5, False), (0, False), (0.999, False), (1, True), (60, True)],
)
def test_a_token_predates_only_what_is_a_whole_second_past_its_stamp(moment, before):
    # Stamped SIGNED means signed somewhere in [SIGNED, SIGNED + 1): within that second
    # the token may have come after the row, and a legitimate one must never be refused.
    claims = TokenClaims(room_id=1, room_player_id=1, issued_at=float(SIGNED))
    assert signed_before(claims, at(moment)) is before
    assert signed_before(claims, at(moment).replace(tzinfo=UTC)) is before


# The rule in find_seat, on a real database


@pytest.fixture
def app_db(app: Flask) -> Iterator[None]:
    """The in-process app's context, its SQLite schema made by the migrations."""
    with app.app_context():
        yield


def seat(code: str, created: float, joined: float | None = None) -> tuple[Room, RoomPlayer]:
    """A room made `created` seconds after SIGNED, with a host who joined at `joined`."""
    with db.write():
        room = Room.create(code=code, created_at=at(created), active_at=at(created))
        host = RoomPlayer.create(
            room=room, display_name="Host", joined_at=at(created if joined is None else joined)
        )
        room.host_id = host.id
        room.save()
    return room, host


def close_code(code: str, player_id: int, token: str) -> int:
    """The close code find_seat answers with (0: the seat opens)."""
    try:
        find_seat(code, player_id, token, MAX_AGE)
    except CloseSocket as refusal:
        return int(refusal.code)
    return 0


def test_a_token_signed_before_its_room_existed_is_4401(app_db):
    old_room, old_host = seat("AGEDR", created=-60)
    new_room, new_host = seat("NEWRM", created=30)
    same_second, early_host = seat("SAMES", created=0.5)
    later_seat = seat("TARDY", created=-60, joined=5)[1]
    # The token's own rows are older: it opens its seat, and another room's is 4403.
    assert close_code("AGEDR", old_host.id, old_token(old_room.id, old_host.id)) == 0
    assert close_code("NEWRM", old_host.id, old_token(old_room.id, old_host.id)) == 4403
    # Ids that name rows made after the token: 4401 whatever the ids are ...
    assert close_code("NEWRM", new_host.id, old_token(new_room.id, new_host.id)) == 4401
    assert close_code("NEWRM", old_host.id, old_token(new_room.id, old_host.id)) == 4401
    assert close_code("AGEDR", new_host.id, old_token(old_room.id, new_host.id)) == 4401
    # ... the seat's time counts even where the room is older than the token ...
    assert close_code("TARDY", later_seat.id, old_token(later_seat.room_id, later_seat.id)) == 4401
    # ... and rows made within the token's own second get the benefit of the doubt.
    assert close_code("SAMES", early_host.id, old_token(same_second.id, early_host.id)) == 0
    # The protocol's order holds: an unknown room is 4404 before the token is read.
    assert close_code("ZZZZZ", new_host.id, old_token(new_room.id, new_host.id)) == 4404


# The attack, end to end on a real server


def database_file(server: ServerProcess) -> str:
    """The SQLite file a make_server server keeps its rows in."""
    return server.env["DATABASE_URL"].removeprefix("sqlite:///")


def delete_room(server: ServerProcess, room_id: int) -> None:
    """Delete a room and everything in it, in the order retention does."""
    with closing(sqlite3.connect(database_file(server))) as connection, connection:
        for table in ("chatmessage", "game", "roomplayer"):
            connection.execute(f"DELETE FROM {table} WHERE room_id = ?", (room_id,))
        connection.execute("DELETE FROM room WHERE id = ?", (room_id,))


def assert_undisturbed(server: ServerProcess, host: dict, client: WsClient) -> None:
    """The host's socket still works: its chat comes back (a 4409 would raise Closed)."""
    client.chat("still my seat")
    assert client.recv_event("chat")["payload"]["message"] == "still my seat"
    status, room = server.request("GET", f"/api/rooms/{host['code']}")
    assert status == 200 and room["players"][0]["online"] is True


def refused_with(server: ServerProcess, seat: dict, code: str) -> int | None:
    """Connect with a seat's token to a room code; return the close code."""
    client = server.connect(seat, code=code)
    try:
        return client.expect_close()
    finally:
        client.close()


def test_a_deleted_rooms_token_opens_no_later_room(make_server):
    server = make_server()
    deleted = server.create_room("Alice")
    delete_room(server, deleted["room_id"])
    room = server.create_room("Bea")
    assert room["room_id"] > deleted["room_id"] and room["player_id"] > deleted["player_id"]
    host, _ = server.join_socket(room)
    try:
        assert refused_with(server, deleted, room["code"]) == 4401
        assert (
            refused_with(server, {**deleted, "player_id": room["player_id"]}, room["code"]) == 4401
        )
        assert refused_with(server, deleted, deleted["code"]) == 4404
        assert_undisturbed(server, room, host)
    finally:
        host.close()


def test_ids_that_come_back_open_nothing_for_a_token_older_than_the_room(make_server):
    server = make_server()
    deleted = server.create_room("Alice")
    delete_room(server, deleted["room_id"])
    # Rewind the sequences as a backup taken before the room would: its ids come back.
    with closing(sqlite3.connect(database_file(server))) as connection, connection:
        connection.execute("UPDATE sqlite_sequence SET seq = seq - 1")
    serializer = URLSafeTimedSerializer(SECRET_KEY, salt=SALT)
    stamp = serializer.loads(deleted["token"], return_timestamp=True)[1].timestamp()
    # The rule is about time: the next room must be made after the token's whole second.
    time.sleep(max(0.0, stamp + 1 - time.time()))
    room = server.create_room("Bea")
    assert (room["room_id"], room["player_id"]) == (deleted["room_id"], deleted["player_id"])
    host, _ = server.join_socket(room)
    try:
        assert refused_with(server, deleted, room["code"]) == 4401
        assert_undisturbed(server, room, host)
    finally:
        host.close()
