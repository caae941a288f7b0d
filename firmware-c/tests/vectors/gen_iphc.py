"""Writes iphc.txt: RFC 6282 IPHC test vectors, each compressed form spelled out field by field.

Run: .venv/bin/python firmware-c/tests/vectors/gen_iphc.py > firmware-c/tests/vectors/iphc.txt
The uncompressed datagrams come from scapy (so checksums are valid and tshark is happy); every
compressed byte is written here by hand from the RFC's bit layout, not by a codec.
"""

from __future__ import annotations

from scapy.layers.inet import UDP
from scapy.layers.inet6 import (
    ICMPv6EchoRequest,
    ICMPv6ND_NS,
    ICMPv6ND_RS,
    IPv6,
)
from scapy.packet import Raw

NODE = "00124b0000000001"  # EUI-64 canonical order
ROUTER = "00124b0000000002"
BCAST = "ffff"
LL_N = "fe80::212:4b00:0:1"  # node link-local
LL_R = "fe80::212:4b00:0:2"  # router link-local
CTX = "fd00000000000000"  # fd00::/64


def iphc(tf: int, nh: int, hlim: int, cid: int, sac: int, sam: int, m: int, dac: int, dam: int) -> bytes:
    b0 = 0x60 | (tf << 3) | (nh << 2) | hlim
    b1 = (cid << 7) | (sac << 6) | (sam << 4) | (m << 3) | (dac << 2) | dam
    return bytes((b0, b1))


def u4() -> UDP:
    return UDP(sport=0xF0B1, dport=0xF0B2)


def udp_tail(pkt: IPv6) -> tuple[int, int, bytes, bytes]:
    raw = bytes(pkt)
    u = raw[40:48]
    return (u[0] << 8) | u[1], (u[2] << 8) | u[3], u[6:8], raw[48:]


VECTORS: list[tuple[str, str, str, str, bytes, bytes, str]] = []


def add(kind: str, src: str, dst: str, ctx: str, comp: bytes, pkt: IPv6 | bytes, comment: str) -> None:
    VECTORS.append((kind, src, dst, ctx, comp, bytes(pkt), comment))


