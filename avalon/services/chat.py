"""Chat: a checked message is stored, then sent to everyone in the room."""

from __future__ import annotations

from avalon.protocol import envelopes
from avalon.services import context


def post(
    room_id: int, room_code: str, player_id: int, name: str, text: str, cid: str | None
) -> None:
    """Store a checked chat message and broadcast it; the sender's copy carries cid."""
    chat = context.state().chat_writer.store(room_id, player_id, name, text)
    context.publish(
        room_code, envelopes.event("chat", chat), reply_to=player_id, correlation_id=cid
    )
