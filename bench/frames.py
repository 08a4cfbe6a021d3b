"""What parsing one client message costs: Avalon's frame parser beside wsproto's.

Both parse the same masked frames (made by wsproto's client side) in one process: a
chat message as the browser sends it, a 4 KB message, and a message in 8 fragments.
The figure per message is what the server spends on every inbound message before
handling it; bench/README.md puts it beside the CPU per delivery of `make bench`.

    python bench/frames.py [--messages 100000]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from wsproto.connection import Connection
from wsproto.connection import ConnectionType
from wsproto.events import TextMessage

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from avalon.realtime.frames import ClientFrames  # noqa: E402

CHAT = json.dumps(
    {"type": "chat", "correlation_id": "c123", "payload": {"message": "who is Merlin, then?"}}
)


def frames_of(text: str, fragments: int) -> bytes:
    """The bytes a client sends for one text message, in `fragments` frames."""
    client = Connection(ConnectionType.CLIENT)
    if fragments == 1:
        return client.send(TextMessage(data=text))
    step = len(text) // fragments
    parts = [text[i * step : (i + 1) * step] for i in range(fragments - 1)]
    parts.append(text[(fragments - 1) * step :])
    return b"".join(
        client.send(TextMessage(data=part, message_finished=index == len(parts) - 1))
        for index, part in enumerate(parts)
    )


def ours(data: bytes, count: int) -> float:
    """Seconds Avalon's parser takes for `count` messages."""
    parser = ClientFrames(1 << 20)
    started = time.perf_counter()
    for _ in range(count):
        parser.feed(data)
    return time.perf_counter() - started


def wsprotos(data: bytes, count: int) -> float:
    """Seconds wsproto takes for `count` messages (events consumed, fragments joined)."""
    server = Connection(ConnectionType.SERVER)
    started = time.perf_counter()
    for _ in range(count):
        server.receive_data(data)
        parts = []
        for event in server.events():
            parts.append(event.data)  # type: ignore[attr-defined]
        "".join(parts)
    return time.perf_counter() - started


def measure(run: Callable[[bytes, int], float], data: bytes, count: int) -> float:
    """Microseconds per message: the median of five runs."""
    return statistics.median(run(data, count) for _ in range(5)) / count * 1e6


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=50_000, help="messages per run")
    args = parser.parse_args(argv)
    cases = {
        "chat message (1 frame)": frames_of(CHAT, 1),
        "4 KB message (1 frame)": frames_of("x" * 4096, 1),
        "4 KB message (8 fragments)": frames_of("x" * 4096, 8),
    }
    print("| message | Avalon's parser | wsproto | wsproto / Avalon |")
    print("| --- | --- | --- | --- |")
    for name, data in cases.items():
        mine = measure(ours, data, args.messages)
        theirs = measure(wsprotos, data, args.messages)
        print(f"| {name} | {mine:.1f} us | {theirs:.1f} us | {theirs / mine:.1f}x |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
