"""SQLite's log checkpointed by a thread of each worker; periodic loops on one beat."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import gevent
import pytest

from avalon.ops import beat
from tests.support import ServerProcess
from tests.support import wait_for

pytestmark = pytest.mark.timeout(60)


def messages_in_file(database: Path, scratch: Path) -> int:
    """Chat rows in the database file itself, leaving out what is still only in its log."""
    copy = scratch / "file-only.db"
    copy.unlink(missing_ok=True)
    shutil.copyfile(database, copy)  # without the -wal file beside it: the file alone
    connection = sqlite3.connect(copy)
    try:
        return int(connection.execute("SELECT count(*) FROM chatmessage").fetchone()[0])
    except sqlite3.DatabaseError:  # copied in the middle of a checkpoint's writes
        return -1
    finally:
        connection.close()


def test_chat_reaches_the_database_file_without_a_commit_checkpointing(
    make_server: Callable[..., ServerProcess], tmp_path: Path
):
    # Five messages are far below the 1,000 pages after which a commit would checkpoint:
    # only the workers' background checkpoints can copy them into the file.
    server = make_server(workers=2)
    database = tmp_path / "avalon-0.db"
    host, guest = server.room_with_players(2)
    client, _ = server.join_socket(host)
    for number in range(5):
        client.chat(f"message {number}", correlation_id=f"c{number}")
        client.recv_until(lambda message, n=number: message.get("correlation_id") == f"c{n}")
    client.close()
    wait_for(lambda: messages_in_file(database, tmp_path) == 5, timeout=20, interval=0.2)
    # The log keeps working after a checkpoint: later messages are stored and read back.
    client, _ = server.join_socket(guest)
    client.chat("after the checkpoint", correlation_id="late")
    stored = client.recv_until(lambda message: message.get("correlation_id") == "late")
    again, first = server.join_socket(guest, since=stored["payload"]["id"] - 1)
    assert [chat["message"] for chat in first["payload"]["chat"]] == ["after the checkpoint"]
    assert server.log().count("Traceback") == 0
    client.close()
    again.close()


def test_each_worker_process_has_a_beat_of_its_own():
    # Each process has its own offset (from its pid: a forked worker too, whenever it imports).
    script = "from avalon.ops import beat; print(beat.offset())"
    offsets = [
        float(
            subprocess.run(
                [sys.executable, "-c", script],
                capture_output=True,
                check=True,
                text=True,
                timeout=20,
            ).stdout
        )
        for _ in range(4)
    ]
    assert len({round(value, 4) for value in offsets}) == 4, offsets


def test_loops_of_one_period_wake_together():
    def wakes() -> list[float]:
        woke: list[float] = []

        def loop(delay: float) -> None:
            gevent.sleep(delay)  # the loops start at different moments ...
            beat.sleep_to_next(0.25)
            woke.append(time.monotonic())  # ... and wake on the same beat

        beat.sleep_to_next(0.25)  # just past a beat: the next is 0.25 s away for both loops
        gevent.joinall([gevent.spawn(loop, 0.02), gevent.spawn(loop, 0.1)], timeout=5)
        assert len(woke) == 2
        return woke

    # Every try wakes the two loops together. A busy machine can make a wake late (a
    # process descheduled for 60 ms fails a single try), never early: one try of three
    # on time shows the beat.
    phases = []
    for _ in range(3):
        woke = wakes()
        assert abs(woke[0] - woke[1]) < 0.02
        phase = (woke[0] - beat.offset()) % 0.25  # on this worker's beat
        phases.append(min(phase, 0.25 - phase))
        if phases[-1] < 0.03:
            return
    raise AssertionError(f"no try woke on this worker's beat: {phases}")
