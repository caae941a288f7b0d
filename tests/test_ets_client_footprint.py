"""The CC2538 LwM2M client fits its goal: 40 KiB flash, 10 KiB RAM (stack included), both variants,
and the reserved stack is not close to full after a busy ETS session."""

from __future__ import annotations

from pathlib import Path

import pytest
from elftools.elf.elffile import ELFFile

from rig.rig import Rig, RigNode
from rig.topology import firmware_path

FLASH_GOAL = 40 * 1024
RAM_GOAL = 10 * 1024
STACK_PAINT = b"\xa5\xa5\xa5\xa5"


def sizes(elf: Path) -> tuple[int, int]:
    """(flash, RAM) in bytes: flash = allocated non-writable sections + .data; RAM = every writable
    allocated section (.stack, .data, .bss)."""
    flash = ram = 0
    with elf.open("rb") as f:
        for section in ELFFile(f).iter_sections():
            flags = section["sh_flags"]
            if not flags & 0x2:  # SHF_ALLOC
                continue
            if section.name == ".flashcca":
                continue  # the lock-page record is not part of the image
            if flags & 0x1:  # SHF_WRITE
                ram += section["sh_size"]
                if section["sh_type"] != "SHT_NOBITS":
                    flash += section["sh_size"]  # .data is loaded from flash
            else:
                flash += section["sh_size"]
    return flash, ram


@pytest.mark.parametrize("app", ["lwm2m-client", "lwm2m-client-bs"])
def test_client_image_fits_40k_flash_10k_ram(app: str) -> None:
    flash, ram = sizes(firmware_path(app))
    assert flash <= FLASH_GOAL, f"{app}: {flash} B flash > {FLASH_GOAL}"
    assert ram <= RAM_GOAL, f"{app}: {ram} B RAM > {RAM_GOAL}"
    assert ram >= 2048  # the stack is counted


def test_stack_high_water_after_a_busy_session(rig: Rig, node: RigNode) -> None:
    node.expect(r"^lwm2m: registered /rd/\w+$", timeout=10)
    dev = rig.wait_for_registration(timeout=0.1)
    dev.read("/3")
    dev.discover("/3")
    dev.read("/4/0")
    dev.write_attributes("/3303/0/5700", pmin=1, pmax=2)
    observation = dev.observe("/3303/0/5700")
    observation.next(timeout=5)
    assert dev.create("/3303", {}) == 1
    dev.write("/3311/0/5850", True)
    dev.execute("/1/0/8")
    rig.advance(3)
    start, end = node.raw.symbol("_stack_start"), node.raw.symbol("_stack_end")
    stack = node.raw.read_memory(start, end - start)
    untouched = 0
    while untouched < len(stack) and stack[untouched : untouched + 4] == STACK_PAINT:
        untouched += 4
    used = len(stack) - untouched
    assert 256 < used <= len(stack) * 3 // 4, f"stack high-water {used} of {len(stack)} B"
