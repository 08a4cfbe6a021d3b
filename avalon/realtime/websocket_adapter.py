"""The one place that reaches past simple-websocket's public API, and what it relies on.

flask-sock makes a `simple_websocket.Server` for every socket; it answers the handshake,
and from then on this app reads and writes the socket itself (realtime/reader.py and
realtime/transport.py). The server object lives as long as the socket (flask-sock holds
it while the handler runs) and keeps wsproto's handshake and frame state, about 4.7 KB a
socket that nothing reads again. `release()` lets that go and marks the server closed,
so that flask-sock's own `ws.close()` after the handler returns writes nothing: a close
frame after ours would break RFC 6455 5.5.1. tests/test_adapters.py checks both
attributes against the installed simple-websocket and says what to change if they move.
"""

from __future__ import annotations

from simple_websocket import Server


def release(ws: Server) -> None:
    """Drop simple-websocket's protocol state once the handshake is answered."""
    ws.ws = None  # wsproto's WSConnection: the handshake's h11 state and the frame parser
    ws.connected = False  # Server.close() now raises ConnectionClosed, which flask-sock ignores
