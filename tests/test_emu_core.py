"""Cortex-M3 core services of the builtin emulator, on the tiny images in tests/firmware."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rig.emu.api import NodeSpec
from rig.emu.builtin.emulation import BuiltinEmulation
from rig.emu.builtin.testing import image_elf
from rig.errors import EmulationError


def _run(elf: Path, until: str, timeout: float = 2.0, data: bytes = b"", **kw: object) -> dict[str, str]:
    with BuiltinEmulation(**kw) as emu:  # type: ignore[arg-type]
        node = emu.add_node(NodeSpec("n0", elf))
        if data:
            node.uart.write(data)
        node.expect(until, timeout)
        out: dict[str, str] = {}
        for line in node.uart.lines:
            key, _, value = line.text.partition(": ")
            out[key] = value
        return out


@pytest.fixture(scope="module")
def exceptions() -> dict[str, str]:
    return _run(image_elf("exceptions"), "exceptions done")


def test_priority_registers_read_back_3_bits(exceptions: dict[str, str]) -> None:
    assert exceptions["ipr"] == "20a00000000020c0"


def test_higher_priority_irq_nests(exceptions: dict[str, str]) -> None:
    assert exceptions["nesting"] == "ABba"


def test_lower_priority_irq_tail_chains(exceptions: dict[str, str]) -> None:
    assert exceptions["tailchain"] == "BbC"
    # both handlers entered with EXC_RETURN to Thread/MSP: C was tail-chained, not nested
    assert exceptions["tailchain_lr"] == "fffffff9 fffffff9"


def test_primask_holds_and_priority_orders(exceptions: dict[str, str]) -> None:
    assert exceptions["masked"] == ""
    assert exceptions["priority"] == "BbDAaC"  # by priority, equal priority by IRQ number


def test_basepri_masks_lower_priorities(exceptions: dict[str, str]) -> None:
    assert exceptions["basepri"] == "Bb"
    assert exceptions["basepri_released"] == "Aa"


def test_pendsv_and_svc(exceptions: dict[str, str]) -> None:
    assert exceptions["pendsv_svc"] == "PS"


def test_registers_and_flags_survive_interrupts(exceptions: dict[str, str]) -> None:
    assert exceptions["torture"] == "errors=00000000 ticks_ok=1"
    assert exceptions["psp_torture"] == "errors=00000000"


def test_vtor_relocation_is_honoured(exceptions: dict[str, str]) -> None:
    assert exceptions["vtor"] == "RD"


def test_interrupts_inside_it_blocks_keep_it_state(exceptions: dict[str, str]) -> None:
    assert exceptions["it_torture"] == "errors=00000000"


def test_process_stack_thread(exceptions: dict[str, str]) -> None:
    assert exceptions["psp"] == "Aa"
    assert exceptions["psp_state"] == "00000002 1"


def test_python_hook_fallback_matches_native() -> None:
    """Without gcc the block hook runs in Python: same instruction counts, same timestamps."""
    def trace(python_hook: bool) -> list[tuple[float, str]]:
        with BuiltinEmulation(python_hook=python_hook) as emu:
            node = emu.add_node(NodeSpec("n0", image_elf("exceptions")))
            node.expect("exceptions done", 2.0)
            assert node.cpu.counter.native is not python_hook
            return [(line.time, line.text) for line in node.uart.lines]

    assert trace(False) == trace(True)


@pytest.fixture(scope="module")
def periph() -> dict[str, str]:
    return _run(image_elf("periph"), "after watchdog")


def test_bitband_sram_and_peripherals(periph: dict[str, str]) -> None:
    assert periph["bitband sram"] == "80000008 00000001 00000000"
    assert periph["gpio masked"] == "00000005 00000007 00000006"


def test_sleep_timer_compare_wakes_wfi(periph: dict[str, str]) -> None:
    assert periph["sleep"] == "irqs=00000001 ticks=00000064"


def test_sysresetreq_and_watchdog_reset_keep_ram() -> None:
    with BuiltinEmulation() as emu:
        node = emu.add_node(NodeSpec("n0", image_elf("periph")))
        node.expect("after watchdog", 1.0)
        causes = [line.text for line in node.uart.lines if "boot cause" in line.text]
        assert causes == ["periph boot cause=00000000 00c0ffee", "periph boot cause=00000003 00c0ffee",
                          "periph boot cause=00000002 00c0ffee"]
        assert any(line.text == "after reset boots=00000001" for line in node.uart.lines)
        assert node.watchdog.expirations == 1


@pytest.mark.parametrize(("command", "kind", "function", "address"), [
    ("r", "unmapped read", "read_unmapped", 0x30000000),
    ("w", "write to read-only memory", "write_flash_directly", 0x00210000),
    ("u", "undefined instruction", "undefined_insn", None),
    ("b", "breakpoint (bkpt)", "bkpt_insn", None),
    ("j", "unmapped fetch", None, 0x30000000),
    ("s", "stack overflow (unmapped write just below RAM)", "stack_overflow", None),
    ("o", "call into the boot ROM (not modelled: use no ROM functions)", None, 0),
])
def test_faults_stop_the_node_with_a_report(command: str, kind: str, function: str | None,
                                            address: int | None) -> None:
    with BuiltinEmulation() as emu:
        node = emu.add_node(NodeSpec("n0", image_elf("faults")))
        node.expect("faults ready", 1.0)
        node.uart.write(command.encode())
        with pytest.raises(EmulationError, match="stopped"):
            node.expect("no fault", 1.0)
        fault = node.fault
        assert fault is not None
        assert fault.kind == kind
        assert fault.function == function
        if address is not None:
            assert fault.address == address
        assert fault.time > 0
        assert re.search(r"pc=0x[0-9a-f]{8}", str(fault))


def test_code_programmed_into_flash_runs_fresh() -> None:
    """Flash programmed through the controller drops stale translated code (bootloader case)."""
    with BuiltinEmulation() as emu:
        node = emu.add_node(NodeSpec("n0", image_elf("faults")))
        node.expect("faults ready", 1.0)
        node.uart.write(b"f")
        assert node.expect(r"flash code: (\S+) (\S+)", 1.0).groups() == ("0000002a", "00000007")
        assert node.read_memory(0x00270000, 4) == bytes.fromhex("07207047")


def test_no_fault_path_and_sysresetreq() -> None:
    with BuiltinEmulation() as emu:
        node = emu.add_node(NodeSpec("n0", image_elf("faults")))
        node.expect("faults ready", 1.0)
        node.uart.write(b"R")
        node.expect("faults ready", 1.0)  # booted again
        node.uart.write(b"x")
        node.expect("no fault", 1.0)
        assert node.fault is None


def test_many_nodes_lockstep_and_idle_skip() -> None:
    elf = image_elf("periph")
    with BuiltinEmulation(quantum_us=100) as emu:
        nodes = [emu.add_node(NodeSpec(f"n{i}", elf)) for i in range(4)]
        assert emu.run_until(lambda: all(any("after watchdog" in line.text for line in n.uart.lines)
                                         for n in nodes), 1.0)
        start, slices = emu.now, sum(n.slices for n in nodes)
        emu.advance(100.0)  # every core asleep for good: one jump, no stepping through quanta
        assert emu.now == pytest.approx(start + 100.0)
        assert sum(n.slices for n in nodes) <= slices + len(nodes)  # each reaches its final wfi
        times = [[line.time for line in n.uart.lines] for n in nodes]
        assert all(t == times[0] for t in times)  # same firmware, same timeline
        assert [n.eui64[-1] for n in nodes] == [1, 2, 3, 4]


def test_read_write_memory_and_symbols() -> None:
    with BuiltinEmulation() as emu:
        node = emu.add_node(NodeSpec("n0", image_elf("periph")))
        vectors = node.symbol("vectors")
        assert node.read_memory(vectors, 4) == (0x20008000).to_bytes(4, "little")
        assert node.read_memory(0x0027FFD8, 4) == b"\0\0\0\0"  # CCA image valid
        node.write_memory(0x20001000, b"abcd")
        assert node.read_memory(0x20001000, 4) == b"abcd"
        with pytest.raises(EmulationError, match="no symbol 'nope'"):
            node.symbol("nope")
        with pytest.raises(EmulationError):
            node.read_memory(0x30000000, 4)


def test_faulted_node_recovers_by_power_cycle_and_reset() -> None:
    with BuiltinEmulation() as emu:
        node = emu.add_node(NodeSpec("n0", image_elf("faults")))
        node.expect("faults ready", 1.0)
        node.uart.write(b"r")
        emu.advance(0.01)
        assert node.fault is not None
        node.power_cycle(off_for=0.25)
        off_at = emu.now
        assert node.fault is None and node.off
        node.expect("faults ready", 1.0)
        assert node.uart.lines[-1].time == pytest.approx(off_at + 0.25, abs=0.001)
        node.uart.write(b"u")
        emu.advance(0.01)
        assert node.fault is not None and node.fault.kind == "undefined instruction"
        node.reset()
        assert node.fault is None
        node.expect("faults ready", 1.0)


def test_faulted_node_with_an_armed_watchdog_is_reset_and_expect_waits_for_it() -> None:
    """The chip spins in its fault handler until the watchdog resets it; expect() keeps waiting."""
    with BuiltinEmulation() as emu:
        node = emu.add_node(NodeSpec("n0", image_elf("faults")))
        node.expect("faults ready", 1.0)
        node.watchdog.write(0, 4, 0x8)  # armed (1 s), as a bootloader does before a trial boot
        node.uart.write(b"r")
        line = node.expect("faults ready", 2.0)  # booted again after the watchdog reset
        assert node.fault is None and len(node.faults) == 1
        assert node.faults[0].kind.startswith("unmapped")
        assert node.watchdog.expirations == 1
        assert line.string and node.uart.lines[-1].time == pytest.approx(node.faults[0].time + 1.0, abs=0.01)


@pytest.mark.parametrize("python_hook", [False, True], ids=["native", "python"])
def test_coverage_bitmap_marks_executed_code_without_changing_time(python_hook: bool) -> None:
    """The block hook's coverage bits: set for code that ran, clear for code that never did, and
    the same instruction counts (UART timestamps) as a run without them."""
    def trace(coverage: bool) -> tuple[list[tuple[float, str]], memoryview | None, BuiltinEmulation]:
        emu = BuiltinEmulation(python_hook=python_hook)
        node = emu.add_node(NodeSpec("n0", image_elf("exceptions")))
        bits = node.cpu.counter.enable_coverage(0x200000, 512 * 1024) if coverage else None
        node.expect("exceptions done", 2.0)
        return [(line.time, line.text) for line in node.uart.lines], bits, emu

    plain, _, _ = trace(False)
    covered, bits, emu = trace(True)
    assert covered == plain
    assert bits is not None
    firmware = emu.nodes["n0"].firmware

    def ran(name: str) -> bool:
        h = (firmware.symbols[name] & ~1) - 0x200000 >> 1
        return bool(bits[h >> 3] >> (h & 7) & 1)

    assert ran("main")
    assert not any(bits[0x40000:])  # nothing past the first 256 KiB of flash ran
    emu.close()


def test_a_stop_inside_the_last_block_gives_back_what_it_did_not_run() -> None:
    with BuiltinEmulation() as emu:
        node = emu.add_node(NodeSpec("n0", image_elf("exceptions")))
        node.expect("exceptions done", 2.0)
        counter = node.cpu.counter
        start, size = counter.state.block_addr, counter.state.block_size
        assert size > 0
        assert counter.give_back(start + size) == 0 and counter.give_back(start - 2) == 0
        before = counter.state.count
        given = counter.give_back(start)  # stopped before the block's first instruction: all of it
        assert given >= 1 and counter.state.count == before - given


@pytest.mark.parametrize("raised", [KeyboardInterrupt, SystemExit, RuntimeError])
def test_exception_inside_a_peripheral_model(monkeypatch: pytest.MonkeyPatch, raised: type[BaseException]) -> None:
    """A model bug is reported with its node; Ctrl-C or SIGTERM (SystemExit) that happens to arrive
    inside a model callback stays what it is (it was reported as 'emulator model error: SystemExit')."""
    from rig.emu.builtin.uart import Uart

    def broken(self: Uart, offset: int, size: int, value: int) -> None:
        raise raised()

    monkeypatch.setattr(Uart, "write", broken)
    with BuiltinEmulation() as emu:
        node = emu.add_node(NodeSpec("n0", image_elf("exceptions")))
        expected: type[BaseException] = EmulationError if raised is RuntimeError else raised
        with pytest.raises(expected) as info:
            node.expect("exceptions done", 2.0)
        if raised is RuntimeError:
            assert "emulator bug, please report: peripheral model 'uart0' raised RuntimeError" in str(info.value)
            assert "(node n0 at pc=0x" in str(info.value)


def test_unmodelled_peripherals_warn_once_per_block_with_the_code_that_touched_them() -> None:
    with BuiltinEmulation() as emu:
        node = emu.add_node(NodeSpec("n0", image_elf("faults")))
        node.expect("faults ready", 1.0)
        node.uart.write(b"p")
        node.expect("touched", 1.0)
        assert node.fault is None  # PKA was an "unmapped read" fault
        warnings = node.warnings
        assert len(warnings) == 5, warnings
        adc, pka, reserved, strobe, uart = warnings
        assert adc.startswith("read of 0x400d7000: unmodelled peripheral ADC")
        assert pka.startswith("read of 0x44004000: unmodelled peripheral PKA")
        assert reserved.startswith("write of reserved address 0x40050000")
        assert "RF strobe 0xec is not modelled" in strobe
        assert "UART0 DR write of 0x21 dropped" in uart and "UARTEN" in uart
        assert all("in touch_unmodelled(), code block at pc=0x" in w for w in warnings)
        assert not any("!" in line.text for line in node.uart.lines)
        assert [text for _, text in node.events] == [f"warning: {w}" for w in warnings]
        assert node.uart0.refused == 2 and node.rfcore.stats.unsupported_strobes == 1


def test_fault_report_names_the_source_line_the_caller_and_the_stack_pointer() -> None:
    source = (Path(__file__).parent / "firmware" / "faults.c").read_text().splitlines()
    line = next(i for i, text in enumerate(source, 1) if "void undefined_insn" in text)
    with BuiltinEmulation() as emu:
        node = emu.add_node(NodeSpec("n0", image_elf("faults")))
        node.expect("faults ready", 1.0)
        node.uart.write(b"u")
        emu.advance(0.01)
        fault = node.fault
        assert fault is not None and fault.function == "undefined_insn"
        assert fault.source == f"faults.c:{line}"
        assert fault.lr_function == "main" and fault.lr is not None and fault.lr & 1
        assert fault.sp is not None and 0x20000000 <= fault.sp < 0x20008000
        assert f"in undefined_insn() at faults.c:{line}, lr=0x{fault.lr:08x} in main(), sp=0x" in str(fault)


@pytest.mark.parametrize(("command", "expected"), [
    (b"u", "hardfault cfsr=00010000 hfsr=40000000 bfar=00000000"),  # UNDEFINSTR, escalated (FORCED)
    (b"U", "usagefault cfsr=00010000 hfsr=00000000 bfar=00000000"),  # SHCSR.USGFAULTENA set
    (b"B", "busfault cfsr=00008200 hfsr=00000000 bfar=30000000"),  # PRECISERR, BFARVALID, BFAR
    (b"r", "hardfault cfsr=00008200 hfsr=40000000 bfar=30000000"),
    (b"b", "hardfault cfsr=00000000 hfsr=80000000 bfar=00000000"),  # BKPT without a debugger: DEBUGEVT
], ids=["undef-escalated", "usagefault", "busfault", "bus-escalated", "bkpt"])
def test_opt_in_fault_exceptions_run_the_firmwares_handlers(command: bytes, expected: str) -> None:
    with BuiltinEmulation() as emu:
        node = emu.add_node(NodeSpec("n0", image_elf("faults"), extra={"fault_exceptions": True}))
        node.expect("faults ready", 1.0)
        node.uart.write(command)
        node.expect(expected.split()[0], 1.0)
        assert node.uart.lines[-1].text == expected
        assert node.fault is None and node.faults == []
        assert "taking the" in node.events[-1][1]


def test_a_fault_inside_the_hardfault_handler_locks_up_and_stops_the_node() -> None:
    with BuiltinEmulation() as emu:
        node = emu.add_node(NodeSpec("n0", image_elf("faults"), extra={"fault_exceptions": True}))
        node.expect("faults ready", 1.0)
        node.uart.write(b"L")
        node.expect("hardfault", 1.0)
        emu.advance(0.01)
        assert node.fault is not None and node.fault.kind.startswith("lockup: undefined instruction inside")
        assert node.fault.lr_function == "hardfault_handler"


def test_fault_status_registers_are_write_1_to_clear() -> None:
    with BuiltinEmulation() as emu:
        node = emu.add_node(NodeSpec("n0", image_elf("faults")))
        scs = node.scs
        scs.cfsr, scs.hfsr = 0x00018200, 0x40000000
        scs.write(0xD29, 1, 0x82)  # the BFSR byte: PRECISERR and BFARVALID
        assert scs.read(0xD28, 4) == 0x00010000
        scs.write(0xD2C, 4, 0x40000000)
        assert scs.read(0xD2C, 4) == 0
