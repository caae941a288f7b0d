"""`rig server --emulate FIRMWARE [--nodes N]` or `--topology FILE`: the prompt of `rig server` on emulated nodes.

Boots N client nodes, the slip-radio border node, the bridge and the LwM2M server through `rig.rig.Rig`
(the path `rig fota --emulate` and the pytest fixtures take), prints each node's UART lines as
`[node1 12.345] lwm2m: registered /rd/0`, and runs the prompt's commands on the rig's loop.

A person types at human speed, so virtual time is paced to the wall clock (`WallClockPacer`): it never
runs ahead of real time, and when the emulation falls behind (a slow machine, a node halted in GDB) it
does not race to catch up either. Tests drive `serve_emulated` unpaced, on pure virtual time.
"""

from __future__ import annotations

import argparse
import asyncio
import shlex
import signal
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from rig.emu.api import Emulation, parse_gdb_target
from rig.errors import ConfigError, RigError
from rig.lwm2m.cli import HELP, Console, check_models, print_event
from rig.lwm2m.server import Event
from rig.rig import Rig
from rig.topology import Topology, firmware_path, stagger_of
from rig.vtime import VirtualTimeLoop

# Each node is a whole emulated CC2538 stepped on this machine's CPU (as `rig fota --emulate`).
MAX_NODES = 64
UART_POLL = 0.02  # virtual seconds between two looks at the nodes' UART lines

EMULATED_HELP = HELP.replace(
    "  help | quit",
    "  nodes                        the emulated nodes: name, endpoint, address, registered or not\n"
    "  uart NODE TEXT               send a line to a node's UART console (lwm2m-client: register, update, deregister)\n"
    "  time                         the rig's virtual time\n"
    "  (EP may be a node's name: read node1 /3/0/0)\n"
    "  help | quit",
)


def parse_nodes(text: str) -> int:
    try:
        count = int(text, 10)
    except ValueError:
        count = -1
    if not 1 <= count <= MAX_NODES:
        raise ConfigError(f"--nodes {text!r}: give a number of nodes 1..{MAX_NODES} "
                          "(each is a whole emulated CC2538)")
    return count


@dataclass
class WallClockPacer:
    """Wraps the rig loop's emulation step (VirtualTimeLoop.run_step) so virtual time advances at most
    as fast as the wall clock.

    The rig's loop asks the emulation for steps up to its next timer; this hands out only the virtual
    time the wall clock has earned since the anchor, and naps (briefly, so a typed line or a signal is
    seen within `nap` seconds) when there is none. A lag beyond `max_lag` moves the anchor: after a GDB
    halt of a minute the nodes go on at real time instead of running a minute flat out."""

    emulation: Emulation
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    max_lag: float = 0.2
    nap: float = 0.01
    min_step: float = 0.001  # smaller grants would only spin the loop
    _inner: Callable[[Callable[[], bool], float], bool] = field(init=False, repr=False)
    _wall0: float = field(init=False, default=0.0)
    _virt0: float = field(init=False, default=0.0)

    def __post_init__(self) -> None:
        self._inner = self.emulation.run_until
        self._anchor(0.0)

    def install(self, loop: VirtualTimeLoop) -> None:
        self._inner, loop.run_step = loop.run_step, self.run_until
        self._anchor(0.0)

    def uninstall(self, loop: VirtualTimeLoop) -> None:
        if loop.run_step == self.run_until:
            loop.run_step = self._inner

    def _anchor(self, lag: float) -> None:
        self._wall0 = self.clock() - lag
        self._virt0 = self.emulation.now

    def budget(self) -> float:
        """Virtual seconds the emulation may run now without getting ahead of the wall clock."""
        budget = self._virt0 + (self.clock() - self._wall0) - self.emulation.now
        if budget > self.max_lag:  # behind: do not catch up more than max_lag
            self._anchor(self.max_lag)
            budget = self.max_lag
        return budget

    def run_until(self, predicate: Callable[[], bool], timeout: float) -> bool:
        budget = self.budget()
        if budget < self.min_step:
            if predicate():  # host work (a watch, a datagram) is served before any nap
                return True
            self.sleep(min(self.min_step - budget, self.nap))
            return False
        return self._inner(predicate, min(timeout, budget))


