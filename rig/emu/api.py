"""The emulation interface: one API, two backends (`builtin` and `renode`).

An `Emulation` holds nodes (emulated CC2538s) joined by one IEEE 802.15.4 `Medium`, all advancing in
lockstep on one virtual clock. Nothing here reads the wall clock: every time is virtual seconds since
the emulation was created. Host programs (bridge, LwM2M server) join that clock through
`rig.vtime.VirtualTimeLoop`, an asyncio loop whose time is the emulation's.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from rig.errors import ConfigError

CPU_HZ = 32_000_000  # CC2538 core clock; the builtin emulator counts virtual time in these cycles


@dataclass(frozen=True)
class UartLine:
    time: float  # virtual seconds at which the line's newline was sent
    text: str  # without the line ending


@dataclass(frozen=True)
class FaultReport:
    """Why a node stopped: an invalid access, an undefined instruction, a lock-up..."""

    kind: str  # e.g. "unmapped read", "undefined instruction", "hardfault", "bad vector table"
    pc: int
    address: int | None = None  # the faulting data address, when there is one
    function: str | None = None  # symbol containing pc, from the ELF
    time: float = 0.0
    source: str | None = None  # "file.c:line" of pc, from the ELF's DWARF line table
    lr: int | None = None  # the link register: who called the faulting function
    lr_function: str | None = None
    sp: int | None = None

    def __str__(self) -> str:
        where = f"pc=0x{self.pc:08x}" + (f" in {self.function}()" if self.function else "")
        where += f" at {self.source}" if self.source else ""
        if self.lr is not None:
            where += f", lr=0x{self.lr:08x}" + (f" in {self.lr_function}()" if self.lr_function else "")
        if self.sp is not None:
            where += f", sp=0x{self.sp:08x}"
        addr = f" at 0x{self.address:08x}" if self.address is not None else ""
        return f"{self.kind}{addr} ({where}, t={self.time:.6f}s)"


@dataclass
class NodeSpec:
    """One node of a topology."""

    name: str
    firmware: Path
    eui64: bytes | None = None  # 8 bytes; None: derived deterministically from the node's index
    position: tuple[float, float, float] = (0.0, 0.0, 0.0)
    extra: dict[str, object] = field(default_factory=dict)  # backend-specific options


def event_marker(time: float, text: str) -> str:
    """A log line for something that happened to a node besides its UART output (a watchdog reset):
    in `rig boot` output and UART log files, never among the UART lines waits match."""
    return f"[{time:12.6f}] *** {text}"


def with_events(lines: list[UartLine], events: list[tuple[float, str]]) -> list[str]:
    """UART lines as "[time] text", with event markers merged in by time."""
    out: list[str] = []
    pending = sorted(events, key=lambda e: e[0])
    i = 0
    for line in lines:
        while i < len(pending) and pending[i][0] <= line.time:
            out.append(event_marker(*pending[i]))
            i += 1
        out.append(f"[{line.time:12.6f}] {line.text}")
    out.extend(event_marker(*e) for e in pending[i:])
    return out


class Uart(ABC):
    """A node's UART0 as seen from the host."""

    @property
    @abstractmethod
    def lines(self) -> list[UartLine]:
        """Complete lines received so far, with virtual timestamps."""

    @abstractmethod
    def output(self) -> bytes:
        """Every byte the node has sent so far."""

    def unfinished_line(self) -> str:
        """The line being written: what came after the last newline (a prompt, say)."""
        return self.output().rpartition(b"\n")[2].decode("utf-8", errors="replace").rstrip("\r")

    @abstractmethod
    def write(self, data: bytes) -> None:
        """Send bytes to the node; they arrive at the current virtual time."""

    @abstractmethod
    def subscribe(self, callback: Callable[[bytes, float], None]) -> None:
        """Call `callback(data, virtual_time)` for every chunk the node sends from now on."""


