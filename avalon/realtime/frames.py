"""Client frames parsed without I/O (RFC 6455 section 5), for the handler's own read loop.

`ClientFrames.feed(data)` takes bytes as they arrive and returns what they completed:
messages (text as `str`, binary as `bytes`), `Ping`s to answer and the client's `Close`;
a protocol error raises `Violation` with the close code to send. Writing the answers is
the caller's job (realtime/reader.py), so this module is tested over plain bytes.

Why our own parser and not wsproto's: clients here send small masked frames and no
extensions (permessage-deflate is declined at the handshake), and wsproto takes 9.6 us a
chat message against 1.5 us here (bench/frames.py). A build whose read loop parsed with
wsproto (the same limits on top) cost 1.19x this one's CPU per delivery on the two busy
rows of `make bench` (bench/README.md), where the goal was to stay within 1.10x. Every
limit of RFC 6455 is unit-tested in tests/test_frames.py, and the two limits an attacker
found are here: every fragment costs at least its header against the message size limit
(so empty fragments cannot pile up), and pings and pongs beyond a few a second close the
socket with 1008.
"""

from __future__ import annotations

import time

CONTINUATION, TEXT, BINARY, CLOSE, PING, PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA
# Close codes a peer may send (RFC 6455 7.4.1; 1004-1006 and 1015 are never on the wire).
VALID_CLOSE = {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013}
MIN_HEADER = 6  # two bytes and the mask: what the shortest client frame costs
CONTROL_BURST = 10.0  # pings and pongs a client may send at once ...
CONTROL_RATE = 2.0  # ... and then per second (browsers answer one ping every 25 s)


class Violation(Exception):
    """The client broke the protocol or a limit: close with this code."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


class Ping:
    """A client's ping: answer it with a pong carrying the same payload."""

    __slots__ = ("payload",)

    def __init__(self, payload: bytes) -> None:
        self.payload = payload


class Close:
    """The client's close frame: its code (None when it sent none) and reason."""

    __slots__ = ("code", "reason")

    def __init__(self, code: int | None, reason: str) -> None:
        self.code = code
        self.reason = reason


Incoming = str | bytes | Ping | Close


