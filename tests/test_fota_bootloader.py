"""The bootloader on the builtin emulator with the fota-demo app (no network): swap, trial
boot, rollback, abort, and power cuts at sampled flash operations of the swap and first boot
(every operation with --run-slow)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rig.emu.api import NodeSpec
from rig.emu.builtin.emulation import BuiltinEmulation
from rig.fota import image
from rig.fota.testing import fota_images

STATUS = re.compile(r"APP version=(\S+) phase=(\S+) trials=(\d+)")


@pytest.fixture(scope="module")
def fota() -> Path:
    return fota_images()


def _slot(node, base: int, size: int) -> bytes:
    return node.read_memory(base, size)


class Update:
    """A node running v1 with `package` in slot B, then asked to update."""

    def __init__(self, emu: BuiltinEmulation, fota: Path, package: str) -> None:
        self.node = emu.add_node(NodeSpec("n0", fota / "fota-demo-factory.elf"))
        self.old = (fota / "fota-demo-1.0.0.img").read_bytes()
        self.new = (fota / package).read_bytes()
        self.node.expect(STATUS, 1.0)
        self.node.write_memory(image.SLOT_B, self.new)

    def request(self) -> None:
        self.node.uart.write(b"update\n")


def test_factory_image_boots_through_the_bootloader(fota: Path) -> None:
    with BuiltinEmulation() as emu:
        node = emu.add_node(NodeSpec("n0", fota / "fota-demo-factory.elf"))
        node.expect("BOOT: rig bootloader", 0.1)
        m = node.expect(STATUS, 1.0)
        assert m.groups() == ("1.0.0", "idle", "0")
        assert node.read_memory(0x0027FFDC, 4) == (0x00200000).to_bytes(4, "little")
        assert node.symbol("fw_header_placeholder") == image.SLOT_A  # app symbols kept
        assert node.fault is None


def test_update_swaps_and_confirms(fota: Path) -> None:
    with BuiltinEmulation() as emu:
        u = Update(emu, fota, "fota-demo-2.0.0.img")
        u.request()
        u.node.expect("BOOT: trial boot of the new image", 5.0)
        assert u.node.expect(STATUS, 1.0).groups() == ("2.0.0", "swapped", "1")
        u.node.expect("APP confirm 0", 1.0)
        u.node.power_cycle()
        assert u.node.expect(STATUS, 1.0).groups() == ("2.0.0", "confirmed", "1")
        assert _slot(u.node, image.SLOT_A, len(u.new)) == u.new
        assert _slot(u.node, image.SLOT_B, len(u.old)) == u.old


def test_image_that_does_not_start_is_rolled_back(fota: Path) -> None:
    with BuiltinEmulation() as emu:
        u = Update(emu, fota, "fota-demo-no-start.img")
        u.request()
        u.node.expect("BOOT: new image failed, rolling back", 5.0)
        u.node.expect("BOOT: rolled back", 5.0)
        assert u.node.expect(STATUS, 1.0).groups() == ("1.0.0", "rolled-back", "0")
        assert _slot(u.node, image.SLOT_A, len(u.old)) == u.old
        assert u.node.fault is None


@pytest.mark.parametrize(("package", "version", "trial_ends", "resets"), [
    # runs but never confirms (cannot register): it restarts itself after its trial time
    ("fota-demo-noconfirm.img", "2.0.0-noconfirm", "APP trial timeout, restarting", 0),
    # hangs: the watchdog the bootloader armed resets it
    ("fota-demo-hang.img", "2.0.0-hang", "APP trial: hanging", 3),
], ids=["never-confirms", "hangs"])
def test_image_that_fails_its_trials_is_rolled_back_after_three(fota: Path, package: str, version: str,
                                                                trial_ends: str, resets: int) -> None:
    with BuiltinEmulation() as emu:
        u = Update(emu, fota, package)
        u.request()
        for trial in (1, 2, 3):
            assert u.node.expect(STATUS, 10.0).groups() == (version, "swapped", str(trial))
            u.node.expect(trial_ends, 5.0)
        u.node.expect("BOOT: new image failed, rolling back", 5.0)
        u.node.expect("BOOT: rolled back", 5.0)
        assert u.node.expect(STATUS, 1.0).groups() == ("1.0.0", "rolled-back", "3")
        assert u.node.watchdog.expirations == resets
        # after a watchdog reset the restored image runs without it; a soft restart cannot turn it
        # off, so after the never-confirms restarts the restored image feeds it (and is not reset)
        assert bool(u.node.watchdog.wdctl & 0x8) == (resets == 0)
        assert _slot(u.node, image.SLOT_A, len(u.old)) == u.old
        assert u.node.fault is None


def test_trial_image_is_fed_by_the_idle_loop_once_the_bootloader_armed_the_watchdog(fota: Path) -> None:
    with BuiltinEmulation() as emu:
        u = Update(emu, fota, "fota-demo-2.0.0.img")
        u.request()
        u.node.expect("APP confirm 0", 5.0)
        assert u.node.watchdog.wdctl & 0x8  # armed for the trial boot, and it stays on
        emu.advance(30.0)  # an idle app with no timer pending: the idle loop must still wake to feed
        assert u.node.watchdog.expirations == 0
        u.node.uart.write(b"status\n")
        assert u.node.expect(STATUS, 1.0).groups() == ("2.0.0", "confirmed", "1")


@pytest.mark.parametrize("package", ["fota-demo-corrupt.img", "fota-demo-wrong-type.img",
                                     "fota-demo-oversized.img"])
def test_bad_package_in_slot_b_is_never_swapped(fota: Path, package: str) -> None:
    with BuiltinEmulation() as emu:
        u = Update(emu, fota, package)
        ops = u.node.flash_ops
        u.request()
        u.node.expect("BOOT: slot B rejected, update aborted", 5.0)
        assert u.node.expect(STATUS, 1.0).groups() == ("1.0.0", "aborted", "0")
        assert u.node.flash_ops - ops == 2  # the request and the abort record, nothing else
        assert _slot(u.node, image.SLOT_A, len(u.old)) == u.old


def _update_ops(fota: Path) -> int:
    with BuiltinEmulation() as emu:
        u = Update(emu, fota, "fota-demo-2.0.0.img")
        ops = u.node.flash_ops
        u.request()
        u.node.expect("APP confirm 0", 5.0)
        return u.node.flash_ops - ops


def _cut_and_recover(fota: Path, cut: int) -> None:
    with BuiltinEmulation() as emu:
        u = Update(emu, fota, "fota-demo-2.0.0.img")
        u.node.cut_power_at_flash_op(cut, off_for=0.01)
        u.request()
        # Whatever the cut interrupted, the node must end on exactly one of the two images, and on
        # the new one (confirmed) unless the cut hit the request record itself.
        emu.advance(3.0)
        u.node.uart.write(b"status\n")
        version, phase, _ = _last_status(u)
        if phase == "idle":
            assert cut == 1, f"cut at {cut}: update lost"
            assert version == "1.0.0" and _slot(u.node, image.SLOT_A, len(u.old)) == u.old
        else:
            assert (version, phase) == ("2.0.0", "confirmed"), f"cut at {cut}: {version} {phase}"
            assert _slot(u.node, image.SLOT_A, len(u.new)) == u.new
            assert _slot(u.node, image.SLOT_B, len(u.old)) == u.old
        assert u.node.fault is None


def _last_status(u: Update) -> tuple[str, str, str]:
    u.node.emulation.advance(0.05)
    matches = [STATUS.search(line.text) for line in u.node.uart.lines]
    found = [m for m in matches if m]
    assert found, "the app never reported"
    return found[-1].group(1), found[-1].group(2), found[-1].group(3)


def _points(total: int, n: int) -> list[int]:
    step = max(1, total // n)
    return sorted({1, 2, 3, total, total - 1} | set(range(1, total + 1, step)))


def test_power_cut_during_swap_and_first_boot_sampled(fota: Path) -> None:
    total = _update_ops(fota)
    points = _points(total, 50)
    assert len(points) >= 50
    for cut in points:
        _cut_and_recover(fota, cut)


@pytest.mark.slow
def test_power_cut_during_swap_and_first_boot_every_op(fota: Path) -> None:
    total = _update_ops(fota)
    for cut in range(1, total + 1):
        _cut_and_recover(fota, cut)
