"""A GDB Remote Serial Protocol server for one builtin node (`node.start_gdb_server(port)`).

The server lives inside the emulation's run loop, so a halted node stops virtual time for the whole
emulation (every node is in lockstep, and the asyncio host side runs inside `run_until`):

- `between_slices()` is called by `BuiltinNode.advance` before every slice: while the node runs it
  polls the socket without blocking (Ctrl-C, a new client, a client gone); when a halt is due (a
  client connected, Ctrl-C, a fault) it serves GDB there, blocking on the socket.
- breakpoints are `UC_HOOK_CODE` hooks limited to their address: they stop *before* the instruction,
  inside a translation block the block hook has already counted whole. `debug_stop()` gives those
  instructions back (`InstructionCounter.give_back`), serves GDB, then resumes at once (no
  timers, no exceptions in between) with the block hook's checks suspended for the one block entry
  the stop split off: a debugged run keeps the exact instruction counts and timestamps of a run
  without GDB.
- single steps, the first instruction after any resume (so that a breakpoint at the resume address
  executes instead of stopping again) and runs with watchpoints use one all-address code hook (a
  Python call per instruction: ~1 MIPS; removed as soon as it is not needed). Watchpoints are
  memory hooks that note the access; the code hook of the next instruction stops there ("after the
  accessing instruction").
- exceptions are taken between slices, as everywhere in this emulator: a step may land in a handler
  (as on a real M3 with interrupts enabled).
- unicorn drops a stop requested inside an IT block, so the code hook tracks IT blocks and stops
  after them (a step over an IT instruction runs its whole block), and a breakpoint inside one is
  hooked on its IT instruction. A stop unicorn drops anyway is reported at the next slice boundary.
- GDB treats ARM watchpoints as non-continuable: after a watch stop it steps once more itself, so
  it shows the location one instruction after the access.

Memory: flash, RAM, the info page and the ROM are read directly; peripheral space goes through the
bus models like a JTAG access (a read of a FIFO or a clear-on-read register has its side effect).
GDB writes to flash patch the image (the translated code is dropped).
"""

from __future__ import annotations

import contextlib
import ctypes
import select
import socket
from collections.abc import Callable
from typing import TYPE_CHECKING

from unicorn import UC_HOOK_CODE, UC_HOOK_MEM_READ, UC_HOOK_MEM_WRITE, UC_MEM_READ, UC_MEM_WRITE, Uc, UcError
from unicorn.arm_const import (
    UC_ARM_REG_APSR_NZCV,
    UC_ARM_REG_BASEPRI,
    UC_ARM_REG_CONTROL,
    UC_ARM_REG_FAULTMASK,
    UC_ARM_REG_LR,
    UC_ARM_REG_MSP,
    UC_ARM_REG_PRIMASK,
    UC_ARM_REG_PSP,
    UC_ARM_REG_R0,
    UC_ARM_REG_R1,
    UC_ARM_REG_R2,
    UC_ARM_REG_R3,
    UC_ARM_REG_R4,
    UC_ARM_REG_R5,
    UC_ARM_REG_R6,
    UC_ARM_REG_R7,
    UC_ARM_REG_R8,
    UC_ARM_REG_R9,
    UC_ARM_REG_R10,
    UC_ARM_REG_R11,
    UC_ARM_REG_R12,
    UC_ARM_REG_SP,
    UC_ARM_REG_XPSR,
)

from rig.emu.api import CPU_HZ, FaultReport
from rig.emu.builtin import memmap as mm
from rig.emu.builtin.cortexm import Stop
from rig.emu.builtin.counter import NO_PENDING
from rig.emu.builtin.signals import GATE
from rig.errors import ConfigError, EmulationError, RigError

if TYPE_CHECKING:
    from rig.emu.builtin.node import BuiltinNode

SIGINT, SIGILL, SIGTRAP, SIGSEGV = 2, 4, 5, 11
PACKET_SIZE = 0x4000  # announced in qSupported; GDB keeps its packets (and m/X sizes) below it
MAX_FRAME = 2 * PACKET_SIZE + 64  # escaped binary can double a packet: more is garbage
NO_LIMIT = 2**64 - 1
THUMB = 1 << 24

