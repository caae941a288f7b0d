"""6LoWPAN: RFC 6282 IPHC (with contexts and UDP NHC) and RFC 4944 fragmentation/reassembly.

MAC addresses are as in rig.net.ieee802154: `int` short addresses, 8-byte EUI-64-order `bytes`.
Context 0 is the /64 prefix announced by the router (default fd00::/64); more contexts may be added.
Every malformed input raises `LowpanError` naming what was wrong; the `Reassembler` counts drops.
"""

from __future__ import annotations

import struct
from collections import OrderedDict
from dataclasses import dataclass, field

from rig.net.ipv6 import IPV6_HEADER, NH_UDP, UDP_HEADER, checksum

DISPATCH_IPV6 = 0x41
DISPATCH_IPHC = 0x60  # 011xxxxx
DISPATCH_FRAG1 = 0xC0  # 11000xxx
DISPATCH_FRAGN = 0xE0  # 11100xxx
NHC_UDP = 0xF0  # 11110CPP
MAX_DATAGRAM = 1280 + 800  # what the 11-bit size field could carry is 2047; bound well below
FRAG1_HEADER = 4
FRAGN_HEADER = 5

MacAddress = int | bytes
_LL_PREFIX = b"\xfe\x80" + bytes(6)


class LowpanError(ValueError):
    """Malformed or unsupported 6LoWPAN data."""


@dataclass(frozen=True)
class Context:
    prefix: bytes  # 16 bytes, bits beyond `length` zero
    length: int = 64

    @staticmethod
    def from_text(text: str) -> Context:
        import ipaddress

        net = ipaddress.IPv6Network(text, strict=False)
        return Context(net.network_address.packed, net.prefixlen)

    def matches(self, a: bytes) -> bool:
        full, rest = divmod(self.length, 8)
        if a[:full] != self.prefix[:full]:
            return False
        if rest:
            mask = (0xFF << (8 - rest)) & 0xFF
            return (a[full] & mask) == (self.prefix[full] & mask)
        return True

    def overlay(self, a: bytes) -> bytes:
        """`a` with its first `length` bits replaced by the prefix."""
        full, rest = divmod(self.length, 8)
        out = bytearray(a)
        out[:full] = self.prefix[:full]
        if rest:
            mask = (0xFF << (8 - rest)) & 0xFF
            out[full] = (self.prefix[full] & mask) | (a[full] & ~mask & 0xFF)
        return bytes(out)


def default_contexts(prefix: str = "fd00::/64") -> dict[int, Context]:
    return {0: Context.from_text(prefix)}


def mac_iid(mac: MacAddress) -> bytes:
    """The IID a MAC address implies (RFC 6282 §3.2.2 / RFC 4944 §6)."""
    if isinstance(mac, int):
        return b"\x00\x00\x00\xff\xfe\x00" + mac.to_bytes(2, "big")
    return bytes((mac[0] ^ 0x02,)) + mac[1:8]


_SHORT_IID_PREFIX = b"\x00\x00\x00\xff\xfe\x00"


# --- IPHC compression ----------------------------------------------------------------------------------


