"""The chat writer's checks, each run by tests/test_chat_writer.py in a process of its own.

peewee keeps a connection per greenlet only once gevent has patched the standard
library, first thing in a process; so each check runs here, on an SQLite file of its
own. `python -m tests.store_checks NAME DIRECTORY` exits 0 when the check holds.
"""

from __future__ import annotations

from gevent import monkey

monkey.patch_all()

import sqlite3  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import gevent  # noqa: E402

from avalon import create_app  # noqa: E402
from avalon.store import chat  # noqa: E402
from avalon.store import db  # noqa: E402
from avalon.store import schema  # noqa: E402
from avalon.store.chat import ChatWriter  # noqa: E402
from avalon.store.models import ChatMessage  # noqa: E402
from avalon.store.models import Room  # noqa: E402
from avalon.store.models import RoomPlayer  # noqa: E402


def fresh(directory: Path) -> tuple[Path, int, int]:
    """An app on a new SQLite file with one room and one member: (file, room, member)."""
    path = directory / "chat.db"
    app = create_app({"TESTING": True, "SECRET_KEY": "x" * 40, "DATABASE_URL": f"sqlite:///{path}"})
    app.app_context().push()
    schema.upgrade()
    with db.write():
        room = Room.create(code="CHATS")
        member = RoomPlayer.create(room=room, display_name="Ann", name_key="ann")
    return path, room.id, member.id


def check_messages_that_overlap_are_stored_in_batches(directory: Path) -> None:
    _, room, member = fresh(directory)
    writer = ChatWriter()
    writer.store(room, member, "Ann", "first")
    statements: list[str] = []
    writer.held.connection.set_trace_callback(statements.append)  # what SQLite runs
    jobs = [gevent.spawn(writer.store, room, member, "Ann", f"m{n}") for n in range(60)]
    gevent.joinall(jobs, timeout=10, raise_error=True)
    payloads = [job.value for job in jobs]
    ids = [payload["id"] for payload in payloads]
    assert sorted(ids) == ids and len(set(ids)) == 60  # one order, every message stored
    assert [payload["message"] for payload in payloads] == [f"m{n}" for n in range(60)]
    inserts = [sql for sql in statements if sql.startswith("INSERT")]
    assert len(inserts) < 10, len(inserts)  # stores that overlap share statements
    with db.unit():
        assert ChatMessage.select().count() == 61
    assert chat.history(room, None)[-1]["message"] == "m59"
    assert [m["message"] for m in chat.history(room, ids[57])] == ["m58", "m59"]


def check_a_locked_database_fails_the_waiting_messages_and_recovers(directory: Path) -> None:
    path, room, member = fresh(directory)
    writer = ChatWriter()
    writer.store(room, member, "Ann", "before")
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    started = time.monotonic()
    try:
        writer.store(room, member, "Ann", "during")
        raise AssertionError("stored while the database was locked")
    except db.Unavailable:
        pass
    assert db.WRITE_LOCK_WAIT - 0.5 <= time.monotonic() - started < db.WRITE_LOCK_WAIT + 2
    assert writer.held.connection is None  # dropped: the next store opens another
    other.execute("ROLLBACK")
    other.close()
    assert writer.store(room, member, "Ann", "after")["message"] == "after"


def check_a_store_stuck_past_its_timeout_is_failed_by_the_sweep(directory: Path) -> None:
    _, room, member = fresh(directory)
    writer = ChatWriter()
    waiting = gevent.spawn(writer.store, room, member, "Ann", "stuck")
    gevent.sleep(0)
    writer.batch = [(room, member, "Ann", "stuck", chat.AsyncResult())]  # as if it hung
    writer.batch_started = time.monotonic() - chat.STORE_TIMEOUT - 1
    writer.expire(time.monotonic())
    assert writer.batch == []
    waiting.join(5)
    assert waiting.value["message"] == "stuck"  # the real store went on meanwhile


def check_a_chatting_room_is_marked_active_once_a_minute(directory: Path) -> None:
    _, room, member = fresh(directory)
    writer = ChatWriter()
    with db.write():
        Room.update(active_at=None).where(Room.id == room).execute()
    writer.store(room, member, "Ann", "one")
    with db.unit():
        first = Room.get_by_id(room).active_at
    assert first is not None
    with db.write():
        Room.update(active_at=None).where(Room.id == room).execute()
    writer.store(room, member, "Ann", "two")  # within the minute: not touched again
    with db.unit():
        assert Room.get_by_id(room).active_at is None


CHECKS = {name.removeprefix("check_"): check for name, check in globals().items()
          if name.startswith("check_")}  # fmt: skip

if __name__ == "__main__":
    CHECKS[sys.argv[1]](Path(sys.argv[2]))
    print("ok")
