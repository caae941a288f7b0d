"""Watchdog (SMWDTHROSC_WDCTL, 0x400D5000): off until the firmware sets EN (it cannot be turned off
again); then it must be fed (CLR = 0xA then 0x5) within the INT interval or the chip resets, as the
real chip does (Renode never resets: firmware tested here must feed it)."""

from __future__ import annotations

from collections.abc import Callable

from rig.emu.builtin.peripheral import Peripheral, PeripheralContext, TimerHandle
from rig.emu.builtin.sleeptimer import cycles_of_tick

INTERVAL_TICKS = (32768, 8192, 512, 64)  # INT field 0..3, in 32.768 kHz periods
EN = 1 << 3


class Watchdog(Peripheral):
    name = "watchdog"
    base = 0x400D5000
    size = 0x40

    def __init__(self, ctx: PeripheralContext, on_expire: Callable[[], None]) -> None:
        super().__init__(ctx)
        self.on_expire = on_expire
        self._timer: TimerHandle | None = None
        self.expirations = 0
        self.reset()

    def reset(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer = None
        self.wdctl = 0
        self._clr_step = 0

    def read(self, offset: int, size: int) -> int:
        return self.wdctl & 0xF if offset == 0 else 0

    def write(self, offset: int, size: int, value: int) -> None:
        if offset != 0:
            return
        if not self.wdctl & EN:
            self.wdctl = value & 0xB
            if self.wdctl & EN:
                self._restart()
            return
        self.wdctl = (self.wdctl & ~0x3) | (value & 0x3) | EN
        clr = (value >> 4) & 0xF
        if clr == 0xA:
            self._clr_step = 1
        elif clr == 0x5 and self._clr_step == 1:
            self._clr_step = 0
            self._restart()
        else:
            self._clr_step = 0

    def _restart(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        interval = cycles_of_tick(INTERVAL_TICKS[self.wdctl & 3])
        self._timer = self.ctx.scheduler.schedule(self.ctx.scheduler.cycles + interval, self._expire)

    @property
    def armed(self) -> bool:
        """Counting down: an image that stops feeding it will be reset."""
        return self._timer is not None

    def _expire(self) -> None:
        self._timer = None
        self.expirations += 1
        self.on_expire()
