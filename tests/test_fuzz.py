"""Property-based fuzzing of the room socket (hypothesis) against a live gunicorn server.

Random JSON, random and mutated envelopes, raw text, huge numbers, deep nesting,
random bytes (as binary frames and as text frames), fragmented messages and random
action sequences in a started game are sent over real sockets. Every input must get:

- an `error` envelope whose code is in the protocol's list, or
- a legal effect (a chat event, a pong, a kick, game events and a new game view), or
- a close the protocol prescribes for that input, and nothing else:
  1007 from the transport for a text frame that is not UTF-8 (RFC 6455 8.1; the
  server never sees such a message), 1009 for a message above the size limit, and 1008
  once a socket has had more than 20 error answers within 10 seconds (the fuzzer then
  reconnects and goes on: that limit is the protocol's, not a failure).

Never a 1011, never a frame that is not a JSON envelope (an HTTP response in the
stream, say), never a traceback in the server's log, never a message in another room
(an observer socket in a second room records everything it gets), and afterwards the
stored room, its chat and its game agree with what the sockets were told.

The number of inputs sent is printed at the end of the module ("fuzz examples run").
"""

from __future__ import annotations

import json
import os
import random
import threading
import unicodedata
from collections import Counter
from collections.abc import Callable
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from typing import Any

import pytest
import websocket
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from avalon.protocol.names import BLANK_LOOKING  # the spec's table of blank characters
from tests.game_driver import Table
from tests.support import ServerProcess
from tests.support import WsClient

pytestmark = pytest.mark.timeout(180)

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
GAME_EVENTS = {
    "game_started",
    "team_proposed",
    "vote_cast",
    "vote_result",
    "quest_result",
    "lady_used",
    "lady_result",
    "assassination_started",
    "game_over",
}
PRESENCE_EVENTS = {"player_joined", "player_connected", "player_disconnected", "host_changed"}
PHASES = {"team_building", "voting", "questing", "lady", "assassination", "game_over"}
ACTIONS = ["start_game", "play_again", "kick", "propose_team", "play_quest", "assassinate"]
ACTIONS += ["lady_of_the_lake", "vote"]
FIELDS = ["message", "action", "approve", "players", "target", "success", "roles"]
FIELDS += ["lady_of_the_lake", "turn_timer", "player_id"]
ROLES = ["merlin", "percival", "loyal_servant", "assassin", "morgana", "mordred", "oberon"]
ROLES += ["minion"]

MAX_MESSAGE_BYTES = 16384  # AVALON_MAX_MESSAGE_BYTES (the default)
CHAT_MAX_LENGTH = 500  # AVALON_CHAT_MAX_LENGTH (the default)
ERROR_LIMIT = 20  # error answers one socket may get within 10 s before a 1008
MAX_CORRELATION_ID = 64
MAX_DEPTH = 500  # JSON nested deeper than this may be refused as bad_json (recursion limit)
HUGE_INTS = [10**4000, -(10**4000), 2**63, 2**63 - 1, -(2**63) - 1, 2**64, 10**30, -1, 0]

# Examples per test (AVALON_FUZZ_EXAMPLES for longer runs): the module takes about 30 s.
EXAMPLES = int(os.environ.get("AVALON_FUZZ_EXAMPLES", "600"))
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


def deep_nesting() -> st.SearchStrategy[str]:
    """Deeply nested or unclosed JSON within the size limit."""
    levels = st.integers(1, 8000)
    return st.one_of(
        levels.map(lambda n: "[" * n),
        levels.map(lambda n: "[" * n + "]" * n),
        st.integers(1, 3000).map(lambda n: '{"a":' * n + "1" + "}" * n),
        levels.map(lambda n: '{"type":"chat","payload":{"message":' + "[" * n + "]" * n + "}}"),
        st.integers(1, 2500).map(
            lambda n: (
                '{"type":"action","payload":{"action":"start_game","roles":'
                + '{"x":' * n
                + "0"
                + "}" * n
                + "}}"
            )
        ),
    )


