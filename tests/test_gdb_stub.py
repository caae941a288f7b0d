"""The GDB stub of the builtin emulator, driven through a real socket by a small RSP client (in a
thread: the stub serves from inside the emulation's run loop, in the test's thread), by the real
gdb-multiarch, and through `rig boot --gdb`. Everything runs on virtual time."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from test_renode_fake_monitor import _emu as _renode_emu
from test_renode_fake_monitor import fake, hello_elf  # noqa: F401  # the fake Renode's fixtures (pytest finds them here)

from rig.emu.api import NodeSpec
from rig.emu.builtin.emulation import BuiltinEmulation
from rig.emu.builtin.gdbclient import RspClient
from rig.emu.builtin.gdbstub import TARGET_XML, GdbKilled, GdbStub, frame
from rig.emu.builtin.node import BuiltinNode
from rig.emu.builtin.testing import FIRMWARE_DIR, app_elf, image_elf
from rig.errors import ConfigError, EmulationError

REPO = Path(__file__).resolve().parents[1]
SAFETY = 60.0  # wall seconds: a broken stub fails the test instead of hanging it (never reached)


def hello_path() -> Path:
    path = FIRMWARE_DIR / "build" / "cc2538" / "hello.elf"
    return path if path.exists() else app_elf("hello")


def make_node(elf: Path | None = None, python_hook: bool = False) -> tuple[BuiltinEmulation, BuiltinNode]:
    emu = BuiltinEmulation(python_hook=python_hook)
    node = emu.add_node(NodeSpec("n0", elf or hello_path()))
    return emu, node


class Session:
    """A GDB client script in a thread, against the node's stub (started halted)."""

    def __init__(self, node: BuiltinNode, script: Callable[[RspClient], Any], wait: bool = True) -> None:
        self.port = node.start_gdb_server(0, wait=wait, timeout=SAFETY)
        self.result: Any = None
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, args=(script,), daemon=True)
        self.thread.start()

    def _run(self, script: Callable[[RspClient], Any]) -> None:
        try:
            client = RspClient(self.port, timeout=SAFETY)
            try:
                self.result = script(client)
            finally:
                client.close()
        except BaseException as exc:
            self.error = exc

    def finish(self) -> Any:
        self.thread.join(SAFETY)
        assert not self.thread.is_alive(), "GDB client script did not finish"
        if self.error is not None:
            raise self.error
        return self.result


def find_it_block(node: BuiltinNode) -> int:
    """The IT instruction (of a 2-3 instruction block) in hello's process thread: hello_echo's
    bounded store into the line buffer, decoded from the function's start."""
    start = node.symbol("process_thread_hello_process")
    code = node.read_memory(start, 0x180)
    pos = 0
    while pos < len(code) - 2:
        hw = int.from_bytes(code[pos:pos + 2], "little")
        if hw & 0xFF00 == 0xBF00 and (hw & 0xF) in (0x2, 0x6, 0xA, 0xE, 0x4, 0xC):
            return start + pos
        pos += 4 if hw >> 11 >= 0x1D else 2
    raise AssertionError("no IT block in process_thread_hello_process")


def pc_of(c: RspClient) -> int:
    return c.register(15)


# --- registers, memory, target description ---------------------------------------------------------

