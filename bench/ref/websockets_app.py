"""websockets' asyncio server with broadcast(): the optional column of bench/compare.py.

python websockets_app.py PORT
"""

from __future__ import annotations

import asyncio
import sys
from http import HTTPStatus

from websockets.asyncio.server import ServerConnection
from websockets.asyncio.server import broadcast
from websockets.asyncio.server import serve

rooms: dict[str, set[ServerConnection]] = {}


def health(connection: ServerConnection, request):  # noqa: ANN001, ANN201
    if request.path == "/healthz":
        return connection.respond(HTTPStatus.OK, "ok\n")
    return None


async def member(ws: ServerConnection) -> None:
    assert ws.request is not None
    room = ws.request.path.rsplit("/", 1)[-1]
    members = rooms.setdefault(room, set())
    members.add(ws)
    try:
        async for message in ws:
            broadcast(members, message)
    finally:
        members.discard(ws)
        if not members:
            rooms.pop(room, None)


async def main(port: int) -> None:
    async with serve(
        member, "127.0.0.1", port, process_request=health, compression=None, max_queue=4096
    ):
        await asyncio.Future()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
