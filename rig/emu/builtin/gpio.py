"""GPIO ports A-D (0x400D9000 + 0x1000 * n): DATA masked by address bits [9:2], DIR, AFSEL and
edge/level interrupts (IRQ 0-3). Output levels are observable; every output change is recorded with
its virtual time (`changes`) so tests can check blink timing."""

from __future__ import annotations

from collections.abc import Callable

from rig.emu.builtin.peripheral import Peripheral, PeripheralContext
from rig.emu.builtin.storage import extract, merge

DIR, IS, IBE, IEV, IE, RIS, MIS, IC, AFSEL = 0x400, 0x404, 0x408, 0x40C, 0x410, 0x414, 0x418, 0x41C, 0x420
PORT_BASES = {"A": 0x400D9000, "B": 0x400DA000, "C": 0x400DB000, "D": 0x400DC000}
MAX_CHANGES = 100_000


class GpioPort(Peripheral):
    size = 0x1000

    def __init__(self, ctx: PeripheralContext, port: str,
                 on_change: Callable[[str, int, bool, int], None] | None = None) -> None:
        super().__init__(ctx)
        self.port = port
        self.name = f"gpio{port}"
        self.base = PORT_BASES[port]
        self.irq_number = "ABCD".index(port)
        self.on_change = on_change
        self.inputs = 0  # pin levels driven from outside
        self.reset()

    def reset(self) -> None:
        self.data = 0
        self.regs: dict[int, int] = {}
        self.ris = 0
        self._irq_level = False

    def output_levels(self) -> int:
        """Pin levels as the outside sees them: output latch where DIR is set, inputs elsewhere."""
        d = self.regs.get(DIR, 0)
        return (self.data & d) | (self.inputs & ~d & 0xFF)

    def read(self, offset: int, size: int) -> int:
        if offset < 0x400:
            mask = (offset >> 2) & 0xFF
            return self.output_levels() & mask
        aligned = offset & ~3
        if aligned == RIS:
            return extract(self.ris, offset, size)
        if aligned == MIS:
            return extract(self.ris & self.regs.get(IE, 0), offset, size)
        return extract(self.regs.get(aligned, 0), offset, size)

    def write(self, offset: int, size: int, value: int) -> None:
        if offset < 0x400:
            mask = (offset >> 2) & 0xFF
            before = self.output_levels()
            self.data = (self.data & ~mask) | (value & mask)
            self._report(before)
            return
        aligned = offset & ~3
        if aligned == IC:
            self.ris &= ~value
        elif aligned not in (RIS, MIS):
            before = self.output_levels()
            self.regs[aligned] = merge(self.regs.get(aligned, 0), offset, size, value) & 0xFF
            if aligned == DIR:
                self._report(before)
        self._update_irq()

    def _report(self, before: int) -> None:
        after = self.output_levels()
        changed = (before ^ after) & self.regs.get(DIR, 0)
        if changed and self.on_change is not None:
            now = self.ctx.scheduler.cycles
            for pin in range(8):
                if changed >> pin & 1:
                    self.on_change(self.port, pin, bool(after >> pin & 1), now)

    def set_input(self, pin: int, level: bool) -> None:
        """Drive an input pin from outside; edge/level interrupts as configured by IS/IBE/IEV."""
        bit = 1 << pin
        old = bool(self.inputs & bit)
        self.inputs = (self.inputs | bit) if level else (self.inputs & ~bit)
        if self.regs.get(DIR, 0) & bit:
            return
        wanted = level == bool(self.regs.get(IEV, 0) & bit)
        if self.regs.get(IS, 0) & bit:  # level-sensitive
            if wanted:
                self.ris |= bit
        elif old != level and (self.regs.get(IBE, 0) & bit or wanted):
            self.ris |= bit
        self._update_irq()

    def _update_irq(self) -> None:
        level = bool(self.ris & self.regs.get(IE, 0))
        if level != self._irq_level:
            self._irq_level = level
            self.ctx.irq.set_irq(self.irq_number, level)
