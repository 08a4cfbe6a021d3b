"""Shared parts of the socket fuzzers (hypothesis) against a live gunicorn server.

Every fuzzing module checks, on every frame and around each test: never a 1011, never a
frame that is not a JSON envelope (an HTTP response in the stream, say), never a traceback
in the server's log, never a message in another room (an observer socket in a second room
records everything it gets). The number of inputs sent is printed at the end of each
module ("fuzz examples run").
"""

from __future__ import annotations

import json
import os
import threading
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import websocket
from hypothesis import HealthCheck
from hypothesis import settings
from hypothesis import strategies as st

from tests.support import ServerProcess

PROTOCOL_ERRORS = {
    "bad_json",
    "bad_envelope",
    "unknown_type",
    "invalid_payload",
    "message_too_long",
    "rate_limited",
    "not_allowed",
    "binary_not_supported",
}
ACTIONS = ["start_game", "play_again", "kick", "propose_team", "play_quest", "assassinate"]
ACTIONS += ["lady_of_the_lake", "vote"]
FIELDS = ["message", "action", "approve", "players", "target", "success", "roles"]
FIELDS += ["lady_of_the_lake", "turn_timer", "player_id"]
ROLES = ["merlin", "percival", "loyal_servant", "assassin", "morgana", "mordred", "oberon"]
ROLES += ["minion"]

CHAT_MAX_LENGTH = 500  # AVALON_CHAT_MAX_LENGTH (the default)
ERROR_LIMIT = 20  # error answers one socket may get within 10 s before a 1008
MAX_CORRELATION_ID = 64
HUGE_INTS = [10**4000, -(10**4000), 2**63, 2**63 - 1, -(2**63) - 1, 2**64, 10**30, -1, 0]

# Examples per test (AVALON_FUZZ_EXAMPLES for longer runs): each fuzzing module takes under 30 s.
EXAMPLES = int(os.environ.get("AVALON_FUZZ_EXAMPLES", "150"))  # `make long`: 5,000
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
    ],
)

COUNTS: Counter = Counter()  # inputs sent, by test
CLOSES: Counter = Counter()  # closes the fuzzed sockets got, by code


def count(name: str) -> None:
    COUNTS[name] += 1


# Strategies


def huge_or_small_ints() -> st.SearchStrategy[int]:
    return st.integers() | st.sampled_from(HUGE_INTS)


def any_text(max_size: int = 40) -> st.SearchStrategy[str]:
    """Any code point, lone surrogates, controls and format characters included."""
    return st.text(st.characters(exclude_categories=()), max_size=max_size) | st.sampled_from(
        ["", " ", "\n", "\x00", "\ud800", "\udfff", "\u200b", "\u202e", "😀", "\\", '"']
    )


def json_values(max_leaves: int = 12) -> st.SearchStrategy[Any]:
    """Any JSON value: nested objects and arrays, huge ints, NaN and Infinity, odd text."""
    leaves = (
        st.none()
        | st.booleans()
        | huge_or_small_ints()
        | st.floats(allow_nan=True, allow_infinity=True)
        | any_text()
    )
    return st.recursive(
        leaves,
        lambda children: (
            st.lists(children, max_size=4)
            | st.dictionaries(any_text(8) | st.sampled_from(FIELDS), children, max_size=4)
        ),
        max_leaves=max_leaves,
    )


def weighted(*choices: tuple[int, st.SearchStrategy]) -> st.SearchStrategy:
    """One of several strategies, each drawn about `weight` times as often as a weight of 1."""
    return st.one_of(*[strategy for weight, strategy in choices for _ in range(weight)])


def field_values(ids: list[int]) -> st.SearchStrategy[Any]:
    """Values for payload fields: real ids, huge ints, lists, booleans, anything."""
    return weighted(
        (2, st.sampled_from(ids)),
        (2, huge_or_small_ints()),
        (2, st.lists(st.sampled_from(ids) | huge_or_small_ints(), max_size=6)),
        (1, st.booleans()),
        (1, st.sampled_from(ACTIONS)),
        (1, st.lists(st.sampled_from(ROLES) | any_text(10), max_size=5)),
        (2, json_values(6)),
    )


def chat_texts() -> st.SearchStrategy[Any]:
    return weighted(
        (3, any_text(60)),
        (1, st.text(min_size=CHAT_MAX_LENGTH - 5, max_size=CHAT_MAX_LENGTH + 5)),
        (1, st.text(" \t\n\r\u00a0\u2028\u3000", max_size=8)),
        (1, json_values(3)),
    )


def payloads(ids: list[int]) -> st.SearchStrategy[dict]:
    """Payload objects made of the protocol's field names with values of any type."""
    return st.dictionaries(st.sampled_from(FIELDS) | any_text(8), field_values(ids), max_size=4)


