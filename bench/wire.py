"""What the benchmark client says to each kind of server: one client, four dialects.

The fan-out client (bench/fanout.py) is the same for every server; only these few
lines differ: the socket URL, the handshake after the upgrade, how a chat message is
written and how a delivered one is recognised.

- avalon: the protocol of PROTOCOL.md (rooms and seats made over HTTP first);
- hub (bench/ref/hub.py) and websockets (bench/ref/websockets_app.py): relays, so the
  client sends the chat event exactly as it should arrive;
- socketio (bench/ref/socketio_app.py): Engine.IO 4 / Socket.IO 5 text packets over a
  plain WebSocket (`40` connect, `421["join",room]` with its ack, `42["chat",...]`,
  `2`/`3` ping and pong).
"""

from __future__ import annotations

import json
from typing import Any

KINDS = ("avalon", "hub", "socketio", "websockets")


def ws_base(base_url: str) -> str:
    return "ws" + base_url.removeprefix("http")


def socket_url(kind: str, base_url: str, seat: dict) -> str:
    """The URL one seat's socket opens."""
    if kind == "avalon":
        return (
            f"{ws_base(base_url)}/ws/rooms/{seat['code']}"
            f"?player_id={seat['player_id']}&token={seat['token']}"
        )
    if kind == "socketio":
        return f"{ws_base(base_url)}/socket.io/?EIO=4&transport=websocket"
    return f"{ws_base(base_url)}/ws/{seat['code']}"


def plain_rooms(rooms: int, clients: int) -> list[list[dict]]:
    """Seats of servers that have no rooms to create: a name and a number each."""
    return [
        [{"code": f"room{r}", "player_id": p} for p in range(1, clients + 1)] for r in range(rooms)
    ]


async def handshake(kind: str, ws: Any, code: str) -> str | None:
    """Complete the server's own opening after the upgrade; return a problem or None."""
    if kind == "avalon":
        first = json.loads(await ws.recv())
        return None if first.get("type") == "state" else "first frame not state"
    if kind == "socketio":
        opened = await ws.recv()
        if not opened.startswith("0"):
            return "no engine.io open packet"
        await ws.send("40")
        while not (await ws.recv()).startswith("40"):
            pass
        await ws.send("421" + json.dumps(["join", code]))
        while True:
            packet = await ws.recv()
            if packet == "2":
                await ws.send("3")
            elif packet.startswith("431"):
                return None
    return None


def chat_frame(kind: str, code: str, sent: int, text: str) -> str:
    """One chat message as this server expects it."""
    if kind == "avalon":
        envelope = {"type": "chat", "correlation_id": f"c{sent}", "payload": {"message": text}}
        return json.dumps(envelope)
    if kind == "socketio":
        return "42" + json.dumps(["chat", {"message": text}])
    return json.dumps({"type": "event", "event": "chat", "payload": {"message": text}})


def parse(kind: str, raw: str | bytes) -> tuple[str, Any]:
    """Classify a frame: ("chat", text), ("error", (code, correlation id)),
    ("reply", frame to send back) or ("other", None)."""
    if kind == "socketio":
        if raw == "2":
            return "reply", "3"
        if isinstance(raw, str) and raw.startswith('42["chat"'):
            return "chat", json.loads(raw[2:])[1]["message"]
        return "other", None
    message = json.loads(raw)
    kind_of = message.get("type")
    if kind_of == "event" and message.get("event") == "chat":
        return "chat", message["payload"]["message"]
    if kind_of == "error":
        return "error", (message.get("event", "?"), str(message.get("correlation_id", "")))
    return "other", None
