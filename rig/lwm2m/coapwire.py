"""A minimal CoAP (RFC 7252) message codec, independent of aiocoap.

Used by the fake LwM2M client in tests and by the load generator, so that they check the server
against a second implementation rather than against aiocoap itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field

CON, NON, ACK, RST = 0, 1, 2, 3
IF_MATCH, URI_HOST, ETAG, OBSERVE, URI_PORT, LOCATION_PATH = 1, 3, 4, 6, 7, 8
URI_PATH, CONTENT_FORMAT, MAX_AGE, URI_QUERY, ACCEPT = 11, 12, 14, 15, 17
BLOCK2, BLOCK1, SIZE2, SIZE1 = 23, 27, 28, 60

GET, POST, PUT, DELETE, FETCH = 1, 2, 3, 4, 5
CREATED, DELETED, VALID, CHANGED, CONTENT, CONTINUE = 65, 66, 67, 68, 69, 95


def code(text: str) -> int:
    cls, detail = text.split(".")
    return (int(cls) << 5) | int(detail)


def code_text(value: int) -> str:
    return f"{value >> 5}.{value & 0x1F:02d}"


def uint(value: int) -> bytes:
    return value.to_bytes((value.bit_length() + 7) // 8, "big") if value else b""


def block_value(num: int, more: bool, szx: int) -> bytes:
    return uint((num << 4) | (8 if more else 0) | szx)


@dataclass
class Msg:
    mtype: int
    code: int
    mid: int
    token: bytes = b""
    options: list[tuple[int, bytes]] = field(default_factory=list)
    payload: bytes = b""

    def opt(self, number: int) -> list[bytes]:
        return [v for n, v in self.options if n == number]

    def uint_opt(self, number: int) -> int | None:
        values = self.opt(number)
        return int.from_bytes(values[0], "big") if values else None

    def add(self, number: int, value: bytes | str | int) -> Msg:
        if isinstance(value, str):
            value = value.encode()
        elif isinstance(value, int):
            value = uint(value)
        self.options.append((number, value))
        return self

    @property
    def path(self) -> tuple[str, ...]:
        return tuple(v.decode() for v in self.opt(URI_PATH))

    @property
    def query(self) -> tuple[str, ...]:
        return tuple(v.decode() for v in self.opt(URI_QUERY))

    @property
    def content_format(self) -> int | None:
        return self.uint_opt(CONTENT_FORMAT)

    @property
    def accept(self) -> int | None:
        return self.uint_opt(ACCEPT)

    @property
    def observe(self) -> int | None:
        return self.uint_opt(OBSERVE)

    def block(self, number: int) -> tuple[int, bool, int] | None:
        value = self.uint_opt(number)
        if value is None:
            return None
        return value >> 4, bool(value & 8), value & 7

    @property
    def code_text(self) -> str:
        return code_text(self.code)


def _nibble(x: int, ext: bytearray) -> int:
    if x < 13:
        return x
    if x < 269:
        ext.append(x - 13)
        return 13
    ext.extend((x - 269).to_bytes(2, "big"))
    return 14


def encode(msg: Msg) -> bytes:
    if len(msg.token) > 8:
        raise ValueError("token longer than 8 bytes")
    out = bytearray([0x40 | (msg.mtype << 4) | len(msg.token), msg.code])
    out += msg.mid.to_bytes(2, "big") + msg.token
    last = 0
    for number, value in sorted(msg.options, key=lambda o: o[0]):
        delta, length = number - last, len(value)
        last = number
        ext = bytearray()
        d = _nibble(delta, ext)
        ln = _nibble(length, ext)
        out.append((d << 4) | ln)
        out += ext + value
    if msg.payload:
        out += b"\xff" + msg.payload
    return bytes(out)


def decode(data: bytes) -> Msg:
    if len(data) < 4:
        raise ValueError("shorter than a CoAP header")
    if data[0] >> 6 != 1:
        raise ValueError("not CoAP version 1")
    tkl = data[0] & 0x0F
    if tkl > 8 or len(data) < 4 + tkl:
        raise ValueError("bad token length")
    msg = Msg((data[0] >> 4) & 3, data[1], int.from_bytes(data[2:4], "big"), bytes(data[4 : 4 + tkl]))
    pos, number = 4 + tkl, 0
    while pos < len(data):
        if data[pos] == 0xFF:
            if pos + 1 == len(data):
                raise ValueError("payload marker without payload")
            msg.payload = bytes(data[pos + 1 :])
            break
        head = data[pos]
        pos += 1
        fields = []
        for nib in (head >> 4, head & 0x0F):
            if nib == 13:
                if pos >= len(data):
                    raise ValueError("truncated option")
                fields.append(data[pos] + 13)
                pos += 1
            elif nib == 14:
                if pos + 2 > len(data):
                    raise ValueError("truncated option")
                fields.append(int.from_bytes(data[pos : pos + 2], "big") + 269)
                pos += 2
            elif nib == 15:
                raise ValueError("reserved option nibble 15")
            else:
                fields.append(nib)
        number += fields[0]
        if pos + fields[1] > len(data):
            raise ValueError("option value runs past the end")
        msg.options.append((number, bytes(data[pos : pos + fields[1]])))
        pos += fields[1]
    return msg
