"""SYS_CTRL (0x400D2000): clock control with a settling CLOCK_STA, clock gating, I_MAP, reset cause.

CLOCK_STA follows CLOCK_CTRL's oscillator/divider fields SETTLE_CYCLES after each write (firmware
waits for it, as on the chip). CLOCK_STA.SYNC_32K toggles with the 32.768 kHz clock. CLOCK_STA.RST
reports the last reset cause. The virtual CPU always runs at 32 MHz whatever SYS_DIV says.
"""

from __future__ import annotations

from rig.emu.builtin.peripheral import Peripheral, PeripheralContext, TimerHandle
from rig.emu.builtin.storage import extract, merge

CLOCK_CTRL = 0x00
CLOCK_STA = 0x04
I_MAP = 0x98
SETTLE_CYCLES = 320  # 10 us
CTRL_RESET = 0x03010101  # OSC32K (RC), OSC (16 MHz RC), IO_DIV 16 MHz, SYS_DIV 16 MHz
STA_FOLLOWS = 0x03010707  # OSC32K_CALDIS, OSC32K, OSC, IO_DIV, SYS_DIV
STA_STABLE = (1 << 20) | (1 << 19)  # XOSC_STB, HSOSC_STB: oscillators always stable
SYNC_32K = 1 << 26
RST_SHIFT = 22
RESET_CAUSES = {"power-on": 0, "external": 1, "watchdog": 2, "sysresetreq": 3}
CYCLES_PER_32K = 32_000_000 / 32768


class SysCtrl(Peripheral):
    name = "sysctrl"
    base = 0x400D2000
    size = 0x1000

    def __init__(self, ctx: PeripheralContext) -> None:
        super().__init__(ctx)
        self._settle: TimerHandle | None = None
        self.reset_cause = "power-on"
        self.reset()

    def reset(self) -> None:
        if self._settle is not None:
            self._settle.cancel()
        self._settle = None
        self.regs: dict[int, int] = {CLOCK_CTRL: CTRL_RESET}
        self._sta = CTRL_RESET & STA_FOLLOWS

    @property
    def alt_map(self) -> bool:
        return bool(self.regs.get(I_MAP, 0) & 1)

    def read(self, offset: int, size: int) -> int:
        aligned = offset & ~3
        if aligned == CLOCK_STA:
            tick = int(self.ctx.scheduler.cycles / CYCLES_PER_32K)
            word = self._sta | STA_STABLE | (SYNC_32K if tick & 1 else 0)
            word |= RESET_CAUSES.get(self.reset_cause, 0) << RST_SHIFT
            return extract(word, offset, size)
        return extract(self.regs.get(aligned, 0), offset, size)

    def write(self, offset: int, size: int, value: int) -> None:
        aligned = offset & ~3
        if aligned == CLOCK_STA:
            return  # read-only
        self.regs[aligned] = merge(self.regs.get(aligned, 0), offset, size, value)
        if aligned == CLOCK_CTRL:
            if self._settle is not None:
                self._settle.cancel()
            self._settle = self.ctx.scheduler.schedule(self.ctx.scheduler.cycles + SETTLE_CYCLES,
                                                       self._settled)

    def _settled(self) -> None:
        self._settle = None
        self._sta = self.regs.get(CLOCK_CTRL, 0) & STA_FOLLOWS