def test_registers_memory_and_target_description() -> None:
    emu, node = make_node()
    fw = node.firmware
    vectors = node.read_memory(0x200000, 8)
    sp0, reset = int.from_bytes(vectors[:4], "little"), int.from_bytes(vectors[4:], "little")

    def script(c: RspClient) -> dict[str, Any]:
        out: dict[str, Any] = {}
        out["supported"] = c.request("qSupported:multiprocess+;swbreak+;hwbreak+;xmlRegisters=arm")
        out["stop"] = c.request("?")
        out["attached"] = c.request("qAttached")
        out["thread"] = (c.request("qC"), c.request("qfThreadInfo"), c.request("qsThreadInfo"))
        # target.xml in small chunks: m... until l...
        xml = b""
        while True:
            part = c.request(f"qXfer:features:read:target.xml:{len(xml):x},40")
            xml += part[1:].encode("latin-1")
            if part[0] == "l":
                break
            assert part[0] == "m"
        out["xml"] = xml
        out["bad_annex"] = c.request("qXfer:features:read:other.xml:0,100")
        out["regs"] = c.registers()
        out["vectors"] = c.read(0x200000, 8)
        # RAM write/read, hex and binary (bytes that must be escaped)
        out["M"] = c.write(0x20001000, b"\x01\x02\x03\x04")
        out["ram"] = c.read(0x20001000, 4)
        tricky = bytes([0x23, 0x24, 0x7D, 0x2A, 0x00, 0xFF])
        out["X"] = c.write(0x20001010, tricky, binary=True)
        out["ram_x"] = c.read(0x20001010, len(tricky))
        # flash: patch the image, the node sees it
        out["flash_w"] = c.write(0x27F000, b"\xde\xad\xbe\xef")
        # peripheral space through the models (UART0 flag register), unmapped space, read-only ROM/info
        out["uart_fr"] = c.read(0x4000C018, 4)
        out["unmapped"] = c.request("m30000000,4")
        out["info_w"] = c.write(0x280000, b"\x00")
        out["rom_r"] = c.read(0x0, 4)
        # single registers
        out["P"] = c.request("P0=78563412")
        out["r0"] = c.register(0)
        out["p_bad"] = c.request("p99")
        regs = c.request("g")
        out["G"] = c.request("G" + regs)
        out["G_short"] = c.request("G1234")
        out["time"] = c.monitor("time")
        out["help"] = c.monitor("help")
        out["unknown"] = c.request("qSomethingNew")
        out["vcont"] = c.request("vCont?")
        out["H"] = c.request("Hg0")
        out["detach"] = c.request("D")
        return out

    s = Session(node, script)
    emu.run_for(0.5)
    out = s.finish()
    assert "PacketSize=4000" in out["supported"] and "qXfer:features:read+" in out["supported"]
    assert "QStartNoAckMode+" in out["supported"]
    assert out["stop"] == "S05"
    assert out["attached"] == "1"
    assert out["thread"] == ("QC1", "m1", "l")
    assert out["xml"] == TARGET_XML
    assert b"org.gnu.gdb.arm.m-profile" in out["xml"] and b'name="basepri"' in out["xml"]
    assert out["bad_annex"].startswith("E")
    regs = out["regs"]
    assert len(regs) == 23
    assert regs[15] == reset & ~1  # PC without the Thumb bit, at the reset vector
    assert regs[16] & (1 << 24)  # xPSR T bit
    assert regs[13] == sp0 and regs[17] == sp0  # sp = msp
    assert out["vectors"] == vectors
    assert out["M"] == "OK" and out["ram"] == b"\x01\x02\x03\x04"
    assert out["X"] == "OK" and out["ram_x"] == bytes([0x23, 0x24, 0x7D, 0x2A, 0x00, 0xFF])
    assert out["flash_w"] == "OK" and node.read_memory(0x27F000, 4) == b"\xde\xad\xbe\xef"
    assert len(out["uart_fr"]) == 4
    assert out["unmapped"].startswith("E")
    assert out["info_w"].startswith("E")
    assert out["rom_r"] == b"\x00" * 4
    assert out["P"] == "OK" and out["r0"] == 0x12345678
    assert out["p_bad"].startswith("E")
    assert out["G"] == "OK" and out["G_short"].startswith("E")
    assert "virtual time 0.000000000 s (0 cycles" in out["time"]
    assert "reset" in out["help"] and "time" in out["help"]
    assert out["unknown"] == ""
    assert out["vcont"] == "vCont;c;C;s;S"
    assert out["H"] == "OK"
    assert out["detach"] == "OK"
    # detached: the node ran on and booted
    assert node.uart.lines and "hello" in node.uart.lines[0].text
    assert fw.symbols["main"]
    emu.close()


# --- breakpoints, steps, continue, monitor reset -----------------------------------------------------

def test_breakpoint_step_continue_and_reset() -> None:
    emu, node = make_node()
    main = node.symbol("main")
    thread = node.symbol("process_thread_hello_process")
    reset_vector = node.cpu.pc

    def script(c: RspClient) -> dict[str, Any]:
        out: dict[str, Any] = {}
        c.no_ack()
        out["Z0"] = c.request(f"Z0,{main:x},2")
        out["c1"] = c.request("c")
        out["pc1"] = pc_of(c)
        pcs = []
        for _ in range(4):
            assert c.request("s").startswith("T05")
            pcs.append(pc_of(c))
        out["steps"] = pcs
        out["vcont_s"] = c.request("vCont;s:1")
        out["z0"] = c.request(f"z0,{main:x},2")
        out["Z1"] = c.request(f"Z1,{thread:x},2")
        out["c2"] = c.request("vCont;c")
        out["pc2"] = pc_of(c)
        # continue from a breakpoint address: the instruction runs, the next hit is the next call
        out["c3"] = c.request("c")
        out["pc3"] = pc_of(c)
        out["time3"] = c.monitor("time")
        out["z1"] = c.request(f"z1,{thread:x},2")
        out["reset"] = c.monitor("reset")
        out["pc_reset"] = pc_of(c)
        out["Z0b"] = c.request(f"Z0,{main:x},2")
        out["c4"] = c.request("c")
        out["pc4"] = pc_of(c)
        out["D"] = c.request("D")
        return out

    s = Session(node, script)
    emu.run_for(3.0)
    out = s.finish()
    assert out["Z0"] == "OK" and out["c1"].startswith("T05")
    assert out["pc1"] == main
    steps = out["steps"]
    assert len(set(steps)) >= 3 and main not in steps  # each step moved the PC
    assert out["vcont_s"].startswith("T05")
    assert out["Z1"] == "OK" and out["c2"].startswith("T05") and out["pc2"] == thread
    assert out["c3"].startswith("T05") and out["pc3"] == thread  # hit again later, not at once
    assert out["pc_reset"] == reset_vector
    assert out["c4"].startswith("T05") and out["pc4"] == main  # booted again up to main
    assert out["D"] == "OK"
    emu.close()


