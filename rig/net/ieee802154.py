"""IEEE 802.15.4 (2006) MAC frame build/parse and the CRC-16/KERMIT frame check sequence.

Addresses: a short address is an `int` (0..0xFFFF); an extended address is 8 `bytes` in EUI-64 order
(most significant byte first, as printed), which is the reverse of the on-air order.
"""

from __future__ import annotations

from dataclasses import dataclass

FRAME_BEACON = 0
FRAME_DATA = 1
FRAME_ACK = 2
FRAME_CMD = 3

ADDR_NONE = 0
ADDR_SHORT = 2
ADDR_EXT = 3

BROADCAST_PAN = 0xFFFF
BROADCAST_SHORT = 0xFFFF
MAX_FRAME = 127  # aMaxPHYPacketSize: MAC header + payload + FCS

Address = int | bytes | None


class FrameError(ValueError):
    """A malformed 802.15.4 frame; the message says what was wrong."""


def _make_crc_table() -> list[int]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x8408 if crc & 1 else crc >> 1
        table.append(crc)
    return table


_CRC_TABLE = _make_crc_table()


def crc16_kermit(data: bytes) -> int:
    """CRC-16/KERMIT (ITU-T poly 0x1021 reflected, init 0): the 802.15.4 FCS."""
    crc = 0
    table = _CRC_TABLE
    for b in data:
        crc = (crc >> 8) ^ table[(crc ^ b) & 0xFF]
    return crc


def fcs_bytes(data: bytes) -> bytes:
    crc = crc16_kermit(data)
    return bytes((crc & 0xFF, crc >> 8))  # low byte first on air


def check_fcs(frame_with_fcs: bytes) -> bool:
    if len(frame_with_fcs) < 2:
        return False
    return crc16_kermit(frame_with_fcs[:-2]) == frame_with_fcs[-2] | (frame_with_fcs[-1] << 8)


@dataclass
class Frame:
    frame_type: int = FRAME_DATA
    seq: int = 0
    dst_pan: int | None = None
    dst: Address = None
    src_pan: int | None = None  # None with a source address: same as dst_pan (PAN ID compression)
    src: Address = None
    payload: bytes = b""
    ack_request: bool = False
    frame_pending: bool = False
    security: bool = False
    version: int = 1  # 0 = 2003, 1 = 2006

    @property
    def dst_mode(self) -> int:
        return _mode(self.dst)

    @property
    def src_mode(self) -> int:
        return _mode(self.src)

    @property
    def pan_id(self) -> int | None:
        """The PAN the source belongs to (src PAN, or dst PAN when compressed)."""
        return self.src_pan if self.src_pan is not None else self.dst_pan


def _mode(addr: Address) -> int:
    if addr is None:
        return ADDR_NONE
    if isinstance(addr, int):
        return ADDR_SHORT
    return ADDR_EXT


def build(frame: Frame, fcs: bool = True) -> bytes:
    """The on-air bytes of `frame` (with the 2-byte FCS unless `fcs` is false)."""
    dmode, smode = frame.dst_mode, frame.src_mode
    compress = (
        dmode != ADDR_NONE
        and smode != ADDR_NONE
        and (frame.src_pan is None or frame.src_pan == frame.dst_pan)
    )
    fcf = (
        (frame.frame_type & 7)
        | (frame.security << 3)
        | (frame.frame_pending << 4)
        | (frame.ack_request << 5)
        | (compress << 6)
        | (dmode << 10)
        | ((frame.version & 3) << 12)
        | (smode << 14)
    )
    out = bytearray((fcf & 0xFF, fcf >> 8, frame.seq & 0xFF))
    if dmode != ADDR_NONE:
        if frame.dst_pan is None:
            raise FrameError("a destination address needs a destination PAN ID")
        out += frame.dst_pan.to_bytes(2, "little")
        out += _addr_bytes(frame.dst)
    if smode != ADDR_NONE:
        if not compress:
            pan = frame.src_pan if frame.src_pan is not None else frame.dst_pan
            if pan is None:
                raise FrameError("a source address needs a PAN ID")
            out += pan.to_bytes(2, "little")
        out += _addr_bytes(frame.src)
    out += frame.payload
    if fcs:
        out += fcs_bytes(bytes(out))
    if len(out) > MAX_FRAME:
        raise FrameError(f"frame of {len(out)} bytes exceeds the 127-byte 802.15.4 maximum")
    return bytes(out)