def unmask(payload: bytes, mask: bytes) -> bytes:
    """XOR a payload with its 4-byte mask, as one big integer (fast for any size)."""
    length = len(payload)
    if not length:
        return b""
    key = (mask * (length // 4 + 1))[:length]
    return (int.from_bytes(payload, "little") ^ int.from_bytes(key, "little")).to_bytes(
        length, "little"
    )


class ClientFrames:
    """The read state of one socket: bytes not yet parsed, the message being joined."""

    __slots__ = ("limit", "pending", "need", "parts", "opcode", "size", "controls", "refilled")

    def __init__(self, max_message_bytes: int | None) -> None:
        self.limit = max_message_bytes or None
        self.pending = bytearray()  # the start of a frame not complete yet ...
        self.need = 0  # ... and how many bytes it needs before parsing is worth trying
        self.parts: list[bytes] = []  # fragments of the message in progress
        self.opcode = 0  # TEXT or BINARY while a fragmented message is in progress
        self.size = 0  # what the message in progress costs against the limit so far
        self.controls = CONTROL_BURST  # pings and pongs allowed now (a token bucket)
        self.refilled = time.monotonic()

    def feed(self, data: bytes) -> list[Incoming]:
        """Parse what arrived; return what it completed. Raises Violation.

        Nothing is returned after a Close: the client may send no frame after it.
        """
        if self.pending:
            self.pending += data  # a large frame arrives in many reads: append, no copy
            if len(self.pending) < self.need:
                return []
            buffer = bytes(self.pending)
        else:
            buffer = data
        offset, end = 0, len(buffer)
        completed: list[Incoming] = []
        self.need = 2
        try:
            while end - offset >= 2:
                first, second = buffer[offset], buffer[offset + 1]
                length = second & 0x7F
                header = MIN_HEADER  # two bytes, the mask, and the extended length if any:
                if length >= 126:
                    extended = 2 if length == 126 else 8  # 126: 16 bits, 127: 64 bits
                    header += extended
                    if end - offset < header:
                        self.need = header
                        break
                    length = int.from_bytes(buffer[offset + 2 : offset + 2 + extended], "big")
                    if length >> 63:
                        raise Violation(1002, "frame length too large")
                self.check_header(first, second, length, header)
                if end - offset < header + length:
                    self.need = header + length
                    break
                start = offset + header
                payload = unmask(buffer[start : start + length], buffer[start - 4 : start])
                offset = start + length
                item = self.frame(first, payload, header)
                if item is not None:
                    completed.append(item)
                    if isinstance(item, Close):
                        offset = end  # anything after the client's close is ignored
                        break
        except Violation:
            self.pending = bytearray()
            raise
        self.pending = bytearray(buffer[offset:]) if offset < end else bytearray()
        return completed

    def check_header(self, first: int, second: int, length: int, header: int) -> None:
        """Refuse what the RFC refuses (and what is over the limits) before any payload."""
        opcode = first & 0x0F
        if first & 0x70:
            raise Violation(1002, "reserved bits set")
        if not second & 0x80:
            raise Violation(1002, "client frames must be masked")
        if opcode >= 0x8:
            if opcode > PONG:
                raise Violation(1002, "reserved opcode")
            if not first & 0x80 or length > 125:
                raise Violation(1002, "bad control frame")
            return
        if opcode > BINARY:
            raise Violation(1002, "reserved opcode")
        # A fragment costs its header too: empty fragments must not be free to pile up.
        fragment = opcode == CONTINUATION or not first & 0x80
        cost = length + (header if fragment else 0)
        if self.limit and self.size + cost > self.limit:
            raise Violation(1009, "Message is too big")

    def frame(self, first: int, payload: bytes, header: int) -> Incoming | None:
        """Handle one complete frame; return the message, ping or close it completes."""
        opcode = first & 0x0F
        if opcode >= 0x8:
            if opcode == CLOSE:
                return self.close(payload)
            self.spend_control()
            return Ping(payload) if opcode == PING else None
        if opcode == CONTINUATION:
            if not self.opcode:
                raise Violation(1002, "continuation without a message")
        elif self.opcode:
            raise Violation(1002, "new message inside a fragmented one")
        else:
            self.opcode = opcode
        if first & 0x80 and not self.parts:  # a whole message in one frame
            return self.message(payload)
        self.parts.append(payload)
        self.size += len(payload) + header
        if not first & 0x80:
            return None
        joined = b"".join(self.parts)
        self.parts = []
        return self.message(joined)

    def spend_control(self) -> None:
        """Take one ping or pong from the allowance; past it, close with 1008."""
        now = time.monotonic()
        self.controls = min(CONTROL_BURST, self.controls + (now - self.refilled) * CONTROL_RATE)
        self.refilled = now
        if self.controls < 1:
            raise Violation(1008, "too many control frames")
        self.controls -= 1

    def message(self, payload: bytes) -> str | bytes:
        """A complete message: text decoded (strictly), binary as it is."""
        opcode, self.opcode, self.size = self.opcode, 0, 0
        if opcode != TEXT:
            return payload
        try:
            return payload.decode("utf-8")
        except UnicodeDecodeError:
            raise Violation(1007, "invalid UTF-8") from None

    def close(self, payload: bytes) -> Close:
        """The client's close frame, checked: its code (None when it sent none) and reason."""
        if not payload:
            return Close(None, "")
        if len(payload) < 2:
            raise Violation(1002, "bad close frame")
        code = int.from_bytes(payload[:2], "big")
        if code not in VALID_CLOSE and not 3000 <= code <= 4999:
            raise Violation(1002, "bad close code")
        try:
            return Close(code, payload[2:].decode("utf-8"))
        except UnicodeDecodeError:
            raise Violation(1007, "invalid UTF-8 in the close reason") from None
