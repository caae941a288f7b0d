"""End-to-end benchmarks: the CC2538 LwM2M client on the builtin emulator, through the bridge.

Figures (medians over a few runs, one client node):
- boot_to_registered_virtual_s: virtual time from power-on to the server accepting the Register
  (boot, RS/RA join, Register + 2.01). Target < 2 s.
- boot_to_registered_wall_s: wall time for the same, from `Rig.start()` (emulator set-up and
  firmware load included) to the registration. Target < 3 s.
- read_rtt_virtual_ms / read_rtt_wall_ms: one server Read of /3/0/3 once registered, virtual and
  wall clock (what every ETS step costs).
- virtual_to_wall_ratio_idle: virtual seconds per wall second while the registered client idles for
  300 virtual s (registration updates and all): how far ahead of real time a lifetime test runs.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

from rig.rig import Rig
from rig.topology import Topology

RUNS = 3


def _one_run() -> dict[str, float]:
    started = time.perf_counter()
    rig = Rig(Topology.from_dict({})).start()
    try:
        device = rig.wait_for_registration(timeout=30)
        figures = {"virtual": rig.now, "wall": time.perf_counter() - started}
        reads_virtual, reads_wall = [], []
        for _ in range(10):
            v0, w0 = rig.now, time.perf_counter()
            assert device.read("/3/0/3") == "1.0.0"
            reads_virtual.append(rig.now - v0)
            reads_wall.append(time.perf_counter() - w0)
        figures["read_virtual"] = statistics.median(reads_virtual)
        figures["read_wall"] = statistics.median(reads_wall)
        w0 = time.perf_counter()
        rig.advance(300)
        figures["idle_ratio"] = 300 / (time.perf_counter() - w0)
        return figures
    finally:
        rig.stop()


def run(ctx: Any) -> dict[str, float]:
    runs = [_one_run() for _ in range(RUNS)]

    def median(key: str) -> float:
        return statistics.median(r[key] for r in runs)

    return {
        "boot_to_registered_virtual_s": round(median("virtual"), 4),
        "boot_to_registered_wall_s": round(median("wall"), 3),
        "read_rtt_virtual_ms": round(median("read_virtual") * 1000, 2),
        "read_rtt_wall_ms": round(median("read_wall") * 1000, 2),
        "virtual_to_wall_ratio_idle": round(median("idle_ratio"), 1),
    }


if __name__ == "__main__":
    print(run(None))
