"""The rig: emulated nodes, a slip-radio border node, the bridge and the LwM2M server, on one clock.

    with Rig(Topology.from_dict({})) as rig:
        node = rig.node("node1")
        node.expect(r"lwm2m: registered")
        dev = rig.device("node1")
        assert dev.read("/3/0/3") == "1.0.0"

Everything host-side runs in a `rig.vtime.VirtualTimeLoop`, so waits count virtual seconds. The rig
runs its loop in the caller's thread (`Rig.run`), or, for Robot Framework, in a background thread
that only lets virtual time pass while a keyword is waiting on it (`threaded=True`).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import inspect
import ipaddress
import random
import re
import signal
import socket
import threading
import warnings
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from rig.emu.api import Emulation, Node, NodeSpec, create_emulation, with_events
from rig.emu.builtin.signals import DEFERRED
from rig.errors import ConfigError, EmulationError, ExpectMismatch, ExpectTimeout, RigError, RigWarning
from rig.firmware_staleness import warn_if_stale
from rig.lwm2m.aiocoap_adapter import Response
from rig.lwm2m.bootstrap import BootstrapConfig, EndpointConfig
from rig.lwm2m.codecs import Value, Values
from rig.lwm2m.codecs.link import Link
from rig.lwm2m.device import Device, Notification, ObservationStream, PathLike, as_path
from rig.lwm2m.errors import DeviceTimeout, LwM2MError
from rig.lwm2m.lifetime import LifetimeEnforcer
from rig.lwm2m.registration import Registration
from rig.lwm2m.server import LwM2MServer
from rig.net.bridge import Bridge, BridgeConfig
from rig.topology import BORDER_EUI64, DEFAULT_LIFETIME, NodeConfig, Topology, default_eui64, firmware_path
from rig.vtime import VirtualTimeLoop, virtual_seconds

T = TypeVar("T")

BORDER = "border"
# Device Reboot, Factory Reset and Firmware Update: the device boots again after its 2.04
REBOOTING_EXECUTES = {(3, 0, 4), (3, 0, 5), (5, 0, 2)}
SERVER_PORT = 5683  # the port the client firmware sends to (fd00::1:5683); the bridge maps it


def free_loopback_port() -> int:
    """A UDP port free on ::1 right now (the server binds it next), so rigs never fight over 5683."""
    with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as sock:
        sock.bind(("::1", 0))
        return int(sock.getsockname()[1])


def endpoint_name(eui64: bytes) -> str:
    """The LwM2M endpoint name the client firmware derives from its EUI-64."""
    return "cc2538-" + eui64.hex()


@dataclass(frozen=True)
class UartMatch:
    """A UART line that matched: the match (its .string is the line) and the line's virtual time."""

    match: re.Match[str]
    time: float

    @property
    def line(self) -> str:
        return self.match.string


def _compile(pattern: str | re.Pattern[str], what: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern) if isinstance(pattern, str) else pattern
    except re.error as exc:
        raise ConfigError(f"{what}: bad regular expression {pattern!r}: {exc}") from None


