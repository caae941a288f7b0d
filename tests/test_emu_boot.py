"""The builtin emulator running the real firmware (firmware-c apps built with make)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rig.emu.api import NodeSpec
from rig.emu.builtin.emulation import BuiltinEmulation
from rig.emu.builtin.testing import app_elf
from rig.errors import EmulationError, ExpectTimeout

BANNER = re.compile(r"lwm2m-rig hello (\S+) eui64=([0-9a-f:]{23})")


@pytest.fixture(scope="session")
def hello() -> Path:
    return app_elf("hello")


@pytest.fixture
def emu():
    with BuiltinEmulation() as emulation:
        yield emulation


def test_hello_prints_banner_with_version_and_eui64(emu: BuiltinEmulation, hello: Path) -> None:
    node = emu.add_node(NodeSpec("n0", hello))
    match = node.expect(BANNER, timeout=1.0)
    assert match.group(2) == "00:12:4b:00:00:00:00:01"  # default EUI-64 from the node index
    assert node.uart.lines[0].time < 0.01
    assert node.fault is None


def test_eui64_from_spec_reaches_firmware(emu: BuiltinEmulation, hello: Path) -> None:
    emu.add_node(NodeSpec("a", hello))
    node = emu.add_node(NodeSpec("b", hello, eui64=bytes.fromhex("00124b0012345678")))
    other = emu.add_node(NodeSpec("c", hello, eui64=bytes.fromhex("0211223344556677")))
    assert node.expect(BANNER, 1.0).group(2) == "00:12:4b:00:12:34:56:78"
    assert other.expect(BANNER, 1.0).group(2) == "02:11:22:33:44:55:66:77"


def test_ten_blinks_in_ten_seconds_within_one_tick(emu: BuiltinEmulation, hello: Path) -> None:
    node = emu.add_node(NodeSpec("n0", hello))
    emu.advance(10.5)
    changes = node.led_changes(0)
    assert len(changes) == 10
    tick = 1 / 128
    for i, change in enumerate(changes, start=1):
        assert abs(change.time - i) <= tick, change
        assert change.level == (i % 2 == 1)
    assert node.led(0) is False  # 10 toggles: back off
    assert emu.now == pytest.approx(10.5)


def test_uart_echo(emu: BuiltinEmulation, hello: Path) -> None:
    node = emu.add_node(NodeSpec("n0", hello))
    node.expect(BANNER, 1.0)
    node.uart.write(b"ping 123\n")
    line = node.expect(r"^ping 123$", timeout=1.0)
    assert line is not None
    assert node.uart.lines[-1].time > node.uart.lines[0].time


def test_uart_subscriber_gets_chunks_with_virtual_time(emu: BuiltinEmulation, hello: Path) -> None:
    node = emu.add_node(NodeSpec("n0", hello))
    seen: list[tuple[bytes, float]] = []
    node.uart.subscribe(lambda data, t: seen.append((data, t)))
    node.expect(BANNER, 1.0)
    assert b"".join(d for d, _ in seen) == node.uart.output()
    assert all(0 < t < 0.01 for _, t in seen)


def test_expect_timeout_is_virtual(emu: BuiltinEmulation, hello: Path) -> None:
    node = emu.add_node(NodeSpec("n0", hello))
    with pytest.raises(ExpectTimeout, match="never"):
        node.expect("never", timeout=30.0)
    assert emu.now == pytest.approx(30.0)


def _trace(elf: Path, seconds: float, data: bytes) -> list[tuple[float, str]]:
    with BuiltinEmulation(seed=7) as emu:
        node = emu.add_node(NodeSpec("n0", elf))
        emu.advance(0.5)
        node.uart.write(data)
        emu.advance(seconds)
        return [(line.time, line.text) for line in node.uart.lines] + [
            (c.time, f"pin {c.port}{c.pin}={c.level}") for c in node.pin_changes]


def test_two_runs_give_identical_traces(hello: Path) -> None:
    first = _trace(hello, 3.0, b"hello world\nsecond line\n")
    second = _trace(hello, 3.0, b"hello world\nsecond line\n")
    assert first == second
    assert len(first) >= 5


def test_flash_survives_reset_and_power_cycle(emu: BuiltinEmulation) -> None:
    node = emu.add_node(NodeSpec("n0", app_elf("flash-test")))
    assert node.expect(r"flash counter=(\d+)", 1.0).group(1) == "1"
    ops = node.flash_ops
    assert ops >= 3  # one page erase + two words
    node.reset()
    assert node.expect(r"flash counter=(\d+)", 1.0).group(1) == "2"
    node.power_cycle(off_for=0.5)
    off_at = emu.now
    assert node.expect(r"flash counter=(\d+)", 2.0).group(1) == "3"
    assert node.uart.lines[-1].time >= off_at + 0.5
    assert node.flash_ops == ops * 3


def test_power_cut_at_flash_operation(emu: BuiltinEmulation) -> None:
    node = emu.add_node(NodeSpec("n0", app_elf("flash-test")))
    assert node.expect(r"flash counter=(\d+)", 1.0).group(1) == "1"
    # next boot: cut the power instead of its 2nd operation (first word written after the erase)
    node.cut_power_at_flash_op(2, off_for=0.1)
    node.reset()
    # the page was erased but never rewritten: the boot after the cut starts from scratch
    assert node.expect(r"flash counter=(\d+)", 2.0).group(1) == "1"
    banners = [line.text for line in node.uart.lines if "page=" in line.text]
    assert banners[-1].endswith("ffffffff ffffffff")


def test_unmapped_access_reports_pc_and_function(emu: BuiltinEmulation) -> None:
    elf = app_elf("fault-test")
    node = emu.add_node(NodeSpec("n0", elf))
    with pytest.raises(EmulationError, match=r"touch_unmapped"):
        node.expect("no fault", timeout=1.0)
    fault = node.fault
    assert fault is not None
    assert fault.kind == "unmapped read"
    assert fault.address == 0x60000000
    assert fault.function == "touch_unmapped"
    start = node.symbol("touch_unmapped")
    assert start <= fault.pc < start + 32
    # a stopped node lets time pass and stays stopped
    emu.advance(1.0)
    assert node.fault == fault


def test_compute_bench_completes(emu: BuiltinEmulation) -> None:
    node = emu.add_node(NodeSpec("n0", app_elf("compute-bench")))
    match = node.expect(r"compute done ([0-9a-f]+) us=(\d+)", timeout=20.0)
    # the firmware measures itself with the sleep timer: it must agree with virtual time
    assert abs(int(match.group(2)) / 1e6 - node.uart.lines[-1].time) < 0.01


def test_the_firmware_keeps_the_regular_interrupt_map(emu: BuiltinEmulation, hello: Path) -> None:
    """Renode wires the sleep timer to IRQ 145 only: portable firmware leaves I_MAP at 0. Selecting
    the alternate map moves the sleep timer to IRQ 32, which this firmware has not enabled."""
    node = emu.add_node(NodeSpec("n0", hello))
    emu.advance(2.5)
    assert not node.sysctrl.alt_map
    assert len(node.led_changes(0)) == 2
    node.sysctrl.write(0x98, 4, 1)
    emu.advance(3)
    assert len(node.led_changes(0)) == 2  # its clock stopped
    assert node.nvic.pending >> (16 + 32) & 1 and not node.nvic.pending >> (16 + 145) & 1
