"""Sliding token expiry: a connected player gets a fresh token well before its old one ends.

Tokens expire after AVALON_TOKEN_MAX_AGE; a player who keeps the room open for longer
than that must not be locked out of their own seat. Any socket whose token is past half
its life is sent `event`/`token` `{"token"}` (to that socket only); the client keeps it.
"""

from __future__ import annotations

import logging
import time

from flask import current_app

from avalon.ops import beat
from avalon.ops.failures import log_failure
from avalon.protocol import envelopes
from avalon.realtime import hub
from avalon.realtime.connection import Connection
from avalon.services.tokens import issue_token

log = logging.getLogger(__name__)

CHECK_EVERY_MAX = 600.0  # seconds between looks at the sockets' token ages, at most


def refresh_if_old(conn: Connection, max_age: float) -> bool:
    """Send a fresh token to a socket whose token is past half its life; tell if it did."""
    now = time.time()
    if now - conn.token_issued < max_age / 2:
        return False
    token = issue_token(conn.room_id, conn.player_id)
    conn.token_issued = now
    conn.send_envelope(envelopes.event("token", {"token": token}))
    return True


def refresh_forever() -> None:
    """Forever: refresh the tokens of this worker's sockets as they age (app context)."""
    max_age = float(current_app.config["TOKEN_MAX_AGE"])
    while True:
        beat.sleep_to_next(min(CHECK_EVERY_MAX, max_age / 4))
        try:
            for conn in hub.all_connections():
                refresh_if_old(conn, max_age)
        except Exception as error:
            log_failure(log, "token_refresh_failed", error)