class EmulatedConsole(Console):
    """The prompt's commands, plus `nodes`, `uart` and `time`; a node's name stands for its endpoint."""

    help_text = EMULATED_HELP

    def __init__(self, rig: Rig, out: Callable[[str], None] = print) -> None:
        super().__init__(rig.server, out)
        self.rig = rig

    async def execute(self, line: str) -> str:
        try:
            words = shlex.split(line)
        except ValueError as exc:
            return f"error: {exc}"
        if len(words) >= 2 and words[0].lower() not in ("trace", "uart") and words[1] in self.rig.nodes:
            words[1] = self.rig.nodes[words[1]].endpoint
            line = shlex.join(words)
        return await super().execute(line)

    async def cmd_nodes(self) -> str:
        lines = []
        for name, node in self.rig.nodes.items():
            state = "registered" if node.endpoint in self.server.registrations else "not registered"
            if node.raw.fault is not None:
                state = f"stopped: {node.raw.fault}"
            lines.append(f"{name} {node.endpoint} [{node.address}] {state}")
        return "\n".join(lines)

    async def cmd_uart(self, node: str, *words: str) -> str:
        if not words:
            return "error: wrong arguments; usage: uart NODE TEXT"
        by_endpoint = {n.endpoint: n for n in self.rig.nodes.values()}
        target = self.rig.nodes.get(node) or by_endpoint.get(node)
        if target is None:
            raise RigError(f"no node {node!r} (nodes: {', '.join(self.rig.nodes)})")
        text = " ".join(words)
        target.write(text + "\n")
        return f"sent to {target.name}: {text!r}"

    async def cmd_time(self) -> str:
        return f"virtual time {self.rig.now:.3f} s"


class UartPrinter:
    """Prints each node's new UART lines with its name and virtual time, and a fault once."""

    def __init__(self, rig: Rig, out: Callable[[str], None] = print) -> None:
        self.rig = rig
        self.out = out
        self._printed = dict.fromkeys(rig.nodes, 0)
        self._faulted: set[str] = set()

    def flush(self) -> None:
        for name, node in self.rig.nodes.items():
            lines = node.raw.uart.lines
            for line in lines[self._printed[name]:]:
                self.out(f"[{name} {line.time:.3f}] {line.text}")
            self._printed[name] = len(lines)
            fault = node.raw.fault
            if fault is not None and name not in self._faulted:
                self._faulted.add(name)
                self.out(f"[{name} {fault.time:.3f}] *** node stopped: {fault}")

    async def run(self) -> None:
        while True:
            self.flush()
            await asyncio.sleep(UART_POLL)


def _say(text: str) -> None:
    print(text, flush=True)


async def serve_emulated(rig: Rig, lines: asyncio.Queue[str | None], out: Callable[[str], None] = _say) -> None:
    """The prompt on a started rig: commands from `lines` (None or quit/exit ends it)."""
    console = EmulatedConsole(rig, out)
    printer = UartPrinter(rig, out)

    def on_event(event: Event) -> None:
        printer.flush()  # the node's own lines leading up to the event come first
        print_event(event)

    rig.server.on(None, on_event)
    pump = asyncio.get_running_loop().create_task(printer.run())
    try:
        while True:
            line = await lines.get()
            if line is None or line.strip().lower() in ("quit", "exit"):
                break
            printer.flush()  # what the nodes said so far comes before the command's answer
            output = await console.execute(line)
            if output:
                out(output)
    finally:
        pump.cancel()
        for watcher in list(console._watchers.values()):
            watcher.cancel()
        printer.flush()


def build_topology(firmware: str, count: int, port: int) -> Topology:
    return Topology.from_dict({"node": [{"name": f"node{i + 1}", "firmware": firmware} for i in range(count)],
                               "server": {"port": port}})


def check_args(args: argparse.Namespace) -> tuple[Topology, tuple[str | None, int] | None]:
    """The topology to run and the GDB target; what --emulate refuses is a one-line error before anything
    starts."""
    for option, value in (("--uart", args.uart), ("--prefix", args.prefix), ("--host", args.host),
                          ("--bootstrap-config", args.bootstrap_config)):
        if value is not None:
            raise ConfigError(f"{option} does not go with --emulate (the rig runs its own server on [::1], "
                              "its border node and bridge)")
    if args.topology is not None:
        if args.emulate:
            raise ConfigError(f"--emulate {args.emulate} and --topology {args.topology}: the topology names each "
                              "node's firmware; give --emulate without FIRMWARE")
        if args.nodes is not None:
            raise ConfigError(f"--nodes and --topology {args.topology}: the topology lists the nodes")
        topology = Topology.load(args.topology)  # its errors name the file
        if not topology.border_enabled:
            raise ConfigError(f"--topology {args.topology}: [border] enabled = false runs no server for the prompt")
        if args.port is not None:
            topology.server.port = args.port
    else:
        if not args.emulate.strip():
            raise ConfigError("--emulate needs a firmware: an app name (lwm2m-client) or an ELF path "
                              "(or --topology FILE)")
        firmware_path(args.emulate)  # a typo fails now, naming the path looked at
        count = parse_nodes(args.nodes) if args.nodes is not None else 1
        topology = build_topology(args.emulate, count, args.port if args.port is not None else 0)
    if args.models:
        check_models(args.models)
        topology.server.models = (*topology.server.models, *(p.absolute() for p in args.models))
    topology.network.stagger = stagger_of(args.stagger, topology)
    names = [n.name for n in topology.nodes]
    gdb = parse_gdb_target(args.gdb) if args.gdb is not None else None
    if gdb is not None and gdb[0] is not None and gdb[0] not in names:
        listed = f"{names[0]}..{names[-1]}" if args.topology is None else ", ".join(names)
        raise ConfigError(f"--gdb {args.gdb}: no node {gdb[0]!r} (nodes: {listed})")
    return topology, gdb