def compress(packet: bytes, src_mac: MacAddress, dst_mac: MacAddress | None,
             contexts: dict[int, Context]) -> tuple[bytes, int]:
    """Compress an IPv6 packet's headers.

    Returns (compressed headers, number of uncompressed bytes they stand for); the rest of the packet
    (`packet[n:]`) follows uncompressed.
    """
    if len(packet) < IPV6_HEADER or packet[0] >> 4 != 6:
        raise LowpanError("not an IPv6 packet")
    first = int.from_bytes(packet[0:4], "big")
    tc = (first >> 20) & 0xFF
    flow = first & 0xFFFFF
    nh = packet[6]
    hlim = packet[7]
    src = packet[8:24]
    dst = packet[24:40]
    inline = bytearray()
    b0 = 0x60
    b1 = 0
    # traffic class and flow label; IPHC carries ECN first, then DSCP
    ecn, dscp = tc & 3, tc >> 2
    if flow == 0 and tc == 0:
        b0 |= 0x18
    elif flow == 0:
        b0 |= 0x10
        inline.append((ecn << 6) | dscp)
    elif dscp == 0:
        b0 |= 0x08
        inline += ((ecn << 22) | flow).to_bytes(3, "big")
    else:
        inline.append((ecn << 6) | dscp)
        inline += flow.to_bytes(3, "big")  # 4 reserved bits zero
    if int.from_bytes(packet[4:6], "big") != len(packet) - IPV6_HEADER:
        raise LowpanError("IPv6 payload length does not match the packet size")
    # NHC only for a well-formed UDP header: its length field is elided and rebuilt from the datagram
    udp = (
        nh == NH_UDP
        and len(packet) >= IPV6_HEADER + UDP_HEADER
        and int.from_bytes(packet[44:46], "big") == len(packet) - IPV6_HEADER
    )
    if udp:
        b0 |= 0x04
    else:
        inline.append(nh)
    if hlim == 1:
        b0 |= 1
    elif hlim == 64:
        b0 |= 2
    elif hlim == 255:
        b0 |= 3
    else:
        inline.append(hlim)
    sci = dci = 0
    # source
    if src == bytes(16):
        b1 |= 0x40  # SAC=1 SAM=00: unspecified
        src_inline = b""
    else:
        cid, mode, src_inline = _compress_unicast(src, src_mac, contexts)
        if cid is not None:
            b1 |= 0x40
            sci = cid
        b1 |= mode << 4
    inline += src_inline
    # destination
    if dst[0] == 0xFF:
        b1 |= 0x08
        mode, dst_inline = _compress_multicast(dst)
        b1 |= mode
    else:
        if dst_mac is None:
            raise LowpanError("a unicast destination needs a MAC destination")
        cid, mode, dst_inline = _compress_unicast(dst, dst_mac, contexts)
        if cid is not None:
            b1 |= 0x04
            dci = cid
        b1 |= mode
    inline += dst_inline
    out = bytearray((b0, b1))
    if sci or dci:
        out[1] |= 0x80
        out.append((sci << 4) | dci)
    out += inline
    consumed = IPV6_HEADER
    if udp:
        sport, dport, _length, csum = struct.unpack_from(">HHHH", packet, IPV6_HEADER)
        if sport & 0xFFF0 == 0xF0B0 and dport & 0xFFF0 == 0xF0B0:
            out.append(NHC_UDP | 3)
            out.append(((sport & 0xF) << 4) | (dport & 0xF))
        elif dport & 0xFF00 == 0xF000:
            out.append(NHC_UDP | 1)
            out += sport.to_bytes(2, "big")
            out.append(dport & 0xFF)
        elif sport & 0xFF00 == 0xF000:
            out.append(NHC_UDP | 2)
            out.append(sport & 0xFF)
            out += dport.to_bytes(2, "big")
        else:
            out.append(NHC_UDP)
            out += packet[IPV6_HEADER : IPV6_HEADER + 4]
        out += csum.to_bytes(2, "big")  # checksum always inline
        consumed += UDP_HEADER
    return bytes(out), consumed


def _compress_unicast(
    a: bytes, mac: MacAddress, contexts: dict[int, Context]
) -> tuple[int | None, int, bytes]:
    """(context id or None for link-local/inline, SAM/DAM mode, inline bytes)."""
    cid: int | None = None
    if a[:8] == _LL_PREFIX:
        pass
    else:
        for c, ctx in contexts.items():
            if ctx.length <= 64 and ctx.matches(a):
                cid = c
                break
        else:
            return None, 0, a  # 128 bits inline
    iid = a[8:]
    if iid == mac_iid(mac):
        return cid, 3, b""
    if iid[:6] == _SHORT_IID_PREFIX:
        return cid, 2, iid[6:]
    return cid, 1, iid


def _compress_multicast(a: bytes) -> tuple[int, bytes]:
    if a[1] == 0x02 and a[2:15] == bytes(13):
        return 3, a[15:16]
    if a[2:13] == bytes(11):
        return 2, a[1:2] + a[13:16]
    if a[2:11] == bytes(9):
        return 1, a[1:2] + a[11:16]
    return 0, a


# --- IPHC decompression --------------------------------------------------------------------------------