class RigNode:
    """A `dut`-style handle on one node: UART expectations, LEDs, resets and power cuts."""

    def __init__(self, rig: Rig, node: Node, config: NodeConfig) -> None:
        self.rig = rig
        self.raw = node
        self.config = config
        self._cursor = 0  # index of the first UART line not yet consumed by expect()
        self._failing: list[re.Pattern[str]] = []  # fail_on()
        self.boot_mark = 0  # the server's mark() when this node last booted (see wait_for_registration)

    @property
    def name(self) -> str:
        return self.raw.name

    @property
    def eui64(self) -> bytes:
        return self.raw.eui64

    @property
    def endpoint(self) -> str:
        return endpoint_name(self.raw.eui64)

    @property
    def address(self) -> str:
        return str(ipaddress.IPv6Address(self.rig.bridge.node_address(self.raw)))

    @property
    def log(self) -> str:
        return "\n".join(line.text for line in self.raw.uart.lines)

    @property
    def warnings(self) -> list[str]:
        """What the emulator warned about this node (unmodelled peripherals...; builtin emulator)."""
        return list(getattr(self.raw, "warnings", []))

    def expect(self, pattern: str | re.Pattern[str], timeout: float = 10.0) -> re.Match[str]:
        """Wait (virtual seconds) for a UART line after the previous match to match `pattern`."""
        __tracebackhide__ = True
        return self.wait_for_line(pattern, timeout).match

    def wait_for_line(
        self, pattern: str | re.Pattern[str], timeout: float = 10.0, *, next_line: bool = False,
        unfinished: bool = False,
    ) -> UartMatch:
        """expect() with the line's time. `next_line`: only the first line not yet consumed may match
        (another line is an ExpectMismatch). `unfinished`: the line still being written (a prompt
        without its newline) may match too; once complete, that line counts as consumed."""
        __tracebackhide__ = True
        virtual_seconds(timeout, "expect timeout")
        regex = _compile(pattern, "expect")
        start = pos = self._cursor  # consumed only on success: a failed wait leaves its lines (as Renode)
        found: list[UartMatch] = []
        wrong: list[str] = []  # (raised after the wait: the predicate runs inside the emulation)

        def matched() -> bool:
            nonlocal pos
            if self.raw.stopped_for_good:  # a fault an armed watchdog will reset: wait on
                return True
            lines = self.raw.uart.lines
            while pos < len(lines):
                line = lines[pos]
                pos += 1
                if failing := self._failing_in(line.text):
                    wrong.append(failing)
                    return True
                if match := regex.search(line.text):
                    found.append(UartMatch(match, line.time))
                    return True
                if next_line:
                    wrong.append(f"the next UART line {line.text!r} does not match {regex.pattern!r}")
                    return True
            if unfinished and pos == len(lines) and (match := regex.search(self.raw.uart.unfinished_line())):
                pos += 1  # the line being written, once it is complete
                found.append(UartMatch(match, self.rig.now))
                return True
            return False

        self.rig.wait_until(matched, timeout)
        if wrong:
            raise ExpectMismatch(f"{self.name}: {wrong[0]}")
        if found:
            self._cursor = pos
            return found[0]
        self._raise_fault()
        wanted = f"UART line matching {regex.pattern!r}" if regex.pattern else "UART line"
        raise ExpectTimeout(f"{self.name}: no {wanted} within {timeout} s{self._recent_lines(start)}")

    def _recent_lines(self, start: int, count: int = 10, since: str = "since the previous match") -> str:
        """What the node printed since line `start` (the last `count` lines and the unfinished one),
        for a failed wait's message: the first thing a user wants to see."""
        lines = self.raw.uart.lines[start:]
        unfinished = self.raw.uart.unfinished_line()
        if not lines and not unfinished:
            return f" (virtual time now {self.rig.now:.6f} s; no UART output {since})"
        shown = lines[-count:]
        head = (f"the last {len(shown)} of {len(lines)} UART lines" if len(lines) > len(shown)
                else f"{len(lines)} UART line{'s' if len(lines) != 1 else ''}")
        text = f" (virtual time now {self.rig.now:.6f} s); {head} {since}:"
        text += "".join(f"\n  [{line.time:12.6f}] {line.text}" for line in shown)
        if unfinished:
            text += f"\n  (unfinished) {unfinished!r}"
        return text

    def expect_none(self, pattern: str | re.Pattern[str], timeout: float, *, unfinished: bool = False) -> None:
        """Let `timeout` virtual seconds pass and fail (ExpectMismatch) if a UART line not yet
        consumed by expect() matches `pattern` by then (`unfinished`: or the line still being written
        at the end, unless a wait already took it). Consumes nothing."""
        __tracebackhide__ = True
        virtual_seconds(timeout, "expect_none timeout")
        regex = _compile(pattern, "expect_none")
        seen = self._cursor
        wrong: list[str] = []

        def matched() -> bool:
            nonlocal seen
            lines = self.raw.uart.lines
            while seen < len(lines):
                line = lines[seen]
                seen += 1
                if failing := self._failing_in(line.text):
                    wrong.append(failing)
                    return True
                if regex.search(line.text):
                    wrong.append(f"UART line {line.text!r} at {line.time:.6f} s matches {regex.pattern!r}, "
                                 "which should not appear")
                    return True
            return self.raw.stopped_for_good

        self.rig.wait_until(matched, timeout)
        if wrong:
            raise ExpectMismatch(f"{self.name}: {wrong[0]}")
        self._raise_fault()
        line = self.raw.uart.unfinished_line()
        if unfinished and line and self._cursor <= len(self.raw.uart.lines) and regex.search(line):
            raise ExpectMismatch(f"{self.name}: the UART line being written {line!r} matches {regex.pattern!r}, "
                                 "which should not appear")

    def fail_on(self, pattern: str | re.Pattern[str]) -> None:
        """From now on, a UART line matching `pattern` that expect() or expect_none() comes across
        fails it (ExpectMismatch): e.g. an assertion or fault message of the firmware."""
        self._failing.append(_compile(pattern, "fail_on"))

    def _failing_in(self, text: str) -> str | None:
        """Why `text` fails the wait (it matches a fail_on() pattern), or None."""
        for failing in self._failing:
            if failing.search(text):
                return f"UART line {text!r} matches the failing pattern {failing.pattern!r}"
        return None

    def _raise_fault(self) -> None:
        if self.raw.stopped_for_good:
            raise EmulationError(f"{self.name} stopped: {self.raw.fault}")

    def write(self, text: str | bytes) -> None:
        if not isinstance(text, str | bytes):  # bytes(5) would have sent five NUL bytes
            raise ConfigError(f"write takes text or bytes, got {type(text).__name__} {text!r}")
        self.raw.uart.write(text.encode() if isinstance(text, str) else text)

    def led(self, index: int) -> bool:
        """Whether LED `index` is lit: GPIO port C pin `index` (the CC2538DK's LEDs are 0-3)."""
        if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index <= 7:
            raise ConfigError(f"LED {index!r}: give a number 0-7 (port C pins; the CC2538DK's LEDs are 0-3)")
        return self.raw.led(index)

    def __repr__(self) -> str:
        return f"<RigNode {self.name} {self.endpoint}>"

    def reset(self) -> None:
        self._mark_boot()
        self.raw.reset()

    def power_cut(self, off_for: float = 0.0) -> None:
        off_for = virtual_seconds(off_for, "power_cut off_for")
        self._mark_boot()
        self.raw.power_cycle(off_for)

    def cut_power_at_flash_op(self, n: int, off_for: float = 0.0) -> None:
        """Cut the power instead of the n-th flash operation (erase or word program) from now, 1 = the
        next one; the node stays off `off_for` virtual seconds, then boots again. Builtin emulator only
        (it counts flash operations; `node.raw.flash_ops` is the count so far). wait_for_registration()
        then waits for a registration after this call."""
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ConfigError(f"cut_power_at_flash_op: n={n!r}, give a flash operation number from 1")
        off_for = virtual_seconds(off_for, "cut_power_at_flash_op off_for")
        cut = getattr(self.raw, "cut_power_at_flash_op", None)
        if cut is None:
            raise ConfigError("cut_power_at_flash_op needs the builtin emulator (it counts flash operations); "
                              "this backend cannot: use power_cut() at a point in time instead")
        self._mark_boot()
        cut(n, off_for)

    def _mark_boot(self) -> None:
        if self.rig.topology.border_enabled:  # (no server: no registration to wait for)
            self.boot_mark = self.rig.server.mark()