def raw_texts(ids: list[int]) -> st.SearchStrategy[str]:
    """Text that is not quite JSON: garbage, truncations, odd literals, huge numbers."""
    valid = st.sampled_from(templates(ids)).map(json.dumps)
    return st.one_of(
        st.text(max_size=200),
        st.sampled_from(
            [
                "",
                "null",
                "NaN",
                "Infinity",
                "-Infinity",
                "1e999999",
                "-0",
                "[]",
                "{}",
                '{"type": "chat", "payload": {"message": NaN}}',
                '{"type": "action", "payload": {"action": "kick", "player_id": Infinity}}',
                '{"type": "action", "payload": {"action": "kick", "player_id": 1e400}}',
                '{"type": "chat", "type": "system", "payload": {"action": "ping"}}',
                '{"type": "chat", "payload": {"message": "\\ud800"}}',
                '{"type": "chat", "payload": {"message": "\\ud83d\\ude00"}}',
                "\ufeff{}",
            ]
        ),
        st.integers(4200, 12000).map(lambda n: "1" * n),
        st.integers(4200, 12000).map(
            lambda n: '{"type":"action","payload":{"action":"kick","player_id":' + "9" * n + "}}"
        ),
        st.tuples(valid, st.integers(0, 200)).map(lambda pair: pair[0][: pair[1]]),
        st.tuples(valid, st.text(max_size=20)).map(lambda pair: pair[0] + pair[1]),
        deep_nesting(),
    )


# Helpers


@dataclass
class Answer:
    """What one input got: the messages up to the sentinel pong, or the close code."""

    messages: list[dict]
    close_code: int | None = None


class Prober:
    """One member's socket: send an input, then a ping, and collect everything in between.

    The ping (a `system` message, never an error) marks the end of the answer. A socket
    the server closed with 1008 (too many errors) or that the input legally closed is
    reopened for the next input.
    """

    def __init__(self, server: ServerProcess, seat: dict) -> None:
        self.server = server
        self.seat = seat
        self.sentinel = 0
        self.client: WsClient
        self.errors = 0  # error answers since this socket opened
        self.open()

    def open(self, since: int | None = None) -> dict:
        self.client = WsClient(self.server.ws_url(self.seat, since=since))
        self.errors = 0
        first = self.read(10)
        assert first["type"] == "state" and first["event"] == "room", first
        return first

    def reopen(self, since: int | None = None) -> dict:
        self.client.close()
        return self.open(since)

    def close(self) -> None:
        self.client.close()

    def read(self, timeout: float) -> dict:
        """Read one message; raise ClosedBy when the server closes."""
        message = next_message(self.client.ws, timeout)
        if message["type"] == "error":
            self.errors += 1
        return message

    def probe(self, send: Callable[[websocket.WebSocket], None]) -> Answer:
        """Send an input and collect its answer."""
        self.sentinel += 1
        marker = f"sentinel-{self.sentinel}"
        ping = {"type": "system", "correlation_id": marker, "payload": {"action": "ping"}}
        messages: list[dict] = []
        try:
            send(self.client.ws)
            self.client.ws.send(json.dumps(ping))
        except (OSError, websocket.WebSocketException):
            pass  # the server already closed: its close frame is waiting to be read
        try:
            while True:
                message = self.read(15)
                if message.get("event") == "pong" and message.get("correlation_id") == marker:
                    return Answer(messages)
                messages.append(message)
        except ClosedBy as closed:
            CLOSES[closed.code] += 1
            errors = self.errors
            self.reopen()  # first, so that hypothesis replays a failure on an open socket
            assert closed.code != 1011, f"1011 after {messages}"
            if closed.code == 1008:
                assert errors > ERROR_LIMIT, f"1008 after only {errors} errors"
            return Answer(messages, closed.code)
        except (OSError, websocket.WebSocketException) as exc:
            raise AssertionError(f"socket broke without a close frame: {exc!r}") from exc


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


