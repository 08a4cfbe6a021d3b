"""Who a socket belongs to: the room and the player its token names."""

from __future__ import annotations

from avalon.protocol.codes import CloseCode
from avalon.protocol.errors import CloseSocket
from avalon.protocol.validation import normalise_code
from avalon.services.tokens import TokenClaims
from avalon.services.tokens import TokenError
from avalon.services.tokens import read_token
from avalon.services.tokens import signed_before
from avalon.store import db
from avalon.store import queries
from avalon.store.models import Room
from avalon.store.models import RoomPlayer


def find_seat(
    code: str, player_id: int, token: str, max_age: int
) -> tuple[Room, RoomPlayer, float]:
    """Check room, token and player in the protocol's order; raise CloseSocket if any fails.

    Returns the room, the player and when the token was signed (epoch seconds).
    """
    room_code = normalise_code(code)
    with db.unit():
        room = queries.first(Room, "code", room_code) if room_code else None
        if room is None:
            raise CloseSocket(CloseCode.ROOM_NOT_FOUND, "no such room")
        try:
            claims = read_token(token, max_age)
        except TokenError as exc:
            raise CloseSocket(CloseCode.UNAUTHORIZED, str(exc)) from None
        player = queries.first(RoomPlayer, "id", claims.room_player_id)
        if (
            claims.room_player_id != player_id
            or player is None
            or player.kicked
            or player.left
            or predates(claims, room, player)
        ):
            raise CloseSocket(CloseCode.UNAUTHORIZED, "token not valid for this player")
        if claims.room_id != room.id or player.room_id != room.id:
            raise CloseSocket(CloseCode.FORBIDDEN, "token is for another room")
    return room, player, claims.issued_at


def predates(claims: TokenClaims, room: Room, player: RoomPlayer) -> bool:
    """Tell whether the token was signed before the seat it names, or its room, existed."""
    # Every token is signed after its seat was made (joined_at), and every seat after its
    # room (created_at): a token older than either was issued for rows that are gone and
    # whose ids came back (a database restored or made anew, ids freed before migration
    # 0006), never for these. The seat's time counts whatever ids the token names; the
    # room's when the token names this room (another room's live token stays 4403).
    # signed_before allows for the whole-second stamps of tokens.
    if signed_before(claims, player.joined_at):
        return True
    return claims.room_id == room.id and signed_before(claims, room.created_at)