class Node(ABC):
    name: str
    eui64: bytes
    uart: Uart

    @property
    @abstractmethod
    def emulation(self) -> Emulation: ...

    @property
    @abstractmethod
    def fault(self) -> FaultReport | None:
        """Set once the node has stopped on a fault; a faulted node no longer runs."""

    @property
    def stopped_for_good(self) -> bool:
        """Faulted with nothing left to bring it back (the builtin emulator: no armed watchdog, which
        would reset the node): what waits give up on."""
        return self.fault is not None

    @abstractmethod
    def expect(self, pattern: str | re.Pattern[str], timeout: float = 10.0) -> re.Match[str]:
        """Advance the emulation until a UART line *after the last expect* matches `pattern`.

        Raises `ExpectTimeout` after `timeout` virtual seconds, `EmulationError` if the node faults.
        """

    @abstractmethod
    def led(self, index: int) -> bool:
        """CC2538DK LED `index` (0..3 = PC0..PC3) is lit."""

    @abstractmethod
    def gpio(self, port: str, pin: int) -> bool:
        """Output level of a GPIO pin, port 'A'..'D'."""

    @abstractmethod
    def read_memory(self, address: int, size: int) -> bytes: ...

    @abstractmethod
    def write_memory(self, address: int, data: bytes) -> None: ...

    @abstractmethod
    def symbol(self, name: str) -> int:
        """Address of an ELF symbol; `KeyError`-free: raises `EmulationError` naming the symbol."""

    @abstractmethod
    def reset(self) -> None:
        """Warm reset (as SYSRESETREQ): core and peripherals reset; RAM keeps its content as on the
        real chip (the start-up code re-initialises .data/.bss); flash kept where the backend can."""

    @abstractmethod
    def power_cycle(self, off_for: float = 0.0) -> None:
        """Cut power, stay off `off_for` virtual seconds, power on: RAM lost, flash kept."""

    def start_gdb_server(self, port: int = 0, wait: bool = True, host: str = "127.0.0.1",
                         timeout: float | None = None, log: Callable[[str], None] | None = None) -> int:
        """Serve GDB's remote protocol for this node on a TCP port (0: any free port); returns the
        bound port. `wait`: the node stays halted until GDB continues it. `timeout`: wall seconds a
        blocking wait for GDB may last (None: forever). `log`: progress messages (e.g. to stderr)."""
        from rig.errors import EmulationError

        raise EmulationError(f"node {self.name}: this backend has no GDB server")


class Medium(ABC):
    """The IEEE 802.15.4 medium joining every node's radio."""

    @abstractmethod
    def set_loss(self, probability: float) -> None:
        """Drop each frame with this probability (seeded, deterministic)."""

    @abstractmethod
    def set_link_loss(self, sender: str, receiver: str, probability: float) -> None:
        """Per directed link; 1.0 cuts the link."""

    @abstractmethod
    def capture(self, path: Path) -> None:
        """Write every frame on the medium to a pcap (link type 195, with FCS) from now on."""


class Emulation(ABC):
    backend: ClassVar[str]

    @property
    @abstractmethod
    def now(self) -> float:
        """Virtual seconds since the emulation started."""

    @property
    @abstractmethod
    def nodes(self) -> dict[str, Node]: ...

    @property
    @abstractmethod
    def medium(self) -> Medium: ...

    @abstractmethod
    def add_node(self, spec: NodeSpec) -> Node: ...

    @abstractmethod
    def run_until(self, predicate: Callable[[], bool], timeout: float) -> bool:
        """Advance all nodes in lockstep until `predicate()` is true or `timeout` virtual seconds pass.

        The predicate is checked at every synchronisation point (at least every millisecond of
        virtual time, and after every UART chunk or radio frame). Returns whether it became true.
        Idle periods (every core asleep) are skipped to the next event.
        """

    def advance(self, seconds: float) -> None:
        """Advance virtual time by exactly `seconds`."""
        self.run_until(lambda: False, seconds)

    @abstractmethod
    def close(self) -> None:
        """Stop the emulation and release everything it holds (processes, sockets, files)."""

    def __enter__(self) -> Emulation:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def create_emulation(backend: str = "builtin", **options: Any) -> Emulation:
    """The one way to get an emulation: `backend` is "builtin" or "renode"."""

    if backend == "builtin":
        from rig.emu.builtin.emulation import BuiltinEmulation

        return BuiltinEmulation(**options)
    if backend == "renode":
        from rig.emu.renode.emulation import RenodeEmulation

        return RenodeEmulation(**options)
    raise ConfigError(f"unknown emulator backend {backend!r} (choose 'builtin' or 'renode')")


def parse_gdb_target(text: str) -> tuple[str | None, int]:
    """A --gdb value (pytest, rig server --emulate): PORT, or NODE=PORT for another node than the first."""
    name, eq, port_text = text.rpartition("=")
    try:
        port = int(port_text, 10)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535 or (eq and not name):
        raise ConfigError(f"--gdb {text!r}: give PORT or NODE=PORT with a TCP port 0-65535 (0: any free port)")
    return (name or None), port