# GDB register numbers (as in target.xml): r0-r12, sp, lr, pc, xpsr, then the system registers
_NAMES = ("r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9", "r10", "r11", "r12", "sp", "lr", "pc",
          "xpsr", "msp", "psp", "primask", "basepri", "faultmask", "control")
_UC_REGS = (UC_ARM_REG_R0, UC_ARM_REG_R1, UC_ARM_REG_R2, UC_ARM_REG_R3, UC_ARM_REG_R4, UC_ARM_REG_R5,
            UC_ARM_REG_R6, UC_ARM_REG_R7, UC_ARM_REG_R8, UC_ARM_REG_R9, UC_ARM_REG_R10, UC_ARM_REG_R11,
            UC_ARM_REG_R12, UC_ARM_REG_SP, UC_ARM_REG_LR, -1, UC_ARM_REG_XPSR, UC_ARM_REG_MSP,
            UC_ARM_REG_PSP, UC_ARM_REG_PRIMASK, UC_ARM_REG_BASEPRI, UC_ARM_REG_FAULTMASK,
            UC_ARM_REG_CONTROL)
PC, XPSR = 15, 16
N_REGS = len(_NAMES)


def _target_xml() -> bytes:
    def reg(i: int) -> str:
        kind = {13: ' type="data_ptr"', 14: ' type="code_ptr"', 15: ' type="code_ptr"',
                17: ' type="data_ptr"', 18: ' type="data_ptr"'}.get(i, ' type="int"')
        return f'    <reg name="{_NAMES[i]}" bitsize="32" regnum="{i}"{kind}/>\n'

    core = "".join(reg(i) for i in range(17))
    system = "".join(reg(i) for i in range(17, N_REGS))
    return ('<?xml version="1.0"?>\n<!DOCTYPE target SYSTEM "gdb-target.dtd">\n<target version="1.0">\n'
            '  <architecture>arm</architecture>\n'
            f'  <feature name="org.gnu.gdb.arm.m-profile">\n{core}  </feature>\n'
            f'  <feature name="org.gnu.gdb.arm.m-system">\n{system}  </feature>\n'
            '</target>\n').encode()


TARGET_XML = _target_xml()
_WATCH_KIND = {2: "watch", 3: "rwatch", 4: "awatch"}
_MONITOR_HELP = ("monitor commands:\n"
                 "  reset  warm reset (core and peripherals; RAM and flash kept), halted at the reset vector\n"
                 "  time   the virtual time and the node's cycle count\n"
                 "  help   this text\n")


class GdbKilled(RigError):
    """GDB sent `k`: the run ends (raised out of `run_until`)."""


class _ClientGone(Exception):
    pass


def checksum(data: bytes) -> int:
    return sum(data) & 0xFF


def frame(payload: bytes) -> bytes:
    return b"$" + payload + b"#" + b"%02x" % checksum(payload)


def escape_binary(data: bytes) -> bytes:
    out = bytearray()
    for b in data:
        if b in (0x23, 0x24, 0x7D, 0x2A):
            out += bytes((0x7D, b ^ 0x20))
        else:
            out.append(b)
    return bytes(out)


def unescape_binary(data: bytes) -> bytes:
    out = bytearray()
    it = iter(data)
    for b in it:
        if b == 0x7D:
            nxt = next(it, None)
            if nxt is None:
                raise ValueError("escape character at the end of binary data")
            out.append(nxt ^ 0x20)
        else:
            out.append(b)
    return bytes(out)


def fault_signal(fault: FaultReport) -> int:
    kind = fault.kind
    if "undefined instruction" in kind:
        return SIGILL
    memory = ("unmapped", "protected", "read-only", "non-executable", "stack overflow", "boot ROM",
              "outside RAM", "bad vector")
    return SIGSEGV if any(word in kind for word in memory) else SIGTRAP


def _ctz(value: int) -> int:
    return (value & -value).bit_length() - 1


def _hex_int(text: bytes) -> int:
    if not text or len(text) > 16:
        raise ValueError(f"bad number {text!r}")
    return int(text, 16)


def _addr_len(text: bytes) -> tuple[int, int]:
    a, _, n = text.partition(b",")
    address, length = _hex_int(a), _hex_int(n)
    if address > 0xFFFFFFFF or address + length > 0x1_0000_0000:
        raise ValueError("range outside the 32-bit address space")
    return address, length


