"""UART0 (0x4000C000): PL011-like registers (Renode's register set), real-chip receive timing.

TX is instant: each DR write (accepted only while CTL.UARTEN and CTL.TXE are set) goes to `on_tx`.

RX follows the real PL011/CC2538 rather than Renode's "interrupt per character": host bytes wait in
an unbounded host queue and cross the wire one character time apart into the 16-byte FIFO (1-byte
holding register when LCRH.FEN is clear). When the FIFO is full the wire stalls until the firmware
reads (no loss, like hardware flow control). RXRIS is raised when a character arrives with the FIFO
at or above the IFLS trigger level (reset: half full, 8 bytes) and cleared when reads take the FIFO
below it; RTRIS (receive timeout) is raised when the FIFO holds data and nothing has arrived for 32
bit periods; reading the FIFO empty clears both. Firmware that enables RXIM and RTIM and drains the
FIFO in its handler works here, on Renode and on the chip.

Arrivals are computed lazily (on register access and at the next interrupt-relevant moment), so a
burst of input costs one timer per interrupt, not one per character.

The character time follows the programmed line like the chip: baud = clock / (16 * (IBRD + FBRD/64))
(divider 8 with CTL.HSE), clock 32 MHz (UART_CC = 0, the system/IO clock our firmware runs at 32 MHz)
or 16 MHz (UART_CC = 1, PIOSC), bits = start + LCRH.WLEN data bits + parity + 1-2 stop bits. Until a
divisor is programmed (IBRD = 0, which stops a real PL011) the wire runs at 115200 baud 8N1 so that
firmware relying on Renode's divisor-blind model still receives. DMACTL is plain storage.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

from rig.emu.builtin.peripheral import Peripheral, PeripheralContext, TimerHandle
from rig.emu.builtin.storage import extract, merge

DR, RSR, FR, IBRD, FBRD, LCRH, CTL, IFLS, IM, RIS, MIS, ICR, DMACTL, CC = (
    0x00, 0x04, 0x18, 0x24, 0x28, 0x2C, 0x30, 0x34, 0x38, 0x3C, 0x40, 0x44, 0x48, 0xFC)
FR_BUSY, FR_RXFE, FR_TXFF, FR_RXFF, FR_TXFE = 1 << 3, 1 << 4, 1 << 5, 1 << 6, 1 << 7
CTL_UARTEN, CTL_HSE, CTL_TXE, CTL_RXE = 1 << 0, 1 << 5, 1 << 8, 1 << 9
LCRH_PEN, LCRH_STP2, LCRH_FEN = 1 << 1, 1 << 3, 1 << 4
INT_RX, INT_TX, INT_RT, INT_OE = 1 << 4, 1 << 5, 1 << 6, 1 << 10
FIFO_DEPTH = 16
RX_TRIGGER = (2, 4, 8, 12, 14)  # IFLS.RXIFLSEL 0..4: 1/8 .. 7/8 full
IFLS_RESET = 0x12  # RX and TX at 1/2
CPU_HZ = 32_000_000
DEFAULT_BAUD = 115200  # while no divisor is programmed
BIT_CYCLES = CPU_HZ / DEFAULT_BAUD
CHAR_CYCLES = round(10 * BIT_CYCLES)  # one character at 115200 baud, 8N1
TIMEOUT_CYCLES = round(32 * BIT_CYCLES)  # receive timeout: 32 bit periods without a character


def line_timing(ibrd: int, fbrd: int, ctl: int, lcrh: int, cc: int) -> tuple[int, int]:
    """(character, receive-timeout) times in CPU cycles for the programmed line."""
    divisor = (ibrd & 0xFFFF) + (fbrd & 0x3F) / 64
    if (ibrd & 0xFFFF) == 0:
        return CHAR_CYCLES, TIMEOUT_CYCLES
    clock = 16_000_000 if cc & 1 else CPU_HZ
    bit = (8 if ctl & CTL_HSE else 16) * divisor * CPU_HZ / clock
    bits = 1 + 5 + ((lcrh >> 5) & 3) + (1 if lcrh & LCRH_PEN else 0) + (2 if lcrh & LCRH_STP2 else 1)
    return max(1, round(bits * bit)), max(1, round(32 * bit))


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
        self._timer_at = -1
        self.refused = 0  # DR writes dropped because UARTEN or TXE was clear (the first one warns)
        self.reset()

    def reset(self) -> None:
        self._cancel()
        self.regs: dict[int, int] = {CTL: 0x300, IFLS: IFLS_RESET}
        self.fifo: deque[int] = deque()
        self.ris = 0
        self._irq_level = False
        self._char, self._timeout = CHAR_CYCLES, TIMEOUT_CYCLES
        self._next_arrival: int | None = None  # when the head of host_queue will be in the FIFO
        self._last_arrival = 0
        # the arrival whose receive timeout ICR acknowledged: RT is an event (32 bit periods after the
        # last character), not a level, so it stays clear until another character arrives
        self._rt_acked: int | None = None
        # bytes the host sent before a reset stay in the host queue: the wire still holds them

    # --- host side ---------------------------------------------------------------------------------
    def host_write(self, data: bytes) -> None:
        if not data:
            return
        self.host_queue.extend(data)
        self._sync()

    # --- the wire -----------------------------------------------------------------------------------
    def _receiving(self) -> bool:
        ctl = self.regs.get(CTL, 0)
        return bool(ctl & CTL_UARTEN and ctl & CTL_RXE)

    def _depth(self) -> int:
        return FIFO_DEPTH if self.regs.get(LCRH, 0) & LCRH_FEN else 1

    def _trigger(self) -> int:
        if not self.regs.get(LCRH, 0) & LCRH_FEN:
            return 1
        return RX_TRIGGER[min((self.regs.get(IFLS, IFLS_RESET) >> 3) & 7, 4)]

    def _catch_up(self, now: int) -> None:
        """Move every character that has finished crossing the wire by `now` into the FIFO."""
        depth, trigger = self._depth(), self._trigger()
        fifo, queue = self.fifo, self.host_queue
        while self._next_arrival is not None and self._next_arrival <= now:
            if len(fifo) >= depth or not queue:
                self._next_arrival = None  # stalled (FIFO full) or nothing left to send
                break
            at = self._next_arrival
            fifo.append(queue.popleft())
            self._last_arrival = at
            if len(fifo) >= trigger:
                self.ris |= INT_RX
            self._next_arrival = at + self._char if queue else None
        if (fifo and now - self._last_arrival >= self._timeout and self._rt_acked != self._last_arrival
                and (self._next_arrival is None or self._next_arrival - self._last_arrival > self._timeout)):
            self.ris |= INT_RT
        if self._next_arrival is None and queue and self._receiving() and len(fifo) < depth:
            self._next_arrival = now + self._char  # wire (re)starts: enabled, or room again

    def _next_event(self) -> int | None:
        """The next moment RIS could change by itself (an arrival reaching the trigger, a timeout)."""
        if not self._receiving():
            return None
        fifo, depth, trigger = len(self.fifo), self._depth(), self._trigger()
        events: list[int] = []
        arriving = 0
        first = self._next_arrival
        if first is not None:
            arriving = min(len(self.host_queue), depth - fifo)
            if not self.ris & INT_RX and arriving > 0:
                need = max(1, trigger - fifo)
                if need <= arriving:
                    events.append(first + (need - 1) * self._char)
            if arriving < len(self.host_queue):
                events.append(first + arriving * self._char)  # FIFO full: the wire stalls there
        if not self.ris & INT_RT and (arriving or (fifo and self._rt_acked != self._last_arrival)):
            last = first + (arriving - 1) * self._char if first is not None and arriving else self._last_arrival
            events.append(last + self._timeout)
        return min(events) if events else None

    def _cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer = None
        self._timer_at = -1

    def _sync(self) -> None:
        """Bring the FIFO up to date, drive the IRQ line, and arm the timer for the next event."""
        now = self.ctx.scheduler.cycles
        self._catch_up(now)
        self._update_irq()
        at = self._next_event()
        if at is not None and at <= now:
            at = now + 1
        # an armed timer later than needed is replaced; an earlier one is kept (it only re-syncs)
        if at is not None and (self._timer is None or at < self._timer_at):
            self._cancel()
            self._timer = self.ctx.scheduler.schedule(at, self._on_timer)
            self._timer_at = at

    def _on_timer(self) -> None:
        self._timer = None
        self._timer_at = -1
        self._sync()

    # --- registers ----------------------------------------------------------------------------------
    def _update_irq(self) -> None:
        level = bool(self.ris & self.regs.get(IM, 0))
        if level != self._irq_level:
            self._irq_level = level
            self.ctx.irq.set_irq(self.irq_number, level)

    def read(self, offset: int, size: int) -> int:
        aligned = offset & ~3
        if aligned == DR:
            self._catch_up(self.ctx.scheduler.cycles)
            if not self.fifo:
                return 0
            byte = self.fifo.popleft()
            if len(self.fifo) < self._trigger():
                self.ris &= ~INT_RX
            if not self.fifo:
                self.ris &= ~(INT_RX | INT_RT)
            self._sync()
            return byte
        if aligned == FR:
            self._catch_up(self.ctx.scheduler.cycles)
            value = FR_TXFE
            value |= FR_RXFF if len(self.fifo) >= self._depth() else 0
            value |= 0 if self.fifo else FR_RXFE
            return extract(value, offset, size)
        if aligned in (RIS, MIS):
            self._sync()
            value = self.ris if aligned == RIS else self.ris & self.regs.get(IM, 0)
            return extract(value, offset, size)
        return extract(self.regs.get(aligned, 0), offset, size)

    def _refuse(self, ctl: int, value: int) -> None:
        self.refused += 1
        if self.refused == 1:
            missing = " and ".join(n for n, bit in (("UARTEN", CTL_UARTEN), ("TXE", CTL_TXE)) if not ctl & bit)
            self.ctx.warn(f"UART0 DR write of 0x{value & 0xFF:02x} dropped: CTL 0x{ctl:03x} has {missing} clear "
                          "(nothing is sent, as on the chip: set UART0_CTL's UARTEN (bit 0) and TXE (bit 8) first)")

    def write(self, offset: int, size: int, value: int) -> None:
        aligned = offset & ~3
        if aligned == DR:
            ctl = self.regs.get(CTL, 0)
            if ctl & CTL_UARTEN and ctl & CTL_TXE:
                self.on_tx(value & 0xFF)
                self.ris |= INT_TX
                self._update_irq()
            else:
                self._refuse(ctl, value)
            return
        if aligned == ICR:
            self._catch_up(self.ctx.scheduler.cycles)
            if value & self.ris & INT_RT:
                self._rt_acked = self._last_arrival
            self.ris &= ~value
            self._sync()
            return
        if aligned in (FR, RIS, MIS):
            return
        if aligned in (IBRD, FBRD, LCRH, CTL, CC):
            self._catch_up(self.ctx.scheduler.cycles)  # what crossed the old line stays counted
        self.regs[aligned] = merge(self.regs.get(aligned, 0), offset, size, value)
        if aligned in (IBRD, FBRD, LCRH, CTL, CC):
            # the line changes from here on (a real PL011 latches IBRD/FBRD on the LCRH write)
            regs = self.regs
            self._char, self._timeout = line_timing(regs.get(IBRD, 0), regs.get(FBRD, 0), regs.get(CTL, 0),
                                                    regs.get(LCRH, 0), regs.get(CC, 0))
        if aligned == CTL and not self._receiving():  # caught up above, before the write
            self._next_arrival = None  # the wire pauses; queued host bytes wait
        if aligned in (IM, CTL, LCRH, IFLS):
            self._sync()