def run_emulated(args: argparse.Namespace) -> int:
    topology, gdb = check_args(args)
    rig = Rig(topology, artifacts_dir=args.artifacts_dir)
    rig.start()
    pacer: WallClockPacer | None = None
    previous: dict[int, Any] = {}
    try:
        assert rig.emulation is not None and rig.loop is not None
        loop = rig.loop
        source = f"of {args.topology}" if args.topology is not None else f"running {firmware_path(args.emulate)}"
        print(f"LwM2M server on coap://[::1]:{rig.server.port} with {len(rig.nodes)} emulated node(s) {source}, "
              "virtual time at wall-clock pace ('help' for commands)", flush=True)
        stagger = topology.network.stagger or 0.0
        for k, (name, node) in enumerate(rig.nodes.items()):
            boots = f", boots at {stagger * k:g} s" if stagger and k else ""
            print(f"  {name}: endpoint {node.endpoint}, address {node.address}{boots}", flush=True)
        if gdb is not None:
            _start_gdb(rig, *gdb)
        queue: asyncio.Queue[str | None] = asyncio.Queue()

        def reader() -> None:  # a thread: works for terminals and pipes alike
            try:
                for line in sys.stdin:
                    loop.call_soon_threadsafe(queue.put_nowait, line)
                loop.call_soon_threadsafe(queue.put_nowait, None)
            except RuntimeError:  # the loop closed first
                pass

        if not args.no_prompt:  # else: UART lines and events until Ctrl-C or SIGTERM
            threading.Thread(target=reader, daemon=True).start()
        if threading.current_thread() is threading.main_thread():
            previous = {signum: signal.signal(signum, _StopOnSignal(loop, queue))
                        for signum in (signal.SIGINT, signal.SIGTERM)}
        pacer = WallClockPacer(rig.emulation)
        pacer.install(loop)
        rig.run(serve_emulated(rig, queue))
    finally:
        for signum, handler in previous.items():
            if handler is not None:
                signal.signal(signum, handler)
        if pacer is not None:
            pacer.uninstall(loop)  # stopping need not wait for the wall clock
        if gdb is not None:  # nor for a GDB (stopping after a second Ctrl-C must not halt again)
            stop_gdb = getattr(rig.node(gdb[0]).raw, "stop_gdb_server", None)
            if stop_gdb is not None:
                stop_gdb()
        try:
            if args.trace is not None:
                rig.server.trace.save(args.trace)
        finally:
            rig.stop()
    if args.artifacts_dir is not None:
        print(f"artifacts (UART logs, radio.pcap, coap-trace.json) in {args.artifacts_dir}", flush=True)
    return 0


class _StopOnSignal:
    """Ctrl-C and SIGTERM end the session like `quit` (artifacts and trace written). A Python-level
    handler, not the loop's: it also runs while a node waits halted for GDB, where the loop is blocked;
    there the session ends once GDB lets go, or at once on a second signal."""

    def __init__(self, loop: asyncio.AbstractEventLoop, queue: asyncio.Queue[str | None]) -> None:
        self.loop = loop
        self.queue = queue
        self.count = 0

    def __call__(self, signum: int, frame: object) -> None:
        self.count += 1
        if self.count > 1:
            raise KeyboardInterrupt
        print("stopping (again to stop at once, e.g. while a node waits for GDB)", file=sys.stderr, flush=True)
        self.loop.call_soon_threadsafe(self.queue.put_nowait, None)


def _start_gdb(rig: Rig, name: str | None, port: int) -> None:
    node = rig.node(name)

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    bound = node.raw.start_gdb_server(port, wait=True, log=log)
    elf = firmware_path(node.config.firmware)
    log(f"gdb: node {node.name} halted at its reset vector; GDB server on 127.0.0.1:{bound}; the whole rig "
        "(and this prompt) waits until GDB continues it")
    log(f"gdb: connect with: gdb-multiarch {elf} -ex 'target remote :{bound}', then 'break lwm2m_input', 'continue'")

