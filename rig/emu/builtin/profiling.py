"""Execution counts of one builtin node (`node.enable_profile()`): how often each instruction in
flash ran, and how the node's cycles split between running and not running.

The block hook adds 1 per instruction of every block entered, exactly what it adds to the
instruction count (counter.py), so at any time

    sum(counts) + outside_elf == executed, and executed + idle == cycles

(1 instruction = 1 cycle). `outside_elf` is code run elsewhere than the ELF's code in flash:
RAM, or flash the firmware reprogrammed (counts recorded while flash held the ELF's code are kept,
as coverage keeps its bits). Counts and cycles are from `enable_profile()` on; they survive warm
resets and power cycles (the hook belongs to the node's CPU, which both keep).
"""

from __future__ import annotations

from array import array
from typing import TYPE_CHECKING

from rig.emu.builtin.coverage import BASE, SIZE, compare_with_elf

if TYPE_CHECKING:
    from rig.emu.builtin.node import BuiltinNode


class NodeProfile:
    def __init__(self, node: BuiltinNode) -> None:
        self.node = node
        self.firmware = node.firmware
        self._elf = node.firmware.flash
        self._live = node.cpu.counter.enable_counts(BASE, SIZE)
        self._kept: dict[int, int] = {}  # halfword -> count folded in before its flash changed
        self._same = bytearray((SIZE + 15) // 16)  # 1 bit per halfword: flash still holds the ELF's
        compare_with_elf(self._flash(), self._elf, self._same, BASE, BASE + SIZE)
        self._cycles0 = node.cycles
        self._count0 = node.state.count

    def _flash(self) -> memoryview:
        return memoryview(self.node.cpu.flash).cast("B")

    def flash_changed(self, lo: int, hi: int) -> None:
        """Flash [lo, hi) was (re)programmed: counts of the ELF's code there are kept, counts of
        other code become `outside_elf`; counting starts afresh for what it holds now."""
        lo, hi = max(lo, BASE), min(hi, BASE + SIZE)
        if lo >= hi:
            return
        self.node.cpu.counter.flush_counts()
        live, same = self._live, self._same
        for h in range((lo - BASE) >> 1, (hi - BASE + 1) >> 1):
            n = live[h]
            if n:
                if same[h >> 3] >> (h & 7) & 1:
                    self._kept[h] = self._kept.get(h, 0) + n
                live[h] = 0  # other code's counts: left in executed, so outside_elf
        compare_with_elf(self._flash(), self._elf, self._same, lo, hi)

    def counts(self) -> dict[int, int]:
        """Executions per instruction of the ELF's code: address -> count (nonzero only)."""
        self.node.cpu.counter.flush_counts()
        out = {BASE + 2 * h: n for h, n in self._kept.items()}
        live = array("I", self._live.tobytes())  # one copy, then a C-speed scan for the nonzero runs
        same = self._same
        h = 0
        end = len(live)
        zero = array("I", bytes(4 * 256))
        while h < end:
            chunk = min(256, end - h)
            if live[h:h + chunk] == zero[:chunk]:
                h += chunk
                continue
            for i in range(h, h + chunk):
                n = live[i]
                if n and same[i >> 3] >> (i & 7) & 1:
                    address = BASE + 2 * i
                    out[address] = out.get(address, 0) + n
            h += chunk
        return out

    @property
    def cycles(self) -> int:
        """Node cycles since profiling started."""
        return self.node.cycles - self._cycles0

    @property
    def executed(self) -> int:
        """Instructions run since profiling started (everywhere)."""
        return self.node.state.count - self._count0

    def outside_elf(self, counts: dict[int, int]) -> int:
        """Instructions run outside the ELF's code, given `counts()` (saturated counts aside)."""
        return max(self.executed - sum(counts.values()), 0)

