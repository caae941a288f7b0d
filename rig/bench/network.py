"""Network benchmarks: virtual echo RTT and bulk throughput through the bridge, host codec speed.

Figures:
- udp_echo_rtt_virtual_ms: median virtual round trip of a 64-byte UDP datagram, host -> bridge ->
  slip-radio -> radio -> udp-echo node and back (builtin emulator, no air-time model: Renode-like);
  udp_echo_rtt_airtime_virtual_ms: the same with the 250 kbit/s air-time model on.
- bulk_udp_node_to_host_kbit_s: virtual throughput of 512-byte datagrams the node sends to the host
  (udp-echo replies to a pipelined stream through the slip-radio border at 460800 baud).
- airtime_limit_kbit_s: the 802.15.4 MAC ceiling at 250 kbit/s for full 127-byte frames (CSMA
  backoff, CCA, turnaround, ACK, LIFS), for comparison: the bridge cannot beat it on real radios.
- bridge_codec_frames_per_s: SLIP decode + 802.15.4 parse + IPHC/UDP decompression, wall clock.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

from rig.net import ieee802154 as mac
from rig.net import ipv6 as ip
from rig.net import sixlowpan as lowpan
from rig.net import slip

US_PER_BYTE = 32  # 250 kbit/s
SYMBOL_US = 16


def airtime_limit_kbit_s(frame_bytes: int = 127) -> float:
    """MAC ceiling for back-to-back acknowledged frames of `frame_bytes` (MAC header+payload+FCS)."""
    backoff = (2**3 - 1) / 2 * 20 * SYMBOL_US  # macMinBE = 3: mean of 0..7 unit backoff periods
    cca = 8 * SYMBOL_US
    turnaround = 12 * SYMBOL_US
    frame = (frame_bytes + 6) * US_PER_BYTE  # + preamble, SFD, PHY length
    ack = turnaround + (5 + 6) * US_PER_BYTE
    lifs = 40 * SYMBOL_US
    total_us = backoff + cca + turnaround + frame + ack + lifs
    return frame_bytes * 8 / total_us * 1000


def codec_frames_per_s(frames: int = 5000, rounds: int = 3) -> float:
    ctx = lowpan.default_contexts()
    node = bytes.fromhex("00124b0000000001")
    border = bytes.fromhex("00124b00000000fe")
    src = ip.with_prefix(ip.addr("fd00::"), node)
    stream = bytearray()
    for i in range(frames):
        pkt = ip.udp_packet(src, ip.addr("fd00::1"), 5683, 5683, bytes((i & 0xFF,)) * 64)
        head, n = lowpan.compress(pkt, node, border, ctx)
        frame = mac.build(mac.Frame(seq=i & 0xFF, dst_pan=0xABCD, dst=border, src=node,
                                    payload=head + pkt[n:], ack_request=True), fcs=False)
        stream += slip.encode(b"R\x46\x64" + frame)
    data = bytes(stream)
    best = 0.0
    for _ in range(rounds):
        started = time.perf_counter()
        decoder = slip.SlipDecoder(200)
        reasm = lowpan.Reassembler(ctx)
        count = 0
        for message in decoder.feed(data):
            f = mac.parse(message[3:], has_fcs=False)
            packet = reasm.feed(f.payload, f.src or 0, f.dst, 0.0)
            if packet is not None:
                ip.parse_udp(ip.parse_ipv6(packet))
                count += 1
        best = max(best, count / (time.perf_counter() - started))
    return best


def end_to_end() -> dict[str, float]:
    from rig.net.testbed import FIRMWARE_DIR, Testbed

    for app in ("slip-radio", "udp-echo"):
        if not (FIRMWARE_DIR / f"{app}.elf").exists():
            raise FileNotFoundError(f"{app}.elf not built (make -C firmware-c all)")
    figures: dict[str, float] = {}
    for airtime, name in ((False, "udp_echo_rtt_virtual_ms"), (True, "udp_echo_rtt_airtime_virtual_ms")):
        with Testbed(n_nodes=1, airtime=airtime) as bed:
            bed.start()
            node = bed.nodes[0]
            rtts = []
            for i in range(20):
                reply, rtt = bed.echo(node, bytes((i,)) * 64)
                if reply is not None:
                    rtts.append(rtt)
            if rtts:
                figures[name] = statistics.median(rtts) * 1000
            if not airtime:
                figures.update(_bulk(bed, node, size=512, count=24, window=3))
    return figures


def _bulk(bed: Any, node: Any, size: int, count: int, window: int) -> dict[str, float]:
    sent = received = 0
    started = bed.emulation.now
    while received < count:
        while sent < count and sent - received < window:
            bed.send(node, 7, bytes((sent & 0xFF,)) * size)
            sent += 1
        if bed.receive(5.0) is None:
            break
        received += 1
    elapsed = bed.emulation.now - started
    if received == 0 or elapsed <= 0:
        return {}
    return {"bulk_udp_node_to_host_kbit_s": received * size * 8 / elapsed / 1000}


def run(ctx: object) -> dict[str, float]:
    figures = {
        "airtime_limit_kbit_s": airtime_limit_kbit_s(),
        "bridge_codec_frames_per_s": codec_frames_per_s(),
    }
    figures.update(end_to_end())
    return figures
