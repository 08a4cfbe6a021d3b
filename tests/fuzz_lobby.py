"""The lobby the envelope and frame fuzzers share: its prober socket and the protocol's verdicts.

What every input must get (`FuzzRoom.check_answer`):

- an `error` envelope whose code is in the protocol's list, or
- a legal effect (a chat event, a pong, a kick), or
- a close the protocol prescribes for that input, and nothing else:
  1007 from the transport for a text frame that is not UTF-8 (RFC 6455 8.1; the
  server never sees such a message), 1009 for a message above the size limit, and 1008
  once a socket has had more than 20 error answers within 10 seconds (the fuzzer then
  reconnects and goes on: that limit is the protocol's, not a failure).

Afterwards the stored room and its chat must agree with what the sockets were told.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from typing import Any

import pytest
import websocket
from hypothesis import given
from hypothesis import strategies as st

from avalon.protocol.names import BLANK_LOOKING  # the spec's table of blank characters
from tests.fuzz_support import CHAT_MAX_LENGTH
from tests.fuzz_support import CLOSES
from tests.fuzz_support import ERROR_LIMIT
from tests.fuzz_support import MAX_CORRELATION_ID
from tests.fuzz_support import SETTINGS
from tests.fuzz_support import ClosedBy
from tests.fuzz_support import Observer
from tests.fuzz_support import count
from tests.fuzz_support import next_message
from tests.support import ServerProcess
from tests.support import WsClient

MAX_MESSAGE_BYTES = 16384  # AVALON_MAX_MESSAGE_BYTES (the default)
MAX_DEPTH = 500  # JSON nested deeper than this may be refused as bad_json (recursion limit)


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


# Fixtures


@pytest.fixture(scope="module")
def room(fuzz_server: ServerProcess, observer: Observer) -> Iterator[FuzzRoom]:
    host = fuzz_server.create_room("Fuzzer")
    guest = fuzz_server.join(host["code"], "Guest")
    prober = Prober(fuzz_server, host)
    fuzz_room = FuzzRoom(fuzz_server, observer, host, guest, prober)
    yield fuzz_room
    prober.close()


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
