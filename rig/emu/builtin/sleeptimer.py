"""Sleep timer (0x400D5040): a 32.768 kHz free-running 32-bit counter with a compare interrupt.

Reading ST0 latches the whole count (returns byte 0); ST1-ST3 return the latched bytes. Writing ST3,
ST2, ST1 then ST0 sets the compare value, committed by the ST0 write; when the counter reaches it,
IRQ 145 is raised (once: the next match would be 2^32 ticks, 36 hours, later). STLOAD reads 1.
The counter runs from power-on and keeps running through warm resets (always-on domain).
"""

from __future__ import annotations

from rig.emu.builtin.peripheral import Peripheral, PeripheralContext, TimerHandle
from rig.emu.builtin.storage import extract

ST0, ST1, ST2, ST3, STLOAD = 0x00, 0x04, 0x08, 0x0C, 0x10
IRQ = 145
# 32 MHz / 32768 Hz = 976.5625 = 15625 / 16 cycles per tick
TICK_NUM, TICK_DEN = 15625, 16


def ticks_at(cycles: int) -> int:
    return cycles * TICK_DEN // TICK_NUM


def cycles_of_tick(tick: int) -> int:
    return -((-tick * TICK_NUM) // TICK_DEN)  # ceil


class SleepTimer(Peripheral):
    name = "sleeptimer"
    base = 0x400D5040
    size = 0x40

    def __init__(self, ctx: PeripheralContext) -> None:
        super().__init__(ctx)
        self.epoch = 0  # node cycle count at power-on
        self._timer: TimerHandle | None = None
        self.compare = 0
        self.matches = 0
        self.reset()

    def power_on(self, epoch: int) -> None:
        self.epoch = epoch
        self.reset()

    def reset(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer = None
        self._latched = 0
        self._pending = [0, 0, 0]  # ST1..ST3 written before the committing ST0 write

    def ticks(self) -> int:
        """Ticks since power-on (not wrapped)."""
        return ticks_at(self.ctx.scheduler.cycles - self.epoch)

    def read(self, offset: int, size: int) -> int:
        aligned = offset & ~3
        if aligned == ST0:
            self._latched = self.ticks() & 0xFFFFFFFF
            return self._latched & 0xFF
        if aligned in (ST1, ST2, ST3):
            return (self._latched >> (8 * (aligned >> 2))) & 0xFF
        if aligned == STLOAD:
            return extract(1, offset, size)
        return 0

    def write(self, offset: int, size: int, value: int) -> None:
        aligned = offset & ~3
        if aligned in (ST1, ST2, ST3):
            self._pending[(aligned >> 2) - 1] = value & 0xFF
        elif aligned == ST0:
            p = self._pending
            self.compare = (p[2] << 24) | (p[1] << 16) | (p[0] << 8) | (value & 0xFF)
            self._arm()

    def _arm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        now_ticks = self.ticks()
        delta = (self.compare - now_ticks) & 0xFFFFFFFF
        if delta == 0:
            delta = 1 << 32
        at = self.epoch + cycles_of_tick(now_ticks + delta)
        self._timer = self.ctx.scheduler.schedule(at, self._match)

    def _match(self) -> None:
        self._timer = None
        self.matches += 1
        self.ctx.irq.set_irq(IRQ, True)
        self.ctx.irq.set_irq(IRQ, False)  # a pulse: the NVIC latches it as pending