def decompress(data: bytes, src_mac: MacAddress, dst_mac: MacAddress | None,
               contexts: dict[int, Context], datagram_size: int | None = None) -> tuple[bytes, int]:
    """Decompress IPHC headers at the start of `data`.

    Returns (uncompressed IPv6 header [+ UDP header], offset in `data` where the payload starts).
    `datagram_size` (FRAG1) sets the IPv6/UDP lengths; otherwise they come from `len(data)`.
    """
    n = len(data)
    if n < 2:
        raise LowpanError("IPHC header truncated")
    b0, b1 = data[0], data[1]
    if b0 & 0xE0 != 0x60:
        raise LowpanError(f"not an IPHC dispatch (0x{b0:02x})")
    pos = 2
    sci = dci = 0
    if b1 & 0x80:
        if pos >= n:
            raise LowpanError("IPHC context byte truncated")
        sci, dci = data[pos] >> 4, data[pos] & 0xF
        pos += 1
    tf = (b0 >> 3) & 3
    try:
        if tf == 0:
            ecn, dscp = data[pos] >> 6, data[pos] & 0x3F
            flow = int.from_bytes(data[pos + 1 : pos + 4], "big") & 0xFFFFF
            if pos + 4 > n:
                raise IndexError
            pos += 4
        elif tf == 1:
            if pos + 3 > n:
                raise IndexError
            v = int.from_bytes(data[pos : pos + 3], "big")
            ecn, dscp, flow = v >> 22, 0, v & 0xFFFFF
            pos += 3
        elif tf == 2:
            ecn, dscp, flow = data[pos] >> 6, data[pos] & 0x3F, 0
            pos += 1
        else:
            ecn = dscp = flow = 0
        nh_compressed = bool(b0 & 0x04)
        nh = 0
        if not nh_compressed:
            nh = data[pos]
            pos += 1
        hl = b0 & 3
        if hl == 0:
            hlim = data[pos]
            pos += 1
        else:
            hlim = (0, 1, 64, 255)[hl]
    except IndexError:
        raise LowpanError("IPHC inline fields truncated") from None
    # source
    sac, sam = bool(b1 & 0x40), (b1 >> 4) & 3
    if sac and sam == 0:
        src = bytes(16)
    else:
        src, pos = _decompress_unicast(data, pos, sam, sac, sci, src_mac, contexts, "source")
    # destination
    m, dac, dam = bool(b1 & 0x08), bool(b1 & 0x04), b1 & 3
    if m:
        if dac:
            raise LowpanError("unicast-prefix-based multicast compression (DAC=1, M=1) not supported")
        size = (16, 6, 4, 1)[dam]
        if pos + size > n:
            raise LowpanError("IPHC destination address truncated")
        raw = data[pos : pos + size]
        pos += size
        if dam == 0:
            dst = bytes(raw)
        elif dam == 1:
            dst = b"\xff" + raw[:1] + bytes(9) + raw[1:]
        elif dam == 2:
            dst = b"\xff" + raw[:1] + bytes(11) + raw[1:]
        else:
            dst = b"\xff\x02" + bytes(13) + raw
    else:
        if dac and dam == 0:
            raise LowpanError("reserved destination address mode (DAC=1, DAM=00)")
        if dst_mac is None and dam == 3:
            raise LowpanError("destination address elided but no MAC destination")
        dst, pos = _decompress_unicast(data, pos, dam, dac, dci, dst_mac, contexts, "destination")
    udp_hdr = b""
    udp_csum: int | None = None
    if nh_compressed:
        if pos >= n:
            raise LowpanError("NHC header truncated")
        nhc = data[pos]
        if nhc & 0xF8 != NHC_UDP:
            raise LowpanError(f"unsupported NHC 0x{nhc:02x} (only UDP)")
        pos += 1
        p = nhc & 3
        need = (4, 3, 3, 1)[p] + (0 if nhc & 4 else 2)
        if pos + need > n:
            raise LowpanError("UDP NHC fields truncated")
        if p == 0:
            sport = int.from_bytes(data[pos : pos + 2], "big")
            dport = int.from_bytes(data[pos + 2 : pos + 4], "big")
            pos += 4
        elif p == 1:
            sport = int.from_bytes(data[pos : pos + 2], "big")
            dport = 0xF000 | data[pos + 2]
            pos += 3
        elif p == 2:
            sport = 0xF000 | data[pos]
            dport = int.from_bytes(data[pos + 1 : pos + 3], "big")
            pos += 3
        else:
            sport = 0xF0B0 | (data[pos] >> 4)
            dport = 0xF0B0 | (data[pos] & 0xF)
            pos += 1
        if not nhc & 4:
            udp_csum = int.from_bytes(data[pos : pos + 2], "big")
            pos += 2
        nh = NH_UDP
        udp_hdr = struct.pack(">HH", sport, dport)
    # A first fragment names the whole datagram's size; otherwise the frame carries all of it.
    unfragmented_len = (UDP_HEADER if udp_hdr else 0) + n - pos
    payload_len = unfragmented_len if datagram_size is None else datagram_size - IPV6_HEADER
    if payload_len < 0 or (udp_hdr and payload_len < UDP_HEADER):
        raise LowpanError(f"datagram size {datagram_size} too small for its headers")
    tc = (dscp << 2) | ecn
    first = (6 << 28) | (tc << 20) | flow
    header = struct.pack(">IHBB", first, payload_len, nh, hlim) + src + dst
    if udp_hdr:
        if udp_csum is None:
            # checksum elided (C=1): recompute it; only possible with the whole datagram
            if datagram_size is not None:
                raise LowpanError("elided UDP checksum in a fragmented datagram")
            body = udp_hdr + struct.pack(">HH", payload_len, 0) + data[pos:]
            udp_csum = checksum(src, dst, NH_UDP, body) or 0xFFFF
        header += udp_hdr + struct.pack(">HH", payload_len, udp_csum)
    return header, pos


