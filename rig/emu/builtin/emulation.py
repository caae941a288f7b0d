"""BuiltinEmulation: many CC2538 nodes in lockstep on one virtual clock, joined by one medium.

Lockstep: every node runs up to the next sync point (a quantum of virtual time, default 100 us, or
1 ms with a single node), then the medium delivers the frames due by then. When every core is
asleep (or stopped/off), time jumps straight to the earliest timer of any node or frame on the
medium. Nothing reads the wall clock: same firmware and inputs, same outputs and timestamps.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable
from pathlib import Path

from rig.emu import api
from rig.emu.api import CPU_HZ
from rig.emu.builtin.elf import Firmware, load_firmware
from rig.emu.builtin.medium import Medium
from rig.emu.builtin.node import BuiltinNode
from rig.emu.builtin.signals import GATE
from rig.errors import ConfigError, EmulationError

SINGLE_NODE_STEP = CPU_HZ // 1000  # predicate checked at least every virtual millisecond


_observers: list[Callable[[BuiltinNode], None]] = []


def observe_nodes(callback: Callable[[BuiltinNode], None]) -> Callable[[], None]:
    """Call `callback` with every builtin node created from now on (pytest --firmware-coverage and
    --firmware-profile record every node of a session); returns the undo."""
    _observers.append(callback)
    return lambda: _observers.remove(callback) if callback in _observers else None


class BuiltinEmulation(api.Emulation):
    backend = "builtin"

    def __init__(self, seed: int = 0, quantum_us: float = 100, airtime: bool = False,
                 python_hook: bool = False, **options: object) -> None:
        if options:
            raise ConfigError(f"unknown builtin emulator option(s): {', '.join(sorted(options))}")
        if quantum_us <= 0:
            raise ConfigError("quantum_us must be > 0")
        self.seed = seed
        self.quantum = max(1, round(quantum_us * CPU_HZ / 1_000_000))
        self.python_hook = python_hook
        self.medium_impl = Medium(seed=seed, airtime=airtime)
        self._nodes: dict[str, BuiltinNode] = {}
        self._now = 0  # cycles every node has reached
        self._firmware_cache: dict[Path, Firmware] = {}
        self._closed = False
        self._running = False

    # --- api.Emulation ------------------------------------------------------------------------------
    @property
    def now(self) -> float:
        return self._now / CPU_HZ

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def now_cycles(self) -> int:
        return self._now

    @property
    def nodes(self) -> dict[str, BuiltinNode]:  # type: ignore[override]
        return self._nodes

    @property
    def medium(self) -> Medium:
        return self.medium_impl

    def add_node(self, spec: api.NodeSpec) -> BuiltinNode:
        if self._closed:
            raise EmulationError("emulation is closed")
        if spec.name in self._nodes:
            raise ConfigError(f"duplicate node name {spec.name!r}")
        path = Path(spec.firmware).resolve()
        firmware = self._firmware_cache.get(path)
        if firmware is None:
            firmware = load_firmware(path)
            self._firmware_cache[path] = firmware
        index = len(self._nodes)
        node_seed = zlib.crc32(f"{self.seed}:{spec.name}:{index}".encode())
        node = BuiltinNode(self, index, spec, firmware, self._now, node_seed,
                           force_python_hook=self.python_hook)
        self._nodes[spec.name] = node
        for callback in list(_observers):  # a session recording coverage or profiles
            callback(node)
        return node

    def run_until(self, predicate: Callable[[], bool], timeout: float) -> bool:
        if not (math.isfinite(timeout) and timeout >= 0):
            raise ConfigError(f"timeout must be a finite number >= 0 of virtual seconds, got {timeout}")
        if self._running:
            raise EmulationError("run_until called from inside the emulation (a UART subscriber or "
                                 "predicate must not advance time)")
        token = GATE.enter()  # signal handlers run between slices, never inside unicorn's hooks
        self._running = True
        try:
            return self._run_until(predicate, timeout)
        finally:
            self._running = False
            GATE.exit(token)

    def _run_until(self, predicate: Callable[[], bool], timeout: float) -> bool:
        deadline = self._now + round(timeout * CPU_HZ)
        nodes = list(self._nodes.values())
        step = self.quantum if len(nodes) > 1 else max(self.quantum, SINGLE_NODE_STEP)
        medium = self.medium_impl
        while True:
            if predicate():
                self._catch_up(nodes)
                return True
            now = self._now
            if now >= deadline:
                return False
            target = min(now + step, deadline)
            if all(n.idle for n in nodes):
                target = self._idle_target(nodes, now, deadline)
            reached = True
            for node in nodes:
                node.advance(target)
                if node.cycles < target:
                    reached = False
            if reached:
                self._now = target
                medium.sync(target)

    def _catch_up(self, nodes: list[BuiltinNode]) -> None:
        """A node stopped early at a UART line the predicate saw: bring every node up to the furthest
        one, so `now` after the wait is never before the line that ended it."""
        top = max((n.cycles for n in nodes), default=self._now)
        if top <= self._now:
            return
        while any(n.cycles < top for n in nodes):
            for node in nodes:
                if node.cycles < top:
                    node.advance(top)
        self._now = top
        self.medium_impl.sync(top)

    def _idle_target(self, nodes: list[BuiltinNode], now: int, deadline: int) -> int:
        """Every core sleeps: the next moment anything can happen."""
        target = deadline
        for node in nodes:
            due = node.scheduler.next_due()
            if due is not None:
                target = min(target, due)
        frame = self.medium_impl.next_event_cycles()
        if frame is not None:
            target = min(target, frame)
        return max(target, now + 1)

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            for node in self._nodes.values():
                node.stop_gdb_server()
            self.medium_impl.close()

    def __enter__(self) -> BuiltinEmulation:
        return self

    # --- conveniences ---------------------------------------------------------------------------------
    def run_for(self, seconds: float) -> None:
        self.advance(seconds)