# --- the timing identity: a debugged run has the counts and timestamps of an undebugged one ----------

def _scenario(emu: BuiltinEmulation, node: BuiltinNode) -> tuple[list[Any], list[Any], int, int]:
    emu.run_for(0.3)
    node.uart.write(b"time\n")
    emu.run_for(1.2)
    node.uart.write(b"stack\nab\n")
    emu.run_for(1.5)
    node.uart.write(b"time\n")
    emu.run_for(0.6)
    lines = [(line.time, line.text) for line in node.uart.lines]
    pins = [(p.time, p.port, p.pin, p.level) for p in node.pin_changes]
    return lines, pins, node.cycles, node.slices  # slices: the same block boundaries ended a slice


@pytest.mark.parametrize("python_hook", [False, True], ids=["native-hook", "python-hook"])
def test_debugged_run_has_identical_counts_and_timestamps(python_hook: bool) -> None:
    emu, node = make_node(python_hook=python_hook)
    reference = _scenario(emu, node)
    emu.close()
    assert len(reference[0]) >= 6 and len(reference[1]) >= 3

    emu, node = make_node(python_hook=python_hook)
    main = node.symbol("main")
    targets = [node.symbol(n) for n in ("process_thread_hello_process", "etimer_request_poll", "clock_time")]
    line_len = node.symbol("hello_line_len")
    uart_write = node.symbol("uart_write_byte")
    assert node.read_memory(uart_write + 0xE, 4) == bytes.fromhex("1060" "7047")  # str r0, [r2]; bx lr

    def script(c: RspClient) -> int:
        stops = 0
        c.request(f"Z0,{main:x},2")
        assert c.request("c").startswith("T05")
        for _ in range(7):
            assert c.request("s").startswith("T05")
        c.request(f"z0,{main:x},2")
        # right after the UART data store, in the same block: a newline there asked for a sync that
        # must end the slice at the block's end, as without GDB, not at the resume point
        after_store = uart_write + 0x10
        c.request(f"Z0,{after_store:x},2")
        for _ in range(60):
            assert c.request("c").startswith("T05") and pc_of(c) == after_store
        c.request(f"z0,{after_store:x},2")
        for target in targets:
            c.request(f"Z0,{target:x},2")
            for _ in range(3):
                assert c.request("c").startswith("T05")
                assert pc_of(c) == target
                stops += 1
                for _ in range(2):
                    assert c.request("s").startswith("T05")
            c.request(f"z0,{target:x},2")
        c.request(f"Z2,{line_len:x},1")  # a write watchpoint: the run crawls, counts stay exact
        for _ in range(2):
            reply = c.request("c")
            assert f"watch:{line_len:x}" in reply
            stops += 1
        c.request(f"z2,{line_len:x},1")
        assert c.request("D") == "OK"
        return stops

    s = Session(node, script)
    debugged = _scenario(emu, node)
    assert s.finish() == 3 * 3 + 2
    emu.close()
    assert debugged[2] == reference[2]  # the same cycle count
    assert debugged[0] == reference[0]  # the same UART lines at the same virtual times
    assert debugged[1] == reference[1]  # the same LED changes at the same times
    assert debugged[3] == reference[3]  # and the same slices: no check at a point that was mid-block


