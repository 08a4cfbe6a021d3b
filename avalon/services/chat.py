"""Chat: a checked message is stored, then sent to everyone in the room.

During a game a spectator's message reaches the spectators only, unless the host opened
the spectators' chat to everyone (`spectator_chat`): they must not coach the table.
"""

from __future__ import annotations

from avalon.ops import metrics
from avalon.protocol import envelopes
from avalon.realtime.hub import Delivery
from avalon.services.context import AppState
from avalon.store import db
from avalon.store import queries
from avalon.store.chat import ALL
from avalon.store.chat import BOT
from avalon.store.chat import SPECTATORS
from avalon.store.models import Room


def post(
    state: AppState,
    room_id: int,
    room_code: str,
    player_id: int,
    name: str,
    text: str,
    cid: str | None,
    spectator: bool = False,
) -> None:
    """Store a checked chat message and broadcast it; the sender's copy carries cid."""
    readers = spectators_only(room_id) if spectator else None
    channel = ALL if readers is None else SPECTATORS
    chat = state.chat_writer.store(room_id, player_id, name, text, channel)
    metrics.inc("avalon_chat_messages_total")
    # context.publish() without its lookup of the app's state (the hottest message path).
    data = envelopes.to_bytes(envelopes.event("chat", chat))
    delivery = Delivery(room_code, data, reply_to=player_id, correlation_id=cid, chat_id=chat["id"])
    delivery.only = readers
    state.broker.publish(delivery)


def post_line(
    state: AppState, room_id: int, room_code: str, bot_id: int, name: str, line: str
) -> None:
    """Store a computer player's line (channel "bot") and send it to everyone."""
    chat = state.chat_writer.store(room_id, bot_id, name, line, BOT)
    data = envelopes.to_bytes(envelopes.event("chat", chat))
    state.broker.publish(Delivery(room_code, data, chat_id=chat["id"]))


def spectators_only(room_id: int) -> list[int] | None:
    """The spectators who alone read a spectator's chat now, or None when everyone does."""
    with db.unit():
        room = Room.select(Room.status, Room.spectator_chat).where(Room.id == room_id).get()
        if room.status != "in_game" or room.spectator_chat == ALL:
            return None
        return [member.id for member in queries.members(room_id) if member.spectator]
