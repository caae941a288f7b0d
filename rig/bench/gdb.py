"""GDB stub speed: single steps and breakpoint hits per wall second (RSP round trips over loopback),
guest MIPS with a GDB attached and running (no breakpoints), and with a watchpoint set."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rig.emu.api import NodeSpec
from rig.emu.builtin.emulation import BuiltinEmulation
from rig.emu.builtin.gdbclient import RspClient
from rig.emu.builtin.node import BuiltinNode
from rig.emu.builtin.testing import FIRMWARE_DIR, app_elf


def _elf(app: str) -> Path:
    path = FIRMWARE_DIR / "build" / "cc2538" / f"{app}.elf"
    return path if path.exists() else app_elf(app)


def _session(node: BuiltinNode, script: Callable[[RspClient], float]) -> tuple[threading.Thread, dict[str, Any]]:
    port = node.start_gdb_server(0, wait=True, timeout=120)
    client = RspClient(port, timeout=120)
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            client.no_ack()
            box["value"] = script(client)
        except BaseException as exc:
            box["error"] = exc
        finally:
            client.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, box


def _finish(thread: threading.Thread, box: dict[str, Any]) -> float:
    thread.join(120)
    if "error" in box:
        raise box["error"]
    return float(box["value"])


def _requests_per_s(c: RspClient, packet: str, n: int) -> float:
    """n round trips of `packet` (a step, a continue to a breakpoint) per wall second, then detach."""
    started = time.perf_counter()
    for _ in range(n):
        c.request(packet)
    rate = n / (time.perf_counter() - started)
    c.request("D")
    return rate


def _steps_per_s(n: int = 2000) -> float:
    with BuiltinEmulation() as emu:
        node = emu.add_node(NodeSpec("bench", _elf("hello")))

        thread, box = _session(node, lambda c: _requests_per_s(c, "s", n))
        emu.advance(0.5)
        return _finish(thread, box)


def _bp_hits_per_s(n: int = 100) -> float:
    with BuiltinEmulation() as emu:
        node = emu.add_node(NodeSpec("bench", _elf("hello")))
        target = node.symbol("clock_time")  # the idle loop asks for the time on every pass
        node.uart.write(b"time\n" * 20)

        def script(c: RspClient) -> float:
            c.request(f"Z0,{target:x},2")
            return _requests_per_s(c, "c", n)

        thread, box = _session(node, script)
        emu.advance(30.0)
        return _finish(thread, box)


def _mips(watch: bool) -> float:
    """compute-bench with a GDB attached and running; `watch`: with a write watchpoint that never
    fires (every instruction then goes through the Python code hook)."""
    with BuiltinEmulation() as emu:
        node = emu.add_node(NodeSpec("bench", _elf("compute-bench")))
        node.expect("compute start", 1.0)

        def script(c: RspClient) -> float:
            if watch:
                c.request("Z2,27f000,4")  # flash: never written by a store
            c.request("c")  # stays connected until the emulation closes ("W00")
            return 0.0

        thread, box = _session(node, script)
        count0 = node.state.count
        started = time.perf_counter()
        emu.advance(0.05 if watch else 2.0)
        wall = time.perf_counter() - started
        emu.close()  # tells the client the program exited
        _finish(thread, box)
        return (node.state.count - count0) / wall / 1e6


def run(ctx: Any) -> dict[str, float]:
    return {
        "gdb_steps_per_s": round(max(_steps_per_s() for _ in range(2))),
        "gdb_breakpoint_hits_per_s": round(max(_bp_hits_per_s() for _ in range(2))),
        "gdb_attached_running_mips": round(max(_mips(False) for _ in range(2)), 1),
        "gdb_watchpoint_mips": round(_mips(True), 2),
    }
