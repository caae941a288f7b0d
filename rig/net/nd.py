"""IPv6 Neighbor Discovery messages the router side of the bridge builds and parses (RFC 4861, 6775)."""

from __future__ import annotations

import struct
from dataclasses import dataclass

from rig.net.ipv6 import ICMP_NA, ICMP_RA, icmpv6_packet

OPT_SLLAO = 1
OPT_TLLAO = 2
OPT_PIO = 3
OPT_6CO = 34


def lla_option(kind: int, eui64: bytes) -> bytes:
    """Link-layer address option for an 802.15.4 extended address: 8 bytes + 6 padding (length 2)."""
    return bytes((kind, 2)) + eui64 + bytes(6)


def pio_option(prefix: bytes, length: int = 64, valid: int = 86400, preferred: int = 14400) -> bytes:
    # L (on-link) and A (autonomous address configuration)
    return struct.pack(">BBBBIII", OPT_PIO, 4, length, 0xC0, valid, preferred, 0) + prefix[:16]


def sixco_option(prefix: bytes, length: int = 64, cid: int = 0, lifetime_min: int = 0xFFFF) -> bytes:
    """6LoWPAN Context Option (RFC 6775 §4.2), C flag set (valid for compression)."""
    nbytes = 8 if length <= 64 else 16
    body = struct.pack(">BBBBHH", OPT_6CO, 1 + nbytes // 8, length, 0x10 | (cid & 0xF), 0, lifetime_min)
    return body + prefix[:nbytes]


def router_advertisement(src: bytes, dst: bytes, router_eui64: bytes, prefix: bytes, prefix_len: int = 64,
                         router_lifetime: int = 1800) -> bytes:
    body = struct.pack(">BBHII", 64, 0, router_lifetime, 0, 0)
    body += lla_option(OPT_SLLAO, router_eui64)
    body += pio_option(prefix, prefix_len)
    body += sixco_option(prefix, prefix_len)
    return icmpv6_packet(src, dst, ICMP_RA, 0, body, hlim=255)


def neighbor_advertisement(src: bytes, dst: bytes, target: bytes, eui64: bytes, solicited: bool) -> bytes:
    flags = 0x80000000 | (0x40000000 if solicited else 0) | 0x20000000  # R, S, O
    body = struct.pack(">I", flags) + target + lla_option(OPT_TLLAO, eui64)
    return icmpv6_packet(src, dst, ICMP_NA, 0, body, hlim=255)


@dataclass
class NdOptions:
    lla: bytes | None = None  # source/target link-layer address option contents (EUI-64 order)
    prefixes: list[tuple[bytes, int]] | None = None


def parse_options(data: bytes) -> NdOptions:
    """Options after the fixed part of an ND message; malformed options end the parse (RFC 4861 §4.6)."""
    opts = NdOptions(prefixes=[])
    pos = 0
    while pos + 2 <= len(data):
        kind, length = data[pos], data[pos + 1] * 8
        if length == 0 or pos + length > len(data):
            raise ValueError("malformed ND option")
        if kind in (OPT_SLLAO, OPT_TLLAO) and length >= 10:
            opts.lla = bytes(data[pos + 2 : pos + 10])
        elif kind == OPT_PIO and length == 32 and opts.prefixes is not None:
            opts.prefixes.append((bytes(data[pos + 16 : pos + 32]), data[pos + 2]))
        pos += length
    return opts