BIDI = set("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def chat_verdict(value: object) -> str | None:
    """What PROTOCOL section 3 says of a chat message: None if accepted, else the error."""
    if not isinstance(value, str) or not value.strip():
        return "invalid_payload"
    text = value.strip()
    if len(text) > CHAT_MAX_LENGTH:
        return "message_too_long"
    if any(ch != "\n" and unicodedata.category(ch) in ("Cc", "Cs") for ch in text):
        return "invalid_payload"
    # PROTOCOL section 6: nothing that reorders the text, no text that draws nothing.
    if any(ch in BIDI for ch in text) or all(ch.isspace() or ch in BLANK_LOOKING for ch in text):
        return "invalid_payload"
    marks = 0
    for ch in unicodedata.normalize("NFD", text):
        marks = marks + 1 if unicodedata.category(ch) in ("Mn", "Me") else 0
        if marks > 2:  # Zalgo: more than two accents stacked on one letter
            return "invalid_payload"
    return None


def correlation_rule(envelope: object) -> tuple[str | None, bool]:
    """The correlation id the server must echo, and whether it may refuse it instead.

    A string of at most 64 characters must be echoed; one with control characters or
    lone surrogates may be echoed or refused (bad_envelope); anything else is refused.
    """
    if not isinstance(envelope, dict):
        return None, False
    cid = envelope.get("correlation_id")
    if not isinstance(cid, str) or len(cid) > MAX_CORRELATION_ID:
        return None, False
    odd = any(unicodedata.category(char) in ("Cc", "Cs") for char in cid)
    return cid, odd


def depth(value: object) -> int:
    """How deeply a JSON value nests."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        deepest = max(deepest, level)
        if isinstance(item, dict):
            stack += [(child, level + 1) for child in item.values()]
        elif isinstance(item, list):
            stack += [(child, level + 1) for child in item]
    return deepest


def decode(text: str) -> object:
    """The envelope as the server decodes it (None when it is not JSON at all)."""
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


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


@dataclass
class FuzzRoom:
    """The lobby the envelope fuzzers play in: the host fuzzes, a second seat stays away."""

    server: ServerProcess
    observer: Observer
    host: dict
    guest: dict
    prober: Prober
    kicked: set[int] = field(default_factory=set)
    chats: dict[int, str] = field(default_factory=dict)  # chat id -> text, as broadcast

    @property
    def ids(self) -> list[int]:
        return [self.host["player_id"], self.guest["player_id"]]

    def check_answer(self, envelope: object, size: int, answer: Answer) -> None:
        """Check what one input (as the server decodes it) got against the protocol."""
        if answer.close_code is not None:
            assert answer.close_code in (1008, 1009), answer
            if answer.close_code == 1009:
                assert size > MAX_MESSAGE_BYTES, answer
        else:
            assert answer.messages, f"no answer to {envelope!r}"
        events = [m["event"] for m in answer.messages]
        if depth(envelope) > MAX_DEPTH and events == ["bad_json"]:
            return  # deeper than the server's JSON parser goes: refused as bad_json
        cid, odd = correlation_rule(envelope)
        for message in answer.messages:
            if message["type"] == "error":
                assert message.get("correlation_id") in (None, cid), message
                continue
            assert message["type"] == "event", message
            event, payload = message["event"], message["payload"]
            if event == "chat":
                assert isinstance(envelope, dict) and envelope.get("type") == "chat", message
                sent = envelope["payload"]["message"]
                assert payload["player_id"] == self.host["player_id"], message
                assert message.get("correlation_id") == cid, message
                assert chat_verdict(sent) is None, message
                assert payload["message"] == sent.strip(), message
                self.chats[payload["id"]] = payload["message"]
            elif event == "pong":
                assert isinstance(envelope, dict) and envelope.get("type") == "system", message
                assert message.get("correlation_id") == cid, message
            elif event == "player_kicked":
                assert payload["player_id"] == self.guest["player_id"], message
                self.kicked.add(payload["player_id"])
            else:
                raise AssertionError(f"unexpected event for {envelope!r}: {message}")
        if odd and events == ["bad_envelope"]:
            return  # a correlation id with control characters may be refused
        if (
            answer.close_code is None
            and isinstance(envelope, dict)
            and envelope.get("type") == "chat"
            and isinstance(envelope.get("payload"), dict)
            and cid == envelope.get("correlation_id")
        ):
            verdict = chat_verdict(envelope["payload"].get("message"))
            assert events == (["chat"] if verdict is None else [verdict]), (envelope, events)
        if cid is not None and answer.messages:
            # Once the envelope parsed, its error answer carries the correlation id.
            last = answer.messages[-1]
            if last["type"] == "error" and last["event"] not in ("bad_envelope", "unknown_type"):
                assert last.get("correlation_id") == cid, (envelope, last)

    def send_json(self, envelope: Any) -> Answer:
        return self.send_text(json.dumps(envelope))

    def send_text(self, text: str) -> Answer:
        data = text.encode()
        answer = self.prober.probe(
            lambda ws: ws.send_frame(websocket.ABNF.create_frame(data, websocket.ABNF.OPCODE_TEXT))
        )
        self.check_answer(decode(text), len(data), answer)
        return answer


def count(name: str) -> None:
    COUNTS[name] += 1


# Fixtures


@pytest.fixture(scope="module")
def fuzz_server(
    tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config
) -> Iterator[ServerProcess]:
    """One server for the module; rate limits high enough never to get in the way."""
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


@pytest.fixture(scope="module")
def room(fuzz_server: ServerProcess, observer: Observer) -> Iterator[FuzzRoom]:
    host = fuzz_server.create_room("Fuzzer")
    guest = fuzz_server.join(host["code"], "Guest")
    prober = Prober(fuzz_server, host)
    fuzz_room = FuzzRoom(fuzz_server, observer, host, guest, prober)
    yield fuzz_room
    prober.close()


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


def assert_room_consistent(room: FuzzRoom) -> None:
    """The stored room, its chat and the socket agree with what the fuzzer was told."""
    server = room.server
    status, body = server.request("GET", f"/api/rooms/{room.host['code']}")
    assert status == 200, body
    assert body["status"] == "lobby"
    expected = [room.host["player_id"]] + [
        pid for pid in [room.guest["player_id"]] if pid not in room.kicked
    ]
    assert [p["player_id"] for p in body["players"]] == expected
    assert [p["display_name"] for p in body["players"]] == ["Fuzzer", "Guest"][: len(expected)]
    # Every chat the room was told of is stored, in order, as broadcast; nothing else is.
    stored: dict[int, str] = {}
    since = 0
    while True:
        chat = room.prober.reopen(since=since)["payload"]["chat"]
        stored.update({entry["id"]: entry["message"] for entry in chat})
        if len(chat) < 500:
            break
        since = chat[-1]["id"]
    room.prober.reopen()
    assert stored == room.chats
    # The socket still works: a chat goes through and is stored.
    answer = room.send_json({"type": "chat", "correlation_id": "ok", "payload": {"message": "ok"}})
    assert [m["event"] for m in answer.messages] == ["chat"]


def run_examples(name: str, strategy: st.SearchStrategy, check: Callable[[Any], None]) -> None:
    @SETTINGS
    @given(strategy)
    def run(value: Any) -> None:
        count(name)
        check(value)

    run()


# Tests


def test_random_envelopes(room: FuzzRoom) -> None:
    run_examples("envelopes", envelopes(room.ids) | json_values(), room.send_json)
    assert_room_consistent(room)


def test_mutated_envelopes(room: FuzzRoom) -> None:
    run_examples("mutated", mutated_envelopes(room.ids), room.send_json)
    assert_room_consistent(room)


def test_raw_text_huge_numbers_and_deep_nesting(room: FuzzRoom) -> None:
    run_examples("raw_text", raw_texts(room.ids), room.send_text)
    assert_room_consistent(room)


def test_random_bytes_as_binary_and_text_frames(room: FuzzRoom) -> None:
    def send(pair: tuple[bool, bytes]) -> None:
        as_text, data = pair
        opcode = websocket.ABNF.OPCODE_TEXT if as_text else websocket.ABNF.OPCODE_BINARY
        answer = room.prober.probe(
            lambda ws: ws.send_frame(websocket.ABNF.create_frame(data, opcode))
        )
        try:
            text = data.decode() if as_text else None
        except UnicodeDecodeError:
            # Not UTF-8: the transport fails the connection with 1007 (RFC 6455 8.1).
            assert answer.close_code == 1007 and not answer.messages, answer
            return
        if text is None:
            assert answer.close_code == 1008 or answer.messages[-1]["event"] == (
                "binary_not_supported"
            ), answer
            assert all(m["event"] == "binary_not_supported" for m in answer.messages), answer
            return
        room.check_answer(decode(text), len(data), answer)

    run_examples("bytes", st.tuples(st.booleans(), st.binary(max_size=300)), send)
    assert_room_consistent(room)


def test_fragmented_messages(room: FuzzRoom) -> None:
    """A message split into continuation frames is answered like the whole message.

    The text is sent as raw UTF-8 (lone surrogates as JSON escapes), so that cuts also
    fall inside multi-byte characters.
    """

    def send(pair: tuple[Any, list[int]]) -> None:
        envelope, cuts = pair
        data = json.dumps(envelope, ensure_ascii=False).encode("utf-8", "backslashreplace")
        points = sorted({min(cut, len(data)) for cut in cuts})
        pieces = [data[a:b] for a, b in zip([0, *points], [*points, len(data)], strict=True)]

        def send_frames(ws: websocket.WebSocket) -> None:
            for index, piece in enumerate(pieces):
                opcode = websocket.ABNF.OPCODE_TEXT if index == 0 else websocket.ABNF.OPCODE_CONT
                fin = int(index == len(pieces) - 1)
                ws.send_frame(websocket.ABNF.create_frame(piece, opcode, fin))

        answer = room.prober.probe(send_frames)
        room.check_answer(decode(data.decode()), len(data), answer)

    cuts = st.lists(st.integers(0, 400), min_size=1, max_size=5)
    run_examples(
        "fragmented", st.tuples(envelopes(room.ids) | mutated_envelopes(room.ids), cuts), send
    )
    assert_room_consistent(room)


# Random action sequences in a started game


class GameFuzzer:
    """Five players at a table; checks every game view each socket receives.

    Within one game, each socket must see versions 1, 2, 3, ... with no gap and no
    repeat: one accepted move is exactly one version, a refused one none.
    """

    def __init__(self, server: ServerProcess) -> None:
        self.server = server
        self.seats = server.room_with_players(5)
        self.table = Table(server, self.seats)
        view = self.table.start()
        self.game_id, self.version, self.number = view["game_id"], view["version"], view["number"]
        self.seen = {pid: (self.game_id, self.version) for pid in self.table.clients}
        self.errors = dict.fromkeys(self.table.clients, 0)
        self.marker = 0
        self.accepted = 0
        self.refused = 0
        self.games = 1

    @property
    def ids(self) -> list[int]:
        return [seat["player_id"] for seat in self.seats]

    def observe(self, pid: int, message: dict) -> None:
        """Check one message a member received and track its game view."""
        kind, event = message["type"], message.get("event")
        assert (
            '"roles":' not in json.dumps(message)
            or (kind == "state" and message["payload"]["phase"] == "game_over")
            or event == "game_over"
        ), message
        if kind == "error":
            check_error(message)
            self.errors[pid] += 1
        elif kind == "event":
            assert event in GAME_EVENTS | PRESENCE_EVENTS | {"chat", "pong"}, message
        else:
            assert kind == "state" and event == "game", message
            view = message["payload"]
            assert view["phase"] in PHASES, view
            assert view["you"]["player_id"] == pid, view
            game_id, version = self.seen[pid]
            if view["game_id"] == game_id:
                assert view["version"] == version + 1, (pid, version, view["version"])
            else:
                # The next game, and only once the last one is over.
                assert self.table.views[pid]["phase"] == "game_over", view
                assert view["number"] == self.table.views[pid]["number"] + 1, view
            self.seen[pid] = (view["game_id"], view["version"])
            self.table.views[pid] = view

    def read(self, pid: int, timeout: float = 15) -> dict:
        message = next_message(self.table.clients[pid].ws, timeout)
        self.observe(pid, message)
        return message

    def reconnect(self, pid: int) -> None:
        self.table.clients[pid].close()
        first = self.table.reconnect(pid)
        view = first["payload"]["game"]
        # The stored game is the one the sockets were told of.
        assert (view["game_id"], view["version"]) == (self.game_id, self.version), view
        self.seen[pid] = (view["game_id"], view["version"])
        self.errors[pid] = 0

    def step(self, pid: int, envelope: dict) -> list[dict]:
        """Send one envelope from a member; return its answer (reconnecting after 1008)."""
        self.marker += 1
        marker = f"s{self.marker}"
        cid = f"m{self.marker}"
        envelope = {**envelope, "correlation_id": cid}
        client = self.table.clients[pid]
        client.send(envelope)
        client.send({"type": "system", "correlation_id": marker, "payload": {"action": "ping"}})
        answer: list[dict] = []
        try:
            while True:
                message = self.read(pid)
                if message.get("correlation_id") == marker:
                    break
                answer.append(message)
        except ClosedBy as closed:
            CLOSES[closed.code] += 1
            errors = self.errors[pid]
            self.reconnect(pid)  # first, so that hypothesis replays a failure on an open socket
            assert closed.code == 1008 and errors > ERROR_LIMIT, (closed.code, envelope, answer)
        mine = [m for m in answer if m.get("correlation_id") == cid]
        accepted = [m for m in mine if m["type"] == "state"]
        if accepted:
            view = accepted[-1]["payload"]
            if view["game_id"] == self.game_id:
                assert view["version"] == self.version + 1, (envelope, view["version"])
            else:
                assert envelope["payload"].get("action") in ("start_game", "play_again")
                self.games += 1
            self.game_id, self.version, self.number = (
                view["game_id"],
                view["version"],
                view["number"],
            )
            self.accepted += 1
            self.sync()
        else:
            assert len(mine) <= 1, mine
            if mine and mine[0]["type"] == "error":
                self.refused += 1
            else:
                # Not a game move: a chat (broadcast), a pong, or a 1008 close.
                assert not mine or mine[0]["event"] in ("chat", "pong"), mine
        return answer

    def sync(self) -> None:
        """Read every socket until it has the newest view."""
        for pid in self.table.clients:
            while self.seen[pid] != (self.game_id, self.version):
                self.read(pid)

    def drain(self) -> None:
        """Read every socket up to a ping (chats and presence pile up otherwise)."""
        for pid in self.table.clients:
            self.step(pid, {"type": "system", "payload": {"action": "ping"}})

    def close(self) -> None:
        self.table.close()


@dataclass
class Plan:
    """Everything one game step may need, drawn before looking at the game.

    Hypothesis requires that what it draws does not depend on outside state, so each
    step draws the same things and `choose_step` then applies them to the current game.
    """

    seed: int
    kind: str
    index: int
    mutation: str
    player: int
    value: Any
    action: Any
    extra: tuple[Any, Any]
    envelope: dict
    restart: dict


def plans(ids: list[int]) -> st.SearchStrategy[Plan]:
    random_envelopes = (mutated_envelopes(ids) | envelopes(ids)).map(
        lambda envelope: {
            "type": envelope.get("type", "action"),
            "payload": envelope.get("payload", {}),
        }
    )
    roles = st.sampled_from([["merlin", "assassin"], ["merlin", "assassin", "percival"]])
    restart = st.fixed_dictionaries(
        {
            "action": st.sampled_from(["play_again", "start_game"]),
            "roles": weighted(
                (1, roles), (2, st.lists(st.sampled_from(ROLES) | any_text(8), max_size=4))
            ),
        }
    )
    return st.builds(
        Plan,
        seed=st.integers(0, 2**32),
        kind=st.sampled_from(["legal"] * 5 + ["mutated"] * 3 + ["random"] * 2),
        index=st.integers(0, 9),
        mutation=st.sampled_from(["player", "value", "action", "extra", "type"]),
        player=st.integers(0, len(ids) - 1),
        value=field_values(ids),
        action=st.sampled_from(ACTIONS) | any_text(10),
        extra=st.tuples(st.sampled_from(FIELDS) | any_text(8), json_values(3)),
        envelope=random_envelopes,
        restart=restart,
    )


def choose_step(fuzzer: GameFuzzer, plan: Plan) -> tuple[int, dict]:
    """A legal move, a legal move mutated, or a random envelope, from some member."""
    moves = fuzzer.table.next_moves(random.Random(plan.seed))
    if not moves:  # game over: the host starts the next one
        return fuzzer.table.host, {"type": "action", "payload": plan.restart}
    pid, move_type, payload = moves[plan.index % len(moves)]
    if plan.kind == "random":
        return fuzzer.ids[plan.player], plan.envelope
    if plan.kind == "mutated":
        payload = dict(payload)
        if plan.mutation == "player":
            pid = fuzzer.ids[plan.player]
        elif plan.mutation == "value":
            payload[next(key for key in payload if key != "action")] = plan.value
        elif plan.mutation == "action":
            payload["action"] = plan.action
        elif plan.mutation == "extra":
            payload[plan.extra[0]] = plan.extra[1]
        else:
            move_type = "action" if move_type == "vote" else "vote"
    return pid, {"type": move_type, "payload": payload}


def test_random_action_sequences_in_a_game(fuzz_server: ServerProcess) -> None:
    fuzzer = GameFuzzer(fuzz_server)
    step_plans = plans(fuzzer.ids)
    try:

        @settings(SETTINGS, max_examples=max(1, EXAMPLES // 6))
        @given(st.data())
        def run(data: st.DataObject) -> None:
            for _ in range(data.draw(st.integers(1, 25))):
                pid, envelope = choose_step(fuzzer, data.draw(step_plans))
                count("game_moves")
                fuzzer.step(pid, envelope)
            fuzzer.drain()

        run()
        # Every member's view and a fresh snapshot agree with the stored game.
        fuzzer.sync()
        host = fuzzer.seats[0]
        fuzzer.reconnect(host["player_id"])  # checks the snapshot against the sockets
        view = fuzzer.table.views[host["player_id"]]
        assert view["phase"] in PHASES
        answer = fuzzer.step(host["player_id"], {"type": "chat", "payload": {"message": "gg"}})
        assert [m["event"] for m in answer if m.get("correlation_id")] == ["chat"]
        status, body = fuzz_server.request("GET", f"/api/rooms/{host['code']}")
        assert status == 200
        assert [p["player_id"] for p in body["players"]] == fuzzer.ids
        assert body["status"] == ("finished" if view["phase"] == "game_over" else "in_game")
        assert fuzzer.accepted > 0 and fuzzer.refused > 0
        print(
            f"game fuzz: {fuzzer.accepted} moves accepted, {fuzzer.refused} refused,"
            f" {fuzzer.games} games"
        )
    finally:
        fuzzer.close()