def typed_payloads(kind: str, ids: list[int]) -> st.SearchStrategy[dict]:
    """Payloads shaped for one message type, with fields of any value."""
    values = field_values(ids)
    if kind == "chat":
        return st.fixed_dictionaries({"message": chat_texts()}, optional={"extra": values})
    if kind == "system":
        action = st.sampled_from(["ping", "reboot", "PING"]) | json_values(2)
        return st.fixed_dictionaries({}, optional={"action": action, "extra": values})
    if kind == "vote":
        return st.fixed_dictionaries({}, optional={"approve": values, "extra": values})
    action = weighted((4, st.sampled_from(ACTIONS)), (1, any_text(12)), (1, json_values(2)))
    optional = {name: values for name in FIELDS if name not in ("action", "message")}
    return st.fixed_dictionaries({}, optional={"action": action, **optional})


def correlation_ids() -> st.SearchStrategy[Any]:
    odd = st.sampled_from(
        ["", "\ud800", "a\udfff", "\x00", "\u202e", "😀", "x" * MAX_CORRELATION_ID]
        + ["x" * (MAX_CORRELATION_ID + 1), "\ud83d\ude00"]
    )
    return weighted((2, st.text(max_size=70)), (2, any_text(70)), (2, odd), (1, json_values(3)))


def envelopes(ids: list[int]) -> st.SearchStrategy[dict]:
    """Envelopes of the protocol's types with odd payloads, or entirely random ones."""
    kinds = ["chat", "vote", "action", "system"]

    def shaped(kind: str) -> st.SearchStrategy[dict]:
        return st.fixed_dictionaries(
            {"type": st.just(kind), "payload": typed_payloads(kind, ids)},
            optional={"correlation_id": correlation_ids()},
        )

    anything = st.fixed_dictionaries(
        {},
        optional={
            "type": st.sampled_from(kinds) | any_text(12) | json_values(3),
            "payload": payloads(ids) | json_values(4),
            "correlation_id": correlation_ids(),
            "event": json_values(2),
        },
    )
    return weighted((4, st.sampled_from(kinds).flatmap(shaped)), (1, anything))


def templates(ids: list[int]) -> list[dict]:
    """Valid envelopes of every kind, to be mutated."""
    return [
        {"type": "chat", "correlation_id": "c", "payload": {"message": "hello"}},
        {"type": "system", "correlation_id": "p", "payload": {"action": "ping"}},
        {"type": "vote", "correlation_id": "v", "payload": {"approve": True}},
        {"type": "action", "payload": {"action": "propose_team", "players": ids[:2]}},
        {"type": "action", "payload": {"action": "play_quest", "success": False}},
        {"type": "action", "payload": {"action": "assassinate", "target": ids[-1]}},
        {"type": "action", "payload": {"action": "lady_of_the_lake", "target": ids[0]}},
        {"type": "action", "payload": {"action": "kick", "player_id": ids[-1]}},
        {
            "type": "action",
            "payload": {
                "action": "start_game",
                "roles": ["merlin", "assassin"],
                "lady_of_the_lake": False,
                "turn_timer": None,
            },
        },
    ]


@st.composite
def mutated_envelopes(draw: st.DrawFn, ids: list[int]) -> dict:
    """A valid envelope with one to three fields replaced, removed or added."""
    envelope = json.loads(json.dumps(draw(st.sampled_from(templates(ids)))))
    for _ in range(draw(st.integers(1, 3))):
        target = draw(st.sampled_from(["envelope", "payload"]))
        obj = envelope
        if target == "payload" and isinstance(envelope.get("payload"), dict):
            obj = envelope["payload"]
        how = draw(st.sampled_from(["replace", "remove", "add", "correlation_id"]))
        if how == "correlation_id":
            envelope["correlation_id"] = draw(correlation_ids())
            continue
        keys = sorted(obj, key=str)
        if how == "replace" and keys:
            key = draw(st.sampled_from(keys))
            obj[key] = draw(field_values(ids))
        elif how == "remove" and keys:
            del obj[draw(st.sampled_from(keys))]
        else:
            obj[draw(st.sampled_from(FIELDS) | any_text(8))] = draw(field_values(ids))
    return envelope


# Helpers


