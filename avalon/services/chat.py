"""Chat: a checked message is stored, then sent to everyone in the room."""

from __future__ import annotations

from avalon.protocol import envelopes
from avalon.realtime.hub import Delivery
from avalon.services.context import AppState


def post(
    state: AppState,
    room_id: int,
    room_code: str,
    player_id: int,
    name: str,
    text: str,
    cid: str | None,
) -> None:
    """Store a checked chat message and broadcast it; the sender's copy carries cid."""
    chat = state.chat_writer.store(room_id, player_id, name, text)
    # context.publish() without its lookup of the app's state (the hottest message path).
    data = envelopes.to_bytes(envelopes.event("chat", chat))
    delivery = Delivery(room_code, data, reply_to=player_id, correlation_id=cid, chat_id=chat["id"])
    state.broker.publish(delivery)
