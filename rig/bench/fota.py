"""Firmware-update benchmarks: download of a 64 KiB package into slot B over the emulated
6LoWPAN network with the 250 kbit/s air-time model on (builtin emulator, virtual time).

Figures, per method and block size:
- fota_push_bs<N>_virtual_s: Block1 PUT of /5/0/0 in N-byte blocks, '\\0' reset to State 2
  (downloaded and SHA-256 verified by the device). The client answers blocks above its streamed-
  write limit (LWM2M_STREAM_MAX_SZX, 256 bytes by default) with 4.13 + Block1: the server then goes
  on with the smaller size, reported as fota_push_bs<N>_used_block;
- fota_pull_bs<N>_virtual_s: the device fetches coap://[fd00::1]:5683/fw/... with Block2; the server
  cuts N-byte blocks unless the firmware asks for smaller ones (FOTA_PULL_SZX at build time: 512 by
  default), reported as fota_pull_bs<N>_used_block;
- ..._airtime_ratio: that time over the air-time lower bound of the package (64 KiB at the
  802.15.4 MAC ceiling for full 127-byte frames, rig.bench.network.airtime_limit_kbit_s): how far
  the CoAP/6LoWPAN stack is from the radio's limit;
- fota_update_total_virtual_s: a complete push update (512-byte blocks) including the bootloader's
  verification, swap and the trial boot up to Result 1;
- fota_wall_s: wall-clock time of the whole benchmark.
"""

from __future__ import annotations

import time
from typing import Any

from rig.bench.network import airtime_limit_kbit_s
from rig.fota.image import HEADER_SIZE, build_package, parse_package
from rig.fota.testing import fota_images
from rig.lwm2m.fota import update_firmware
from rig.rig import Rig
from rig.topology import Topology

PACKAGE_BYTES = 64 * 1024
BLOCKS = (64, 128, 256, 512, 1024)


def _package(fota) -> bytes:
    """The v2 client padded with erased flash to a 64 KiB package: a valid, installable image."""
    pkg = parse_package((fota / "lwm2m-client-fota-2.0.0.img").read_bytes())
    body = pkg.body + b"\xff" * (PACKAGE_BYTES - HEADER_SIZE - len(pkg.body))
    return build_package(body, "2.0.0-bench")


def _topology(fota) -> Topology:
    return Topology.from_dict({
        "network": {"airtime": True},
        "node": [{"name": "n1", "firmware": str(fota / "lwm2m-client-fota-factory.elf")}],
    })


def _download(fota, data: bytes, method: str, block: int, install: bool = False) -> Any:
    with Rig(_topology(fota)) as rig:
        rig.wait_for_registration(timeout=60)
        assert rig.server is not None
        dev = rig.server.device(rig.node().endpoint)
        res = rig.run(update_firmware(dev, data, method=method, block_size=block, install=install),
                      timeout=3600)
        if not res.ok:
            raise RuntimeError(f"{method} with {block}-byte blocks failed: {res.error}")
        return res


def run(ctx: Any) -> dict[str, float]:
    started = time.perf_counter()
    fota = fota_images()
    data = _package(fota)
    bound_s = len(data) * 8 / (airtime_limit_kbit_s(127) * 1000)
    out: dict[str, float] = {"fota_airtime_bound_64KiB_s": bound_s}
    for method in ("push", "pull"):
        for block in BLOCKS:
            res = _download(fota, data, method, block)
            out[f"fota_{method}_bs{block}_virtual_s"] = res.download_s
            out[f"fota_{method}_bs{block}_airtime_ratio"] = res.download_s / bound_s
            if res.block_size_used is not None and res.block_size_used != block:
                out[f"fota_{method}_bs{block}_used_block"] = float(res.block_size_used)
    res = _download(fota, data, "push", 512, install=True)
    out["fota_update_total_virtual_s"] = res.total_s
    out["fota_wall_s"] = time.perf_counter() - started
    return out


if __name__ == "__main__":
    for key, value in run(None).items():
        print(f"{key:40s} {value:10.3f}")