def next_message(ws: websocket.WebSocket, timeout: float) -> dict:
    """Read the next frame as a server envelope; raise ClosedBy on a close frame.

    Frames are read one by one (not through websocket-client's message layer, which
    answers a close frame itself and loses the code if that answer fails).
    """
    ws.settimeout(timeout)
    while True:
        frame = ws.recv_frame()
        if frame.opcode == websocket.ABNF.OPCODE_PING:
            try:
                ws.pong(frame.data)
            except (OSError, websocket.WebSocketException):
                pass
            continue
        if frame.opcode == websocket.ABNF.OPCODE_PONG:
            continue
        if frame.opcode == websocket.ABNF.OPCODE_CLOSE:
            data = frame.data or b""
            raise ClosedBy(int.from_bytes(data[:2], "big") if len(data) >= 2 else None)
        # The server sends every message as one text frame of UTF-8 JSON.
        assert frame.opcode == websocket.ABNF.OPCODE_TEXT and frame.fin, frame
        text = frame.data.decode()
        assert not text.startswith("HTTP/"), f"HTTP response in the stream: {text[:200]}"
        message = json.loads(text)
        assert isinstance(message, dict), message
        assert message.get("type") in ("event", "state", "error"), message
        if message["type"] == "error":
            check_error(message)
        return message


class ClosedBy(Exception):
    def __init__(self, code: int | None) -> None:
        super().__init__(f"closed with {code}")
        self.code = code


def check_error(message: dict) -> None:
    """An error envelope has a protocol code, the same event name and a message."""
    payload = message.get("payload")
    assert isinstance(payload, dict), message
    assert payload.get("code") in PROTOCOL_ERRORS, message
    assert message["event"] == payload["code"], message
    assert isinstance(payload.get("message"), str) and payload["message"], message


class Observer:
    """A socket in another room that records every message it is sent."""

    def __init__(self, server: ServerProcess) -> None:
        self.seat = server.create_room("Observer")
        self.client, _ = server.join_socket(self.seat)
        self.received: list[Any] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self) -> None:
        ws = self.client.ws
        while not self.stop.is_set():
            try:
                ws.settimeout(0.2)
                opcode, frame = ws.recv_data_frame(True)  # answers pings by itself
            except websocket.WebSocketTimeoutException:
                continue
            except Exception as exc:  # noqa: BLE001 - recorded, the tests fail on it
                self.received.append(repr(exc))
                return
            if opcode not in (websocket.ABNF.OPCODE_PING, websocket.ABNF.OPCODE_PONG):
                self.received.append((opcode, frame.data))

    def close(self) -> None:
        self.stop.set()
        self.thread.join(5)
        self.client.close()


# Fixtures


@pytest.fixture(scope="module")
def fuzz_server(
    tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config
) -> Iterator[ServerProcess]:
    """One server for the module; rate limits high enough never to get in the way."""
    # The counts are the module's own: another fuzzing module may have run in this process.
    COUNTS.clear()
    CLOSES.clear()
    tmp_path = tmp_path_factory.mktemp("fuzz")
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'avalon.db'}",
        "AVALON_CHAT_BURST": "1000000",
        "AVALON_CHAT_RATE": "1000000",
        "AVALON_ROOM_REQUEST_BURST": "1000000",  # the consistency checks read rooms often
        "AVALON_ROOM_REQUEST_RATE": "1000000",
    }
    server = ServerProcess(tmp_path, env).start()
    yield server
    server.stop()
    summary = ", ".join(f"{name} {n}" for name, n in sorted(COUNTS.items()))
    closes = ", ".join(f"{code}: {n}" for code, n in sorted(CLOSES.items()))
    line = f"fuzz examples run: {sum(COUNTS.values())} ({summary}); closes seen: {closes or 'none'}"
    capture = pytestconfig.pluginmanager.getplugin("capturemanager")
    if capture is not None:
        with capture.global_and_fixture_disabled():
            print("\n" + line)
    else:
        print(line)


@pytest.fixture(scope="module")
def observer(fuzz_server: ServerProcess) -> Iterator[Observer]:
    watcher = Observer(fuzz_server)
    yield watcher
    watcher.close()


def closes_1011(server: ServerProcess) -> float:
    """How many sockets the server closed with 1011 so far."""
    for line in server.request("GET", "/metrics")[1].splitlines():
        if line.startswith('avalon_closes_total{code="1011"}'):
            return float(line.split()[1])
    return 0.0


@pytest.fixture(autouse=True)
def nothing_leaked(fuzz_server: ServerProcess, observer: Observer) -> Iterator[None]:
    """After each test: no traceback or 1011 in the log, nothing reached the other room."""
    start, closed_1011 = len(fuzz_server.log()), closes_1011(fuzz_server)
    yield
    log = fuzz_server.log()[start:]
    if "Traceback" in log:
        at = log.index("Traceback")
        excerpt = log[log.rfind("\n", 0, at) + 1 : at + 4000].replace("\\n", "\n")
        raise AssertionError("traceback in the server log:\n" + excerpt)
    assert closes_1011(fuzz_server) == closed_1011
    assert observer.received == []
    status, body = fuzz_server.request("GET", f"/api/rooms/{observer.seat['code']}")
    assert status == 200 and body["status"] == "lobby", body
    assert [(p["display_name"], p["online"]) for p in body["players"]] == [("Observer", True)]
