"""Client frames parsed by hand (RFC 6455 section 5), for the handler's own read loop.

wsproto's general-purpose parser (events, generators, a buffer class) was the largest
part of reading a chat message. Clients here send small masked frames and no
extensions (permessage-deflate is declined at the handshake), so the whole job is:
split frames, unmask, join fragments, check UTF-8 and the size limit, answer pings
and the close handshake, and refuse everything the RFC refuses.
"""

from __future__ import annotations

from simple_websocket import Server

from avalon.realtime.transport import close_frame
from avalon.realtime.transport import pong_frame

CONTINUATION, TEXT, BINARY, CLOSE, PING, PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA
# Close codes a peer may send (RFC 6455 7.4.1; 1004-1006 and 1015 are never on the wire).
VALID_CLOSE = {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013}


class Violation(Exception):
    """The client broke the protocol: close with this code."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


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

    __slots__ = ("pending", "need", "parts", "opcode", "size", "refused")

    def __init__(self) -> None:
        self.pending = bytearray()  # the start of a frame not complete yet ...
        self.need = 0  # ... and how many bytes it needs before parsing is worth trying
        self.parts: list[bytes] = []  # fragments of the message in progress
        self.opcode = 0  # TEXT or BINARY while a fragmented message is in progress
        self.size = 0
        self.refused = False  # we closed on a protocol error: the client may still send

    def feed(self, ws: Server, data: bytes) -> None:
        """Parse what arrived: messages to ws.input_buffer, control frames answered.

        Sets ws.connected to False once the close handshake is done or the client broke
        the protocol (the close frame then already went out).
        """
        if self.pending:
            self.pending += data  # a large frame arrives in many reads: append, no copy
            if len(self.pending) < self.need:
                return
            buffer = bytes(self.pending)
        else:
            buffer = data
        offset = 0
        end = len(buffer)
        self.need = 2
        try:
            while True:
                if end - offset < 2:
                    self.need = 2
                    break
                first, second = buffer[offset], buffer[offset + 1]
                length = second & 0x7F
                header = 6  # two bytes, the mask, and the extended length if any:
                if length >= 126:
                    extended = 2 if length == 126 else 8  # 126: 16 bits, 127: 64 bits
                    header += extended
                    if end - offset < header:
                        self.need = header
                        break
                    length = int.from_bytes(buffer[offset + 2 : offset + 2 + extended], "big")
                    if length >> 63:
                        raise Violation(1002, "frame length too large")
                self.check_header(first, second, length, ws.max_message_size)
                if end - offset < header + length:
                    self.need = header + length
                    break
                mask = buffer[offset + header - 4 : offset + header]
                start = offset + header
                payload = unmask(buffer[start : start + length], mask)
                offset = start + length
                if not self.frame(ws, first, payload):  # the close handshake is done
                    ws.connected = False
                    self.pending = bytearray()
                    return
        except Violation as violation:
            self.pending = bytearray()
            self.refused = True
            if ws.connected:
                ws.connected = False
                ws.sock.send(close_frame(violation.code, violation.reason))
            return
        self.pending = bytearray(buffer[offset:]) if offset < end else bytearray()

    def check_header(self, first: int, second: int, length: int, limit: int | None) -> None:
        """Refuse what the RFC refuses before any payload is read."""
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
        elif opcode > BINARY:
            raise Violation(1002, "reserved opcode")
        elif limit and self.size + length > limit:
            raise Violation(1009, "Message is too big")

    def frame(self, ws: Server, first: int, payload: bytes) -> bool:
        """Handle one complete frame; False once the connection is closed."""
        opcode = first & 0x0F
        if opcode == PING:
            ws.sock.send(pong_frame(payload))
        elif opcode == CLOSE:
            self.close(ws, payload)
            return False
        elif opcode == PONG:
            ws.pong_received = True
        else:
            if opcode == CONTINUATION:
                if not self.opcode:
                    raise Violation(1002, "continuation without a message")
            elif self.opcode:
                raise Violation(1002, "new message inside a fragmented one")
            else:
                self.opcode = opcode
            if first & 0x80 and not self.parts:  # a whole message in one frame
                self.deliver(ws, payload)
            else:
                self.parts.append(payload)
                self.size += len(payload)
                if first & 0x80:
                    joined = b"".join(self.parts)
                    self.parts = []
                    self.deliver(ws, joined)
        return True

    def deliver(self, ws: Server, payload: bytes) -> None:
        """A complete message: text decoded (strictly), binary as it is."""
        opcode, self.opcode, self.size = self.opcode, 0, 0
        if opcode == TEXT:
            try:
                ws.input_buffer.append(payload.decode("utf-8"))
            except UnicodeDecodeError:
                raise Violation(1007, "invalid UTF-8") from None
        else:
            ws.input_buffer.append(payload)

    def close(self, ws: Server, payload: bytes) -> None:
        """The client's close frame: check it and answer it, unless we closed first."""
        code: int | None = None
        if payload:
            if len(payload) < 2:
                raise Violation(1002, "bad close frame")
            code = int.from_bytes(payload[:2], "big")
            if code not in VALID_CLOSE and not 3000 <= code <= 4999:
                raise Violation(1002, "bad close code")
            try:
                reason = payload[2:].decode("utf-8")
            except UnicodeDecodeError:
                raise Violation(1007, "invalid UTF-8 in the close reason") from None
            ws.close_message = reason
        ws.close_reason = code if code is not None else 1005
        if ws.connected:  # the client spoke first: echo its code (or send none)
            ws.connected = False
            ws.sock.send(close_frame(code))
