"""The native C client on the virtual clock (rig.lwm2m.native): how fast a day of device life runs.

One client registers (lifetime 1 h, so an update every 3,507 s) and is observed on its temperature with
pmin 60 s: a notification a minute, sampled every second by the engine (86,400 lockstep steps).
"""

from __future__ import annotations

import time
from typing import Any

from rig.lwm2m import LwM2MServer
from rig.lwm2m.fakeclient import free_udp_port
from rig.lwm2m.native import NATIVE_CLIENT, NativeClock, run_native

DAY = 86_400.0


async def _day(clock: NativeClock) -> dict[str, float]:
    port = free_udp_port()
    server = LwM2MServer(port=port)
    await server.start()
    node = clock.spawn("--server", f"coap://[::1]:{port}", "--ep", "bench-native", "--lifetime", "3600")
    try:
        device = await server.wait_for_registration("bench-native", timeout=10)
        await device.write_attributes("/3303/0/5700", pmin=60, pmax=600)
        stream = await device.observe("/3303/0/5700")
        notes = 0
        started, wall = clock.now, time.perf_counter()
        while clock.now - started < DAY:
            await stream.next(timeout=700)
            notes += 1
        wall = time.perf_counter() - wall
        updates = sum(1 for _, text in node.lines if "updated" in text)
        return {
            "native_virtual_day_wall_s": wall,
            "native_virtual_day_speedup": DAY / wall,
            "native_virtual_day_notifications": float(notes),
            "native_virtual_day_updates": float(updates),
        }
    finally:
        await node.stop()
        await server.stop()


def run(ctx: Any) -> dict[str, float]:
    if not NATIVE_CLIENT.exists():
        raise FileNotFoundError(f"{NATIVE_CLIENT} (make -C firmware-c native)")
    return run_native(_day)


if __name__ == "__main__":
    print(run(None))