def _decompress_unicast(data: bytes, pos: int, mode: int, ctx_flag: bool, cid: int, mac: MacAddress | None,
                        contexts: dict[int, Context], what: str) -> tuple[bytes, int]:
    size = (16, 8, 2, 0)[mode]
    if pos + size > len(data):
        raise LowpanError(f"IPHC {what} address truncated")
    raw = data[pos : pos + size]
    pos += size
    if mode == 0:
        return bytes(raw), pos  # (SAC=1, SAM=00 handled by the caller)
    if mode == 1:
        iid = bytes(raw)
    elif mode == 2:
        iid = _SHORT_IID_PREFIX + raw
    else:
        if mac is None:
            raise LowpanError(f"{what} address elided but no MAC address")
        iid = mac_iid(mac)
    if not ctx_flag:
        return _LL_PREFIX + iid, pos
    ctx = contexts.get(cid)
    if ctx is None:
        raise LowpanError(f"unknown context {cid} for the {what} address")
    return ctx.overlay(bytes(8) + iid), pos


def decompress_packet(data: bytes, src_mac: MacAddress, dst_mac: MacAddress | None,
                      contexts: dict[int, Context]) -> bytes:
    """A whole (unfragmented) 6LoWPAN payload -> IPv6 packet."""
    if not data:
        raise LowpanError("empty 6LoWPAN payload")
    d = data[0]
    if d == DISPATCH_IPV6:
        return bytes(data[1:])
    if d & 0xE0 == DISPATCH_IPHC:
        header, pos = decompress(data, src_mac, dst_mac, contexts)
        return header + data[pos:]
    raise LowpanError(f"unsupported 6LoWPAN dispatch 0x{d:02x}")


# --- fragmentation -------------------------------------------------------------------------------------