def _addr_bytes(addr: Address) -> bytes:
    if isinstance(addr, int):
        return addr.to_bytes(2, "little")
    assert addr is not None
    if len(addr) != 8:
        raise FrameError(f"extended address must be 8 bytes, got {len(addr)}")
    return bytes(reversed(addr))


def parse(data: bytes, has_fcs: bool = True, check: bool = True) -> Frame:
    """Parse an on-air frame; raises FrameError naming what was wrong."""
    if has_fcs:
        if len(data) < 5:
            raise FrameError(f"frame too short ({len(data)} bytes)")
        if check and not check_fcs(data):
            raise FrameError("bad FCS")
        end = len(data) - 2
    else:
        end = len(data)
        if end < 3:
            raise FrameError(f"frame too short ({len(data)} bytes)")
    if len(data) > MAX_FRAME:
        raise FrameError(f"frame of {len(data)} bytes exceeds 127")
    fcf = data[0] | (data[1] << 8)
    ftype = fcf & 7
    dmode = (fcf >> 10) & 3
    smode = (fcf >> 14) & 3
    version = (fcf >> 12) & 3
    if dmode == 1 or smode == 1:
        raise FrameError("reserved addressing mode")
    if version > 1:
        raise FrameError(f"unsupported frame version {version}")
    compress = bool(fcf & 0x40)
    pos = 3
    dst_pan: int | None = None
    src_pan: int | None = None
    dst: Address = None
    src: Address = None
    if dmode:
        if pos + 2 > end:
            raise FrameError("truncated destination PAN ID")
        dst_pan = data[pos] | (data[pos + 1] << 8)
        pos += 2
        dst, pos = _read_addr(data, pos, end, dmode, "destination")
    if smode:
        if not compress or not dmode:
            if compress:
                raise FrameError("PAN ID compression without a destination address")
            if pos + 2 > end:
                raise FrameError("truncated source PAN ID")
            src_pan = data[pos] | (data[pos + 1] << 8)
            pos += 2
        src, pos = _read_addr(data, pos, end, smode, "source")
    return Frame(
        frame_type=ftype,
        seq=data[2],
        dst_pan=dst_pan,
        dst=dst,
        src_pan=src_pan,
        src=src,
        payload=bytes(data[pos:end]),
        ack_request=bool(fcf & 0x20),
        frame_pending=bool(fcf & 0x10),
        security=bool(fcf & 0x08),
        version=version,
    )


def _read_addr(data: bytes, pos: int, end: int, mode: int, what: str) -> tuple[Address, int]:
    if mode == ADDR_SHORT:
        if pos + 2 > end:
            raise FrameError(f"truncated {what} short address")
        return data[pos] | (data[pos + 1] << 8), pos + 2
    if pos + 8 > end:
        raise FrameError(f"truncated {what} extended address")
    return bytes(reversed(data[pos : pos + 8])), pos + 8


def ack_frame(seq: int, pending: bool = False) -> bytes:
    """The 5-byte immediate ACK (with FCS)."""
    body = bytes((0x12 if pending else 0x02, 0x00, seq & 0xFF))
    return body + fcs_bytes(body)


def header_length(dst_mode: int, src_mode: int, pan_compression: bool = True) -> int:
    """MAC header size: 3 + PAN IDs + addresses (for payload budgeting)."""
    size = 3
    if dst_mode:
        size += 2 + (2 if dst_mode == ADDR_SHORT else 8)
    if src_mode:
        size += (0 if (pan_compression and dst_mode) else 2) + (2 if src_mode == ADDR_SHORT else 8)
    return size
