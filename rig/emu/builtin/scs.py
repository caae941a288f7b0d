"""System control space (0xE000E000): NVIC registers, SCB and SysTick of the Cortex-M3."""

from __future__ import annotations

from collections.abc import Callable

from rig.emu.builtin.nvic import NMI, NUM_IRQS, PENDSV, SYSTICK, Nvic
from rig.emu.builtin.peripheral import Peripheral, PeripheralContext, TimerHandle

CPUID = 0x412FC231  # ARM Cortex-M3 r2p1
VECTKEY = 0x05FA


class SysTick:
    """24-bit down-counter clocked by the core clock (32 MHz here; Renode uses 1 MHz: firmware must
    not derive time from it). Wraps (1 -> 0) raise COUNTFLAG and, with TICKINT, the SysTick exception."""

    def __init__(self, ctx: PeripheralContext, nvic: Nvic) -> None:
        self.ctx = ctx
        self.nvic = nvic
        self._timer: TimerHandle | None = None
        self.reset()

    def reset(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer = None
        self.csr = 0x4  # CLKSOURCE = core clock
        self.rvr = 0
        self._anchor = 0  # cycle at which the counter held _anchor_val
        self._anchor_val = 0
        self.countflag = False

    @property
    def enabled(self) -> bool:
        return bool(self.csr & 1)

    def value(self) -> int:
        if not self.enabled:
            return self._anchor_val
        elapsed = self.ctx.scheduler.cycles - self._anchor
        if elapsed <= self._anchor_val:
            return self._anchor_val - elapsed
        period = self.rvr + 1
        if self.rvr == 0:
            return 0
        return self.rvr - ((elapsed - self._anchor_val - 1) % period)

    def _arm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if not self.enabled or (self.rvr == 0 and self._anchor_val == 0):
            return
        now = self.ctx.scheduler.cycles
        current = self.value()
        # cycles until the counter next goes 1 -> 0
        delta = current if current > 0 else self.rvr + 1
        self._anchor, self._anchor_val = now, current
        self._timer = self.ctx.scheduler.schedule(now + max(delta, 1), self._wrap)

    def _wrap(self) -> None:
        self._timer = None
        self.countflag = True
        if self.csr & 2:
            self.nvic.pend(SYSTICK)
        self._anchor, self._anchor_val = self.ctx.scheduler.cycles, 0
        if self.rvr:
            self._timer = self.ctx.scheduler.schedule(self._anchor + self.rvr + 1, self._wrap)

    def read(self, offset: int) -> int:
        if offset == 0x10:
            value = self.csr | (0x10000 if self.countflag else 0)
            self.countflag = False
            return value
        if offset == 0x14:
            return self.rvr
        if offset == 0x18:
            return self.value()
        if offset == 0x1C:
            return 0x80000000 | (320000 - 1)  # NOREF; TENMS at 32 MHz
        return 0

    def write(self, offset: int, value: int) -> None:
        if offset == 0x10:
            was = self.enabled
            current = self.value()
            self.csr = (value & 0x7) | 0x4
            if self.enabled and not was:
                self._anchor, self._anchor_val = self.ctx.scheduler.cycles, current
            elif not self.enabled:
                self._anchor_val = current
            self._arm()
        elif offset == 0x14:
            self.rvr = value & 0xFFFFFF
            if self.enabled and self._timer is None:
                self._arm()
        elif offset == 0x18:
            self._anchor, self._anchor_val = self.ctx.scheduler.cycles, 0
            self.countflag = False
            self._arm()


class SystemControlSpace(Peripheral):
    name = "scs"
    base = 0xE000E000
    size = 0x1000

    def __init__(self, ctx: PeripheralContext, nvic: Nvic, ipsr: Callable[[], int],
                 request_reset: Callable[[str], None]) -> None:
        super().__init__(ctx)
        self.nvic = nvic
        self.systick = SysTick(ctx, nvic)
        self._ipsr = ipsr
        self._request_reset = request_reset
        self.reset()

    def reset(self) -> None:
        self.vtor = 0
        self.scr = 0
        self.ccr = 0x200  # STKALIGN
        self.actlr = 0
        self.demcr = 0
        # fault status and address registers: latched only by nodes that take fault exceptions
        self.cfsr = self.hfsr = self.mmfar = self.bfar = 0
        self.systick.reset()

    # byte-addressable priority registers: NVIC IPR (0x400..) and SHPR1-3 (0xD18..0xD23)
    @staticmethod
    def _prio_exc(offset: int) -> int | None:
        if 0x400 <= offset < 0x400 + NUM_IRQS:
            return 16 + offset - 0x400
        if 0xD18 <= offset < 0xD24:
            return 4 + offset - 0xD18
        return None

    def read(self, offset: int, size: int) -> int:
        exc = self._prio_exc(offset)
        if exc is not None:
            value = 0
            for i in range(size):
                e = exc + i
                if 4 <= e < len(self.nvic.prio):
                    value |= (self.nvic.prio[e] & 0xFF) << (8 * i)
            return value
        aligned = offset & ~3
        word = self._read_word(aligned)
        return (word >> (8 * (offset & 3))) & ((1 << (8 * size)) - 1)

    def _read_word(self, offset: int) -> int:
        nvic = self.nvic
        if offset == 0x004:
            return (NUM_IRQS + 31) // 32 - 1
        if offset == 0x008:
            return self.actlr
        if 0x010 <= offset < 0x020:
            return self.systick.read(offset)
        if 0x100 <= offset < 0x400:
            return nvic.read(offset)
        if offset == 0xD00:
            return CPUID
        if offset == 0xD04:
            return self._icsr()
        if offset == 0xD08:
            return self.vtor
        if offset == 0xD0C:
            return (0xFA05 << 16) | (nvic.prigroup << 8)
        if offset == 0xD10:
            return self.scr
        if offset == 0xD14:
            return self.ccr
        if offset == 0xD24:
            return self._shcsr()
        if offset == 0xD28:
            return self.cfsr
        if offset == 0xD2C:
            return self.hfsr
        if offset == 0xD34:
            return self.mmfar
        if offset == 0xD38:
            return self.bfar
        if offset == 0xDFC:
            return self.demcr
        return 0

    def _icsr(self) -> int:
        nvic = self.nvic
        ipsr = self._ipsr()
        value = ipsr & 0x1FF
        active_count = bin(nvic.active).count("1")
        if active_count <= 1:
            value |= 1 << 11  # RETTOBASE
        value |= (nvic.best_pending() & 0x1FF) << 12
        if nvic.pending >> 16:
            value |= 1 << 22
        if nvic.pending & (1 << SYSTICK):
            value |= 1 << 26
        if nvic.pending & (1 << PENDSV):
            value |= 1 << 28
        if nvic.pending & (1 << NMI):
            value |= 1 << 31
        return value

    def _shcsr(self) -> int:
        a = self.nvic.active
        value = self.nvic.system_enabled
        for bit, exc in ((0, 4), (1, 5), (3, 6), (7, 11), (8, 12), (10, 14), (11, 15)):
            if a & (1 << exc):
                value |= 1 << bit
        return value

    def write(self, offset: int, size: int, value: int) -> None:
        exc = self._prio_exc(offset)
        if exc is not None:
            for i in range(size):
                self.nvic.write_prio_byte(exc + i, (value >> (8 * i)) & 0xFF)
            return
        aligned = offset & ~3
        if size < 4:  # narrow write to a word register: merge with the current contents
            shift = 8 * (offset & 3)
            mask = ((1 << (8 * size)) - 1) << shift
            # (write-1 registers: the other bytes write 0, nothing is set, cleared or disabled)
            current = self._read_word(aligned) if aligned not in (0x100, 0x180, 0x200, 0x280, 0xD28, 0xD2C) else 0
            value = (current & ~mask) | ((value << shift) & mask)
        self._write_word(aligned, value & 0xFFFFFFFF)

    def _write_word(self, offset: int, value: int) -> None:
        nvic = self.nvic
        if offset == 0x008:
            self.actlr = value & 0x7
        elif 0x010 <= offset < 0x020:
            self.systick.write(offset, value)
        elif 0x100 <= offset < 0x300:
            nvic.write(offset, value)
        elif offset == 0xD04:
            if value & (1 << 28):
                nvic.pend(PENDSV)
            elif value & (1 << 27):
                nvic.unpend(PENDSV)
            if value & (1 << 26):
                nvic.pend(SYSTICK)
            elif value & (1 << 25):
                nvic.unpend(SYSTICK)
        elif offset == 0xD08:
            self.vtor = value & 0x3FFFFF80
        elif offset == 0xD0C:
            if value >> 16 != VECTKEY:
                return  # writes without the key are ignored, as on the chip
            nvic.prigroup = (value >> 8) & 7
            nvic.on_prigroup_change()
            if value & 0x5:  # SYSRESETREQ (or VECTRESET): warm reset at the next sync point
                self._request_reset("sysresetreq")
        elif offset == 0xD10:
            self.scr = value & 0x16
        elif offset == 0xD14:
            self.ccr = (value & 0x31B) | 0x200
        elif offset == 0xD24:
            nvic.system_enabled = value & 0x70000
        elif offset == 0xD28:
            self.cfsr &= ~value  # write 1 to clear
        elif offset == 0xD2C:
            self.hfsr &= ~value
        elif offset == 0xD34:
            self.mmfar = value
        elif offset == 0xD38:
            self.bfar = value
        elif offset == 0xDFC:
            self.demcr = value & 0x010F07F1
        elif offset == 0xF00:
            irq = value & 0x1FF
            if irq < NUM_IRQS:
                nvic.pend(16 + irq)
