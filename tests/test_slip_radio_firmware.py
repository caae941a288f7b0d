"""The slip-radio firmware against its protocol (firmware-c/apps/slip-radio/PROTOCOL.md), on the
builtin emulator: control messages, transmit status, receive reports, bad SLIP input."""

from __future__ import annotations

import struct
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from rig.emu.api import NodeSpec
from rig.emu.builtin.emulation import BuiltinEmulation
from rig.net import slip

REPO = Path(__file__).resolve().parents[1]
FW = REPO / "firmware-c" / "build" / "cc2538"
BORDER = bytes.fromhex("00124b0000000001")
NODE = bytes.fromhex("00124b0000000002")


def _build() -> str | None:
    done = subprocess.run(["make", "-C", str(REPO / "firmware-c"), "-j2", "build/cc2538/slip-radio.elf",
                           "build/cc2538/udp-echo.elf"], capture_output=True, text=True, timeout=600)
    return None if done.returncode == 0 else done.stderr[-300:]


_err = _build()
pytestmark = pytest.mark.skipif(_err is not None, reason=f"firmware does not build: {_err}")


class Border:
    def __init__(self, emu: BuiltinEmulation, with_node: bool) -> None:
        self.emu = emu
        self.node = emu.add_node(NodeSpec("border", FW / "slip-radio.elf", eui64=BORDER))
        if with_node:
            emu.add_node(NodeSpec("node", FW / "udp-echo.elf", eui64=NODE))
        self.decoder = slip.SlipDecoder()
        self.frames: list[bytes] = []
        self.node.uart.subscribe(lambda data, _t: self.frames.extend(self.decoder.feed(data)))

    def send(self, raw: bytes, wait: float = 0.01) -> list[bytes]:
        start = len(self.frames)
        self.node.uart.write(raw)
        self.emu.advance(wait)
        return self.frames[start:]

    def ask(self, msg: bytes, wait: float = 0.03) -> list[bytes]:  # 460800 baud: ~22 us per byte
        return self.send(slip.encode(msg), wait)

    def counters(self) -> dict[str, int]:
        (ans,) = [m for m in self.ask(b"?N") if m[:2] == b"!N"]
        names = ("rx_frames", "rx_dropped", "tx_frames", "tx_noack", "tx_retries", "slip_in", "slip_bad",
                 "slip_overrun")
        return dict(zip(names, struct.unpack("<8I", ans[2:]), strict=True))


@pytest.fixture
def border() -> Iterator[Border]:
    with BuiltinEmulation() as emu:
        b = Border(emu, with_node=False)
        emu.advance(0.01)
        yield b


def test_boot_announces_eui64_in_frames_only(border: Border) -> None:
    out = border.node.uart.output()
    assert out.startswith(b"\xc0")  # nothing outside SLIP frames
    assert border.frames[0] == b"Lslip-radio up eui64 00:12:4b:00:00:00:00:01"
    assert border.frames[1] == b"!M" + BORDER


def test_control_messages(border: Border) -> None:
    assert border.ask(b"?M") == [b"!M" + BORDER]
    assert border.ask(b"?C") == [b"!C\x1a"]
    assert border.ask(b"!C\x0f") == [b"!C\x0f"]
    assert border.ask(b"!C\x1b") == [b"!C\x0f"]  # 27 is out of range: unchanged
    assert border.ask(b"?P") == [b"!P\xcd\xab"]
    assert border.ask(b"!P\x34\x12") == [b"!P\x34\x12"]
    assert border.ask(b"?V") == [b"!Vslip-radio 1"]
    assert border.ask(b"X") == [b"!EX\x00"]
    assert border.ask(b"?Q") == [b"!E?Q"]
    assert border.ask(b"!C") == [b"!E!C"]  # missing argument


def test_transmit_status(border: Border) -> None:
    bcast = bytes.fromhex("41d801cdabffff") + BORDER[::-1] + b"hello"
    assert border.ask(b"T\x07" + bcast) == [b"S\x07\x00\x01"]
    # Unicast with AR to nobody: 4 attempts of 4 ms ACK wait each, no ACK.
    uni = bytes.fromhex("61dc02cdab") + NODE[::-1] + BORDER[::-1] + b"x"
    assert border.ask(b"T\x08" + uni, wait=0.05) == [b"S\x08\x01\x04"]
    assert border.ask(b"T\x09" + bytes(126)) == [b"S\x09\x02\x00"]  # too long
    assert border.ask(b"T\x0a\x41\xd8") == [b"S\x0a\x02\x00"]  # too short
    c = border.counters()
    assert c["tx_frames"] == 4 and c["tx_noack"] == 1 and c["tx_retries"] == 3


def test_bad_slip_input_is_counted_and_recovers(border: Border) -> None:
    border.send(b"\xc0?\xdb\x01M\xc0")  # bad escape
    border.send(b"\xc0" + b"T" * 200 + b"\xc0")  # oversize
    assert border.ask(b"?M") == [b"!M" + BORDER]
    c = border.counters()
    assert c["slip_bad"] == 2
    assert c["slip_in"] >= 2


def test_node_frames_reported_and_acked() -> None:
    with BuiltinEmulation() as emu:
        b = Border(emu, with_node=True)
        emu.advance(0.1)
        # The node's first router solicitation arrives as an 'R' frame (broadcast, extended source).
        rs = [m for m in b.frames if m[:1] == b"R"]
        assert rs, b.frames
        assert rs[0][1] == 70 and rs[0][2] == 100  # RSSI and correlation of the model
        assert rs[0][3:5] == bytes.fromhex("41d8") and rs[0][10:18] == NODE[::-1]
        # A unicast frame from the host to the node is ACKed by the node's radio: status 0, 1 try.
        uni = bytes.fromhex("61dc05cdab") + NODE[::-1] + BORDER[::-1] + b"\x00"
        out = b.ask(b"T\x01" + uni)
        assert b"S\x01\x00\x01" in out
        acks = [m for m in out if m[:1] == b"R" and len(m) == 6]
        assert acks and acks[0][3:] == bytes((0x02, 0x00, 0x05))  # forwarded ACK, seq 5


def test_four_pipelined_transmissions_all_answered(border: Border) -> None:
    # Four unicasts nobody ACKs, written at once: each blocks the border for ~16 ms while the
    # next ones arrive over the UART; all must be buffered and answered, in order.
    uni = bytes.fromhex("61dc02cdab") + NODE[::-1] + BORDER[::-1] + b"x"
    burst = b"".join(slip.encode(b"T" + bytes((tag,)) + uni) for tag in range(4))
    out = border.send(burst, wait=0.2)
    assert out == [b"S" + bytes((tag,)) + b"\x01\x04" for tag in range(4)]
    assert border.counters()["slip_overrun"] == 0
