"""The frame parser against every limit of RFC 6455 it enforces, over plain bytes (no server).

Client frames are built here byte by byte (wsproto builds the well-formed ones, so the
parser is held against an independent implementation); server frames are checked by
parsing them with wsproto's client side.
"""

from __future__ import annotations

import struct

import pytest
from wsproto.connection import Connection
from wsproto.connection import ConnectionType
from wsproto.events import BytesMessage
from wsproto.events import CloseConnection
from wsproto.events import Ping as WsprotoPing
from wsproto.events import TextMessage

from avalon.realtime import frames
from avalon.realtime.frames import ClientFrames
from avalon.realtime.frames import Close
from avalon.realtime.frames import Ping
from avalon.realtime.frames import Violation
from avalon.realtime.transport import binary_frame
from avalon.realtime.transport import close_frame
from avalon.realtime.transport import pong_frame
from avalon.realtime.transport import text_frame

pytestmark = pytest.mark.timeout(10)

LIMIT = 1024
MASK = b"\x37\xfa\x21\x3d"  # RFC 6455's example mask: test ids stay the same every run


def frame(opcode: int, payload: bytes = b"", fin: bool = True, rsv: int = 0, masked: bool = True,
          length: int | None = None) -> bytes:  # fmt: skip
    """One client frame as a client writes it (masked), or broken as a test needs it."""
    size = len(payload) if length is None else length
    first = (0x80 if fin else 0) | rsv << 4 | opcode
    mask_bit = 0x80 if masked else 0
    if size < 126:
        header = struct.pack("!BB", first, mask_bit | size)
    elif size < 65536:
        header = struct.pack("!BBH", first, mask_bit | 126, size)
    else:
        header = struct.pack("!BBQ", first, mask_bit | 127, size)
    if not masked:
        return header + payload
    mask = MASK
    return header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def violation(data: bytes, limit: int | None = LIMIT) -> Violation:
    """The Violation feeding `data` raises."""
    with pytest.raises(Violation) as raised:
        ClientFrames(limit).feed(data)
    return raised.value


def test_messages_from_an_independent_client_come_out_whole():
    client = Connection(ConnectionType.CLIENT)
    data = client.send(TextMessage(data="héllo")) + client.send(BytesMessage(data=b"\x00\xff"))
    data += client.send(TextMessage(data="x" * 300))  # a 16-bit length
    assert ClientFrames(LIMIT).feed(data) == ["héllo", b"\x00\xff", "x" * 300]


def test_a_64_bit_length_and_bytes_arriving_one_at_a_time():
    client = Connection(ConnectionType.CLIENT)
    big = "y" * 70000
    data = client.send(TextMessage(data=big)) + client.send(TextMessage(data="next"))
    parser = ClientFrames(100_000)
    out: list = []
    for index in range(0, len(data), 997):
        out += parser.feed(data[index : index + 997])
    assert out == [big, "next"]
    parser = ClientFrames(LIMIT)
    out = []
    for byte in client.send(TextMessage(data="slow")):
        out += parser.feed(bytes([byte]))
    assert out == ["slow"]


def test_fragments_are_joined_and_pings_may_come_between_them():
    data = frame(0x1, b"he", fin=False) + frame(0x9, b"p") + frame(0x0, b"ll", fin=False)
    data += frame(0x0, b"o")
    out = ClientFrames(LIMIT).feed(data)
    assert [type(item) for item in out] == [Ping, str]
    assert out[0].payload == b"p" and out[1] == "hello"


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (frame(0x1, b"x", masked=False), 1002),  # 5.1: client frames are masked
        (frame(0x1, b"x", rsv=1), 1002),  # 5.2: no extension negotiated, RSV must be 0
        (frame(0x1, b"x", rsv=4), 1002),
        (frame(0x3, b"x"), 1002),  # 5.2: reserved data opcodes
        (frame(0xB, b"x"), 1002),  # 5.2: reserved control opcodes
        (frame(0x9, b"x" * 126), 1002),  # 5.5: control payloads are at most 125 bytes
        (frame(0x9, b"x", fin=False), 1002),  # 5.5: control frames are not fragmented
        (frame(0x0, b"x"), 1002),  # 5.4: a continuation needs a message to continue
        (frame(0x1, b"a", fin=False) + frame(0x1, b"b"), 1002),  # 5.4: no nesting
        (frame(0x2, b"x", length=2**63), 1002),  # 5.2: the length's top bit is 0
        (frame(0x1, b"\xff\xfe"), 1007),  # 8.1: text is UTF-8
        (frame(0x1, b"\xe2\x82", fin=False) + frame(0x0, b"\x28"), 1007),
        (frame(0x8, b"\x03"), 1002),  # 5.5.1: a close body has at least the code
        (frame(0x8, struct.pack("!H", 1005)), 1002),  # 7.4.1: never sent on the wire
        (frame(0x8, struct.pack("!H", 999)), 1002),
        (frame(0x8, struct.pack("!H", 2000)), 1002),  # reserved for the protocol
        (frame(0x8, struct.pack("!H", 1000) + b"\xff"), 1007),  # the reason is UTF-8
    ],
)
def test_what_the_rfc_refuses_is_refused_with_its_code(data, code):
    """Each case's id is its bytes: the same in every process (pytest-xdist compares)."""
    assert violation(data).code == code