class SyncObservation:
    """An observation on the rig's clock: `first` is the device's first answer, `next()` each
    notification after it (DeviceTimeout when none comes in time, ObservationEnded once it ended)."""

    def __init__(self, rig: Rig, stream: ObservationStream) -> None:
        self._rig = rig
        self.stream = stream

    def __repr__(self) -> str:
        return f"<SyncObservation {self.stream.device.endpoint} {self.stream.key}{' ended' if self.ended else ''}>"

    @property
    def first(self) -> Notification:
        return self.stream.first

    @property
    def ended(self) -> bool:
        return self.stream.ended

    def next(self, timeout: float = 30.0) -> Notification:
        """The next notification within `timeout` virtual seconds."""
        __tracebackhide__ = True
        return self._rig.run(self.stream.next(virtual_seconds(timeout, "next timeout")))

    def cancel(self, mode: str = "get") -> None:
        """Cancel at the device: 'get' (GET with Observe=1) or 'rst' (RST to the next notification)."""
        self._rig.run(self.stream.cancel(mode))


class SyncDevice:
    """The server's view of one device (`rig.device()`, `rig.wait_for_registration()`): LwM2M
    operations run to completion on the rig's clock. Paths are "/3/0/0" strings or ID tuples.

    What read() returns: a single resource as str, int, float, bool, bytes (opaque), int (time) or
    ObjLnk; a multiple resource as {riid: value}; an instance as {rid: value}; an object as
    {iid: {rid: value}}; read_composite() as {(oid, iid, rid): value}. Errors: LwM2MError (the
    device's error code), DeviceTimeout (no answer), NotRegistered, CodecError (bad value or path)."""

    def __init__(self, rig: Rig, device: Device) -> None:
        self._rig = rig
        self.device = device

    def __repr__(self) -> str:
        return f"<SyncDevice {self.device.endpoint}>"

    @property
    def endpoint(self) -> str:
        return self.device.endpoint

    @property
    def registration(self) -> Registration:
        """The current registration: lifetime, binding, lwm2m version, objects, links, location."""
        return self.device.registration

    @property
    def server(self) -> LwM2MServer:
        return self.device.server

    def __getattr__(self, name: str) -> Any:
        """Other attributes of the server's Device (observations...): as they are."""
        return getattr(self.device, name)

    def read(self, path: PathLike, fmt: int | str | None = None, block_size: int | None = None) -> Any:
        """Read (GET); `fmt` asks for a format ("text", "tlv", "senml-json"...), `block_size` for Block2."""
        __tracebackhide__ = True
        return self._rig.run(self.device.read(path, fmt, block_size))

    def read_raw(self, path: PathLike, fmt: int | str | None = None) -> Response:
        """Read, undecoded: the CoAP response (code, content format, payload)."""
        __tracebackhide__ = True
        return self._rig.run(self.device.read_raw(path, fmt))

    def request(self, method: str, path: PathLike, payload: bytes = b"", content_format: int | str | None = None,
                accept: int | str | None = None, query: Iterable[str] = ()) -> Response:
        """A raw CoAP request for negative tests: the Response (code, payload, content_format, options)
        whatever its code (no LwM2MError): `d.request("PUT", "/3/0/13", b"abc", "text").code == "4.00"`."""
        __tracebackhide__ = True
        return self._rig.run(self.device.request(method, path, payload, content_format, accept, query))

    def write(self, path: PathLike, value: Any, fmt: int | str | None = None, block_size: int | None = None) -> None:
        """Write (replace, PUT): a resource's value, {riid: v} for a multiple resource, {rid: v} for an instance."""
        __tracebackhide__ = True
        self._rig.run(self.device.write(path, value, fmt, block_size))

    def write_partial(self, path: PathLike, values: dict, fmt: int | str | None = None,
                      block_size: int | None = None) -> None:
        """Partial update (POST) of an instance: only the resources given."""
        __tracebackhide__ = True
        self._rig.run(self.device.write_partial(path, values, fmt, block_size))

    def execute(self, path: PathLike, args: str = "") -> None:
        """Execute a resource. After Reboot (/3/0/4), Factory Reset (/3/0/5) or Update (/5/0/2) is
        accepted, rig.wait_for_registration() waits for the registration of the new boot."""
        __tracebackhide__ = True
        mark = self._rig.server.mark()  # taken first: the new boot may register before execute returns
        try:
            self._rig.run(self.device.execute(path, args))
        except LwM2MError:
            raise  # refused: no reboot comes
        except DeviceTimeout:  # carried out, maybe, with its answer lost: a new boot may come
            self._note_reboot(path, mark)
            raise
        self._note_reboot(path, mark)

    def _note_reboot(self, path: PathLike, mark: int) -> None:
        if as_path(path) in REBOOTING_EXECUTES:
            for node in self._rig.nodes.values():
                if node.endpoint == self.device.endpoint:
                    node.boot_mark = mark

    def create(self, path: PathLike, values: dict, fmt: int | str | None = None) -> int | None:
        """Create an instance of an object: {rid: v}, or {iid: {rid: v}} to choose its ID; returns the ID."""
        __tracebackhide__ = True
        return self._rig.run(self.device.create(path, values, fmt))

    def delete(self, path: PathLike) -> None:
        """Delete an object instance."""
        __tracebackhide__ = True
        self._rig.run(self.device.delete(path))

    def discover(self, path: PathLike) -> list[Link]:
        """Discover: the links (and attributes) under an object, instance or resource."""
        __tracebackhide__ = True
        return self._rig.run(self.device.discover(path))

    def write_attributes(self, path: PathLike, **attrs: float | int | None) -> None:
        """Write-Attributes: pmin, pmax, gt, lt, st (epmin, epmax...); None clears one."""
        __tracebackhide__ = True
        self._rig.run(self.device.write_attributes(path, **attrs))

    def read_composite(self, paths: Iterable[PathLike], fmt: int | str = "senml-cbor") -> Values:
        """Read-Composite (FETCH, a SenML build of the client): {(oid, iid, rid): value}."""
        __tracebackhide__ = True
        return self._rig.run(self.device.read_composite(paths, fmt))

    def write_composite(self, values: Mapping[PathLike, Value], fmt: int | str = "senml-cbor") -> None:
        """Write-Composite (iPATCH): resources of several objects in one request."""
        __tracebackhide__ = True
        self._rig.run(self.device.write_composite(values, fmt))

    def observe(self, path: PathLike, fmt: int | str | None = None) -> SyncObservation:
        """Observe a path (with the attributes written on it); see SyncObservation."""
        __tracebackhide__ = True
        return SyncObservation(self._rig, self._rig.run(self.device.observe(path, fmt)))

    def observe_composite(self, paths: Iterable[PathLike], fmt: int | str = "senml-cbor") -> SyncObservation:
        """Observe-Composite (FETCH with Observe) of several paths."""
        __tracebackhide__ = True
        return SyncObservation(self._rig, self._rig.run(self.device.observe_composite(paths, fmt)))

    def cancel_observe(self, path: PathLike, mode: str = "get") -> None:
        """Cancel the observation of `path` ("composite" for Observe-Composite)."""
        __tracebackhide__ = True
        self._rig.run(self.device.cancel_observe(path, mode))


