"""Fleet update (10 emulated nodes, concurrency limit) and power cuts across the whole LwM2M update
(download into slot B, verification, swap, first boot) on the builtin emulator."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from rig.fota.testing import PREFIX, fota_images
from rig.lwm2m.fota import format_table, update_firmware, update_fleet
from rig.rig import Rig
from rig.topology import Topology


@pytest.fixture(scope="module")
def fota() -> Path:
    return fota_images()


def _topology(fota: Path, n: int) -> Topology:
    elf = str(fota / f"{PREFIX}-factory.elf")
    return Topology.from_dict({"node": [{"name": f"n{i + 1}", "firmware": elf} for i in range(n)]})


def _stagger(rig: Rig, gap: float = 1.0) -> None:
    """Power the nodes up one after the other, as a deployed fleet would be: nodes booting at the
    very same virtual instant collide on the medium (no CSMA in the MAC) and register slowly."""
    for i, name in enumerate(list(rig.nodes)[1:], start=1):
        rig.node(name).power_cut(off_for=gap * i)


def test_fleet_of_ten_with_concurrency_limit(fota: Path) -> None:
    image = (fota / f"{PREFIX}-2.0.0.img").read_bytes()
    with Rig(_topology(fota, 10)) as rig:
        assert rig.server is not None
        _stagger(rig)
        devices = [rig.server.device(rig.wait_for_registration(n, timeout=60).endpoint) for n in rig.nodes]
        active: set[str] = set()
        peak = 0

        def progress(endpoint: str, phase: str, done: int, total: int) -> None:
            nonlocal peak
            if phase == "reset":
                active.add(endpoint)
            elif phase == "done":
                active.discard(endpoint)
            peak = max(peak, len(active))

        results = rig.run(update_fleet(devices, image, concurrency=4, progress=progress), timeout=3600)
        table = format_table(results)
        assert [r.endpoint for r in results] == [d.endpoint for d in devices]
        assert all(r.ok for r in results), table
        assert peak == 4  # never more than the limit, and the limit used
        assert len(table.splitlines()) == 12
        for name in rig.nodes:
            assert rig.device(name).read("/3/0/3") == "2.0.0"


def test_fleet_reports_each_failure_and_goes_on(fota: Path) -> None:
    with Rig(_topology(fota, 2)) as rig:
        assert rig.server is not None
        _stagger(rig)
        devices = [rig.server.device(rig.wait_for_registration(n, timeout=60).endpoint) for n in rig.nodes]
        rig.node("n2").power_cut(off_for=10_000)  # n2 is gone for good
        image = (fota / f"{PREFIX}-2.0.0.img").read_bytes()
        results = rig.run(update_fleet(devices, image), timeout=3600)
        assert results[0].ok
        assert not results[1].ok and results[1].error


def _update_ops(fota: Path) -> int:
    with Rig(_topology(fota, 1)) as rig:
        rig.wait_for_registration(timeout=60)
        node = rig.node().raw
        before = node.flash_ops
        res = rig.run(update_firmware(rig.server.device(rig.node().endpoint),
                                      fota / f"{PREFIX}-2.0.0.img"), timeout=1200)
        assert res.ok
        return node.flash_ops - before


def _cut_run(fota: Path, cut: int) -> None:
    """Cut the power at flash operation `cut` of an update; a retried update must then succeed and
    the node must never be left without a working image."""
    with Rig(_topology(fota, 1)) as rig:
        rig.wait_for_registration(timeout=60)
        node = rig.node().raw
        node.cut_power_at_flash_op(cut, off_for=0.5)
        dev = rig.server.device(rig.node().endpoint)
        image = fota / f"{PREFIX}-2.0.0.img"
        res = rig.run(update_firmware(dev, image, reboot_timeout=60, download_timeout=300), timeout=1200)
        if not res.ok:
            # the cut hit the download (or the request): the old image runs; the server retries
            rig.run(rig.server.wait_for_registration(rig.node().endpoint, 120))
            rig.advance(5)
            assert rig.device().read("/3/0/3") == "1.0.0", f"cut {cut}: {res}"
            res = rig.run(update_firmware(dev, image), timeout=1200)
        assert res.ok, f"cut {cut}: {res}"
        assert rig.device().read("/3/0/3") == "2.0.0"
        assert node.fault is None
        # power-on, the cut, the update's restart (at least): the cut really happened
        assert rig.node().log.count("BOOT: rig bootloader") >= 3, f"cut {cut} never happened"


def test_power_cut_during_lwm2m_update_sampled(fota: Path) -> None:
    total = _update_ops(fota)
    # download pages, the request record, swap steps and the confirmation: 12 points across all
    points = sorted({1, 2, total - 1, total} | {1 + i * total // 10 for i in range(10)})
    for cut in points:
        _cut_run(fota, cut)


@pytest.mark.slow
def test_power_cut_during_lwm2m_update_many(fota: Path) -> None:
    total = _update_ops(fota)
    for cut in range(1, total + 1, max(1, total // 200)):  # ~200 points, ~10 min
        _cut_run(fota, cut)


def test_update_fleet_rejects_bad_concurrency(fota: Path) -> None:
    from rig.errors import RigError

    with pytest.raises(RigError):
        asyncio.run(update_fleet([], b"", concurrency=0))
