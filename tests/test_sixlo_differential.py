"""Differential test: the firmware's IPHC codec (C, via firmware-c/build/native/sixlo-tool) against
the host codec (rig.net.sixlowpan) on generated packets. Both must decode what either encodes back
to the original packet, and both must choose the same compressed form."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rig.net import sixlowpan as lowpan

REPO = Path(__file__).resolve().parents[1]
TOOL = REPO / "firmware-c" / "build" / "native" / "sixlo-tool"
PREFIX = bytes.fromhex("fd00000000000000")


def _build() -> str | None:
    done = subprocess.run(["make", "-C", str(REPO / "firmware-c"), "-j2", "build/native/sixlo-tool"],
                          capture_output=True, text=True, timeout=600)
    return None if done.returncode == 0 else done.stderr[-300:]


_err = _build()
pytestmark = pytest.mark.skipif(_err is not None, reason=f"sixlo-tool does not build: {_err}")


class Tool:
    def __init__(self) -> None:
        self.proc = subprocess.Popen([str(TOOL)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def ask(self, op: str, src: bytes | int, dst: bytes | int, ctx: bool, data: bytes) -> bytes | None:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        line = f"{op} {_mac_hex(src)} {_mac_hex(dst)} {PREFIX.hex() if ctx else '-'} {data.hex()}\n"
        self.proc.stdin.write(line)
        self.proc.stdin.flush()
        answer = self.proc.stdout.readline().split()
        assert answer, "sixlo-tool died"
        return bytes.fromhex(answer[1]) if answer[0] == "ok" else None

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        assert self.proc.wait(timeout=10) == 0


def _mac_hex(mac: bytes | int) -> str:
    return mac.hex() if isinstance(mac, bytes) else f"{mac:04x}"


@pytest.fixture(scope="module")
def tool() -> Iterator[Tool]:
    t = Tool()
    yield t
    t.close()


macs = st.one_of(
    st.sampled_from([bytes.fromhex("00124b0000000001"), bytes.fromhex("00124b0000000002")]),
    st.binary(min_size=8, max_size=8),
    st.integers(0, 0xFFFE),
)


def iid_for(mac: bytes | int) -> bytes:
    return lowpan.mac_iid(mac)


@st.composite
def unicast(draw: st.DrawFn, mac: bytes | int) -> bytes:
    kind = draw(st.sampled_from(["ll-mac", "ll-short", "ll-rand", "gl-mac", "gl-short", "gl-rand", "other"]))
    short_iid = b"\x00\x00\x00\xff\xfe\x00" + draw(st.binary(min_size=2, max_size=2))
    rand_iid = draw(st.binary(min_size=8, max_size=8))
    ll = bytes.fromhex("fe80000000000000")
    if kind == "ll-mac":
        return ll + iid_for(mac)
    if kind == "ll-short":
        return ll + short_iid
    if kind == "ll-rand":
        return ll + rand_iid
    if kind == "gl-mac":
        return PREFIX + iid_for(mac)
    if kind == "gl-short":
        return PREFIX + short_iid
    if kind == "gl-rand":
        return PREFIX + rand_iid
    return bytes.fromhex("20010db8") + draw(st.binary(min_size=12, max_size=12))


@st.composite
def multicast(draw: st.DrawFn) -> bytes:
    kind = draw(st.sampled_from(["8", "32", "48", "128"]))
    scope = draw(st.integers(0, 255))
    if kind == "8":
        return bytes.fromhex("ff02") + bytes(13) + bytes((draw(st.integers(0, 255)),))
    if kind == "32":
        return bytes((0xFF, scope)) + bytes(11) + draw(st.binary(min_size=3, max_size=3))
    if kind == "48":
        return bytes((0xFF, scope)) + bytes(9) + draw(st.binary(min_size=5, max_size=5))
    return b"\xff" + draw(st.binary(min_size=15, max_size=15))


@st.composite
def packets(draw: st.DrawFn) -> tuple[bytes, bytes | int, bytes | int, bool]:
    src_mac = draw(macs)
    mcast = draw(st.booleans())
    dst_mac: bytes | int = 0xFFFF if mcast else draw(macs)
    src = bytes(16) if draw(st.integers(0, 9)) == 0 else draw(unicast(src_mac))
    dst = draw(multicast()) if mcast else draw(unicast(dst_mac))
    tc = draw(st.sampled_from([0, 0x01, 0xB8, 0xB9])) if draw(st.booleans()) else draw(st.integers(0, 255))
    fl = 0 if draw(st.booleans()) else draw(st.integers(0, 0xFFFFF))
    hlim = draw(st.sampled_from([1, 64, 255, 17, 0]))
    payload = draw(st.binary(max_size=40))
    nh = draw(st.sampled_from([17, 17, 58, 6, 59]))
    if nh == 17:
        port = st.one_of(st.integers(0xF0B0, 0xF0BF), st.integers(0xF000, 0xF0FF), st.integers(0, 0xFFFF))
        sport, dport = draw(port), draw(port)
        checksum = draw(st.integers(0, 0xFFFF))
        body = (sport.to_bytes(2, "big") + dport.to_bytes(2, "big") + (8 + len(payload)).to_bytes(2, "big")
                + checksum.to_bytes(2, "big") + payload)
    else:
        body = payload
    first = (6 << 28) | (tc << 20) | fl
    header = first.to_bytes(4, "big") + len(body).to_bytes(2, "big") + bytes((nh, hlim)) + src + dst
    return header + body, src_mac, dst_mac, draw(st.booleans())


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(packets())
def test_codecs_agree(tool: Tool, case: tuple[bytes, bytes | int, bytes | int, bool]) -> None:
    packet, src_mac, dst_mac, ctx = case
    contexts = lowpan.default_contexts() if ctx else {}
    c_comp = tool.ask("c", src_mac, dst_mac, ctx, packet)
    assert c_comp is not None
    comp, used = lowpan.compress(packet, src_mac, dst_mac, contexts)
    py_comp = comp + packet[used:]
    assert c_comp == py_comp  # same choices: the shared vectors stay meaningful
    assert tool.ask("d", src_mac, dst_mac, ctx, c_comp) == packet
    assert lowpan.decompress_packet(c_comp, src_mac, dst_mac, contexts) == packet


@st.composite
def big_udp(draw: st.DrawFn) -> tuple[bytes, bytes, bytes | int, bool, int]:
    src_mac = draw(st.binary(min_size=8, max_size=8))
    bcast = draw(st.integers(0, 4)) == 0
    dst_mac: bytes | int = 0xFFFF if bcast else draw(st.binary(min_size=8, max_size=8))
    ctx = draw(st.booleans())
    src = (PREFIX if ctx else bytes.fromhex("fe80000000000000")) + lowpan.mac_iid(src_mac)
    dst = bytes.fromhex("ff020000000000000000000000000001") if bcast else draw(unicast(dst_mac))
    size = draw(st.integers(0, 1232))
    payload = bytes((i * 13 + size) & 0xFF for i in range(size))
    udp = (5683).to_bytes(2, "big") + (61616).to_bytes(2, "big") + (8 + size).to_bytes(2, "big") + b"\x12\x34"
    body = udp + payload
    header = bytes.fromhex("60000000") + len(body).to_bytes(2, "big") + bytes((17, 64)) + src + dst
    return header + body, src_mac, dst_mac, ctx, draw(st.integers(0, 0xFFFF))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(big_udp())
def test_fragmentation_agrees(tool: Tool, case: tuple[bytes, bytes, bytes | int, bool, int]) -> None:
    packet, src_mac, dst_mac, ctx, tag = case
    contexts = lowpan.default_contexts() if ctx else {}
    assert tool.proc.stdin is not None and tool.proc.stdout is not None
    tool.proc.stdin.write(f"f {src_mac.hex()} {_mac_hex(dst_mac)} {PREFIX.hex() if ctx else '-'} "
                          f"{tag:x}:{packet.hex()}\n")
    tool.proc.stdin.flush()
    answer = tool.proc.stdout.readline().split()
    assert answer and answer[0] == "ok"
    c_frames = [bytes.fromhex(h) for h in answer[1:]]
    room = 125 - (15 if isinstance(dst_mac, int) else 21)
    assert all(len(f) <= room for f in c_frames)
    assert c_frames == lowpan.fragment(packet, src_mac, dst_mac, contexts, room, tag)
    reassembler = lowpan.Reassembler(contexts)
    results = [reassembler.feed(f, src_mac, dst_mac, 0.0) for f in c_frames]
    assert results[-1] == packet and all(r is None for r in results[:-1])
