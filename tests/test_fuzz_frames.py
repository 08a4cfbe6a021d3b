"""Fuzzing a lobby's socket with raw text, huge numbers, deep nesting, bytes and fragments.

Random bytes go as binary frames and as text frames, fragmented messages as
continuation frames.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import websocket
from hypothesis import strategies as st

from tests import fuzz_lobby
from tests import fuzz_support
from tests.fuzz_lobby import FuzzRoom
from tests.fuzz_lobby import assert_room_consistent
from tests.fuzz_lobby import decode
from tests.fuzz_lobby import run_examples
from tests.fuzz_support import envelopes
from tests.fuzz_support import mutated_envelopes
from tests.fuzz_support import templates

pytestmark = pytest.mark.timeout(180)

# Bound here so that this module gets its own server, observer and leak checks
# (pytest looks fixtures up by name in the test module).
fuzz_server = fuzz_support.fuzz_server
observer = fuzz_support.observer
nothing_leaked = fuzz_support.nothing_leaked
room = fuzz_lobby.room


# Strategies


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


# Tests


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
