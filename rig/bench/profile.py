"""Firmware profile costs: emulation wall time with/without execution counts (compute-bench, the
worst case: every block entered adds 1 per instruction), and mapping one node's counts of
lwm2m-client to functions and lines."""

from __future__ import annotations

import time
from typing import Any

from rig.bench.emulator import overhead_ratio
from rig.emu.api import NodeSpec
from rig.emu.builtin.emulation import BuiltinEmulation
from rig.profile.collect import node_profile
from rig.topology import firmware_path


def _map_s() -> float:
    with BuiltinEmulation() as emu:
        node = emu.add_node(NodeSpec("bench", firmware_path("lwm2m-client")))
        node.enable_profile()
        node.run_for(5.0)
        node_profile(node)  # line map and symbols parsed (cached) before timing
        started = time.perf_counter()
        node_profile(node)
        return time.perf_counter() - started


def run(ctx: Any) -> dict[str, float]:
    return {
        "profile_overhead_ratio": round(overhead_ratio(lambda node: node.enable_profile()), 3),
        "profile_map_counts_s": round(_map_s(), 4),
    }
