"""Minimal IPv6 / UDP / ICMPv6 packet helpers (addresses are 16-byte `bytes`)."""

from __future__ import annotations

import ipaddress
import struct
from dataclasses import dataclass

from rig.errors import ConfigError

NH_HOPOPTS = 0
NH_UDP = 17
NH_ICMPV6 = 58
IPV6_HEADER = 40
UDP_HEADER = 8

ICMP_ECHO_REQUEST = 128
ICMP_ECHO_REPLY = 129
ICMP_RS = 133
ICMP_RA = 134
ICMP_NS = 135
ICMP_NA = 136

ALL_NODES = bytes.fromhex("ff020000000000000000000000000001")
ALL_ROUTERS = bytes.fromhex("ff020000000000000000000000000002")
UNSPECIFIED = bytes(16)


class PacketError(ValueError):
    """A malformed IPv6/UDP/ICMPv6 packet."""


def network_prefix(text: str) -> ipaddress.IPv6Network:
    """The /64 a 6LoWPAN network numbers its nodes from (prefix + EUI-64, context 0), checked: a
    ConfigError names what is wrong with it."""
    try:
        net = ipaddress.IPv6Network(text, strict=False)
    except ValueError:
        raise ConfigError(f"prefix {text!r} is not an IPv6 prefix (e.g. fd00::/64)") from None
    if net.prefixlen != 64:
        raise ConfigError(f"prefix {text!r} must be a /64 (6LoWPAN context 0: addresses are prefix + EUI-64)")
    if ipaddress.IPv6Interface(text).ip != net.network_address:
        raise ConfigError(f"prefix {text!r} has bits set past the /64: did you mean {net}?")
    kind = "multicast" if net.is_multicast else "link-local" if net.is_link_local else ""
    if net.network_address.is_unspecified:
        kind = "unspecified"
    if kind:
        raise ConfigError(f"prefix {text!r} is {kind}: nodes need a unicast prefix (e.g. fd00::/64)")
    return net


def addr(text: str | bytes | ipaddress.IPv6Address) -> bytes:
    """16 address bytes from text, bytes or IPv6Address."""
    if isinstance(text, bytes):
        if len(text) != 16:
            raise PacketError(f"an IPv6 address has 16 bytes, got {len(text)}")
        return text
    return ipaddress.IPv6Address(text).packed


def addr_text(a: bytes) -> str:
    return str(ipaddress.IPv6Address(a))


def iid_from_eui64(eui64: bytes) -> bytes:
    """RFC 4291 modified EUI-64 interface identifier: flip the U/L bit."""
    return bytes((eui64[0] ^ 0x02,)) + eui64[1:8]


def eui64_from_iid(iid: bytes) -> bytes:
    return bytes((iid[0] ^ 0x02,)) + iid[1:8]


def link_local(eui64: bytes) -> bytes:
    return b"\xfe\x80" + bytes(6) + iid_from_eui64(eui64)


def with_prefix(prefix: bytes, eui64: bytes) -> bytes:
    """A /64 prefix (first 8 bytes used) + the IID derived from `eui64`."""
    return prefix[:8] + iid_from_eui64(eui64)


def solicited_node(a: bytes) -> bytes:
    return bytes.fromhex("ff0200000000000000000001ff") + a[13:16]


def is_multicast(a: bytes) -> bool:
    return a[0] == 0xFF


def checksum(src: bytes, dst: bytes, nh: int, upper: bytes) -> int:
    """The upper-layer checksum over the IPv6 pseudo-header (RFC 8200 §8.1)."""
    data = src + dst + struct.pack(">IxxxB", len(upper), nh) + upper
    if len(data) & 1:
        data += b"\x00"
    total = sum(struct.unpack(f">{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


@dataclass
class IPv6:
    src: bytes
    dst: bytes
    nh: int
    payload: bytes
    hlim: int = 64
    tc: int = 0
    flow: int = 0

    def build(self) -> bytes:
        first = (6 << 28) | ((self.tc & 0xFF) << 20) | (self.flow & 0xFFFFF)
        head = struct.pack(">IHBB", first, len(self.payload), self.nh, self.hlim)
        return head + self.src + self.dst + self.payload


def parse_ipv6(data: bytes) -> IPv6:
    if len(data) < IPV6_HEADER:
        raise PacketError(f"IPv6 packet too short ({len(data)} bytes)")
    first, plen, nh, hlim = struct.unpack_from(">IHBB", data)
    if first >> 28 != 6:
        raise PacketError(f"not IPv6 (version {first >> 28})")
    if IPV6_HEADER + plen != len(data):
        raise PacketError(f"IPv6 payload length {plen} does not match the {len(data) - 40} bytes present")
    return IPv6(data[8:24], data[24:40], nh, data[40:], hlim, (first >> 20) & 0xFF, first & 0xFFFFF)


def udp_packet(src: bytes, dst: bytes, sport: int, dport: int, data: bytes, hlim: int = 64) -> bytes:
    """A complete IPv6+UDP packet with a correct checksum."""
    length = UDP_HEADER + len(data)
    hdr = struct.pack(">HHHH", sport, dport, length, 0)
    c = checksum(src, dst, NH_UDP, hdr + data) or 0xFFFF
    return IPv6(src, dst, NH_UDP, hdr[:6] + struct.pack(">H", c) + data, hlim).build()


def icmpv6_packet(src: bytes, dst: bytes, icmp_type: int, code: int, body: bytes, hlim: int = 64) -> bytes:
    msg = bytes((icmp_type, code, 0, 0)) + body
    c = checksum(src, dst, NH_ICMPV6, msg)
    return IPv6(src, dst, NH_ICMPV6, msg[:2] + struct.pack(">H", c) + msg[4:], hlim).build()


@dataclass
class Udp:
    sport: int
    dport: int
    data: bytes


def parse_udp(pkt: IPv6, verify: bool = True) -> Udp:
    p = pkt.payload
    if pkt.nh != NH_UDP or len(p) < UDP_HEADER:
        raise PacketError("not a UDP datagram")
    sport, dport, length, csum = struct.unpack_from(">HHHH", p)
    if length != len(p):
        raise PacketError(f"UDP length {length} does not match the {len(p)} bytes present")
    if verify and checksum(pkt.src, pkt.dst, NH_UDP, p) != 0:
        raise PacketError("bad UDP checksum")
    if csum == 0:
        raise PacketError("UDP checksum 0 is not allowed over IPv6")
    return Udp(sport, dport, p[8:])


def verify_icmpv6(pkt: IPv6) -> bool:
    if pkt.nh != NH_ICMPV6 or len(pkt.payload) < 4:
        return False
    return checksum(pkt.src, pkt.dst, NH_ICMPV6, pkt.payload) == 0