@dataclass
class RigArtifacts:
    directory: Path

    @property
    def pcap(self) -> Path:
        return self.directory / "radio.pcap"

    @property
    def trace(self) -> Path:
        return self.directory / "coap-trace.json"

    def uart_log(self, node: str) -> Path:
        return self.directory / f"uart-{node}.log"

    MARKER = ".lwm2m-rig"  # a directory a rig has written its artifacts to

    def remove_old(self) -> None:
        """Remove the files an earlier rig wrote here (UART logs of any node, pcap, trace): only in a
        directory a rig marked as its own, never a user's files of the same names elsewhere."""
        marker = self.directory / self.MARKER
        if marker.exists():
            for path in [*self.directory.glob("uart-*.log"), self.pcap, self.trace]:
                path.unlink(missing_ok=True)
        marker.write_text("lwm2m-rig artifacts: the next run here replaces uart-*.log, radio.pcap, coap-trace.json\n")


class Rig:
    def __init__(
        self,
        topology: Topology | None = None,
        *,
        backend: str = "builtin",
        artifacts_dir: Path | None = None,
        renode_path: str | None = None,
        threaded: bool = False,
    ) -> None:
        if topology is not None and not isinstance(topology, Topology):  # a dict was AttributeError later
            raise ConfigError(f"Rig(topology): give a Topology (Topology.from_dict({{...}}) or Topology.load(path)), "
                              f"got {type(topology).__name__}")
        self.topology = topology or Topology()
        self.backend = backend
        self.artifacts = RigArtifacts(artifacts_dir) if artifacts_dir else None
        self._renode_path = renode_path
        self._threaded = threaded
        self._thread: threading.Thread | None = None
        self.emulation: Emulation | None = None
        self.loop: VirtualTimeLoop | None = None
        self._bridge: Bridge | None = None
        self._server: LwM2MServer | None = None
        self.lifetime_enforcer: LifetimeEnforcer | None = None  # with a [server] lifetime
        self.nodes: dict[str, RigNode] = {}
        self.border: Node | None = None

    # -- lifecycle ---------------------------------------------------------------------------------

    def start(self) -> Rig:
        topo = self.topology
        options: dict[str, Any] = {"seed": topo.network.seed}
        if self.backend == "builtin":
            options["airtime"] = topo.network.airtime
        elif self._renode_path:
            options["renode_path"] = self._renode_path
        # Resolve every firmware before starting anything, so a typo fails fast and cleanly.
        border_elf = firmware_path(topo.border_firmware) if topo.border_enabled else None
        node_elfs = [firmware_path(n.firmware) for n in topo.nodes]
        for elf in dict.fromkeys([*node_elfs, *([border_elf] if border_elf else [])]):
            warn_if_stale(elf)  # yesterday's build of a changed tree: once per ELF, with the make command
        # aiocoap draws message IDs, tokens and retransmission jitter from `random`: seeding it makes the
        # host side repeat run to run, as the emulation does.
        random.seed(topo.network.seed)
        self._warn_positions()
        self.emulation = create_emulation(self.backend, **options)
        try:
            self._start(border_elf, node_elfs)
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self, border_elf: Path | None, node_elfs: list[Path]) -> None:
        assert self.emulation is not None
        topo = self.topology
        self.loop = VirtualTimeLoop(self.emulation)
        if self.artifacts:
            self.artifacts.directory.mkdir(parents=True, exist_ok=True)
            # An earlier run's files (other node names, a trace of another topology) would be read
            # as this run's, and attached to its failure report.
            self.artifacts.remove_old()
            # A backend that cannot capture its medium leaves it to the bridge (below).
            with contextlib.suppress(RigError):
                self.emulation.medium.capture(self.artifacts.pcap)
        if border_elf is not None:
            self._start_network(border_elf)
        else:
            if topo.network.loss:
                self.emulation.medium.set_loss(topo.network.loss)
            self._start_thread()
        for index, (config, elf) in enumerate(zip(topo.nodes, node_elfs, strict=True), start=1):
            extra: dict[str, object] = {"fault_exceptions": True} if config.fault_exceptions else {}
            if config.peripherals:
                extra["peripherals"] = list(config.peripherals)
            spec = NodeSpec(config.name, elf, config.eui64 or default_eui64(index), config.position, extra)
            self.nodes[config.name] = RigNode(self, self.emulation.add_node(spec), config)
        self._stagger_boots()

    def _stagger_boots(self) -> None:
        """[network] stagger: node k (from 0) stays off k * stagger virtual seconds, so a fleet does not
        send its Router Solicitations and Registers in one instant."""
        stagger = self.topology.network.stagger
        if stagger:
            for k, node in enumerate(list(self.nodes.values())[1:], start=1):
                node.power_cut(off_for=stagger * k)

    def _warn_positions(self) -> None:
        """The builtin medium has no geometry: a topology's positions would be ignored in silence."""
        placed = [n.name for n in self.topology.nodes if n.position != (0.0, 0.0, 0.0)]
        if placed and self.backend == "builtin":
            warnings.warn(f"node positions ({', '.join(placed)}) are used by the renode backend only (its "
                          "range-based medium); the builtin medium ignores them: set [network] loss or "
                          "rig.emulation.medium.set_link_loss(a, b, p) instead", RigWarning, stacklevel=3)

    def _start_network(self, border_elf: Path) -> None:
        """The border node, the bridge and the LwM2M server (not with [border] enabled = false)."""
        assert self.emulation is not None and self.loop is not None
        topo = self.topology
        self.border = self.emulation.add_node(NodeSpec(BORDER, border_elf, BORDER_EUI64))
        # The server listens on [server] port (0: any free loopback port); the bridge maps the
        # firmware's fd00::1:5683 to it.
        server_port = topo.server.port or free_loopback_port()
        port_map = {SERVER_PORT: server_port} if server_port != SERVER_PORT else {}
        self._bridge = Bridge.for_node(self.border, BridgeConfig(prefix=topo.network.prefix, port_map=port_map))
        if self.artifacts and not self.artifacts.pcap.exists():
            self.bridge.capture(self.artifacts.pcap)
        self.bridge.attach_loop(self.loop)
        self.bridge.start()
        if topo.network.loss:
            self.emulation.medium.set_loss(topo.network.loss)
        bootstrap = None
        if topo.server.bootstrap:  # the client's bootstrap account points at /bs on this same server
            bootstrap = BootstrapConfig(
                default=EndpointConfig(server_uri=f"coap://[fd00::1]:{SERVER_PORT}",
                                       lifetime=topo.server.lifetime or DEFAULT_LIFETIME)
            )
        self._server = LwM2MServer("::1", server_port, bootstrap=bootstrap,
                                   model_dirs=list(self.topology.server.models) or None,
                                   id_seed=topo.network.seed)  # random registration IDs, the same each run
        if topo.server.lifetime is not None:  # (without bootstrap the client registers with its own)
            self.lifetime_enforcer = LifetimeEnforcer(self._server, topo.server.lifetime)
        self._start_thread()
        self.run(self.server.start())

    def _start_thread(self) -> None:
        if self._threaded and self._thread is None:
            self._thread = threading.Thread(target=self._thread_main, name="rig-loop", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        try:
            if self.loop is not None and not self.loop.is_closed():
                # A run() cut short (Ctrl-C, SIGTERM, a pytest-timeout) leaves its tasks pending: run
                # on, they would fail against the stopped server after stop() ("Task exception was never
                # retrieved"), and the GC logging that traceback inside pytest's own ast.parse() of a
                # later report broke pytest (SystemError: AST constructor recursion depth mismatch).
                for step in (self._cancel_pending, self._stop_server, self._cancel_pending):
                    with contextlib.suppress(Exception):  # stopping goes on: everything must be released
                        self.run(step())
        finally:  # a second Ctrl-C while stopping still releases the emulation (a Renode process)
            try:
                self._save_artifacts()
            finally:
                self._release()

    def _release(self) -> None:
        if self._bridge is not None:
            self._bridge.close()
        if self._thread is not None and self.loop is not None:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(timeout=10)
            self._thread = None
        if self.loop is not None and not self.loop.is_closed():
            self.loop.close()
        if self.emulation is not None:
            self.emulation.close()
            self.emulation = None

    async def _stop_server(self) -> None:
        if self._server is not None:
            await self._server.stop()

    async def _cancel_pending(self) -> None:
        """Cancel every task left on the rig's loop and wait (a virtual second at most) until they end,
        retrieving their outcome so that none is reported as never retrieved."""
        current = asyncio.current_task()
        pending = [task for task in asyncio.all_tasks() if task is not current and not task.done()]
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.wait(pending, timeout=1.0)
        for task in pending:
            if task.done() and not task.cancelled():
                task.exception()

    def __enter__(self) -> Rig:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def bridge(self) -> Bridge:
        if self._bridge is None:
            self._no_network("bridge")
            raise EmulationError("the rig is not started")
        return self._bridge

    @property
    def server(self) -> LwM2MServer:
        if self._server is None:
            self._no_network("LwM2M server")
            raise EmulationError("the rig is not started")
        return self._server

    def _no_network(self, what: str) -> None:
        if not self.topology.border_enabled:
            raise ConfigError(f"this rig has no {what}: its topology sets [border] enabled = false (the nodes "
                              "run alone: UART, LEDs, GPIO and the radio medium only)")

    def _thread_main(self) -> None:
        assert self.loop is not None
        asyncio.set_event_loop(self.loop)
        # Ctrl-C, SIGTERM, a timeout's SIGALRM are for the main thread, which waits on this one: if the
        # kernel handed one to this thread, the main thread's wait would go on until the run ended.
        # (Threads started from here, asyncio's executor, inherit the mask.)
        signal.pthread_sigmask(signal.SIG_BLOCK, DEFERRED)
        self.loop.background = True
        self.loop.run_forever()

    # -- running -----------------------------------------------------------------------------------

    def run(self, awaitable: Awaitable[T], timeout: float | None = None) -> T:
        """Run `awaitable` to completion on the rig's clock (`timeout` in virtual seconds)."""
        if self.loop is None:
            raise EmulationError("the rig is not started")
        if timeout is not None:
            try:
                virtual_seconds(timeout, "run timeout")
            except ConfigError:
                if inspect.iscoroutine(awaitable):
                    awaitable.close()  # never run: no "was never awaited" warning on top of the error
                raise
        __tracebackhide__ = True  # a failed wait shows the test's line, not the rig's internals
        if self._thread is None and _running_loop() not in (None, self.loop):
            # an `async def` test awaiting on pytest-asyncio's loop: the rig's clock would never run
            if inspect.iscoroutine(awaitable):
                awaitable.close()
            raise ConfigError(SYNC_ONLY)
        coro = _with_timeout(awaitable, timeout)
        if self._thread is None:
            task = self.loop.create_task(coro)
            try:
                return self.loop.run_until_complete(task)
            except BaseException:
                _abandon(task)
                raise
        future: concurrent.futures.Future[T] = asyncio.run_coroutine_threadsafe(
            self.loop.foreground(coro), self.loop
        )
        try:
            return future.result()
        except BaseException:
            future.cancel()  # interrupted while waiting: the coroutine must not run on by itself
            raise

    def wait_until(self, predicate: Callable[[], bool], timeout: float) -> bool:
        assert self.loop is not None
        return self.run(self.loop.wait_until(predicate, virtual_seconds(timeout, "wait_until timeout")))

    def advance(self, seconds: float) -> None:
        self.run(asyncio.sleep(virtual_seconds(seconds, "advance")))

    @property
    def now(self) -> float:
        return self.emulation.now if self.emulation else 0.0

    # -- nodes and devices -------------------------------------------------------------------------

    def node(self, name: str | None = None) -> RigNode:
        if name is None:
            return next(iter(self.nodes.values()))
        try:
            return self.nodes[name]
        except KeyError:
            raise RigError(f"no node {name!r} in this rig (nodes: {', '.join(self.nodes)})") from None

    def wait_for_registration(self, name: str | None = None, timeout: float = 30.0) -> SyncDevice:
        """The node's device once it has registered (since its last reset, power cut or rebooting
        Execute). A node that stops on a fault fails it at once (EmulationError); a timeout
        (DeviceTimeout) names the node and shows its last UART lines."""
        __tracebackhide__ = True
        node = self.node(name)
        timeout = virtual_seconds(timeout, "wait_for_registration timeout")
        self._no_network("LwM2M server")  # [border] enabled = false: say so at once
        device = self.run(self._registration(node, timeout))
        if device is not None:
            return SyncDevice(self, device)
        node._raise_fault()
        raise DeviceTimeout(f"{node.name}: {node.endpoint} did not register within {timeout:g} s"
                            f"{node._recent_lines(0, count=5, since='since power-on')}")

    async def _registration(self, node: RigNode, timeout: float) -> Device | None:
        """The device once registered, or None when the node faults or `timeout` passes first."""
        assert self.loop is not None
        # after rig.node().reset() or power_cut(), the registration of the new boot (the server still
        # holds the old one until it expires). One the server has dropped since (expired: lifetime +
        # grace without an update, or deregistered) does not count: only a registration from now on.
        since = node.boot_mark if node.endpoint in self.server.registrations else self.server.mark()
        registered = asyncio.ensure_future(self.server.wait_for_registration(node.endpoint, timeout,
                                                                             since=since))
        faulted = asyncio.ensure_future(self.loop.wait_until(lambda: node.raw.stopped_for_good, timeout))
        try:
            await asyncio.wait((registered, faulted), return_when=asyncio.FIRST_COMPLETED)
            if not registered.done() and faulted.result():
                return None
            return await registered
        except DeviceTimeout:
            return None
        finally:
            for task in (registered, faulted):
                if not task.done():
                    task.cancel()
            await asyncio.wait((registered, faulted))
            if registered.done() and not registered.cancelled():
                registered.exception()  # retrieved (the timeout is reported above)

    def device(self, name: str | None = None) -> SyncDevice:
        return SyncDevice(self, self.server.device(self.node(name).endpoint))

    # -- artifacts ---------------------------------------------------------------------------------

    def _save_artifacts(self) -> None:
        if self.artifacts is None or self.emulation is None:
            return
        if self.border is not None:  # SLIP frames: kept readable (grep must not call it binary)
            text = readable_bytes(self.border.uart.output())
            if self.border.fault is not None:
                text += f"*** node stopped: {self.border.fault}\n"
            self.artifacts.uart_log(BORDER).write_text(text)
        for name, node in ((n, r.raw) for n, r in self.nodes.items()):
            lines = with_events(node.uart.lines, getattr(node, "events", []))  # + watchdog resets
            if node.fault is not None:
                lines.append(f"[{node.fault.time:12.6f}] *** node stopped: {node.fault}")
            self.artifacts.uart_log(name).write_text("\n".join(lines) + "\n")
        if self._server is not None:
            self._server.trace.save(self.artifacts.trace)


SYNC_ONLY = ("rig tests are synchronous: call rig.wait_for_registration()/rig.device() or rig.run(coro) "
             "from a plain `def` test, not `await` them in an `async def` test")


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def _abandon(task: asyncio.Task[Any]) -> None:
    """A run() interrupted (KeyboardInterrupt, SystemExit, a pytest-timeout): its task must not run on
    at the next run(), and its exception must not be logged as never retrieved."""
    if task.done():
        if not task.cancelled():
            task.exception()
    else:
        task.cancel()  # delivered at the next run() (Rig.stop() waits for it)


_SLIP_END = 0xC0


def readable_bytes(data: bytes) -> str:
    """Binary UART output (the border node's SLIP) as text: one line per text line or SLIP frame,
    printable ASCII as is, every other byte (and the backslash) as \\xNN."""
    lines: list[str] = []
    current: list[str] = []
    for byte in data:
        if byte == 0x0A:
            lines.append("".join(current))
            current = []
            continue
        current.append(chr(byte) if 0x20 <= byte < 0x7F and byte != 0x5C else f"\\x{byte:02x}")
        if byte == _SLIP_END and len(current) > 1:
            lines.append("".join(current))
            current = []
    if current:
        lines.append("".join(current))
    return "\n".join(lines) + "\n"


async def _with_timeout(awaitable: Awaitable[T], timeout: float | None) -> T:
    if timeout is None:
        return await awaitable
    return await asyncio.wait_for(awaitable, timeout)
