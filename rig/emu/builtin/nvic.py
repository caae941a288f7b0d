"""NVIC and exception state of the Cortex-M3: enables, pending/active bits, priorities, preemption.

Exception numbers: 1 Reset, 2 NMI, 3 HardFault, 4 MemManage, 5 BusFault, 6 UsageFault, 11 SVCall,
12 DebugMonitor, 14 PendSV, 15 SysTick, 16 + n external IRQ n. The CC2538 implements 3 priority bits
(the top bits of each priority byte) and 163 external interrupts.
"""

from __future__ import annotations

from collections.abc import Callable

NUM_IRQS = 163
NUM_EXC = 16 + NUM_IRQS
PRIO_BITS_MASK = 0xE0  # 3 implemented priority bits
NO_PRIORITY = 256  # thread mode, nothing active
SVCALL, PENDSV, SYSTICK = 11, 14, 15
HARDFAULT, NMI = 3, 2
# System handlers whose priority is set through SHPR1-3 (byte index = exception number - 4)
CONFIGURABLE_SYSTEM = (4, 5, 6, 11, 12, 14, 15)


class Nvic:
    """Interrupt state. `on_change()` is called whenever something that may change the
    preemption decision changes, so the core can refresh what its block hook looks at."""

    def __init__(self, on_change: Callable[[], None]) -> None:
        self._on_change = on_change
        self.reset()

    def reset(self) -> None:
        self.enabled = 0  # bit n: external IRQ n enabled
        self.lines = 0  # bit n: external IRQ line n is high
        self.pending = 0  # bit e: exception e pending
        self.active = 0  # bit e: exception e active
        self.prio = [0] * NUM_EXC
        self.prio[1], self.prio[2], self.prio[3] = -3, -2, -1
        self.prigroup = 0
        self.system_enabled = 0  # SHCSR enables of MemManage/BusFault/UsageFault (bits 16-18)

    # --- priorities ---------------------------------------------------------------------------------
    def group_prio(self, exc: int) -> int:
        p = self.prio[exc]
        if p < 0:
            return p
        return p & ((0xFF << (self.prigroup + 1)) & 0xFF)

    def execution_priority(self) -> int:
        """Priority of the running context from active exceptions only (PRIMASK/BASEPRI excluded)."""
        active = self.active
        best = NO_PRIORITY
        while active:
            low = active & -active
            best = min(best, self.group_prio(low.bit_length() - 1))
            active ^= low
        return best

    def best_pending(self) -> int:
        """The pending exception that would be taken next (0: none)."""
        candidates = self.pending & ((self.enabled << 16) | 0xFFFF)
        best, key = 0, (999, 999, 999)
        while candidates:
            low = candidates & -candidates
            candidates ^= low
            exc = low.bit_length() - 1
            k = (self.group_prio(exc), self.prio[exc], exc)
            if k < key:
                best, key = exc, k
        return best

    def preempting(self) -> tuple[int, int]:
        """(exception, group priority) of the pending exception able to preempt the active ones,
        or (0, NO_PRIORITY)."""
        exc = self.best_pending()
        if exc == 0:
            return 0, NO_PRIORITY
        prio = self.group_prio(exc)
        if prio < self.execution_priority():
            return exc, prio
        return 0, NO_PRIORITY

    # --- state changes ------------------------------------------------------------------------------
    def set_irq(self, irq: int, level: bool) -> None:
        if not 0 <= irq < NUM_IRQS:
            return
        bit = 1 << irq
        if level:
            self.lines |= bit
            self.pending |= bit << 16
        else:
            self.lines &= ~bit
        self._on_change()

    def pend(self, exc: int) -> None:
        self.pending |= 1 << exc
        self._on_change()

    def unpend(self, exc: int) -> None:
        self.pending &= ~(1 << exc)
        if exc >= 16 and (self.lines >> (exc - 16)) & 1:
            self.pending |= 1 << exc  # level-sensitive: a high line re-pends at once
        self._on_change()

    def activate(self, exc: int) -> None:
        self.pending &= ~(1 << exc)
        self.active |= 1 << exc
        self._on_change()

    def deactivate(self, exc: int) -> None:
        self.active &= ~(1 << exc)
        if exc >= 16 and (self.lines >> (exc - 16)) & 1:
            self.pending |= 1 << exc  # line still high after the handler: pending again
        self._on_change()

    # --- NVIC registers (offsets from 0xE000E000) ---------------------------------------------------
    def read(self, offset: int) -> int:
        index = (offset & 0x7F) >> 2
        if 0x100 <= offset < 0x180:  # ISER
            return (self.enabled >> (32 * index)) & 0xFFFFFFFF
        if 0x180 <= offset < 0x200:  # ICER
            return (self.enabled >> (32 * index)) & 0xFFFFFFFF
        if 0x200 <= offset < 0x300:  # ISPR / ICPR
            return (self.pending >> (16 + 32 * index)) & 0xFFFFFFFF
        if 0x300 <= offset < 0x380:  # IABR
            return (self.active >> (16 + 32 * index)) & 0xFFFFFFFF
        if 0x400 <= offset < 0x400 + NUM_IRQS:
            base = 16 + (offset - 0x400)
            value = 0
            for i in range(4):
                if base + i < NUM_EXC:
                    value |= (self.prio[base + i] & 0xFF) << (8 * i)
            return value
        return 0

    def write(self, offset: int, value: int) -> None:
        index = (offset & 0x7F) >> 2
        mask = (value & 0xFFFFFFFF) << (32 * index)
        limit = (1 << NUM_IRQS) - 1
        if 0x100 <= offset < 0x180:
            self.enabled |= mask & limit
        elif 0x180 <= offset < 0x200:
            self.enabled &= ~mask
        elif 0x200 <= offset < 0x280:
            self.pending |= (mask & limit) << 16
        elif 0x280 <= offset < 0x300:
            self.pending &= ~(mask << 16)
            self.pending |= (self.lines & mask) << 16
        else:
            return
        self._on_change()

    def write_prio_byte(self, exc: int, value: int) -> None:
        if 4 <= exc < NUM_EXC:
            self.prio[exc] = value & PRIO_BITS_MASK
            self._on_change()

    def pending_irq_number(self) -> int:
        return self.best_pending()

    def on_prigroup_change(self) -> None:
        self._on_change()