def test_a_halted_node_holds_time_for_every_node() -> None:
    """Two nodes in lockstep: while one is halted in GDB the other does not move on; both end with
    the timestamps of a run without GDB."""
    def two() -> tuple[BuiltinEmulation, BuiltinNode, BuiltinNode]:
        emu = BuiltinEmulation()
        return emu, emu.add_node(NodeSpec("a", hello_path())), emu.add_node(NodeSpec("b", hello_path()))

    def trace(node: BuiltinNode) -> list[Any]:
        return [(x.time, x.text) for x in node.uart.lines] + [(p.time, p.level) for p in node.pin_changes]

    emu, a, b = two()
    for n in (a, b):
        n.uart.write(b"time\n")
    emu.run_for(2.5)
    reference = (trace(a), trace(b), a.cycles, b.cycles)
    emu.close()

    emu, a, b = two()
    for n in (a, b):
        n.uart.write(b"time\n")
    main = a.symbol("main")

    def script(c: RspClient) -> list[float]:
        seen = []
        c.request(f"Z0,{main:x},2")
        c.request("c")
        seen.append(b.time)  # b waits while a is halted: read from here, the emulation is stopped
        for _ in range(5):
            c.request("s")
        seen.append(b.time)
        c.request(f"z0,{main:x},2")
        clock = a.symbol("clock_time")
        c.request(f"Z0,{clock:x},2")
        c.request("c")
        seen.append(b.time)
        c.request(f"z0,{clock:x},2")
        c.request("D")
        return seen

    s = Session(a, script)
    emu.run_for(2.5)
    seen = s.finish()
    assert seen[0] == seen[1]  # five steps of a: no time for b
    assert trace(a) == reference[0] and trace(b) == reference[1]
    assert (a.cycles, b.cycles) == reference[2:]
    emu.close()


# --- watchpoints ------------------------------------------------------------------------------------

def test_watchpoints_stop_after_the_access() -> None:
    emu, node = make_node()
    line_len = node.symbol("hello_line_len")
    node.uart.write(b"ab")

    def script(c: RspClient) -> dict[str, Any]:
        out: dict[str, Any] = {}
        out["Z2"] = c.request(f"Z2,{line_len:x},1")
        out["w0"] = c.request("c")  # the start-up code clearing .bss writes it first
        out["v0"] = c.read(line_len, 1)[0]
        out["w1"] = c.request("c")
        out["v1"] = c.read(line_len, 1)[0]
        out["w2"] = c.request("c")
        out["v2"] = c.read(line_len, 1)[0]
        out["z2"] = c.request(f"z2,{line_len:x},1")
        out["Z3"] = c.request(f"Z3,{line_len:x},1")
        node.uart.write(b"c")  # safe: the emulation is halted, waiting for this client
        out["r"] = c.request("c")
        out["z3"] = c.request(f"z3,{line_len:x},1")
        out["Z4"] = c.request(f"Z4,{line_len:x},1")
        node.uart.write(b"d")
        out["a"] = c.request("c")
        out["z4"] = c.request(f"z4,{line_len:x},1")
        out["bad"] = c.request(f"Z2,{line_len:x},0")
        out["D"] = c.request("D")
        return out

    s = Session(node, script)
    emu.run_for(1.0)
    out = s.finish()
    assert out["Z2"] == "OK"
    assert out["w0"].startswith("T05watch:") and out["v0"] == 0
    assert out["w1"] == f"T05watch:{line_len:x};thread:1;"
    assert out["v1"] == 1  # stopped after the store
    assert out["w2"].startswith("T05watch:") and out["v2"] == 2
    assert out["r"] == f"T05rwatch:{line_len:x};thread:1;"
    assert out["a"].startswith("T05awatch:")
    assert out["bad"].startswith("E")
    emu.close()


# --- Ctrl-C, detach, kill, disconnects -----------------------------------------------------------

def test_ctrl_c_halts_a_running_node() -> None:
    emu, node = make_node()

    def script(c: RspClient) -> tuple[str, int, str]:
        # one write: the stub reads the Ctrl-C with the `c`, so it halts at the first slice boundary
        # whatever the threads' timing
        c.send_raw(frame(b"c") + b"\x03")
        assert c.read_byte() == ord("+")
        reply = c.reply()
        pc = pc_of(c)
        return reply, pc, c.request("D")

    s = Session(node, script)
    emu.run_for(2.0)
    reply, pc, detach = s.finish()
    assert reply == "S02"
    assert 0x200000 <= pc < 0x280000
    assert detach == "OK"
    assert node.uart.lines  # ran on after the detach
    emu.close()


@pytest.mark.parametrize("when", ["halted", "running"])
def test_kill_ends_the_run(when: str) -> None:
    emu, node = make_node()

    def script(c: RspClient) -> None:
        c.request(f"Z0,{node.symbol('main'):x},2")
        c.request("c")
        if when == "halted":
            c.send("k")
        else:  # `k` right behind a `c`: read while the node runs
            c.request(f"z0,{node.symbol('main'):x},2")
            c.send_raw(frame(b"c") + frame(b"k"))

    s = Session(node, script)
    with pytest.raises(GdbKilled, match="killed from GDB"):
        emu.run_for(2.0)
    s.finish()
    assert node.debugger is None
    emu.run_for(0.1)  # the emulation is usable afterwards, without a debugger
    assert node.uart.lines
    emu.close()


