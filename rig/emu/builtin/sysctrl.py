"""SYS_CTRL (0x400D2000): clock control with a settling CLOCK_STA, clock gating, I_MAP, reset cause.

CLOCK_STA follows CLOCK_CTRL's oscillator/divider fields SETTLE_CYCLES after each write (firmware
waits for it, as on the chip). CLOCK_STA.SYNC_32K toggles with the 32.768 kHz clock. CLOCK_STA.RST
reports the last reset cause. The virtual CPU always runs at 32 MHz whatever SYS_DIV says.

I_MAP.ALTMAP selects the chip's alternate interrupt map: the seven interrupts the regular map puts
at IRQ 140-146 (USB, RF core RX/TX and error, AES, PKA, sleep timer, MAC timer) then arrive at IRQ
44, 26, 27, 30, 31, 32 and 33 (TI hw_ints.h). Renode ignores I_MAP (its sleep timer is wired to 145
only), so portable firmware keeps the regular map, the reset value.
"""

from __future__ import annotations

from collections.abc import Callable

from rig.emu.builtin.peripheral import IrqSink, Peripheral, PeripheralContext, TimerHandle
from rig.emu.builtin.storage import extract, merge

CLOCK_CTRL = 0x00
CLOCK_STA = 0x04
I_MAP = 0x98
SETTLE_CYCLES = 320  # 10 us
CTRL_RESET = 0x03010101  # OSC32K (RC), OSC (16 MHz RC), IO_DIV 16 MHz, SYS_DIV 16 MHz
STA_FOLLOWS = 0x03010707  # OSC32K_CALDIS, OSC32K, OSC, IO_DIV, SYS_DIV
STA_STABLE = (1 << 19) | (1 << 18)  # XOSC_STB, HSOSC_STB: oscillators always stable (bit 20,
# SOURCE_CHANGE, stays 0: the switch is over when CLOCK_STA.OSC follows)
SYNC_32K = 1 << 26
RST_SHIFT = 22
RESET_CAUSES = {"power-on": 0, "external": 1, "watchdog": 2, "sysresetreq": 3}
CYCLES_PER_32K = 32_000_000 / 32768
ALTMAP = 1
# regular-map IRQ -> alternate-map IRQ
ALTERNATE_IRQ = {140: 44, 141: 26, 142: 27, 143: 30, 144: 31, 145: 32, 146: 33}


class InterruptMap:
    """The IrqSink the peripherals see: they name their lines in the regular map, and this routes
    them to where the chip delivers them under the current I_MAP (a high line moves with it)."""

    def __init__(self, nvic: IrqSink) -> None:
        self._nvic = nvic
        self.alternate = False
        self._high: set[int] = set()

    def route(self, irq: int) -> int:
        return ALTERNATE_IRQ.get(irq, irq) if self.alternate else irq

    def set_irq(self, irq: int, level: bool) -> None:
        if level:
            self._high.add(irq)
        else:
            self._high.discard(irq)
        self._nvic.set_irq(self.route(irq), level)

    def select(self, alternate: bool) -> None:
        if alternate == self.alternate:
            return
        moved = sorted(i for i in self._high if i in ALTERNATE_IRQ)
        for irq in moved:
            self._nvic.set_irq(self.route(irq), False)
        self.alternate = alternate
        for irq in moved:
            self._nvic.set_irq(self.route(irq), True)


class SysCtrl(Peripheral):
    name = "sysctrl"
    base = 0x400D2000
    size = 0x1000

    def __init__(self, ctx: PeripheralContext, on_map: Callable[[bool], None] = lambda alternate: None) -> None:
        super().__init__(ctx)
        self._on_map = on_map  # told the interrupt map I_MAP selects (True: alternate)
        self._settle: TimerHandle | None = None
        self.reset_cause = "power-on"
        self.reset()

    def reset(self) -> None:
        if self._settle is not None:
            self._settle.cancel()
        self._settle = None
        self.regs: dict[int, int] = {CLOCK_CTRL: CTRL_RESET}
        self._sta = CTRL_RESET & STA_FOLLOWS
        self._on_map(False)

    @property
    def alt_map(self) -> bool:
        return bool(self.regs.get(I_MAP, 0) & ALTMAP)

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
        if aligned == I_MAP:
            self._on_map(self.alt_map)
        if aligned == CLOCK_CTRL:
            if self._settle is not None:
                self._settle.cancel()
            self._settle = self.ctx.scheduler.schedule(self.ctx.scheduler.cycles + SETTLE_CYCLES,
                                                       self._settled)

    def _settled(self) -> None:
        self._settle = None
        self._sta = self.regs.get(CLOCK_CTRL, 0) & STA_FOLLOWS
