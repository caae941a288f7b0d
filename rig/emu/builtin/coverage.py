"""Executed-code recording for one builtin node (`node.enable_coverage()`). (A session records every
node through `rig.emu.builtin.emulation.observe_nodes`.)

The block hook sets one bit per halfword of every instruction run in flash (counter.py). Only code
in flash is recorded: code copied to RAM and run there is out of scope. The bitmap survives warm
resets and power cycles (the hook and its buffer belong to the node's CPU, which both keep).

Flash the firmware reprograms (FOTA, a flash-resident config page holding code) no longer holds
the ELF's instructions: bits recorded there while it did are kept, bits for code that differs from
the ELF are dropped, so a new image's execution is never mapped through the old image's lines.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rig.emu.builtin import memmap as mm

if TYPE_CHECKING:
    from rig.emu.builtin.node import BuiltinNode

BASE = mm.FLASH_BASE
SIZE = mm.FLASH_SIZE
_PAGE = 2048


class NodeCoverage:
    def __init__(self, node: BuiltinNode) -> None:
        self.node = node
        self.firmware = node.firmware
        self._elf = node.firmware.flash
        self._live = node.cpu.counter.enable_coverage(BASE, SIZE)
        self._kept = bytearray(len(self._live))  # bits folded in before their flash changed
        self._same = bytearray(len(self._live))  # 1 bit per halfword: flash still holds the ELF's
        self._compare(BASE, BASE + SIZE)

    def _flash(self) -> memoryview:
        return memoryview(self.node.cpu.flash).cast("B")

    def _compare(self, lo: int, hi: int) -> None:
        compare_with_elf(self._flash(), self._elf, self._same, lo, hi)

    def flash_changed(self, lo: int, hi: int) -> None:
        """Flash [lo, hi) was (re)programmed: keep what ran there while it held the ELF's code,
        start afresh for what it holds now."""
        lo, hi = max(lo, BASE), min(hi, BASE + SIZE)
        if lo >= hi:
            return
        live, kept, same = self._live, self._kept, self._same
        for h in range((lo - BASE) >> 1, (hi - BASE + 1) >> 1):
            i, bit = h >> 3, 1 << (h & 7)
            if live[i] & bit:
                if same[i] & bit:
                    kept[i] |= bit
                live[i] &= ~bit & 0xFF
        self._compare(lo, hi)

    def bitmap(self) -> bytes:
        """Executed halfwords of the ELF's code: bit h & 7 of byte h >> 3 for flash base + 2h."""
        n = len(self._live)
        live = int.from_bytes(self._live, "little") & int.from_bytes(self._same, "little")
        return (live | int.from_bytes(self._kept, "little")).to_bytes(n, "little")


def compare_with_elf(flash: memoryview, elf: bytes | memoryview, same: bytearray, lo: int, hi: int) -> None:
    """Recompute the same-as-ELF bits (1 bit per halfword from BASE) of halfwords in [lo, hi)."""
    lo = max(lo, BASE) - BASE & ~1
    hi = min(hi, BASE + SIZE) - BASE + 1 & ~1
    pos = lo
    while pos < hi:
        page_end = min((pos // _PAGE + 1) * _PAGE, hi)
        if pos & 15 == 0 and page_end & 15 == 0 and flash[pos:page_end] == elf[pos:page_end]:
            same[pos >> 4:page_end >> 4] = b"\xff" * ((page_end - pos) >> 4)  # fast path: equal page
            pos = page_end
            continue
        for off in range(pos, page_end, 2):
            h = off >> 1
            if flash[off:off + 2] == elf[off:off + 2]:
                same[h >> 3] |= 1 << (h & 7)
            else:
                same[h >> 3] &= ~(1 << (h & 7)) & 0xFF
        pos = page_end