@pytest.mark.parametrize("when", ["halted", "running", "mid_packet"])
def test_client_that_goes_away_leaves_the_node_running(when: str) -> None:
    emu, node = make_node()

    def script(c: RspClient) -> None:
        if when == "running":
            c.send("c")
        elif when == "mid_packet":
            c.send_raw(b"$m200000,")
        else:
            assert c.request("?") == "S05"

    s = Session(node, script)
    emu.run_for(1.5)
    s.finish()
    assert node.uart.lines and "hello" in node.uart.lines[0].text
    assert node.fault is None
    # a new client can connect to the same port afterwards: it halts the node
    port = node.debugger.port if node.debugger else 0
    box: dict[str, Any] = {}

    c = RspClient(port, timeout=SAFETY)  # connected now: accepted at the next slice

    def second() -> None:
        box["stop"] = c.request("?")
        box["D"] = c.request("D")
        c.close()

    t = threading.Thread(target=second, daemon=True)
    t.start()
    emu.run_for(0.5)  # the stub accepts between slices and serves the client until it detaches
    t.join(SAFETY)
    assert box == {"stop": "S05", "D": "OK"}
    emu.close()


def test_malformed_packets_get_errors_not_crashes() -> None:
    emu, node = make_node()

    def script(c: RspClient) -> dict[str, Any]:
        out: dict[str, Any] = {}
        c.send_raw(b"$g#00")  # bad checksum: NAK
        out["nak"] = bytes([c.read_byte()])
        c.send_raw(b"$?#zz")  # checksum not hex: NAK
        out["nak2"] = bytes([c.read_byte()])
        c.send_raw(b"garbage+++\x03")  # line noise is skipped; Ctrl-C while halted too
        c.send_raw(b"$" + b"a" * 40000)  # a frame with no end: dropped (NAK), not buffered forever
        out["overlong"] = bytes([c.read_byte()])
        for packet in ("mzz,4", "m200000", "m200000,ffffffff", "mffffffff,10", "M20000000,4:zz",
                       "M20000000,4:0102", "X20000000,4:\x01", "Pzz=0", "P0=12", "p", "Z0,zz,2",
                       "Z0,200000", "Z9,200000,2", "Z2,20000000,0", "cxyz", "qRcmd,zz", "vCont;q", "G0",
                       "qXfer:features:read:target.xml:zz", "m" + "1" * 40 + ",4"):
            out[packet] = c.request(packet)
        out["empty"] = c.request("")
        out["still_alive"] = c.request("?")
        c.no_ack()
        out["after_noack"] = c.request("qC")
        c.send_raw(b"$qC#00")  # a bad checksum in no-ack mode: dropped silently
        out["dropped"] = c.request("?")
        out["D"] = c.request("D")
        return out

    s = Session(node, script)
    emu.run_for(0.5)
    out = s.finish()
    assert out["nak"] == b"-" and out["nak2"] == b"-" and out["overlong"] == b"-"
    for packet in ("mzz,4", "m200000", "m200000,ffffffff", "mffffffff,10", "M20000000,4:zz",
                   "M20000000,4:0102", "X20000000,4:\x01", "Pzz=0", "P0=12", "Z0,zz,2", "Z0,200000",
                   "Z2,20000000,0", "cxyz", "qRcmd,zz", "vCont;q", "G0", "qXfer:features:read:target.xml:zz",
                   "m" + "1" * 40 + ",4"):
        assert out[packet].startswith("E"), (packet, out[packet])
    assert out["p"].startswith("E")
    assert out["Z9,200000,2"] == ""  # unsupported kind: empty reply
    assert out["empty"] == ""
    assert out["still_alive"] == "S05" and out["after_noack"] == "QC1" and out["dropped"] == "S05"
    assert node.uart.lines
    emu.close()


def test_fault_is_reported_as_a_signal() -> None:
    emu, node = make_node(image_elf("faults"))

    def script(c: RspClient) -> tuple[str, int, str, int]:
        first = c.request("c")
        pc = pc_of(c)
        return first, pc, c.request("?"), len(c.registers())

    node.uart.write(b"r")
    s = Session(node, script)
    emu.run_for(0.5)
    emu.close()  # the client waits for its `?` answer: served at the fault already
    reply, pc, again, nregs = s.finish()
    assert reply == "S0b"  # SIGSEGV for the unmapped read
    assert node.fault is not None and pc == node.fault.pc
    assert again == "S0b" and nregs == 23


def test_undefined_instruction_is_sigill() -> None:
    emu, node = make_node(image_elf("faults"))
    node.uart.write(b"u")
    s = Session(node, lambda c: c.request("c"))
    emu.run_for(0.5)
    emu.close()
    assert s.finish() == "S04"


def test_close_tells_a_waiting_gdb_that_the_program_exited() -> None:
    emu, node = make_node()
    s = Session(node, lambda c: c.request("c"))
    emu.run_for(0.5)
    emu.close()
    assert s.finish() == "W00"