def test_every_valid_close_code_is_accepted():
    for code in (*frames.VALID_CLOSE, 3000, 4999):
        (close,) = ClientFrames(LIMIT).feed(frame(0x8, struct.pack("!H", code) + b"bye"))
        assert isinstance(close, Close) and (close.code, close.reason) == (code, "bye")
    (empty,) = ClientFrames(LIMIT).feed(frame(0x8))
    assert empty.code is None


def test_nothing_after_the_clients_close_is_parsed():
    data = frame(0x1, b"before") + frame(0x8) + frame(0x1, b"after") + b"\x00garbage"
    out = ClientFrames(LIMIT).feed(data)
    assert out[0] == "before" and isinstance(out[1], Close) and len(out) == 2


def test_a_message_over_the_limit_is_refused_before_its_payload_arrives():
    assert ClientFrames(LIMIT).feed(frame(0x1, b"x" * LIMIT)) == ["x" * LIMIT]
    head_only = frame(0x2, b"", length=10**9)[:14]  # a header announcing a gigabyte
    assert violation(head_only).code == 1009
    halves = frame(0x1, b"x" * 600, fin=False) + frame(0x0, b"y" * 600)
    assert violation(halves).code == 1009
    assert ClientFrames(LIMIT).feed(frame(0x1, "é".encode() * (LIMIT // 2))) == ["é" * (LIMIT // 2)]
    assert violation(frame(0x1, "é".encode() * (LIMIT // 2 + 1))).code == 1009  # bytes count
    split = frame(0x1, b"s" * LIMIT)  # one frame arriving in pieces is not fragments
    parser = ClientFrames(LIMIT)
    assert parser.feed(split[:100]) == [] and parser.feed(split[100:]) == ["s" * LIMIT]


def test_empty_fragments_cannot_pile_up():
    """The attack: FIN=0 then empty continuations for ever, each kept, the limit never met."""
    parser = ClientFrames(LIMIT)
    parser.feed(frame(0x1, b"", fin=False))
    fed = 1
    with pytest.raises(Violation) as raised:
        while fed < 10_000:
            parser.feed(frame(0x0, b"", fin=False))
            fed += 1
    assert raised.value.code == 1009
    assert fed <= LIMIT // frames.MIN_HEADER + 1  # each fragment cost at least its header
    assert len(parser.parts) <= LIMIT // frames.MIN_HEADER


@pytest.mark.parametrize("opcode", [0x9, 0xA])
def test_pings_and_pongs_past_a_few_a_second_close_with_1008(opcode):
    parser = ClientFrames(LIMIT)
    allowed = [len(parser.feed(frame(opcode, b"p"))) for _ in range(int(frames.CONTROL_BURST))]
    assert allowed == [1 if opcode == 0x9 else 0] * int(frames.CONTROL_BURST)
    with pytest.raises(Violation) as raised:
        parser.feed(frame(opcode, b"p"))
    assert raised.value.code == 1008


def test_the_control_allowance_refills():
    parser = ClientFrames(LIMIT)
    for _ in range(int(frames.CONTROL_BURST)):
        parser.feed(frame(0xA))
    parser.refilled -= 1.0 / frames.CONTROL_RATE  # half a second later, as the clock goes
    assert parser.feed(frame(0xA)) == []


def test_server_frames_parse_as_an_independent_client_reads_them():
    client = Connection(ConnectionType.CLIENT)
    long_reason = "é" * 100  # 200 bytes: cut to fit a control frame, never mid-character
    data = text_frame("hé".encode()) + text_frame(b"z" * 70000) + binary_frame(b"\x01")
    data += pong_frame(b"pp")
    client.receive_data(data + close_frame(4409, long_reason))
    events = list(client.events())
    assert [type(event).__name__ for event in events] == [
        "TextMessage",
        "TextMessage",
        "BytesMessage",
        "Pong",
        "CloseConnection",
    ]
    assert events[0].data == "hé" and len(events[1].data) == 70000
    close = events[-1]
    assert isinstance(close, CloseConnection) and close.code == 4409
    assert long_reason.startswith(close.reason) and len(close.reason.encode()) <= 123
    assert not isinstance(events[3], WsprotoPing)