class GdbStub:
    """Serve GDB for `node` on host:port (0: any free port, see `.port`). `wait`: the node starts
    halted until a GDB connects and resumes it (like `qemu -s -S`). `timeout`: wall-clock seconds a
    blocking wait for GDB may last (None: forever); then the client counts as gone (the node runs
    on) or, waiting for the first connection, EmulationError."""

    def __init__(self, node: BuiltinNode, port: int = 0, host: str = "127.0.0.1", wait: bool = True,
                 timeout: float | None = None, log: Callable[[str], None] | None = None) -> None:
        if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
            raise ConfigError(f"GDB port must be an integer 0-65535 (0: any free port), got {port!r}")
        self.node = node
        self.cpu = node.cpu
        self.uc: Uc = node.cpu.uc
        self.state = node.cpu.state
        self._timeout = timeout
        self._log = log or (lambda _msg: None)
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind((host, port))
            listener.listen(1)
        except OSError as exc:
            listener.close()
            raise EmulationError(f"node {node.name}: cannot listen for GDB on {host}:{port}: "
                                 f"{exc.strerror or exc}") from None
        self._listener: socket.socket | None = listener
        self.port: int = listener.getsockname()[1]
        self.host = host
        self._client: socket.socket | None = None
        self._rx = bytearray()
        self._last_sent = b""
        self._ack = True
        self._wait_first = wait  # halted at the reset vector until a client resumes
        self._running = False  # GDB waits for a stop reply
        self._halt_reply: str | None = None  # a halt due at the next slice boundary
        self._last_stop = "S05"
        self._pending_reply = "S05"  # set by a hook that stopped the CPU
        self._stop_requested = False  # ... and not yet served (unicorn may drop a request)
        self._fault_seen: FaultReport | None = node.fault
        self._mid_block = False
        # breakpoints and watchpoints: unicorn hook handles
        self._breakpoints: dict[int, int] = {}  # address -> hook
        self._bp_sites: dict[int, int] = {}  # hooked address (an IT instruction for a breakpoint in its block)
        self._watchpoints: dict[tuple[int, int, int], int] = {}
        self._watch_hit: str | None = None
        # the all-address code hook (steps, step-over after a resume, watchpoints)
        self._step_hook: int | None = None
        self._stepping = False
        self._step_mode = "continue"
        self._step_calls = 0
        self._it_left = 0  # instructions left in the IT block being run (a stop there is ignored)
        self._restore: tuple[int, int] | None = None  # (limit, sync) suspended for one block entry
        self._need_flush = False
        self.steps = 0  # single steps served (for the benchmark)
        self.closed = False
        node.debugger = self

    # --- life cycle ---------------------------------------------------------------------------------
    def close(self) -> None:
        """Stop serving: a GDB waiting for a stop hears that the program exited; the node runs on."""
        if self.closed:
            return
        if self._client is not None and self._running:
            with contextlib.suppress(_ClientGone):
                self._send(b"W00")
        self._drop_client()
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        self.closed = True
        if self.node.debugger is self:
            self.node.debugger = None

    def _drop_client(self) -> None:
        self._clear_points()
        if self._client is not None:
            with contextlib.suppress(OSError):
                self._client.close()
            self._client = None
            self._log(f"gdb: client of node {self.node.name} left; the node runs on")
        self._rx.clear()
        self._ack = True
        self._running = False
        self._halt_reply = None

    def _clear_points(self) -> None:
        for handle in self._breakpoints.values():
            self.uc.hook_del(handle)
        for handle in self._watchpoints.values():
            self.uc.hook_del(handle)
        if self._breakpoints or self._watchpoints:
            self._need_flush = True
        self._breakpoints.clear()
        self._bp_sites.clear()
        self._watchpoints.clear()
        self._watch_hit = None

    # --- run loop interface -------------------------------------------------------------------------
    def between_slices(self) -> None:
        """Called by the node's run loop before every slice (at a block boundary)."""
        if self.closed:
            return
        if self._need_flush and not self._stepping:
            self._need_flush = False
            self._flush_tb()  # drop code translated with hooks that are gone
        fault = self.node.fault
        if fault is not None and fault is not self._fault_seen:
            self._fault_seen = fault
            if self._client is not None:
                self._stop_stepping()
                self._halt_reply = f"S{fault_signal(fault):02x}"
        if self._stop_requested and self._client is not None:
            # a stop unicorn did not make where asked (none known besides IT blocks, which the
            # hooks avoid): report it here rather than leave GDB waiting
            self._stop_requested = False
            self._stop_stepping()
            self._halt_reply = self._pending_reply
        if self._client is None:
            if not self._accept(block=self._wait_first):
                return
            self._halt_reply = self._halt_reply or "S05"
        elif self._running and self._halt_reply is None:
            try:
                if self._poll_break():
                    self._halt_reply = f"S{SIGINT:02x}"
            except _ClientGone:
                self._drop_client()
                return
        if self._halt_reply is not None:
            reply, self._halt_reply = self._halt_reply, None
            self._mid_block = False
            self._halt(reply)

    def debug_stop(self, stop: Stop) -> Stop:
        """The CPU stopped in a hook of ours (breakpoint, step, watchpoint): serve GDB, then resume
        inside the same slice; returns the first stop that is not ours."""
        st, cpu = self.state, self.cpu
        while stop.kind == "debug":
            self._stop_requested = False
            cpu.counter.give_back(stop.pc)  # count and profile counts
            st.block_size = 0  # given back once
            self._mid_block = True
            self._halt(self._pending_reply)
            saved = (st.limit, st.sync)  # after the halt: GDB's peripheral accesses may have set them
            if self._mid_block:
                # the block entry this stop split off was checked already: not again
                self._restore = saved
                st.sync = 0
                st.pending_prio = NO_PENDING
                stop = cpu.run(NO_LIMIT)
                if self._restore is not None:  # nothing executed (a fetch fault)
                    st.limit, self._restore = saved[0], None
                    st.sync |= saved[1]
                cpu.refresh_pending()
            else:  # reset from GDB: a fresh start at a block boundary
                st.sync = 1
                stop = cpu.run(saved[0])
        return stop

    # --- halting and resuming -----------------------------------------------------------------------
    def _halt(self, reply: str) -> None:
        self._wait_first = False
        self._last_stop = reply
        try:
            if self._running:
                self._send(reply.encode())
            self._running = False
            action = self._serve()
        except _ClientGone:
            action = "detach"
        if action == "detach":
            self._drop_client()
            if self._mid_block:
                self._start_stepping("continue")  # restores the suspended checks
            return
        self._running = True
        if action == "step" or self.cpu.pc in self._bp_sites or self._watchpoints or self._mid_block:
            self._start_stepping(action)

    def _start_stepping(self, mode: str) -> None:
        self._step_mode = mode
        self._step_calls = 0
        it = self.cpu.regs.read(UC_ARM_REG_XPSR)
        it = ((it >> 8) & 0xFC) | ((it >> 25) & 3)  # ITSTATE: resuming inside an IT block?
        self._it_left = 4 - _ctz(it & 0xF) if it & 0xF else 0
        self._stepping = True
        self._watch_hit = None
        if self._step_hook is None:
            self._step_hook = self.uc.hook_add(UC_HOOK_CODE, self._on_step)
            self._flush_tb()  # code translated before has no call to the new hook

    def _stop_stepping(self) -> None:
        self._stepping = False
        if self._step_hook is not None:
            self.uc.hook_del(self._step_hook)
            self._step_hook = None
            self._need_flush = True

    def _flush_tb(self) -> None:
        self.uc.ctl_flush_tb()  # type: ignore[attr-defined]  # unicorn 2.1 has it; its stubs lag

    def _request_stop(self, reply: str, address: int) -> None:
        self._pending_reply = reply
        self._stop_requested = True
        self.cpu.debug_stop = True
        self.cpu.debug_pc = address
        self.uc.emu_stop()

    # --- hooks (the CPU is inside emu_start: only flags, no I/O) -------------------------------------
    def _on_bp(self, uc: Uc, address: int, size: int, _ud: object) -> None:
        if self._stepping or self.state.stopped or address not in self._bp_sites:
            return
        self._request_stop(f"T{SIGTRAP:02x}thread:1;", address)

    def _on_step(self, uc: Uc, address: int, size: int, _ud: object) -> None:
        if not self._stepping or self.state.stopped:
            return
        restore = self._restore
        if restore is not None:
            st = self.state
            self._restore = None
            st.limit = restore[0]
            st.sync |= restore[1]
            self.cpu.refresh_pending()
        self._step_calls += 1
        # unicorn ignores a stop requested inside an IT block: the stop waits for its end
        inside_it = self._it_left > 0
        if inside_it:
            self._it_left -= 1
        if size == 2:
            hw = self._halfword(address)
            if hw & 0xFF00 == 0xBF00 and hw & 0xF:
                self._it_left = 4 - _ctz(hw & 0xF)
        if self._step_calls == 1 or inside_it:
            return  # the instruction we resume at runs
        hit = self._watch_hit
        if hit is not None:
            self._watch_hit = None
            self._stop_stepping()
            self._request_stop(f"T{SIGTRAP:02x}{hit}thread:1;", address)
        elif self._step_mode == "step":
            self._stop_stepping()
            self.steps += 1
            self._request_stop(f"T{SIGTRAP:02x}thread:1;", address)
        elif address in self._bp_sites:
            self._stop_stepping()
            self._request_stop(f"T{SIGTRAP:02x}thread:1;", address)
        elif not self._watchpoints:
            self._stop_stepping()

    def _on_mem(self, uc: Uc, access: int, address: int, size: int, value: int, _ud: object) -> None:
        if self._watch_hit is not None:
            return
        for (kind, start, length) in self._watchpoints:
            if address < start + length and start < address + size:
                if (kind == 2 and access != UC_MEM_WRITE) or (kind == 3 and access != UC_MEM_READ):
                    continue
                self._watch_hit = f"{_WATCH_KIND[kind]}:{max(address, start):x};"
                return

    # --- socket -------------------------------------------------------------------------------------
    def _accept(self, block: bool) -> bool:
        listener = self._listener
        if listener is None:
            return False
        if block:
            self._log(f"gdb: node {self.node.name} halted, waiting for GDB on {self.host}:{self.port}")
            with GATE.opened():  # Ctrl-C ends the wait (signals.py)
                ready, _, _ = select.select([listener], [], [], self._timeout)
            if not ready:
                raise EmulationError(f"node {self.node.name}: no GDB connected to port {self.port} "
                                     f"within {self._timeout:g} s")
        else:
            ready, _, _ = select.select([listener], [], [], 0)
            if not ready:
                return False
        try:
            conn, _ = listener.accept()
        except OSError:
            return False
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._client = conn
        self._rx.clear()
        self._ack = True
        self._log(f"gdb: client connected to node {self.node.name}")
        return True

    def _recv(self, block: bool) -> bool:
        conn = self._client
        if conn is None:
            raise _ClientGone()
        try:
            if block:
                with GATE.opened():  # Ctrl-C ends the wait (signals.py)
                    ready, _, _ = select.select([conn], [], [], self._timeout)
            else:
                ready, _, _ = select.select([conn], [], [], 0)
        except (OSError, ValueError):
            raise _ClientGone() from None
        if not ready:
            if block:
                raise _ClientGone()  # silent past the timeout
            return False
        try:
            data = conn.recv(65536)
        except OSError:
            raise _ClientGone() from None
        if not data:
            raise _ClientGone()
        self._rx += data
        return True

    def _send_raw(self, data: bytes) -> None:
        conn = self._client
        if conn is None:
            raise _ClientGone()
        try:
            conn.sendall(data)
        except OSError:
            raise _ClientGone() from None

    def _send(self, payload: bytes) -> None:
        self._last_sent = frame(payload)
        self._send_raw(self._last_sent)

    def _parse(self) -> tuple[str, bytes] | None:
        """One event off the receive buffer: ('break', b'') or ('packet', payload); None: need more."""
        rx = self._rx
        while rx:
            c = rx[0]
            if c == 0x03:
                del rx[0]
                return ("break", b"")
            if c == 0x2D:  # '-': our last packet arrived damaged
                del rx[0]
                if self._ack and self._last_sent:
                    self._send_raw(self._last_sent)
                continue
            if c != 0x24:  # '+' acks and line noise
                del rx[0]
                continue
            end = rx.find(b"#")
            if end < 0:
                if len(rx) > MAX_FRAME:
                    del rx[:]
                    if self._ack:
                        self._send_raw(b"-")
                return None
            if len(rx) < end + 3:
                return None
            payload = bytes(rx[1:end])
            sent = bytes(rx[end + 1:end + 3])
            del rx[:end + 3]
            try:
                good = int(sent, 16) == checksum(payload)
            except ValueError:
                good = False
            if not good:
                if self._ack:
                    self._send_raw(b"-")
                continue
            if self._ack:
                with contextlib.suppress(_ClientGone):  # GDB sends `k` and hangs up: still a kill
                    self._send_raw(b"+")
            return ("packet", payload)
        return None

    def _poll_break(self) -> bool:
        """While running: True when GDB asked for a halt (Ctrl-C)."""
        while True:
            event = self._parse()
            if event is None:
                if not self._recv(block=False):
                    return False
                continue
            if event[0] == "break":
                return True
            if event[1] == b"k" or event[1].startswith(b"vKill"):
                self._kill()
            self._send(b"")  # nothing else is valid while running in all-stop mode

    def _serve(self) -> str:
        """Answer packets while halted; returns 'continue', 'step' or 'detach'."""
        while True:
            event = self._parse()
            if event is None:
                self._recv(block=True)
                continue
            if event[0] == "break":
                continue  # already halted
            result = self._handle(event[1])
            if isinstance(result, str):
                return result
            if result is not None:
                self._send(result)

    # --- packets ------------------------------------------------------------------------------------
    def _handle(self, packet: bytes) -> bytes | str | None:
        """A reply (bytes), a resume action (str), or None (reply already sent)."""
        if not packet:
            return b""
        head, body = packet[:1], packet[1:]
        try:
            if head == b"?":
                return self._last_stop.encode()
            if head in (b"c", b"s"):
                if body:
                    self._set_pc(_hex_int(body))
                return "continue" if head == b"c" else "step"
            if head in (b"C", b"S"):
                _, _, addr = body.partition(b";")
                if addr:
                    self._set_pc(_hex_int(addr))
                return "continue" if head == b"C" else "step"
            if head == b"g":
                return b"".join(self._reg_hex(i) for i in range(N_REGS))
            if head == b"G":
                return self._write_all(body)
            if head == b"p":
                n = _hex_int(body)
                return self._reg_hex(n) if n < N_REGS else b"E45"
            if head == b"P":
                n_text, eq, value = body.partition(b"=")
                n = _hex_int(n_text)
                if not eq or n >= N_REGS or len(value) != 8:
                    return b"E45"
                self._write_reg(n, int.from_bytes(bytes.fromhex(value.decode()), "little"))
                return b"OK"
            if head == b"m":
                address, length = _addr_len(body)
                if length > PACKET_SIZE // 2:
                    return b"E22"
                data = self._read_mem(address, length)
                return data.hex().encode() if data is not None else b"E14"
            if head == b"M":
                where, colon, hexdata = body.partition(b":")
                address, length = _addr_len(where)
                data = bytes.fromhex(hexdata.decode())
                if not colon or len(data) != length:
                    return b"E16"
                return b"OK" if self._write_mem(address, data) else b"E14"
            if head == b"X":
                where, colon, raw = body.partition(b":")
                address, length = _addr_len(where)
                data = unescape_binary(raw)
                if not colon or len(data) != length:
                    return b"E16"
                return b"OK" if self._write_mem(address, data) else b"E14"
            if head in (b"Z", b"z"):
                return self._point(head == b"Z", body)
            if head == b"D":
                self._send(b"OK")
                return "detach"
            if head == b"k":
                self._kill()
            if head == b"H" or head == b"T":
                return b"OK"
            if head == b"v":
                return self._v_packet(packet)
            if head == b"q" or head == b"Q":
                return self._query(packet)
        except (ValueError, UnicodeDecodeError):
            return b"E16"
        except UcError:  # the engine refused a register or memory access
            return b"E01"
        return b""

    def _v_packet(self, packet: bytes) -> bytes | str | None:
        if packet == b"vCont?":
            return b"vCont;c;C;s;S"
        if packet.startswith(b"vCont;"):
            for action in packet[6:].split(b";"):
                kind, _, thread = action.partition(b":")
                if thread and thread not in (b"1", b"-1", b"0", b"p1.1", b"p1.-1"):
                    continue
                if kind[:1] in (b"c", b"C"):
                    return "continue"
                if kind[:1] in (b"s", b"S"):
                    return "step"
                return b"E16"
            return b"E16"
        if packet.startswith(b"vKill"):
            self._send(b"OK")
            self._kill()
        return b""

    def _query(self, packet: bytes) -> bytes | None:
        if packet.startswith(b"qSupported"):
            return b"PacketSize=%x;qXfer:features:read+;QStartNoAckMode+;vContSupported+" % PACKET_SIZE
        if packet == b"QStartNoAckMode":
            self._send(b"OK")
            self._ack = False
            return None
        if packet.startswith(b"qXfer:features:read:"):
            annex, _, span = packet[20:].partition(b":")
            if annex != b"target.xml":
                return b"E00"
            offset, length = _addr_len(span)
            chunk = TARGET_XML[offset:offset + min(length, PACKET_SIZE - 16)]
            more = offset + len(chunk) < len(TARGET_XML)
            return (b"m" if more else b"l") + escape_binary(chunk)
        if packet.startswith(b"qAttached"):
            return b"1"
        if packet == b"qC":
            return b"QC1"
        if packet == b"qfThreadInfo":
            return b"m1"
        if packet == b"qsThreadInfo":
            return b"l"
        if packet.startswith(b"qRcmd,"):
            command = bytes.fromhex(packet[6:].decode()).decode("utf-8", "replace").strip()
            self._monitor(command)
            return b"OK"
        return b""

    def _monitor(self, command: str) -> None:
        node = self.node
        if command == "reset":
            node.reset()
            self._mid_block = False
            self._last_stop = "S05"
            text = f"node {node.name}: warm reset, halted at 0x{self.cpu.pc:08x}\n"
        elif command == "time":
            text = f"virtual time {node.cycles / CPU_HZ:.9f} s ({node.cycles} cycles at {CPU_HZ} Hz)\n"
        elif command in ("help", ""):
            text = _MONITOR_HELP
        else:
            text = f"unknown monitor command {command!r}\n" + _MONITOR_HELP
        self._send(b"O" + text.encode().hex().encode())

    def _kill(self) -> None:
        name = self.node.name
        self._stop_stepping()
        self._drop_client()
        self.close()
        raise GdbKilled(f"node {name}: killed from GDB")

    # --- registers ----------------------------------------------------------------------------------
    def _reg(self, n: int) -> int:
        if n == PC:
            return self.cpu.pc
        value = self.cpu.regs.read(_UC_REGS[n])
        return value | THUMB if n == XPSR else value

    def _reg_hex(self, n: int) -> bytes:
        return self._reg(n).to_bytes(4, "little").hex().encode()

    def _write_reg(self, n: int, value: int) -> None:
        regs = self.cpu.regs
        if n == PC:
            self._set_pc(value)
        elif n == XPSR:  # the flags only: IPSR and the execution state are the core's
            regs.write(UC_ARM_REG_APSR_NZCV, value & 0xF8000000)
        else:
            regs.write(_UC_REGS[n], value)

    def _write_all(self, body: bytes) -> bytes:
        if len(body) != 8 * N_REGS:
            return b"E16"
        raw = bytes.fromhex(body.decode())
        for n in range(N_REGS):
            value = int.from_bytes(raw[4 * n:4 * n + 4], "little")
            if value != self._reg(n):
                self._write_reg(n, value)
        return b"OK"

    def _set_pc(self, value: int) -> None:
        if value > 0xFFFFFFFF:
            raise ValueError("pc out of range")
        self.cpu.pc = value & ~1

    # --- memory -------------------------------------------------------------------------------------
    def _direct(self, address: int, length: int) -> tuple[ctypes.Array[ctypes.c_char], int] | None:
        cpu = self.cpu
        for base, size, buf in ((mm.FLASH_BASE, mm.FLASH_SIZE, cpu.flash), (mm.RAM_BASE, mm.RAM_SIZE, cpu.ram),
                                (mm.INFO_BASE, mm.INFO_SIZE, cpu.info), (mm.ROM_BASE, mm.ROM_SIZE, cpu.rom)):
            if base <= address and address + length <= base + size:
                return buf, address - base
        return None

    def _read_mem(self, address: int, length: int) -> bytes | None:
        direct = self._direct(address, length)
        if direct is not None:
            buf, off = direct
            return bytes(memoryview(buf).cast("B")[off:off + length])
        try:  # peripherals through their models, like a debugger's bus access
            return bytes(self.uc.mem_read(address, length))
        except UcError:
            return None

    def _write_mem(self, address: int, data: bytes) -> bool:
        if not data:
            return True
        direct = self._direct(address, len(data))
        cpu = self.cpu
        if direct is not None:
            buf, off = direct
            if buf is cpu.info or buf is cpu.rom:
                return False
            ctypes.memmove(ctypes.addressof(buf) + off, data, len(data))
            if buf is cpu.flash:
                cpu.remove_cache(address, address + len(data))  # patched code: translate again
            return True
        if mm.in_flash(address) or mm.in_ram(address) or mm.INFO_BASE <= address < mm.INFO_BASE + mm.INFO_SIZE:
            return False  # straddles the end of a memory
        try:
            self.uc.mem_write(address, data)
        except UcError:
            return False
        return True

    # --- breakpoints and watchpoints ----------------------------------------------------------------
    def _halfword(self, address: int) -> int:
        direct = self._direct(address, 2)
        if direct is None:
            return 0
        buf, off = direct
        return buf[off][0] | buf[off + 1][0] << 8

    def _it_start(self, address: int) -> int:
        """Where a breakpoint at `address` can stop: unicorn cannot stop inside an IT block, so one
        there stops at the block's IT instruction."""
        for back in range(2, 18, 2):
            it = address - back
            hw = self._halfword(it)
            if hw & 0xFF00 != 0xBF00 or not hw & 0xF or self._halfword(it - 2) >> 11 >= 0x1D:
                continue
            pos = it + 2
            for _ in range(4 - _ctz(hw & 0xF)):
                if pos == address:
                    return it
                pos += 4 if self._halfword(pos) >> 11 >= 0x1D else 2
        return address

    def _point(self, insert: bool, body: bytes) -> bytes:
        fields = body.split(b";")[0].split(b",")
        if len(fields) != 3:
            return b"E16"
        kind = _hex_int(fields[0])
        address, length = _hex_int(fields[1]), _hex_int(fields[2])
        if address > 0xFFFFFFFF or kind > 4:
            return b""  # unsupported type: GDB falls back
        if kind <= 1:
            address &= ~1
            if insert and address not in self._breakpoints:
                site = self._it_start(address)
                self._breakpoints[address] = self.uc.hook_add(UC_HOOK_CODE, self._on_bp, begin=site, end=site)
                self._bp_sites[site] = self._bp_sites.get(site, 0) + 1
                self.cpu.remove_cache(site, site + 4)
            elif not insert and address in self._breakpoints:
                self.uc.hook_del(self._breakpoints.pop(address))
                site = self._it_start(address)
                self._bp_sites[site] -= 1
                if not self._bp_sites[site]:
                    del self._bp_sites[site]
                self.cpu.remove_cache(site, site + 4)
            return b"OK"
        if not 0 < length <= 0x10000 or address + length > 0x1_0000_0000:
            return b"E16"
        key = (kind, address, length)
        if insert and key not in self._watchpoints:
            hook_type = {2: UC_HOOK_MEM_WRITE, 3: UC_HOOK_MEM_READ}.get(kind, UC_HOOK_MEM_READ | UC_HOOK_MEM_WRITE)
            # the hook range is matched on an access's first byte: start early enough for a
            # doubleword that overlaps the watched bytes
            self._watchpoints[key] = self.uc.hook_add(hook_type, self._on_mem, begin=max(address - 7, 0),
                                                      end=address + length - 1)
            self._flush_tb()
        elif not insert and key in self._watchpoints:
            self.uc.hook_del(self._watchpoints.pop(key))
            self._need_flush = True
        return b"OK"
