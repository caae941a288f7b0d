"""Seeds for fuzz-net-input: valid frames a node receives (RA, echo, NS, UDP, fragmented UDP).

Run: .venv/bin/python firmware-c/tests/fuzz/gen_corpus.py (writes tests/fuzz/corpus/fuzz-net-input/).
Each seed is a sequence of [len][MAC frame without FCS] records, as fuzz-net-input.c reads them.
"""

from __future__ import annotations

from pathlib import Path

from scapy.layers.inet import UDP
from scapy.layers.inet6 import ICMPv6EchoRequest, ICMPv6ND_NS, ICMPv6ND_RA, ICMPv6NDOptPrefixInfo, IPv6

from rig.net import ieee802154 as mac
from rig.net import sixlowpan as lowpan

NODE = bytes.fromhex("00124b0000000001")
ROUTER = bytes.fromhex("00124b0000000002")
OUT = Path(__file__).parent / "corpus" / "fuzz-net-input"


def frames(pkt: bytes, dst: bytes | int, seq: int) -> bytes:
    ctx = lowpan.default_contexts()
    room = 125 - (21 if isinstance(dst, bytes) else 15)
    out = b""
    for i, p in enumerate(lowpan.fragment(pkt, ROUTER, dst, ctx, room, tag=seq)):
        f = mac.build(mac.Frame(seq=(seq + i) & 0xFF, dst_pan=0xABCD, dst=dst, src=ROUTER, payload=p,
                                ack_request=isinstance(dst, bytes)), fcs=False)
        out += bytes((len(f),)) + f
    return out


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    ra = IPv6(src="fe80::212:4b00:0:2", dst="ff02::1", hlim=255) / ICMPv6ND_RA() / ICMPv6NDOptPrefixInfo(
        prefix="fd00::", prefixlen=64)
    echo = IPv6(src="fd00::1", dst="fd00::212:4b00:0:1") / ICMPv6EchoRequest(data=b"x" * 56)
    ns = IPv6(src="fe80::212:4b00:0:2", dst="ff02::1:ff00:1", hlim=255) / ICMPv6ND_NS(
        tgt="fd00::212:4b00:0:1")
    udp = IPv6(src="fd00::1", dst="fd00::212:4b00:0:1") / UDP(sport=5683, dport=7) / (b"u" * 20)
    big = IPv6(src="fd00::1", dst="fd00::212:4b00:0:1") / UDP(sport=5683, dport=7) / (bytes(range(256)) * 2)
    seeds = {
        "ra": frames(bytes(ra), 0xFFFF, 1),
        "ra-echo": frames(bytes(ra), 0xFFFF, 1) + frames(bytes(echo), NODE, 2),
        "ra-ns": frames(bytes(ra), 0xFFFF, 1) + frames(bytes(ns), 0xFFFF, 3),
        "ra-udp": frames(bytes(ra), 0xFFFF, 1) + frames(bytes(udp), NODE, 4),
        "ra-udp-frag": frames(bytes(ra), 0xFFFF, 1) + frames(bytes(big), NODE, 5),
    }
    for name, data in seeds.items():
        (OUT / name).write_bytes(data)


if __name__ == "__main__":
    main()
