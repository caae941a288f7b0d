"""The `renode` backend: the rig's topology on a user's Renode, driven through its monitor.

Time: Renode runs paused; `run_until` advances it in steps of `sync_interval` virtual seconds with
`emulation RunFor` (synchronous: it returns when the time has run), reading every node's UART socket
after each step. UART bytes are therefore stamped with the virtual time of the end of the step in
which they were read (resolution `sync_interval`, 1 ms by default), and the clock is re-read from
`emulation GetTimeSourceInfo` after each `run_until`.

Differences from the builtin backend are listed in renode/README.md (no air time, flash erased on
every reset, no power-cut injection, no pcap writer, no fault reports).
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import re
import select
import shutil
import socket
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from rig.emu import api
from rig.emu.api import FaultReport, NodeSpec, UartLine
from rig.emu.renode import commands as cmd
from rig.emu.renode.elfinfo import ElfInfo, read_elf
from rig.emu.renode.monitor import MonitorClient, MonitorError, Pyrenode3Monitor, quick_ack
from rig.emu.renode.process import RenodeProcess, find_renode, free_port, not_found_message
from rig.errors import ConfigError, EmulationError, ExpectTimeout, RigError

# Renode's log line for a CPU that stopped, e.g.
# "08:36:32.0646 [ERROR] client/cpu: CPU abort [PC=0xBF00BF00]: Trying to execute code outside RAM..."
_CPU_ABORT_RE = re.compile(
    r"\[ERROR\]\s+(?P<who>.*?)\s*CPU abort \[PC=0x(?P<pc>[0-9A-Fa-f]+)\]:?\s*(?P<why>.*)"
)


class _Monitor(Protocol):
    machine: str | None

    def execute(self, command: str, timeout: float | None = None) -> str: ...
    def select_machine(self, name: str) -> None: ...
    def quit(self, timeout: float = 10.0) -> None: ...
    def close(self) -> None: ...


class RenodeUart(api.Uart):
    """UART0 of a node: output from Renode's raw socket terminal, input through the monitor."""

    def __init__(self, node: RenodeNode, port: int, write_via: str) -> None:
        self._node = node
        self.port = port  # raw TCP (no telnet bytes): a bridge may connect here instead
        self._write_via = write_via
        self._sock: socket.socket | None = None
        self._out = bytearray()
        self._partial = b""
        self._lines: list[UartLine] = []
        self._subscribers: list[Callable[[bytes, float], None]] = []

    def connect(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                self._sock = socket.create_connection(("127.0.0.1", self.port), timeout=1.0)
                self._sock.setblocking(False)
                return
            except OSError as exc:
                if time.monotonic() >= deadline:
                    raise EmulationError(
                        f"cannot connect to {self._node.name}'s UART0 terminal"
                        f" on 127.0.0.1:{self.port}: {exc}"
                    ) from exc
                time.sleep(0.05)  # wall-clock wait for Renode to open the port

    @property
    def lines(self) -> list[UartLine]:
        return list(self._lines)

    def output(self) -> bytes:
        return bytes(self._out)

    def write(self, data: bytes) -> None:
        if not data:
            return
        if self._write_via == "socket":
            if self._sock is None:
                raise EmulationError(f"{self._node.name}: UART0 terminal is not connected")
            self._sock.setblocking(True)
            try:
                self._sock.sendall(data)
            finally:
                self._sock.setblocking(False)
            return
        # Through the monitor: synchronous, so the bytes are in the UART at the current virtual time.
        mon = self._node.emu._monitor
        mon.select_machine(self._node.name)
        for line in cmd.batch(cmd.uart_write_chars(data)):
            mon.execute(line)

    def subscribe(self, callback: Callable[[bytes, float], None]) -> None:
        self._subscribers.append(callback)

    def fileno(self) -> int:
        return -1 if self._sock is None else self._sock.fileno()

    def drain(self, now: float) -> bool:
        """Read what the node sent so far; stamp it `now`. True if anything arrived."""
        if self._sock is None:
            return False
        got = False
        while True:
            try:
                data = self._sock.recv(65536)
            except (BlockingIOError, InterruptedError):
                break
            except OSError:
                data = b""
            if not data:
                self._sock.close()
                self._sock = None
                break
            quick_ack(self._sock)
            got = True
            self.feed(data, now)
        return got

    def feed(self, data: bytes, now: float) -> None:
        self._out += data
        pieces = (self._partial + data).split(b"\n")
        self._partial = pieces.pop()
        for raw in pieces:
            self._lines.append(UartLine(now, raw.rstrip(b"\r").decode("utf-8", errors="replace")))
        for callback in list(self._subscribers):
            callback(data, now)

    def close(self) -> None:
        if self._sock is not None:
            with contextlib.suppress(OSError):
                self._sock.close()
            self._sock = None


class RenodeNode(api.Node):
    def __init__(self, emu: RenodeEmulation, spec: NodeSpec, config: cmd.NodeConfig, elf: ElfInfo) -> None:
        self.emu = emu
        self.name = spec.name
        self.spec = spec
        self.config = config
        self.eui64 = config.eui64
        self.elf = elf
        self.uart: RenodeUart = RenodeUart(self, config.uart_port, emu.write_uart_via)
        self._expect_from = 0
        self._fault: FaultReport | None = None

    @property
    def emulation(self) -> api.Emulation:
        return self.emu

    @property
    def fault(self) -> FaultReport | None:
        """Renode reports CPU aborts only in its log ("CPU abort [PC=0x...]: why"): the backend
        watches the log (process transport) and records the first abort of each node here."""
        return self._fault

    def record_fault(self, pc: int, message: str, time: float) -> None:
        if self._fault is None:
            self._fault = FaultReport(f"cpu abort: {message}", pc, None, self.elf.function_at(pc), time)

    def expect(self, pattern: str | re.Pattern[str], timeout: float = 10.0) -> re.Match[str]:
        regex = re.compile(pattern) if isinstance(pattern, str) else pattern
        found: list[re.Match[str]] = []

        def matched() -> bool:
            if self._fault is not None:
                return True
            lines = self.uart._lines
            while self._expect_from < len(lines):
                m = regex.search(lines[self._expect_from].text)
                self._expect_from += 1
                if m is not None:
                    found.append(m)
                    return True
            return False

        if (matched() or self.emu.run_until(matched, timeout)) and found:
            return found[0]
        if self._fault is not None:
            raise EmulationError(f"{self.name} stopped on a fault: {self._fault}")
        tail = "; ".join(line.text for line in self.uart._lines[-5:])
        raise ExpectTimeout(
            f"{self.name}: no UART line matching {regex.pattern!r} within {timeout:g} s of virtual time"
            f" (t={self.emu.now:.3f}s; last lines: {tail or 'none'})"
        )

    def led(self, index: int) -> bool:
        if not 0 <= index <= 3:
            raise EmulationError(f"LED index {index} out of range (0..3)")
        return self.gpio(cmd.LED_PORT, index)

    def gpio(self, port: str, pin: int) -> bool:
        if not 0 <= pin <= 7:
            raise EmulationError(f"GPIO pin {pin} out of range (0..7)")
        try:
            address = cmd.gpio_data_address(port)
        except cmd.CommandError as exc:
            raise EmulationError(str(exc)) from None
        value = self._read_words([(address, 4)])[0]
        return bool(value >> pin & 1)

    def read_memory(self, address: int, size: int) -> bytes:
        try:
            plan = cmd.read_plan(address, size)
        except cmd.CommandError as exc:
            raise EmulationError(str(exc)) from None
        values = self._read_words(plan)
        return b"".join(v.to_bytes(w, "little") for (_, w), v in zip(plan, values, strict=True))

    def _read_words(self, plan: list[tuple[int, int]]) -> list[int]:
        mon = self.emu._monitor
        mon.select_machine(self.name)
        reads = [cmd.read_word(a) if w == 4 else cmd.read_byte(a) for a, w in plan]
        values: list[int] = []
        for line, count in zip(cmd.batch(reads), _chunk_sizes(len(reads)), strict=True):
            got = cmd.parse_ints(mon.execute(line))
            if len(got) != count:
                raise EmulationError(f"{self.name}: unexpected answer to memory read '{line[:80]}': {got!r}")
            values += got
        return values

    def write_memory(self, address: int, data: bytes) -> None:
        try:
            writes = cmd.write_commands(address, data)
        except cmd.CommandError as exc:
            raise EmulationError(str(exc)) from None
        mon = self.emu._monitor
        mon.select_machine(self.name)
        for line in cmd.batch(writes):
            mon.execute(line)

    def symbol(self, name: str) -> int:
        try:
            return self.elf.symbols[name]
        except KeyError:
            raise EmulationError(f"symbol {name!r} is not in {self.elf.path.name}") from None

    def reset(self) -> None:
        """`machine Reset` runs the node's reset macro. NOTE: Renode's flash controller model erases
        flash on reset and the macro reloads the ELF, so anything the firmware wrote to flash is lost
        (the info page with the EUI-64 is kept and rewritten)."""
        mon = self.emu._monitor
        mon.select_machine(self.name)
        mon.execute(cmd.MACHINE_RESET)

    def start_gdb_server(self, port: int = 0, wait: bool = True, host: str = "127.0.0.1",
                         timeout: float | None = None, log: Callable[[str], None] | None = None) -> int:
        """Renode's own GDB server for this machine: `machine StartGdbServer PORT`. Renode needs a
        fixed port (no 0) and listens where Renode decides (host is not passed); it does not hold the
        machine until GDB continues (`wait` has no effect), and a CPU that GDB halts stops this
        machine's time in Renode, not the rig's lockstep."""
        if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
            raise ConfigError(f"node {self.name}: Renode's GDB server needs a fixed TCP port 1-65535, got {port!r}")
        mon = self.emu._monitor
        mon.select_machine(self.name)
        try:
            mon.execute(cmd.start_gdb_server(port))
        except RigError as exc:
            raise EmulationError(f"node {self.name}: {exc}") from None
        if log is not None:
            log(f"gdb: Renode serves node {self.name} on port {port}")
        return port

    def power_cycle(self, off_for: float = 0.0) -> None:
        """Approximation: reset, then hold the CPU halted for `off_for` while the others run.

        Unlike the builtin backend (and a real chip) flash is NOT kept: Renode erases it on reset.
        Power-cut tests belong to the builtin backend (`builtin_only`).
        """
        warnings.warn(
            "renode backend: power_cycle() is a machine reset; Renode erases flash on reset, so flash"
            " contents written by the firmware are lost (use the builtin backend for power-cut tests)",
            RuntimeWarning,
            stacklevel=2,
        )
        self.reset()
        if off_for > 0:
            mon = self.emu._monitor
            mon.select_machine(self.name)
            mon.execute("cpu IsHalted true")
            self.emu.advance(off_for)
            mon.select_machine(self.name)
            mon.execute("cpu IsHalted false")


def _chunk_sizes(total: int, per_line: int = 16) -> list[int]:
    return [min(per_line, total - i) for i in range(0, total, per_line)]


class RenodeMedium(api.Medium):
    def __init__(self, emu: RenodeEmulation) -> None:
        self._emu = emu

    def set_loss(self, probability: float) -> None:
        try:
            command = cmd.set_loss(probability, self._emu.radio_range)
        except cmd.CommandError as exc:
            raise EmulationError(str(exc)) from None
        self._emu._monitor.execute(command)

    def set_link_loss(self, sender: str, receiver: str, probability: float) -> None:
        raise EmulationError(
            "per-link loss is not supported by the renode backend (Renode's medium functions act on"
            " every link alike); use medium.set_loss() or node positions and the radio range"
        )

    def capture(self, path: Path) -> None:
        raise EmulationError(
            "pcap capture is not supported by the renode backend (Renode has no pcap writer);"
            " capture happens in the bridge, which sees every frame the border node receives"
        )


class RenodeEmulation(api.Emulation):
    backend = "renode"

    def __init__(
        self,
        renode_path: str | os.PathLike[str] | None = None,
        *,
        seed: int = 0,
        quantum: float = 0.0001,
        quantum_us: float | None = None,
        airtime: bool = False,
        realtime: bool = False,
        sync_interval: float = 0.001,
        radio_range: float = 100.0,
        start_timeout: float = 120.0,
        command_timeout: float = 60.0,
        transport: str = "auto",
        write_uart_via: str = "monitor",
        log_path: str | os.PathLike[str] | None = None,
        keep_tmpdir: bool = False,
        shutdown_timeout: float = 10.0,
        log_level: int | None = 2,
        extra_args: tuple[str, ...] = (),
    ) -> None:
        if airtime:
            raise ConfigError("air time is not modelled by the renode backend (frames arrive instantly)")
        if quantum_us is not None:  # the builtin backend's spelling
            quantum = quantum_us / 1e6
        if transport not in ("auto", "socket", "pyrenode3"):
            raise ConfigError(f"unknown renode transport {transport!r} (auto, socket or pyrenode3)")
        if write_uart_via not in ("monitor", "socket"):
            raise ConfigError(f"write_uart_via must be 'monitor' or 'socket', not {write_uart_via!r}")
        if not 0 < sync_interval <= 1.0:
            raise ConfigError(f"sync_interval must be in (0, 1] seconds, got {sync_interval!r}")
        self.sync_interval = sync_interval
        self.radio_range = radio_range
        self.write_uart_via = write_uart_via
        self.command_timeout = command_timeout
        self.shutdown_timeout = shutdown_timeout
        self._now = 0.0
        self._nodes: dict[str, RenodeNode] = {}
        self._medium = RenodeMedium(self)
        self._closed = False
        self._failed = False
        self._free_running = False
        self._keep_tmpdir = keep_tmpdir
        self.process: RenodeProcess | None = None
        self._log_offset = 0
        parent = os.environ.get("TMPDIR")  # read now: tempfile caches its directory at first use
        parent = parent if parent and os.path.isdir(parent) else None
        self.tmpdir = Path(tempfile.mkdtemp(prefix="rig-renode-", dir=parent))
        self._saved_tmpdir_env: str | None = None
        self._tmpdir_env_changed = False
        self._monitor: _Monitor
        try:
            has_pyrenode3 = importlib.util.find_spec("pyrenode3") is not None
            use_pyrenode3 = transport == "pyrenode3" or (
                transport == "auto" and renode_path is None and has_pyrenode3
            )
            if use_pyrenode3:
                self._monitor = self._start_pyrenode3(transport == "pyrenode3")
            else:
                self._monitor = self._start_process(renode_path, start_timeout, log_path, extra_args)
            for line in cmd.emulation_setup(seed, quantum, realtime, radio_range):
                self._monitor.execute(line)
            if log_level is not None:  # 2 = warnings and errors: INFO/DEBUG logging slows Renode down
                self._monitor.execute(f"logLevel {int(log_level)}")
        except BaseException:
            self._failed = True
            self.close()
            raise

    # -- start-up -----------------------------------------------------------------------------

    def _start_process(
        self,
        renode_path: str | os.PathLike[str] | None,
        start_timeout: float,
        log_path: str | os.PathLike[str] | None,
        extra_args: tuple[str, ...],
    ) -> MonitorClient:
        executable = find_renode(renode_path)
        if executable is None:
            raise EmulationError(not_found_message(renode_path))
        port = free_port()
        self.process = proc = RenodeProcess.start(
            executable,
            port=port,
            tmpdir=self.tmpdir,
            log_path=Path(log_path) if log_path else None,
            extra_args=extra_args,
        )
        try:
            return MonitorClient.connect(
                "127.0.0.1",
                port,
                timeout=start_timeout,
                command_timeout=self.command_timeout,
                exit_status=proc.exit_status,
                describe=proc.describe,
            )
        except MonitorError as exc:
            tail = proc.log_tail()
            raise EmulationError(f"{exc}" + (f"\n{tail}" if tail else "")) from None

    def _start_pyrenode3(self, required: bool) -> _Monitor:
        # An in-process Renode also cleans $TMPDIR/renode-* at start-up: point it at ours.
        self._saved_tmpdir_env = os.environ.get("TMPDIR")
        self._tmpdir_env_changed = True
        os.environ["TMPDIR"] = str(self.tmpdir)
        try:
            return Pyrenode3Monitor()
        except Exception as exc:
            if required:
                raise EmulationError(f"pyrenode3 could not load Renode: {exc}") from exc
            warnings.warn(f"pyrenode3 could not load Renode ({exc}); using a Renode process", stacklevel=3)
            self._restore_tmpdir_env()
            return self._start_process(None, self.command_timeout * 2, None, ())

    def _restore_tmpdir_env(self) -> None:
        if not self._tmpdir_env_changed:
            return
        self._tmpdir_env_changed = False
        if self._saved_tmpdir_env is None:
            os.environ.pop("TMPDIR", None)
        else:
            os.environ["TMPDIR"] = self._saved_tmpdir_env
        self._saved_tmpdir_env = None

    # -- the interface ------------------------------------------------------------------------

    @property
    def now(self) -> float:
        return self._now

    @property
    def nodes(self) -> dict[str, api.Node]:
        return dict(self._nodes)

    @property
    def medium(self) -> api.Medium:
        return self._medium

    @property
    def monitor(self) -> _Monitor:
        """The monitor connection, for commands the interface does not cover."""
        return self._monitor

    def add_node(self, spec: NodeSpec) -> RenodeNode:
        self._check_open()
        if spec.name in self._nodes:
            raise ConfigError(f"a node named {spec.name!r} already exists")
        try:
            cmd.check_name(spec.name)
        except cmd.CommandError as exc:
            raise ConfigError(str(exc)) from None
        eui64 = spec.eui64 if spec.eui64 is not None else cmd.default_eui64(len(self._nodes))
        if len(eui64) != 8:
            raise ConfigError(f"{spec.name}: EUI-64 must be 8 bytes, got {len(eui64)}")
        if spec.extra.get("peripherals"):
            raise ConfigError(f"{spec.name}: peripheral models (peripherals = [...]) are for the builtin "
                              "emulator; in Renode, add them to its platform description")
        elf = read_elf(Path(spec.firmware))
        config = cmd.NodeConfig(
            name=spec.name,
            firmware=Path(spec.firmware).resolve(),
            eui64=bytes(eui64),
            vtor=elf.vtor,
            position=spec.position,
            uart_port=int(spec.extra.get("uart_port", 0)) or free_port(),  # type: ignore[call-overload]
        )
        script = self.tmpdir / f"node-{spec.name}.resc"
        script.write_text(cmd.node_script(config))
        node = RenodeNode(self, spec, config, elf)
        try:
            self._monitor.execute(f"include {cmd.path_token(script)}")
        except EmulationError:
            self._monitor.machine = None  # unknown: the script may have stopped after `mach create`
            raise
        self._monitor.machine = spec.name  # `mach create` selected it
        self._nodes[spec.name] = node
        node.uart.connect(timeout=self.command_timeout)
        return node

    def run_until(self, predicate: Callable[[], bool], timeout: float) -> bool:
        self._check_open()
        if self._free_running:
            self.pause()
        start = self._now
        deadline = start + max(0.0, timeout)
        try:
            while True:
                self._drain()
                self._watch_log()
                if predicate():
                    result = True
                    break
                remaining = deadline - self._now
                if remaining <= 1e-9:
                    result = False
                    break
                step = min(self.sync_interval, remaining)
                self._monitor.execute(cmd.run_for(step))
                self._now += step
        except BaseException:
            self._failed = True  # keep the log and scripts for a post-mortem
            raise
        if self._now > start:
            self._resync_clock(start)
        return result

    def monitor_time(self) -> float:
        """Renode's own elapsed virtual time (seconds)."""
        try:
            return cmd.parse_elapsed_virtual_time(self._monitor.execute(cmd.TIME_SOURCE_INFO))
        except cmd.CommandError as exc:
            raise EmulationError(str(exc)) from None

    def start(self) -> None:
        """Let Renode run freely (interactive use, external tools); `run_until` pauses it first."""
        self._check_open()
        self._monitor.execute("start")
        self._free_running = True

    def pause(self) -> None:
        """Stop a free run and take Renode's clock."""
        self._check_open()
        self._monitor.execute("pause")
        self._free_running = False
        self._now = max(self._now, self.monitor_time())

    def set_quantum(self, seconds: float) -> None:
        self._monitor.execute(cmd.set_quantum(seconds))

    def set_realtime(self, realtime: bool) -> None:
        """Pace virtual time by the wall clock (True) or run as fast as possible (False, default)."""
        value = "false" if realtime else "true"
        self._monitor.execute(f"emulation SetGlobalAdvanceImmediately {value}")

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        for node in self._nodes.values():
            node.uart.close()
        monitor = getattr(self, "_monitor", None)
        if monitor is not None:
            with contextlib.suppress(Exception):
                monitor.quit(timeout=self.shutdown_timeout)
        if self.process is not None:
            self.process.stop(timeout=self.shutdown_timeout)
        self._restore_tmpdir_env()
        # After a failure with a Renode process, keep its log and scripts for a post-mortem.
        if not (self._keep_tmpdir or (self._failed and self.process is not None)):
            shutil.rmtree(self.tmpdir, ignore_errors=True)

    def __enter__(self) -> RenodeEmulation:
        return self

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            self.close()

    # -- internals ----------------------------------------------------------------------------

    def _check_open(self) -> None:
        if self._closed:
            raise EmulationError("the Renode emulation is closed")

    def _drain(self) -> None:
        uarts = [n.uart for n in self._nodes.values() if n.uart.fileno() >= 0]
        if not uarts:
            return
        ready, _, _ = select.select(uarts, [], [], 0)
        for uart in ready:
            uart.drain(self._now)

    def _watch_log(self) -> None:
        """Pick CPU aborts out of the new part of Renode's log (cheap when it has not grown)."""
        if self.process is None:
            return
        try:
            size = self.process.log_path.stat().st_size
        except OSError:
            return
        if size <= self._log_offset:
            return
        with open(self.process.log_path, "rb") as f:
            f.seek(self._log_offset)
            chunk = f.read(size - self._log_offset)
        end = chunk.rfind(b"\n") + 1  # only complete lines
        self._log_offset += end
        for line in chunk[:end].decode("utf-8", errors="replace").splitlines():
            m = _CPU_ABORT_RE.search(line)
            if m is None:
                continue
            node = self._node_for_log(m.group("who"))
            if node is not None:
                node.record_fault(int(m.group("pc"), 16), m.group("why").rstrip("."), self._now)

    def _node_for_log(self, who: str) -> RenodeNode | None:
        for name, node in self._nodes.items():
            if re.match(rf"{re.escape(name)}[:/.]", who):
                return node
        return next(iter(self._nodes.values())) if len(self._nodes) == 1 else None

    def _resync_clock(self, start: float) -> None:
        """Take Renode's clock as the truth (RunFor ends on quantum boundaries; float sums drift)."""
        renode_now = self.monitor_time()
        if renode_now >= start:
            self._now = renode_now


__all__ = ["RenodeEmulation", "RenodeMedium", "RenodeNode", "RenodeUart", "find_renode"]
