"""Fan-out benchmark setup: rooms and seats made over the server's HTTP API."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor

HTTP = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: no proxies


def device() -> str:
    """A browser's own id, as every client sends one with a create or a join."""
    return uuid.uuid4().hex


def http_json(url: str, body: dict) -> tuple[int, dict]:
    """POST a JSON body; return the status and decoded JSON answer."""
    data = json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method="POST")
    request.add_header("Content-Type", "application/json")
    try:
        with HTTP.open(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        with err:
            return err.code, json.loads(err.read() or b"{}")


HTTP_HINTS = {
    "room_full": "a room holds 10 players and AVALON_MAX_SPECTATORS spectators (default 40):"
    " use more rooms, or raise it (with --spawn-server: --server-env AVALON_MAX_SPECTATORS=N)",
    "rate_limited": "raise AVALON_ROOM_REQUEST_BURST / AVALON_ROOM_REQUEST_RATE on the server",
}


def create_room(base_url: str, clients: int, players: int) -> list[dict]:
    """Create a room, join players then spectators up to `clients`; return seats, host first."""
    status, host = http_json(base_url + "/api/rooms", {"display_name": "p1", "device": device()})
    if status != 201:
        code = host.get("error", {}).get("code")
        raise SystemExit(f"POST /api/rooms answered {status} {code}: {HTTP_HINTS.get(code, '')}")
    seats = [host]
    for number in range(2, clients + 1):
        url = f"{base_url}/api/rooms/{host['code']}/join"
        body = {"display_name": f"p{number}", "spectator": number > players, "device": device()}
        status, seat = http_json(url, body)
        if status != 201:
            code = seat.get("error", {}).get("code")
            raise SystemExit(f"join #{number} answered {status} {code}: {HTTP_HINTS.get(code, '')}")
        seats.append(seat)
    return seats


def create_rooms(base_url: str, rooms: int, clients: int, players: int) -> list[list[dict]]:
    """Create every room (a few at a time)."""
    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(lambda _: create_room(base_url, clients, players), range(rooms)))