def test_start_gdb_server_arguments() -> None:
    emu, node = make_node()
    with pytest.raises(ConfigError, match="0-65535"):
        node.start_gdb_server(70000)
    with pytest.raises(ConfigError):
        GdbStub(node, -1)
    port = node.start_gdb_server(0, wait=False)
    with pytest.raises(EmulationError, match="already has a GDB server"):
        node.start_gdb_server(0)
    other_emu, other = make_node()
    with pytest.raises(EmulationError, match="cannot listen"):
        other.start_gdb_server(port)  # taken
    other_emu.close()
    emu.run_for(0.2)  # wait=False: runs without a client
    assert node.uart.lines
    emu.close()
    assert node.debugger is None


def test_frame_round_trip() -> None:
    assert frame(b"OK") == b"$OK#9a"


# --- the real GDB ------------------------------------------------------------------------------------

GDB = shutil.which("gdb-multiarch")


@pytest.mark.skipif(GDB is None, reason="gdb-multiarch is not installed (apt-get install gdb-multiarch)")
def test_real_gdb_multiarch_batch() -> None:
    elf = hello_path()
    emu, node = make_node(elf)
    port = node.start_gdb_server(0, wait=True, timeout=SAFETY)  # listening before gdb starts
    main = node.symbol("main")
    assert GDB is not None
    proc = subprocess.Popen(
        [GDB, "-nx", "-batch", "-ex", "set pagination off", "-ex", f"target remote 127.0.0.1:{port}",
         "-ex", "break main", "-ex", "continue", "-ex", "bt", "-ex", "info registers pc",
         "-ex", "info registers", "-ex", "stepi", "-ex", "next", "-ex", "print hello_line_len",
         "-ex", "monitor time", "-ex", "kill", str(elf)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        with pytest.raises(GdbKilled):
            emu.run_for(5.0)
        out, _ = proc.communicate(timeout=SAFETY)
    finally:
        if proc.poll() is None:
            proc.kill()
        emu.close()
    assert "Breakpoint 1, main" in out, out
    assert "#0  main" in out, out
    assert f"0x{main:x} <main>" in out, out
    for reg in ("xpsr", "msp", "psp", "primask", "basepri", "faultmask", "control"):
        assert f"\n{reg} " in out, (reg, out)
    assert "$1 = 0 '\\000'" in out, out
    assert "virtual time" in out, out


@pytest.mark.skipif(GDB is None, reason="gdb-multiarch is not installed (apt-get install gdb-multiarch)")
def test_real_gdb_watchpoint_next_and_exit() -> None:
    elf = hello_path()
    emu, node = make_node(elf)
    node.uart.write(b"ab\n")
    port = node.start_gdb_server(0, wait=True, timeout=SAFETY)
    assert GDB is not None
    proc = subprocess.Popen(
        [GDB, "-nx", "-batch", "-ex", "set pagination off", "-ex", f"target remote 127.0.0.1:{port}",
         "-ex", "break process_thread_hello_process", "-ex", "continue", "-ex", "delete 1",
         "-ex", "watch hello_line_len",
         "-ex", "continue", "-ex", "continue", "-ex", "next", "-ex", "delete", "-ex", "continue", str(elf)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        emu.run_for(3.0)
        emu.close()  # GDB's last `continue` hears that the program exited
        out, _ = proc.communicate(timeout=SAFETY)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert "Hardware watchpoint 2: hello_line_len" in out, out
    assert "Old value = 0 '\\000'\nNew value = 1 '\\001'" in out, out
    assert "Old value = 1 '\\001'\nNew value = 2 '\\002'" in out, out
    assert "exited normally" in out, out
    assert [line.text for line in node.uart.lines][1] == "ab"  # the echo, after all that


# --- rig boot --gdb ---------------------------------------------------------------------------------

def _rig(*args: str, **kw: Any) -> subprocess.Popen[str]:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.Popen([sys.executable, "-m", "rig", *args], cwd=REPO, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)


@pytest.mark.parametrize("bad", ["70000", "-1", "abc", ""])
def test_rig_boot_gdb_bad_port(bad: str) -> None:
    proc = _rig("boot", str(hello_path()), "--gdb", bad)
    _, err = proc.communicate(timeout=SAFETY)
    assert proc.returncode == 2
    assert "--gdb" in err and "0-65535" in err
    assert len(err.strip().splitlines()) == 1


def test_rig_boot_gdb_port_in_use() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        proc = _rig("boot", str(hello_path()), "--gdb", str(port))
        _, err = proc.communicate(timeout=SAFETY)
    assert proc.returncode == 2
    assert "cannot listen" in err and len(err.strip().splitlines()) == 1


def test_rig_boot_gdb_any_port_driven_by_client() -> None:
    elf = hello_path()
    proc = _rig("boot", str(elf), "--gdb", "0", "--timeout", "2")
    assert proc.stderr is not None
    port = 0
    announced = []
    for line in proc.stderr:
        announced.append(line)
        if "listening on 127.0.0.1:" in line:
            port = int(line.rsplit(":", 1)[1])
        if "gdb-multiarch" in line:
            break
    assert port, announced
    assert f"gdb-multiarch {elf} -ex 'target remote :{port}'" in announced[-1]
    c = RspClient(port, timeout=SAFETY)
    main = int(subprocess.check_output(["arm-none-eabi-nm", str(elf)], text=True).split(" T main\n")[0]
               .rsplit("\n", 1)[-1], 16) if shutil.which("arm-none-eabi-nm") else None
    assert c.request("?") == "S05"
    if main is not None:
        c.request(f"Z0,{main:x},2")
        assert c.request("c").startswith("T05") and c.register(15) == main
        c.request(f"z0,{main:x},2")
    assert c.request("c") == "W00"  # the run reached --timeout: the program exited
    c.close()
    out, err = proc.communicate(timeout=SAFETY)
    assert proc.returncode == 0, err
    assert "lwm2m-rig hello" in out


# --- pytest --gdb ------------------------------------------------------------------------------------

def test_pytest_gdb_option_halts_the_first_node(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    pytester.makepyfile(
        """
        import threading
        import pytest
        from rig.emu.builtin.gdbclient import RspClient

        @pytest.mark.topology({"node": [{"name": "n1", "firmware": "udp-echo"}]})
        def test_debugged(node):
            stub = node.raw.debugger
            assert stub is not None
            seen = {}

            def gdb():
                c = RspClient(stub.port, timeout=60)
                seen["stop"] = c.request("?")
                seen["pc"] = c.register(15)
                seen["D"] = c.request("D")
                c.close()

            t = threading.Thread(target=gdb, daemon=True)
            t.start()
            node.expect("udp-echo up", timeout=5)  # halted until the client detached
            t.join(60)
            assert seen["stop"] == "S05" and seen["D"] == "OK"
            print("PORT", stub.port)
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider", "--gdb", "n1=0", "-s")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*[[]rig --gdb[]]*node 'n1' halted at its reset vector; GDB server on 127.0.0.1:*",
                                 "*connect with: gdb-multiarch *udp-echo.elf -ex 'target remote :*"])


def test_pytest_gdb_option_unknown_node(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.topology({"node": [{"name": "n1", "firmware": "udp-echo"}]})
        def test_x(node):
            pass
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider", "--gdb", "nx=0")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*--gdb nx=0: no node 'nx' in this test's topology (nodes: n1)*"])


def test_pytest_gdb_option_bad_values(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    pytester.makepyfile("def test_nothing():\n    pass\n")
    result = pytester.runpytest("-p", "no:cacheprovider", "--gdb", "n1=abc")
    assert result.ret != 0
    result.stderr.fnmatch_lines(["*--gdb 'n1=abc': give PORT or NODE=PORT*"])


# --- Robot keyword ------------------------------------------------------------------------------------

def test_robot_start_gdb_server_keyword(tmp_path: Path) -> None:
    from rig.robot import RigLibrary

    lib = RigLibrary(artifacts_dir=str(tmp_path / "artifacts"))
    try:
        lib.start_rig(firmware="udp-echo")
        with pytest.raises(ConfigError, match="port='70000' is not a TCP port"):
            lib.start_gdb_server(port="70000")  # type: ignore[arg-type]  # Robot passes strings
        port = lib.start_gdb_server(port="0", wait="false")  # type: ignore[arg-type]
        assert port > 0
        seen: dict[str, Any] = {}

        c = RspClient(port, timeout=SAFETY)  # connected now: accepted at the next slice

        def gdb() -> None:
            seen["stop"] = c.request("?")
            seen["time"] = c.monitor("time")
            seen["D"] = c.request("D")
            c.close()

        t = threading.Thread(target=gdb, daemon=True)
        t.start()
        lib.wait_for_line_on_uart("udp-echo up", timeout=5)
        lib.advance_time(0.5)  # the client is served between slices, wherever it connected
        t.join(SAFETY)
        assert seen["stop"] == "S05" and "virtual time" in seen["time"] and seen["D"] == "OK"
    finally:
        lib.stop_rig()


# --- the Renode backend: Renode's own GDB server, through the fake Renode ----------------------------

def test_renode_node_maps_to_machine_start_gdb_server(fake: Any, hello_elf: Path) -> None:  # noqa: F811
    with _renode_emu() as emu:
        node = emu.add_node(NodeSpec("client", hello_elf))
        with pytest.raises(ConfigError, match="fixed TCP port"):
            node.start_gdb_server(0)
        assert node.start_gdb_server(3333) == 3333
        assert fake.commands()[-1] == "machine StartGdbServer 3333"
        with pytest.raises(EmulationError, match="already in use"):
            node.start_gdb_server(3333)



def test_flash_patch_from_gdb_replaces_translated_code() -> None:
    """Halted by Ctrl-C in main's UART polling loop (translated, and no breakpoint or watchpoint to
    flush it), the loop is patched into `b .`; then a character arrives that the old code would act
    on (a fault): the patched code runs instead."""
    emu, node = make_node(image_elf("faults"))
    main = node.symbol("main")

    def halt_running(c: RspClient) -> str:
        c.send_raw(frame(b"c") + b"\x03")
        assert c.read_byte() == ord("+")
        return c.reply()

    def script(c: RspClient) -> tuple[str, int, str, int]:
        for _ in range(20):  # past the banner, into the polling loop
            assert halt_running(c) == "S02"
            pc = c.register(15)
            if main < pc < main + 0x46:
                break
        patched = c.write(pc, b"\xfe\xe7")  # b .
        node.uart.write(b"r")  # the emulation is halted: safe from this thread
        second = halt_running(c)
        pc2 = c.register(15)
        c.request("D")
        return patched, pc, second, pc2

    s = Session(node, script)
    emu.run_for(0.3)
    patched, pc, second, pc2 = s.finish()
    assert main < pc < main + 0x46, hex(pc)  # in main's polling loop
    assert patched == "OK" and second == "S02"
    assert pc2 == pc  # spinning on the patched instruction
    assert node.fault is None  # the old code would have read the 'r' and faulted
    emu.close()


def test_breakpoint_inside_an_it_block_stops_at_its_it_instruction() -> None:
    """unicorn ignores a stop requested inside an IT block: such a breakpoint stops at the block's IT
    instruction instead (never later, never lost); a step over the block ends after it."""
    emu, node = make_node()
    it_at = find_it_block(node)
    inside = it_at + 4  # the second instruction of the block (both 16-bit here)
    node.uart.write(b"ab")

    def script(c: RspClient) -> tuple[str, int, str, int]:
        assert c.request(f"Z0,{inside:x},2") == "OK"
        first = c.request("c")
        pc = pc_of(c)
        c.request(f"z0,{inside:x},2")
        steps = []
        for _ in range(4):
            c.request("s")
            steps.append(pc_of(c))
        c.request("D")
        return first, pc, str(steps), steps[0]

    s = Session(node, script)
    emu.run_for(0.5)
    first, pc, _steps, after = s.finish()
    emu.close()
    assert first.startswith("T05")
    assert pc == it_at
    assert after != it_at + 2 and after != inside  # the step ran the IT instruction and its block


def test_a_stop_unicorn_drops_is_reported_at_the_next_boundary(monkeypatch: pytest.MonkeyPatch) -> None:
    """Blind the stub to IT blocks: the watchpoint stop it then requests inside hello's IT block is
    dropped by unicorn; it is reported at the next slice boundary instead (GDB is not left waiting,
    the slice ends for its own reason, the timing stays exact)."""
    emu, node = make_node()
    node.uart.write(b"ab\n")
    emu.run_for(1.0)
    reference = ([(x.time, x.text) for x in node.uart.lines], node.cycles, node.slices)
    emu.close()

    emu, node = make_node()
    it_block = find_it_block(node)
    emu.close()
    monkeypatch.setattr(GdbStub, "_halfword", lambda self, address: 0)
    emu, node = make_node()
    node.uart.write(b"ab\n")
    line_len = node.symbol("hello_line_len")

    def script(c: RspClient) -> list[tuple[str, int]]:
        c.request(f"Z2,{line_len:x},1")
        replies = []
        for _ in range(3):  # .bss clear; 'a' (dropped in the IT block: reported late); the newline
            replies.append((c.request("c"), c.register(15)))
        c.request("D")
        return replies

    s = Session(node, script)
    emu.run_for(1.0)
    replies = s.finish()
    assert all(r.startswith("T05watch:") for r, _ in replies), replies
    assert replies[1][1] not in range(it_block, it_block + 8)  # not where it was asked: later
    assert ([(x.time, x.text) for x in node.uart.lines], node.cycles, node.slices) == reference
    emu.close()


def test_rig_boot_gdb_session_is_not_cut_at_the_plain_default_timeout() -> None:
    """`rig boot` runs 10 virtual s by default; a GDB session would end under the user's hands, so
    with --gdb (and no --timeout) it lasts as long as the firmware's clock counts."""
    from rig.emu.cli import MAX_TIMEOUT, default_timeout

    assert default_timeout(gdb=False) == 10.0
    assert default_timeout(gdb=True) == MAX_TIMEOUT
