"""Computer players: the host adds them to empty seats; they move like people, a bit later.

A bot is a room member like any other (a seat, a view), with no socket. When the game
awaits a bot, the game record's `bot_due` is set a human-looking moment ahead; a sweep
in every worker makes the bots' moves once due, through the same move path as people,
from each bot's own view (`avalon.bots.decide`), at the level the host chose for it
(stand-ins at AVALON_STAND_IN_LEVEL). The due time is in the database, so bots carry on
after a restart.
"""

from __future__ import annotations

import logging
import random
import time

from flask import current_app

from avalon.bots import LEVELS
from avalon.bots import decide
from avalon.bots import speech
from avalon.game.options import MAX_PLAYERS
from avalon.game.rules import Game
from avalon.ops import beat
from avalon.ops.failures import log_failure
from avalon.protocol import codes
from avalon.protocol.errors import ProtocolError
from avalon.protocol.names import name_key
from avalon.services import chat
from avalon.services import context
from avalon.services import games
from avalon.services import table_state
from avalon.services import turns
from avalon.services.lobby import BETWEEN_GAMES
from avalon.services.lobby import announce_room
from avalon.services.rooms import require_host
from avalon.services.timer_sweep import due_games
from avalon.store import db
from avalon.store.models import GameRecord
from avalon.store.models import Room
from avalon.store.models import RoomPlayer
from avalon.store.models import utcnow
from avalon.store.queries import active_players

log = logging.getLogger(__name__)

_rng = random.SystemRandom()  # the bots' choices are not predictable
BOT_NAME = "Bot {}"  # bots are named Bot 1, Bot 2, ... (the first free number)


def add_bot(room_id: int, host_id: int, options: dict, correlation_id: str | None) -> None:
    """The host seats a computer player at a free seat, between games, at a level."""
    level = options.get("level", "normal")
    if set(options) - {"level"} or level not in LEVELS:
        raise ProtocolError(
            codes.INVALID_PAYLOAD, f"add_bot takes an optional level: one of {', '.join(LEVELS)}"
        )
    require_host(room_id, host_id, "add computer players")
    with db.write():
        room = db.locked(Room.select().where(Room.id == room_id)).get()
        if room.status not in BETWEEN_GAMES:
            raise ProtocolError(codes.NOT_ALLOWED, "bots join only between games")
        members = active_players(room_id)
        if sum(not member.spectator for member in members) >= MAX_PLAYERS:
            raise ProtocolError(codes.NOT_ALLOWED, f"all {MAX_PLAYERS} seats are taken")
        keys = {member.name_key for member in members}
        number = next(n for n in range(1, 100) if name_key(BOT_NAME.format(n)) not in keys)
        name = BOT_NAME.format(number)
        bot = RoomPlayer.create(
            room=room, display_name=name, name_key=name_key(name), bot=True, bot_level=level
        )
    announce_room(room, "bot_added", bot, host_id, correlation_id)


def remove_bot(room_id: int, host_id: int, target: object, correlation_id: str | None) -> None:
    """The host takes a computer player off the table, between games."""
    if type(target) is not int or not 0 < target < 2**63:
        raise ProtocolError(codes.INVALID_PAYLOAD, "player_id must be a bot's id")
    require_host(room_id, host_id, "remove computer players")
    with db.write():
        room = db.locked(Room.select().where(Room.id == room_id)).get()
        if room.status not in BETWEEN_GAMES:
            raise ProtocolError(codes.NOT_ALLOWED, "bots leave only between games")
        bot = RoomPlayer.get_or_none(
            (RoomPlayer.id == target) & (RoomPlayer.room == room_id) & RoomPlayer.bot
        )
        if bot is None or bot.left:
            raise ProtocolError(codes.INVALID_PAYLOAD, "no such bot in this room")
        bot.left = True
        bot.name_key = None
        bot.save()
    announce_room(room, "bot_removed", bot, host_id, correlation_id)


def move_bots(record_id: int) -> None:
    """Make one due computer move for a game (a bot's, or a stand-in's for an absent seat),
    through the same path as a person's move, from that seat's own view.

    A game whose seated people are all gone stops here: it waits for someone to return
    (and its room expires like any other).
    """
    with db.unit():
        record = GameRecord.get_or_none(GameRecord.id == record_id)
    if record is None or record.bot_due is None or record.bot_due > utcnow():
        return
    game = games.load(record)
    grace = float(current_app.config["ABSENT_GRACE"])
    if not table_state.humans_gone(game, record, grace, time.time()):
        levels = levels_of(turns.bots_of(record))
        stand_ins = set(table_state.stand_ins_of(record))
        for player in [p for p in game.awaited() if p in levels.keys() | stand_ins]:
            # A stand-in holds a person's seat: it plays it at the deployment's level.
            level = current_app.config["STAND_IN_LEVEL"] if player in stand_ins else levels[player]
            move = decide(game.view(player), _rng, level)  # the seat's own view: nothing hidden
            if move is None:
                continue
            kind, payload = move
            try:
                games.move(record.room_id, player, kind, payload, None, auto=player in stand_ins)
            except ProtocolError as err:
                log.info(
                    "event=bot_move_refused room_id=%s bot=%s code=%s",
                    record.room_id,
                    player,
                    err.code,
                )
                continue
            if player not in stand_ins:  # a stand-in never speaks for the person
                speak(record, game, player, move)
            return
    with db.write():  # nothing to do now: stop looking at this game until it changes
        GameRecord.update(bot_due=None).where(
            (GameRecord.id == record.id) & (GameRecord.version == record.version)
        ).execute()


def speak(record: GameRecord, game: Game, bot: int, move: tuple[str, dict]) -> None:
    """Say the bot's line for the move it made, if it has one and the table allows it."""
    if not games.options_of(record).get("bot_chat", True):
        return
    if move[0] == "lady_of_the_lake":
        game.apply(bot, *move)  # this copy of the game: the result is in the view after it
        line = speech.lady_claim(game.view(bot), _rng)
    else:
        line = speech.line_for(game.view(bot), move, _rng)
    if line is None:
        return
    with db.unit():
        room = Room.select(Room.code).where(Room.id == record.room_id).get()
        name = RoomPlayer.select(RoomPlayer.display_name).where(RoomPlayer.id == bot).get()
    chat.post_line(context.state(), record.room_id, room.code, bot, name.display_name, line)


def levels_of(bots: list[int]) -> dict[int, str]:
    """Each bot's level (bots added before levels existed play `normal`)."""
    if not bots:
        return {}
    with db.unit():
        rows = RoomPlayer.select(RoomPlayer.id, RoomPlayer.bot_level).where(
            RoomPlayer.id.in_(bots)  # type: ignore[attr-defined]
        )
        found = {row.id: row.bot_level or "normal" for row in rows}
    return {bot: found.get(bot, "normal") for bot in bots}


def sweep_forever() -> None:
    """Forever: make the bot moves that are due (runs in the app context)."""
    pause = min(1.0, max(0.05, float(current_app.config["BOT_DELAY"]) / 2))
    while True:
        beat.sleep_to_next(pause)
        try:
            for record_id in due_games(GameRecord.bot_due):
                move_bots(record_id)
        except Exception as error:
            log_failure(log, "bot_sweep_failed", error)
