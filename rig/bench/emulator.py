"""Builtin emulator speed: guest MIPS (compute-bench), idle speed-up (hello), boot-to-banner time."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rig.emu.api import NodeSpec
from rig.emu.builtin.emulation import BuiltinEmulation
from rig.emu.builtin.node import BuiltinNode
from rig.emu.builtin.testing import app_elf


def _mips() -> float:
    with BuiltinEmulation() as emu:
        node = emu.add_node(NodeSpec("bench", app_elf("compute-bench")))
        node.expect("compute start", 1.0)
        count0 = node.state.count
        started = time.perf_counter()
        node.expect(r"compute done", 60.0)
        wall = time.perf_counter() - started
        return (node.state.count - count0) / wall / 1e6


def overhead_ratio(prepare: Callable[[BuiltinNode], object], runs: int = 3) -> float:
    """Wall time of compute-bench's compute-bound loop with `prepare(node)` done at boot (coverage,
    profile) over the time without it: best of `runs` each."""
    def wall(with_prepare: bool) -> float:
        with BuiltinEmulation() as emu:
            node = emu.add_node(NodeSpec("bench", app_elf("compute-bench")))
            if with_prepare:
                prepare(node)
            node.expect("compute start", 1.0)
            started = time.perf_counter()
            node.expect("compute done", 60.0)
            return time.perf_counter() - started

    plain = min(wall(False) for _ in range(runs))
    return min(wall(True) for _ in range(runs)) / plain


def _idle_speedup(seconds: float = 60.0) -> float:
    with BuiltinEmulation() as emu:
        node = emu.add_node(NodeSpec("bench", app_elf("hello")))
        node.expect("lwm2m-rig hello", 1.0)
        started_v = emu.now
        started = time.perf_counter()
        emu.advance(seconds)
        wall = time.perf_counter() - started
        return (emu.now - started_v) / wall


def _boot_to_banner() -> float:
    elf = app_elf("hello")
    started = time.perf_counter()
    with BuiltinEmulation() as emu:
        node = emu.add_node(NodeSpec("bench", elf))
        node.expect("lwm2m-rig hello", 1.0)
    return time.perf_counter() - started


def _cli_boot_to_banner() -> float:
    """The whole `rig boot --until` process, Python start-up and imports included."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "rig", "boot", str(app_elf("hello")), "--until",
                    "lwm2m-rig hello", "--timeout", "1"], check=True, capture_output=True,
                   cwd=Path(__file__).resolve().parents[2])
    return time.perf_counter() - started


def run(ctx: Any) -> dict[str, float]:
    app_elf("hello")  # build first so make time is not measured
    return {
        "emulator_mips": round(max(_mips() for _ in range(3)), 1),
        "idle_speedup": round(max(_idle_speedup() for _ in range(3)), 1),
        "boot_to_banner_wall_s": round(min(_boot_to_banner() for _ in range(3)), 4),
        "boot_to_banner_cli_wall_s": round(min(_cli_boot_to_banner() for _ in range(3)), 3),
    }


if __name__ == "__main__":
    print(run(None))