def main() -> None:
    # 1. RS: link-local (from MAC) -> ff02::2, ICMPv6 inline NH, hop limit 255, broadcast MAC.
    sllao = bytes.fromhex("0102" + NODE + "000000000000")  # 802.15.4 SLLAO: EUI-64 + 6 bytes padding
    p = IPv6(src=LL_N, dst="ff02::2", hlim=255) / ICMPv6ND_RS() / Raw(sllao)
    raw = bytes(p)
    add("both", NODE, BCAST, "-", iphc(3, 0, 3, 0, 0, 3, 1, 0, 3) + bytes((58, 0x02)) + raw[40:], p,
        "RS fe80::212:4b00:0:1 -> ff02::2: TF=3 NH inline(58) HLIM=255 SAM=3 M=1 DAM=3")
    # 2. Echo request fd00::1 -> node global, context 0: SAC=1 SAM=1 (64-bit IID), DAC=1 DAM=3.
    p = IPv6(src="fd00::1", dst="fd00::212:4b00:0:1", hlim=64) / ICMPv6EchoRequest(
        id=0x1234, seq=1, data=b"ping")
    raw = bytes(p)
    add("both", ROUTER, NODE, CTX,
        iphc(3, 0, 2, 0, 1, 1, 0, 1, 3) + bytes((58,)) + bytes.fromhex("0000000000000001") + raw[40:], p,
        "echo fd00::1 -> fd00::212:4b00:0:1 ctx0: SAC=1 SAM=1, DAC=1 DAM=3, HLIM=64")
    # 3. UDP node global -> fd00::1, ports 5683 inline (NHC P=0), context 0 both.
    p = IPv6(src="fd00::212:4b00:0:1", dst="fd00::1", hlim=64) / UDP(sport=5683, dport=5683) / b"hello"
    sp, dp, ck, pl = udp_tail(p)
    add("both", NODE, ROUTER, CTX,
        iphc(3, 1, 2, 0, 1, 3, 0, 1, 1) + bytes.fromhex("0000000000000001") + bytes((0xF0,))
        + sp.to_bytes(2, "big") + dp.to_bytes(2, "big") + ck + pl, p,
        "UDP fd00::212:4b00:0:1:5683 -> fd00::1:5683 ctx0: SAC=1 SAM=3 DAC=1 DAM=1, NHC ports inline")
    # 4. UDP link-local both derived from MACs, ports 0xF0B1 -> 0xF0B2 (4-bit form).
    p = IPv6(src=LL_N, dst=LL_R, hlim=64) / u4() / b"x"
    sp, dp, ck, pl = udp_tail(p)
    add("both", NODE, ROUTER, "-", iphc(3, 1, 2, 0, 0, 3, 0, 0, 3) + bytes((0xF3, 0x12)) + ck + pl, p,
        "UDP link-local SAM=3 DAM=3, NHC P=3 ports f0b1->f0b2")
    # 5. UDP dst port 0xF012 (8-bit), src 1234 inline.
    p = IPv6(src=LL_N, dst=LL_R, hlim=64) / UDP(sport=1234, dport=0xF012) / b"ab"
    sp, dp, ck, pl = udp_tail(p)
    add("both", NODE, ROUTER, "-",
        iphc(3, 1, 2, 0, 0, 3, 0, 0, 3) + bytes((0xF1,)) + sp.to_bytes(2, "big") + bytes((0x12,))
        + ck + pl, p,
        "UDP NHC P=1: src 1234 inline, dst f012 as 8 bits")
    # 6. UDP src port 0xF034 (8-bit), dst 5683 inline.
    p = IPv6(src=LL_N, dst=LL_R, hlim=64) / UDP(sport=0xF034, dport=5683) / b"cd"
    sp, dp, ck, pl = udp_tail(p)
    add("both", NODE, ROUTER, "-",
        iphc(3, 1, 2, 0, 0, 3, 0, 0, 3) + bytes((0xF2, 0x34)) + dp.to_bytes(2, "big") + ck + pl, p,
        "UDP NHC P=2: src f034 as 8 bits, dst 5683 inline")
    # 7. TF=0: DSCP 46 (EF), ECN 0, flow label 0x12345 -> 4 bytes ECN|DSCP, pad|FL.
    p = IPv6(src=LL_N, dst=LL_R, tc=0xB8, fl=0x12345, hlim=64) / UDP(
        sport=0xF0B1, dport=0xF0B2) / b"t"
    sp, dp, ck, pl = udp_tail(p)
    add("both", NODE, ROUTER, "-",
        iphc(0, 1, 2, 0, 0, 3, 0, 0, 3) + bytes((0x2E, 0x01, 0x23, 0x45, 0xF3, 0x12)) + ck + pl, p,
        "TF=0 tc=0xb8 (DSCP 46 ECN 0) fl=0x12345: ECN|DSCP byte 0x2e then 0x012345")
    # 8. TF=1: DSCP 0, ECN 1, flow label 0xABCDE -> ECN(2)|pad(2)|FL(20).
    p = IPv6(src=LL_N, dst=LL_R, tc=0x01, fl=0xABCDE, hlim=64) / UDP(
        sport=0xF0B1, dport=0xF0B2) / b"t"
    sp, dp, ck, pl = udp_tail(p)
    add("both", NODE, ROUTER, "-",
        iphc(1, 1, 2, 0, 0, 3, 0, 0, 3) + bytes((0x4A, 0xBC, 0xDE, 0xF3, 0x12)) + ck + pl, p,
        "TF=1 tc=0x01 (ECN 1) fl=0xabcde: 0x4a 0xbc 0xde")
    # 9. TF=2: DSCP 46, ECN 1, no flow label -> one byte ECN|DSCP = 0x6e.
    p = IPv6(src=LL_N, dst=LL_R, tc=0xB9, hlim=64) / UDP(
        sport=0xF0B1, dport=0xF0B2) / b"t"
    sp, dp, ck, pl = udp_tail(p)
    add("both", NODE, ROUTER, "-", iphc(2, 1, 2, 0, 0, 3, 0, 0, 3) + bytes((0x6E, 0xF3, 0x12)) + ck + pl, p,
        "TF=2 tc=0xb9 (DSCP 46 ECN 1): 0x6e")
    # 10. Hop limit inline (17).
    p = IPv6(src=LL_N, dst=LL_R, hlim=17) / u4() / b"h"
    sp, dp, ck, pl = udp_tail(p)
    add("both", NODE, ROUTER, "-", iphc(3, 1, 0, 0, 0, 3, 0, 0, 3) + bytes((17, 0xF3, 0x12)) + ck + pl, p,
        "HLIM=0: hop limit 17 inline")
    # 11. DAD-style NS: src :: (SAC=1 SAM=0), dst ff02::1:ff00:1 (DAM=1: 48 bits).
    p = IPv6(src="::", dst="ff02::1:ff00:1", hlim=255) / ICMPv6ND_NS(tgt="fe80::212:4b00:0:1")
    raw = bytes(p)
    add("both", NODE, BCAST, "-",
        iphc(3, 0, 3, 0, 1, 0, 1, 0, 1) + bytes((58, 0x02, 0x01, 0xFF, 0x00, 0x00, 0x01)) + raw[40:], p,
        "NS from :: (SAC=1 SAM=0) to ff02::1:ff00:1 (M=1 DAM=1: 02 01ff000001)")
    # 12. Multicast DAM=2: ff05::ab:cdef.
    p = IPv6(src=LL_N, dst="ff05::ab:cdef", hlim=64) / u4() / b"m"
    sp, dp, ck, pl = udp_tail(p)
    add("both", NODE, BCAST, "-",
        iphc(3, 1, 2, 0, 0, 3, 1, 0, 2) + bytes((0x05, 0xAB, 0xCD, 0xEF, 0xF3, 0x12)) + ck + pl, p,
        "M=1 DAM=2: ff05::ab:cdef as 05 abcdef")
    # 13. Multicast inline (DAM=0): ff02::1:2:3:4:5:6:7 is not compressible.
    p = IPv6(src=LL_N, dst="ff02:0:1:2:3:4:5:6", hlim=64) / u4() / b"m"
    sp, dp, ck, pl = udp_tail(p)
    add("both", NODE, BCAST, "-",
        iphc(3, 1, 2, 0, 0, 3, 1, 0, 0) + bytes(p)[24:40] + bytes((0xF3, 0x12)) + ck + pl, p,
        "M=1 DAM=0: ff02:0:1:2:3:4:5:6 inline (16 bytes)")
    # 14. Global addresses outside the context: both inline (SAM=0, DAM=0).
    p = IPv6(src="2001:db8::1", dst="2001:db8::2", hlim=64) / u4() / b"g"
    sp, dp, ck, pl = udp_tail(p)
    add("both", NODE, ROUTER, CTX,
        iphc(3, 1, 2, 0, 0, 0, 0, 0, 0) + bytes(p)[8:40] + bytes((0xF3, 0x12)) + ck + pl, p,
        "2001:db8::1 -> 2001:db8::2 not in ctx0: SAM=0 DAM=0, 16+16 bytes inline")
    # 15. Link-local with a short-form IID that does not match the MAC: SAM=2 (16 bits).
    p = IPv6(src="fe80::ff:fe00:1234", dst=LL_R, hlim=64) / u4() / b"s"
    sp, dp, ck, pl = udp_tail(p)
    add("both", NODE, ROUTER, "-",
        iphc(3, 1, 2, 0, 0, 2, 0, 0, 3) + bytes((0x12, 0x34, 0xF3, 0x12)) + ck + pl, p,
        "SAM=2: fe80::ff:fe00:1234 as 1234 (MAC is extended, so not SAM=3)")
    # 16. Short MAC addresses: both IIDs derived (0000:00ff:fe00:XXXX).
    p = IPv6(src="fe80::ff:fe00:1", dst="fe80::ff:fe00:2", hlim=64) / u4() / b"s"
    sp, dp, ck, pl = udp_tail(p)
    add("both", "0001", "0002", "-", iphc(3, 1, 2, 0, 0, 3, 0, 0, 3) + bytes((0xF3, 0x12)) + ck + pl, p,
        "short MACs 0001 -> 0002: SAM=3 DAM=3 derive fe80::ff:fe00:1 / fe80::ff:fe00:2")
    # 17. Link-local with a 64-bit IID not derived from the MAC: SAM=1 / DAM=1.
    p = IPv6(src="fe80::1", dst="fe80::2", hlim=64) / u4() / b"i"
    sp, dp, ck, pl = udp_tail(p)
    add("both", NODE, ROUTER, "-",
        iphc(3, 1, 2, 0, 0, 1, 0, 0, 1) + bytes.fromhex("0000000000000001" "0000000000000002")
        + bytes((0xF3, 0x12)) + ck + pl, p,
        "fe80::1 -> fe80::2: SAM=1 DAM=1 (64-bit IIDs inline)")
    # 18. Decode only: CID=1 with context byte 0x00 (SCI=0 DCI=0), else like vector 3.
    p = IPv6(src="fd00::212:4b00:0:1", dst="fd00::1", hlim=64) / UDP(sport=5683, dport=5683) / b"hello"
    sp, dp, ck, pl = udp_tail(p)
    add("decode", NODE, ROUTER, CTX,
        iphc(3, 1, 2, 1, 1, 3, 0, 1, 1) + bytes((0x00,)) + bytes.fromhex("0000000000000001") + bytes((0xF0,))
        + sp.to_bytes(2, "big") + dp.to_bytes(2, "big") + ck + pl, p,
        "CID=1 with SCI=0 DCI=0 context byte (we never send it)")
    # 19. Decode only: everything inline (TF=0, NH inline 17, HLIM inline 64, addresses inline).
    p = IPv6(src=LL_N, dst=LL_R, hlim=64) / u4() / b"z"
    raw = bytes(p)
    add("decode", NODE, ROUTER, "-",
        iphc(0, 0, 0, 0, 0, 0, 0, 0, 0) + bytes((0, 0, 0, 0, 17, 64)) + raw[8:40] + raw[40:], p,
        "nothing compressed: TF=0 NH=17 inline HLIM=64 inline, SAM=0 DAM=0, UDP header inline")
    # 20. Decode only: uncompressed IPv6 dispatch 0x41.
    p = IPv6(src=LL_N, dst="ff02::1", hlim=255) / ICMPv6EchoRequest(id=1, seq=2)
    add("decode", NODE, BCAST, "-", bytes((0x41,)) + bytes(p), p, "IPv6 dispatch 0x41 (uncompressed)")

    print("# RFC 6282 IPHC vectors (lwm2m-rig). Generated by gen_iphc.py; the compressed bytes are")
    print("# spelled out field by field there. One vector per line:")
    print("#   <both|decode> <src MAC> <dst MAC> <ctx0 /64 or -> <MAC payload hex> <IPv6 datagram hex>"
          "  # comment")
    print("# MAC: 16 hex digits = extended address (canonical order), 4 = short (ffff = broadcast).")
    print("# both: our compressor must produce exactly this; decode: decompress only.")
    for kind, src, dst, ctx, comp, raw, comment in VECTORS:
        print(f"{kind} {src} {dst} {ctx} {comp.hex()} {raw.hex()}  # {comment}")


if __name__ == "__main__":
    main()
