"""UART0 (0x4000C000): PL011-like registers as Renode models them, with the real chip's pacing.

TX is instant: each DR write (accepted only while CTL.UARTEN and CTL.TXE are set) goes to `on_tx`.
RX: host bytes wait in an unbounded host queue and enter the 16-byte hardware FIFO one character
time apart (10 bits at 115200 baud); when the FIFO is full the host queue holds back (no loss, like
hardware flow control). Every arriving character raises RXRIS (IRQ 5 when IM.RXIM is set); reading the
FIFO empty clears RXRIS/RTRIS. CC2538-only UART_CC (0xFC) and the baud registers are plain storage.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

from rig.emu.builtin.peripheral import Peripheral, PeripheralContext, TimerHandle
from rig.emu.builtin.storage import extract, merge

DR, RSR, FR, IBRD, FBRD, LCRH, CTL, IFLS, IM, RIS, MIS, ICR, DMACTL, CC = (
    0x00, 0x04, 0x18, 0x24, 0x28, 0x2C, 0x30, 0x34, 0x38, 0x3C, 0x40, 0x44, 0x48, 0xFC)
FR_BUSY, FR_RXFE, FR_TXFF, FR_RXFF, FR_TXFE = 1 << 3, 1 << 4, 1 << 5, 1 << 6, 1 << 7
CTL_UARTEN, CTL_TXE, CTL_RXE = 1 << 0, 1 << 8, 1 << 9
INT_RX, INT_TX, INT_RT, INT_OE = 1 << 4, 1 << 5, 1 << 6, 1 << 10
FIFO_DEPTH = 16
CHAR_CYCLES = 32_000_000 * 10 // 115200  # one character at 115200 baud, 8N1


class Uart(Peripheral):
    name = "uart0"
    base = 0x4000C000
    size = 0x1000
    irq_number = 5

    def __init__(self, ctx: PeripheralContext, on_tx: Callable[[int], None]) -> None:
        super().__init__(ctx)
        self.on_tx = on_tx
        self.host_queue: deque[int] = deque()
        self._timer: TimerHandle | None = None
        self.rx_dropped_disabled = 0
        self.reset()

    def reset(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer = None
        self.regs: dict[int, int] = {CTL: 0x300}
        self.fifo: deque[int] = deque()
        self.ris = 0
        self._irq_level = False
        # bytes the host sent before a reset stay in the host queue: the wire still holds them
        self._kick()

    # --- host side ---------------------------------------------------------------------------------
    def host_write(self, data: bytes) -> None:
        self.host_queue.extend(data)
        self._kick()

    def _receiving(self) -> bool:
        ctl = self.regs.get(CTL, 0)
        return bool(ctl & CTL_UARTEN and ctl & CTL_RXE)

    def _kick(self) -> None:
        if self._timer is None and self.host_queue and self._receiving() and len(self.fifo) < FIFO_DEPTH:
            self._timer = self.ctx.scheduler.schedule(self.ctx.scheduler.cycles + CHAR_CYCLES,
                                                      self._arrive)

    def _arrive(self) -> None:
        self._timer = None
        if self.host_queue and self._receiving() and len(self.fifo) < FIFO_DEPTH:
            self.fifo.append(self.host_queue.popleft())
            self.ris |= INT_RX | INT_RT
            self._update_irq()
        self._kick()

    # --- registers ----------------------------------------------------------------------------------
    def _update_irq(self) -> None:
        level = bool(self.ris & self.regs.get(IM, 0))
        if level != self._irq_level:
            self._irq_level = level
            self.ctx.irq.set_irq(self.irq_number, level)

    def read(self, offset: int, size: int) -> int:
        aligned = offset & ~3
        if aligned == DR:
            if not self.fifo:
                return 0
            byte = self.fifo.popleft()
            if not self.fifo:
                self.ris &= ~(INT_RX | INT_RT)
                self._update_irq()
            self._kick()
            return byte
        if aligned == FR:
            value = FR_TXFE
            value |= FR_RXFF if len(self.fifo) >= FIFO_DEPTH else 0
            value |= 0 if self.fifo else FR_RXFE
            return extract(value, offset, size)
        if aligned == RIS:
            return extract(self.ris, offset, size)
        if aligned == MIS:
            return extract(self.ris & self.regs.get(IM, 0), offset, size)
        return extract(self.regs.get(aligned, 0), offset, size)

    def write(self, offset: int, size: int, value: int) -> None:
        aligned = offset & ~3
        if aligned == DR:
            ctl = self.regs.get(CTL, 0)
            if ctl & CTL_UARTEN and ctl & CTL_TXE:
                self.on_tx(value & 0xFF)
                self.ris |= INT_TX
                self._update_irq()
            return
        if aligned == ICR:
            self.ris &= ~value
            self._update_irq()
            return
        if aligned in (FR, RIS, MIS):
            return
        self.regs[aligned] = merge(self.regs.get(aligned, 0), offset, size, value)
        if aligned == IM:
            self._update_irq()
        elif aligned == CTL:
            self._kick()
