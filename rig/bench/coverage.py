"""Firmware coverage costs: emulation wall time with/without recording (compute-bench, the worst
case: every block entered marks its halfwords), DWARF line-map parse of lwm2m-client.elf, and
mapping one node's bitmap to lines."""

from __future__ import annotations

import hashlib
import time
from typing import Any

from rig.bench.emulator import overhead_ratio
from rig.coverage.data import from_bitmap
from rig.coverage.linemap import parse_line_map
from rig.emu.api import NodeSpec
from rig.emu.builtin.coverage import BASE
from rig.emu.builtin.emulation import BuiltinEmulation
from rig.topology import firmware_path


def _parse_s(app: str) -> tuple[float, Any]:
    raw = firmware_path(app).read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    started = time.perf_counter()
    lm = parse_line_map(raw, digest, app)  # uncached on purpose
    return time.perf_counter() - started, lm


def _map_s(lm: Any) -> float:
    with BuiltinEmulation() as emu:
        node = emu.add_node(NodeSpec("bench", firmware_path("lwm2m-client")))
        cov = node.enable_coverage()
        node.run_for(5.0)
        started = time.perf_counter()
        from_bitmap(lm, cov.bitmap(), BASE, "lwm2m-client")
        return time.perf_counter() - started


def run(ctx: Any) -> dict[str, float]:
    parse, lm = min((_parse_s("lwm2m-client") for _ in range(3)), key=lambda p: p[0])
    return {
        "coverage_overhead_ratio": round(overhead_ratio(lambda node: node.enable_coverage()), 3),
        "coverage_linemap_parse_s": round(parse, 3),
        "coverage_map_bitmap_s": round(_map_s(lm), 4),
    }
