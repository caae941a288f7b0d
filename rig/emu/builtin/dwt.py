"""DWT (0xE0001000): only the cycle counter, which firmware uses to time code. It counts virtual
cycles (= instructions here) while DWT_CTRL.CYCCNTENA is set; everything else is plain storage."""

from __future__ import annotations

from rig.emu.builtin.peripheral import Peripheral, PeripheralContext
from rig.emu.builtin.storage import extract, merge

CTRL, CYCCNT = 0x00, 0x04
NUMCOMP = 4 << 28  # DWT_CTRL.NUMCOMP as on a Cortex-M3


class Dwt(Peripheral):
    name = "dwt"
    base = 0xE0001000
    size = 0x1000

    def __init__(self, ctx: PeripheralContext) -> None:
        super().__init__(ctx)
        self.reset()

    def reset(self) -> None:
        self.ctrl = 0
        self._base = 0  # CYCCNT value at _since
        self._since = 0
        self.regs: dict[int, int] = {}

    def cyccnt(self) -> int:
        if self.ctrl & 1:
            return (self._base + self.ctx.scheduler.cycles - self._since) & 0xFFFFFFFF
        return self._base

    def read(self, offset: int, size: int) -> int:
        aligned = offset & ~3
        if aligned == CTRL:
            return extract(self.ctrl | NUMCOMP, offset, size)
        if aligned == CYCCNT:
            return extract(self.cyccnt(), offset, size)
        return extract(self.regs.get(aligned, 0), offset, size)

    def write(self, offset: int, size: int, value: int) -> None:
        aligned = offset & ~3
        if aligned == CTRL:
            self._base, self._since = self.cyccnt(), self.ctx.scheduler.cycles
            self.ctrl = merge(self.ctrl, offset, size, value) & 0x0FFFFFFF
        elif aligned == CYCCNT:
            self._base = merge(self.cyccnt(), offset, size, value)
            self._since = self.ctx.scheduler.cycles
        else:
            self.regs[aligned] = merge(self.regs.get(aligned, 0), offset, size, value)