def fragment(packet: bytes, src_mac: MacAddress, dst_mac: MacAddress | None, contexts: dict[int, Context],
             max_payload: int, tag: int) -> list[bytes]:
    """6LoWPAN payloads (one per MAC frame) carrying `packet`; FRAG1/FRAGN when it does not fit."""
    if len(packet) > 2047:
        raise LowpanError(f"datagram of {len(packet)} bytes exceeds the 2047-byte fragmentation limit")
    comp, consumed = compress(packet, src_mac, dst_mac, contexts)
    rest = packet[consumed:]
    if len(comp) + len(rest) <= max_payload:
        return [comp + rest]
    size = len(packet)
    room1 = max_payload - FRAG1_HEADER - len(comp)
    # the uncompressed bytes the first fragment stands for must be a multiple of 8
    first_payload = ((consumed + room1) // 8) * 8 - consumed
    if first_payload < 0 or max_payload - FRAGN_HEADER < 8:
        raise LowpanError(f"MAC payload of {max_payload} bytes too small to fragment")
    tag &= 0xFFFF
    frags = [struct.pack(">HH", 0xC000 | size, tag) + comp + rest[:first_payload]]
    offset = consumed + first_payload
    step = ((max_payload - FRAGN_HEADER) // 8) * 8
    while offset < size:
        chunk = packet[offset : offset + step]
        frags.append(struct.pack(">HHB", 0xE000 | size, tag, offset // 8) + chunk)
        offset += len(chunk)
    return frags


@dataclass
class ReassemblyStats:
    fragments: int = 0
    reassembled: int = 0
    timeouts: int = 0
    overlaps: int = 0  # overlapping or inconsistent fragments: datagram dropped
    out_of_bounds: int = 0
    duplicates: int = 0  # identical fragment seen twice (MAC retransmission): ignored
    evicted: int = 0  # dropped to make room (bounded number of datagrams in progress)
    orphans: int = 0  # FRAGN for a datagram whose FRAG1 failed or is unknown and was later dropped
    errors: dict[str, int] = field(default_factory=dict)  # decode errors by message

    def error(self, message: str) -> None:
        self.errors[message] = self.errors.get(message, 0) + 1


@dataclass
class _Partial:
    size: int
    started: float
    buf: bytearray
    ranges: dict[int, int]  # offset -> length
    received: int = 0


class Reassembler:
    """Bounded RFC 4944 reassembly on a caller-supplied (virtual) clock."""

    def __init__(self, contexts: dict[int, Context], timeout: float = 8.0, max_datagrams: int = 16,
                 max_size: int = MAX_DATAGRAM) -> None:
        self.contexts = contexts
        self.timeout = timeout
        self.max_datagrams = max_datagrams
        self.max_size = max_size
        self.stats = ReassemblyStats()
        self._partial: OrderedDict[tuple[object, ...], _Partial] = OrderedDict()

    def expire(self, now: float) -> None:
        for key in [k for k, p in self._partial.items() if now - p.started > self.timeout]:
            del self._partial[key]
            self.stats.timeouts += 1

    def feed(self, data: bytes, src_mac: MacAddress, dst_mac: MacAddress | None, now: float) -> bytes | None:
        """A 6LoWPAN payload from one MAC frame; returns a complete IPv6 packet when there is one.

        Raises LowpanError for malformed input (also counted in `stats.errors`).
        """
        try:
            return self._feed(data, src_mac, dst_mac, now)
        except LowpanError as exc:
            self.stats.error(str(exc))
            raise

    def _feed(self, data: bytes, src_mac: MacAddress, dst_mac: MacAddress | None, now: float) -> bytes | None:
        self.expire(now)
        if not data:
            raise LowpanError("empty 6LoWPAN payload")
        d = data[0] & 0xF8
        if d not in (DISPATCH_FRAG1, DISPATCH_FRAGN):
            return decompress_packet(data, src_mac, dst_mac, self.contexts)
        self.stats.fragments += 1
        hdr = FRAG1_HEADER if d == DISPATCH_FRAG1 else FRAGN_HEADER
        if len(data) < hdr + 1:
            raise LowpanError("fragment header truncated")
        size = ((data[0] & 7) << 8) | data[1]
        tag = (data[2] << 8) | data[3]
        if size < IPV6_HEADER or size > self.max_size:
            raise LowpanError(f"fragmented datagram size {size} out of range")
        key = (src_mac, dst_mac, size, tag)
        if d == DISPATCH_FRAG1:
            body = data[FRAG1_HEADER:]
            if body[0] == DISPATCH_IPV6:
                chunk = bytes(body[1:])
            elif body[0] & 0xE0 == DISPATCH_IPHC:
                header, pos = decompress(body, src_mac, dst_mac, self.contexts, datagram_size=size)
                chunk = header + body[pos:]
            else:
                raise LowpanError(f"unsupported dispatch 0x{body[0]:02x} in FRAG1")
            offset = 0
        else:
            offset = data[4] * 8
            chunk = bytes(data[FRAGN_HEADER:])
            if offset == 0:  # (as the firmware's sixlo_input)
                raise LowpanError("FRAGN at offset 0: a datagram starts with its FRAG1 (RFC 4944 5.3)")
        if offset + len(chunk) < size and len(chunk) % 8:
            raise LowpanError(f"fragment at {offset} of {len(chunk)} bytes: only the last one may end "
                              "off an 8-byte boundary")
        partial = self._partial.get(key)
        if partial is None:
            if len(self._partial) >= self.max_datagrams:
                self._partial.popitem(last=False)
                self.stats.evicted += 1
            partial = _Partial(size, now, bytearray(size), {})
            self._partial[key] = partial
        end = offset + len(chunk)
        if end > size:
            del self._partial[key]
            self.stats.out_of_bounds += 1
            raise LowpanError(f"fragment at {offset}+{len(chunk)} beyond the datagram size {size}")
        known = partial.ranges.get(offset)
        if known is not None:
            if known == len(chunk) and partial.buf[offset:end] == chunk:
                self.stats.duplicates += 1
                return None
            del self._partial[key]
            self.stats.overlaps += 1
            raise LowpanError(f"fragment at offset {offset} differs from an earlier one")
        for o, length in partial.ranges.items():
            if offset < o + length and o < end:
                del self._partial[key]
                self.stats.overlaps += 1
                raise LowpanError(f"fragment {offset}..{end} overlaps {o}..{o + length}")
        partial.ranges[offset] = len(chunk)
        partial.buf[offset:end] = chunk
        partial.received += len(chunk)
        if partial.received < size:
            return None
        del self._partial[key]
        self.stats.reassembled += 1
        return bytes(partial.buf)

    @property
    def in_progress(self) -> int:
        return len(self._partial)
