"""End to end on the builtin emulator: host <-> bridge <-> border radio <-> radio medium <-> nodes.

Every test runs with two border radios: the slip-radio firmware on an emulated CC2538 (the real rig)
and `MediumRadio`, the same protocol in Python on the medium (no border firmware). Nodes run the
udp-echo firmware (built here with make if its sources exist).
"""

from __future__ import annotations

import shutil
import struct
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from rig.emu.api import Node
from rig.emu.builtin.medium import Medium as BuiltinMedium
from rig.errors import EmulationError
from rig.net import ieee802154 as mac
from rig.net import ipv6 as ip
from rig.net import sixlowpan as lowpan
from rig.net.pcap import read_pcap
from rig.net.testbed import BORDER_EUI64, FIRMWARE_DIR, REPO, Testbed


def _missing(app: str) -> str | None:
    """Why the firmware app is unavailable, or None (built on demand)."""
    if (FIRMWARE_DIR / f"{app}.elf").exists():
        return None
    if not (REPO / "firmware-c" / "apps" / app / "app.mk").exists():
        return f"firmware app {app} not written yet"
    done = subprocess.run(["make", "-C", str(REPO / "firmware-c"), "-j2", f"build/cc2538/{app}.elf"],
                          capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        return f"firmware app {app} does not build: {done.stderr.strip()[-300:]}"
    return None


_NO_ECHO = _missing("udp-echo")
_NO_SLIP = _missing("slip-radio")
pytestmark = pytest.mark.skipif(_NO_ECHO is not None, reason=_NO_ECHO or "")
BORDERS = [
    pytest.param("slip-radio", marks=pytest.mark.skipif(_NO_SLIP is not None, reason=_NO_SLIP or "")),
    pytest.param(None, id="python-border"),
]


def make_bed(border: str | None, **options: object) -> Testbed:
    return Testbed(border_firmware=border, **options)  # type: ignore[arg-type]


def border_counters(b: Testbed) -> dict[str, int]:
    """The border radio's own counters ('?N')."""
    b.bridge.radio_counters = {}
    b.bridge.request_counters()
    assert b.bridge.run_until(lambda: bool(b.bridge.radio_counters), 2.0)
    return b.bridge.radio_counters


SIXLO_STATS = ("rx_dispatch", "rx_iphc", "frag_bad", "frag_busy", "frag_timeout", "frag_dup", "reass_ok",
               "tx_frags", "tx_err")
RF_STATS = ("rx", "rx_acks", "rx_bad_crc", "rx_bad_len", "rx_overflow", "tx", "tx_timeout")


def firmware_counters(node: Node) -> dict[str, int]:
    """The firmware's own drop counters (sixlo_stats, rf_core_stats in RAM)."""
    out: dict[str, int] = {}
    for symbol, names in (("sixlo_stats", SIXLO_STATS), ("rf_core_stats", RF_STATS)):
        try:
            address = node.symbol(symbol)
        except EmulationError:
            continue  # e.g. slip-radio has no 6LoWPAN layer
        raw = node.read_memory(address, 4 * len(names))
        out.update(zip(names, struct.unpack(f"<{len(names)}I", raw), strict=True))
    return out


def border_bad_frames(b: Testbed) -> int:
    if b.border is not None:
        return firmware_counters(b.border)["rx_bad_crc"]
    return border_counters(b)["rx_dropped"]


@pytest.fixture(params=BORDERS)
def bed(request: pytest.FixtureRequest) -> Iterator[Testbed]:
    with make_bed(request.param, n_nodes=1) as b:
        b.start()
        yield b


def test_ping_node(bed: Testbed) -> None:
    rtt = bed.bridge.ping(bed.nodes[0], size=56)
    assert 0 < rtt < 0.5
    assert bed.bridge.stats.pings_answered == 1


@pytest.mark.parametrize("size", [10, 100, 500, 1200])
def test_udp_echo_sizes(bed: Testbed, size: int) -> None:
    payload = bytes((i * 7) & 0xFF for i in range(size))
    reply, _ = bed.echo(bed.nodes[0], payload, timeout=10.0)
    assert reply == payload
    if size > 100:
        assert bed.bridge.reassembler.stats.reassembled >= 1  # fragmented node -> host
        assert bed.bridge.stats.tx_frames > 2  # and host -> node


@pytest.mark.parametrize("border", BORDERS)
def test_three_nodes_answer(border: str | None) -> None:
    with make_bed(border, n_nodes=3) as b:
        b.start()
        for i, node in enumerate(b.nodes):
            reply, _ = b.echo(node, f"hello node {i}".encode())
            assert reply == f"hello node {i}".encode()
        # each node port is its own loopback endpoint
        assert len({b.bridge.endpoint(n, 7) for n in b.nodes}) == 3


@pytest.mark.parametrize("border", BORDERS)
def test_loss_survived_by_mac_retries(border: str | None) -> None:
    with make_bed(border, n_nodes=1, loss=0.2, seed=7) as b:
        b.start(timeout=120)
        answered = 0
        for i in range(10):
            reply, _ = b.echo(b.nodes[0], bytes((i,)) * 60, timeout=5.0)
            answered += reply == bytes((i,)) * 60
        assert answered >= 8
        medium = b.emulation.medium
        assert medium.stats.lost > 0  # type: ignore[attr-defined]
        assert b.bridge.stats.tx_retries > 0 or b.bridge.stats.rx_duplicates > 0


@pytest.mark.parametrize("border", BORDERS)
def test_pcap_decodes(tmp_path: Path, border: str | None) -> None:
    path = tmp_path / "run.pcap"
    with make_bed(border, n_nodes=1, capture=path) as b:
        b.start()
        node = b.nodes[0]
        assert b.echo(node, b"x" * 300)[0] == b"x" * 300
        b.emulation.medium.close()  # type: ignore[attr-defined]
        node_addr = ip.addr_text(b.address(node))
    linktype, records = read_pcap(path)
    assert linktype == 195 and records
    assert all(mac.check_fcs(frame) for _, frame in records)
    # our own decoder: the echo request and reply are in the capture
    contexts = lowpan.default_contexts()
    reasm = lowpan.Reassembler(contexts)
    flows = set()
    for t, raw in records:
        f = mac.parse(raw)
        if f.frame_type != mac.FRAME_DATA:
            continue
        pkt = reasm.feed(f.payload, f.src or 0, f.dst, t)
        if pkt is not None:
            p = ip.parse_ipv6(pkt)
            if p.nh == ip.NH_UDP:
                u = ip.parse_udp(p)
                flows.add((ip.addr_text(p.src), ip.addr_text(p.dst), u.dport))
    assert (node_addr, "fd00::1", 7) not in flows  # the node only sends from port 7
    assert any(src == "fd00::1" and dst == node_addr and dport == 7 for src, dst, dport in flows)
    assert any(src == node_addr and dst == "fd00::1" for src, dst, _ in flows)
    if shutil.which("tshark"):
        out = subprocess.run(
            ["tshark", "-r", str(path), "-o", "6lowpan.context0:fd00::/64", "-Y", "udp", "-T", "fields",
             "-e", "ipv6.src", "-e", "ipv6.dst", "-e", "udp.dstport"],
            capture_output=True, text=True, timeout=120, check=True).stdout
        assert f"fd00::1\t{node_addr}\t7" in out


def test_malformed_frames_dropped_and_counted(bed: Testbed) -> None:
    node = bed.nodes[0]
    medium: BuiltinMedium = bed.emulation.medium  # type: ignore[assignment]
    node_rf = node.rfcore  # type: ignore[attr-defined]
    border_before = border_bad_frames(bed)
    node_before = firmware_counters(node)
    good = mac.build(mac.Frame(seq=200, dst_pan=0xABCD, dst=BORDER_EUI64, src=node.eui64,
                               payload=b"\x7e\x33", ack_request=False))  # IPHC truncated after 2 bytes
    bad_fcs = good[:-1] + bytes((good[-1] ^ 0x55,))
    to_node = mac.build(mac.Frame(seq=201, dst_pan=0xABCD, dst=node.eui64, src=BORDER_EUI64,
                                  payload=b"\xc0\x10\x00\x01garbage", ack_request=False))  # FRAG1 junk
    now = bed.emulation.now_cycles  # type: ignore[attr-defined]
    before_bridge = bed.bridge.stats.rx_lowpan_errors
    crc_before = node_rf.stats.rx_bad_crc
    medium.inject(bad_fcs, channel=26, at_cycles=now)
    medium.inject(to_node[:-2] + bytes((to_node[-2] ^ 0xFF, to_node[-1])), channel=26, at_cycles=now)
    medium.inject(good, channel=26, at_cycles=now)
    medium.inject(to_node, channel=26, at_cycles=now)
    bed.bridge.run_until(lambda: False, 0.05)  # let every firmware handle (and count) them
    assert bed.bridge.stats.rx_lowpan_errors == before_bridge + 1  # truncated IPHC via the border radio
    assert node_rf.stats.rx_bad_crc > crc_before  # the node's radio saw the bad FCS (CRC_OK = 0)
    # the firmware of the node and the border radio dropped and counted them
    assert border_bad_frames(bed) > border_before
    node_after = firmware_counters(node)
    assert node_after["rx_bad_crc"] > node_before["rx_bad_crc"]
    assert node_after["frag_bad"] == node_before["frag_bad"] + 1  # the junk FRAG1
    # garbage on the SLIP link is dropped and counted by the bridge's decoder
    bed.bridge._on_bytes(b"\xc0\xdb\x00\xc0")
    assert bed.bridge.slip.stats.bad_escape == 1
    # everything still works
    assert bed.echo(node, b"still alive")[0] == b"still alive"


@pytest.mark.parametrize("border", BORDERS)
def test_bridge_in_virtual_time_loop(border: str | None) -> None:
    """The asyncio way (as the LwM2M server runs): rig.vtime drives the emulation, the bridge the I/O."""
    import asyncio
    import socket

    from rig.vtime import VirtualTimeLoop

    with make_bed(border, n_nodes=2) as b:
        loop = VirtualTimeLoop(b.emulation)

        async def main() -> list[bytes]:
            b.bridge.attach_loop(loop)
            await b.bridge.wait_ready_async(10.0)
            assert await loop.wait_until(
                lambda: all(any("udp-echo up" in x.text for x in n.uart.lines) for n in b.nodes), 30.0)
            assert await b.bridge.aping(b.nodes[0], 32) > 0
            s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
            s.bind(("::1", 0))
            s.setblocking(False)
            replies = []
            for i, node in enumerate(b.nodes):
                s.sendto(f"async {i}".encode() * 50, b.bridge.endpoint(node, 7))
                replies.append(await asyncio.wait_for(loop.sock_recv(s, 2048), 5.0))
            s.close()
            return replies

        try:
            replies = loop.run_until_complete(main())
        finally:
            b.bridge.close()
            loop.close()
        assert replies == [f"async {i}".encode() * 50 for i in range(2)]


@pytest.mark.builtin_only
@pytest.mark.parametrize("border", BORDERS)
def test_airtime_model_costs_air_time(border: str | None) -> None:
    """With the 250 kbit/s model, a 1200-byte echo (2 x 13 frames) cannot beat the air time."""
    rtts = {}
    for airtime in (False, True):
        with make_bed(border, n_nodes=1, airtime=airtime) as b:
            b.start()
            reply, rtts[airtime] = b.echo(b.nodes[0], bytes(1200), timeout=10.0)
            assert reply == bytes(1200)
    frames_each_way = 13
    min_air = 2 * frames_each_way * (100 + 6) * 32e-6  # >= 100-byte frames at 32 us per byte
    assert rtts[True] > min_air
    assert rtts[True] > rtts[False]


@pytest.mark.skipif(_NO_SLIP is not None, reason=_NO_SLIP or "")
def test_border_node_reset_is_survived() -> None:
    with make_bed("slip-radio", n_nodes=1) as b:
        b.start()
        assert b.border is not None
        b.border.reset()
        assert b.bridge.run_until(lambda: b.bridge.border_restarts == 1, 5.0)
        reply, _ = b.echo(b.nodes[0], b"after reset", timeout=5.0)
        assert reply == b"after reset"
