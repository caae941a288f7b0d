"""Register-level behaviour of the builtin peripheral models (no CPU: a manual clock drives them)."""

from __future__ import annotations

import ctypes

import pytest

from rig.emu.builtin import memmap as mm
from rig.emu.builtin.clock.scheduler import Scheduler
from rig.emu.builtin.flashctrl import FlashCtrl
from rig.emu.builtin.gpio import GpioPort
from rig.emu.builtin.nvic import PENDSV, SYSTICK, Nvic
from rig.emu.builtin.peripheral import PeripheralContext
from rig.emu.builtin.scs import SystemControlSpace
from rig.emu.builtin.sleeptimer import SleepTimer
from rig.emu.builtin.sysctrl import InterruptMap, SysCtrl
from rig.emu.builtin.uart import CHAR_CYCLES, TIMEOUT_CYCLES, Uart, line_timing
from rig.emu.builtin.watchdog import Watchdog


class Clock:
    def __init__(self) -> None:
        self.now = 0
        self.irqs: list[tuple[int, bool]] = []
        self.syncs = 0
        self.scheduler = Scheduler(lambda: self.now, lambda at: None)
        self.ctx = PeripheralContext(self.scheduler, self, self.sync, "test")

    def set_irq(self, irq: int, level: bool) -> None:
        self.irqs.append((irq, level))

    def sync(self) -> None:
        self.syncs += 1

    def run_to(self, cycles: int) -> None:
        while True:
            due = self.scheduler.next_due()
            if due is None or due > cycles:
                break
            self.now = max(self.now, due)
            self.scheduler.run_due(self.now)
        self.now = cycles


@pytest.fixture
def clock() -> Clock:
    return Clock()


def test_sleep_timer_latches_and_fires_compare(clock: Clock) -> None:
    st = SleepTimer(clock.ctx)
    clock.run_to(32_000_000)  # 1 s = 32768 ticks
    assert st.read(0x00, 4) == 0x00  # 32768 = 0x8000: byte 0 latched
    clock.run_to(64_000_000)  # the latch holds until ST0 is read again
    assert st.read(0x04, 4) == 0x80
    assert st.read(0x10, 4) == 1  # STLOAD
    at = 65536 + 100
    for off, byte in ((0x0C, at >> 24), (0x08, (at >> 16) & 0xFF), (0x04, (at >> 8) & 0xFF)):
        st.write(off, 4, byte)
    clock.run_to(64_000_000 + 50 * 977)
    assert clock.irqs == []  # not committed before the ST0 write
    st.write(0x00, 4, at & 0xFF)
    clock.run_to(64_000_000 + 99 * 977)
    assert clock.irqs == []
    clock.run_to(64_000_000 + 101 * 977)
    assert clock.irqs == [(145, True), (145, False)]


def test_sleep_timer_compare_in_the_past_waits_for_wrap(clock: Clock) -> None:
    st = SleepTimer(clock.ctx)
    clock.run_to(1_000_000)
    st.write(0x00, 4, 0)  # compare 0: already passed
    clock.run_to(320_000_000)
    assert clock.irqs == []


def test_flash_controller_word_address_and_and_semantics(clock: Clock) -> None:
    flash = ctypes.create_string_buffer(b"\xff" * mm.FLASH_SIZE, mm.FLASH_SIZE)
    written: list[tuple[int, int]] = []
    fc = FlashCtrl(clock.ctx, flash, lambda a, n: written.append((a, n)), lambda: None)
    fc.write(0x0C, 4, 0x100)  # word 0x100 = byte offset 0x400
    assert fc.read(0x0C, 4) == 0x100  # the real chip reads back what it got (Renode: >> 2)
    fc.write(0x08, 4, 0x2)
    fc.write(0x10, 4, 0x12345678)
    assert fc.read(0x08, 4) & 0x2 == 0  # WRITE clears after the word
    assert fc.read(0x0C, 4) == 0x101  # auto-increment
    fc.write(0x08, 4, 0x2)
    fc.write(0x10, 4, 0xFFFF0000)
    assert flash.raw[0x400:0x408] == bytes.fromhex("78563412") + bytes.fromhex("0000ffff")
    fc.write(0x0C, 4, 0x100)
    fc.write(0x08, 4, 0x2)
    fc.write(0x10, 4, 0x0000FFFF)  # AND with the old contents: bits only go 1 -> 0
    assert flash.raw[0x400:0x404] == bytes.fromhex("78560000")
    fc.write(0x0C, 4, 0x1FF)  # any word of the 2 KiB page (words 0..0x1ff) selects it
    fc.write(0x08, 4, 0x1)  # ERASE
    assert flash.raw[0:0x800] == b"\xff" * 0x800
    assert fc.ops == 4 and fc.erases == 1
    assert written[-1] == (mm.FLASH_BASE, 0x800)
    fc.write(0x08, 4, 0x100 | 0x1)  # info page: refused
    assert fc.refused == 1


def test_flash_power_cut_skips_the_operation(clock: Clock) -> None:
    flash = ctypes.create_string_buffer(b"\xff" * mm.FLASH_SIZE, mm.FLASH_SIZE)
    cuts: list[int] = []
    fc = FlashCtrl(clock.ctx, flash, lambda a, n: None, lambda: cuts.append(fc.ops))
    fc.cut_power_at(2)
    for word in range(3):
        fc.write(0x0C, 4, word)
        fc.write(0x08, 4, 0x2)
        fc.write(0x10, 4, 0)
    assert cuts == [1]
    assert flash.raw[0:12] == b"\0\0\0\0" + b"\xff" * 8  # nothing after the cut


def test_uart_tx_gating(clock: Clock) -> None:
    sent: list[int] = []
    uart = Uart(clock.ctx, sent.append)
    uart.write(0x00, 4, ord("x"))
    assert sent == []  # UARTEN off at reset (CTL = 0x300)
    uart.write(0x30, 4, 0x301)
    uart.write(0x00, 4, ord("y"))
    assert sent == [ord("y")]
    assert uart.read(0x18, 4) & 0x90 == 0x90  # TXFE, RXFE


def test_uart_rx_fifo_trigger_timeout_and_flow_control(clock: Clock) -> None:
    uart = Uart(clock.ctx, lambda b: None)
    uart.write(0x2C, 4, 0x70)  # 8 bits, FEN
    uart.write(0x38, 4, 0x50)  # RXIM | RTIM
    uart.host_write(bytes(range(40)))
    clock.run_to(10**6)
    assert clock.irqs == []  # receiver disabled: the host bytes wait
    start = clock.now
    uart.write(0x30, 4, 0x301)
    clock.run_to(start + 8 * CHAR_CYCLES - 1)
    assert clock.irqs == []
    assert not uart.read(0x18, 4) & 0x10  # 7 bytes already readable by polling
    clock.run_to(start + 8 * CHAR_CYCLES)
    assert clock.irqs == [(5, True)]  # FIFO half full (IFLS reset value)
    assert uart.read(0x3C, 4) & 0x10
    clock.run_to(start + 100 * CHAR_CYCLES)
    assert uart.read(0x18, 4) & 0x40  # RXFF: 16 bytes held, the rest waits on the host side
    assert len(uart.host_queue) == 24
    got = [uart.read(0x00, 4) for _ in range(16)]
    assert got == list(range(16))
    assert clock.irqs[-1] == (5, False)  # FIFO empty: interrupts clear
    resumed = clock.now
    clock.run_to(resumed + 16 * CHAR_CYCLES)
    assert [uart.read(0x00, 4) for _ in range(16)] == list(range(16, 32))
    # the last 8 bytes: trigger reached at the 8th; after reading 5, 3 remain below the trigger
    clock.run_to(clock.now + 8 * CHAR_CYCLES)
    assert [uart.read(0x00, 4) for _ in range(5)] == list(range(32, 37))
    assert not uart.read(0x3C, 4) & 0x50
    clock.run_to(clock.now + TIMEOUT_CYCLES + 1)
    assert uart.read(0x3C, 4) & 0x40  # receive timeout: data waiting, nothing new
    assert clock.irqs[-1] == (5, True)
    assert [uart.read(0x00, 4) for _ in range(3)] == [37, 38, 39]
    assert uart.read(0x3C, 4) & 0x50 == 0 and clock.irqs[-1] == (5, False)


def test_uart_rx_without_fifo_interrupts_per_character(clock: Clock) -> None:
    uart = Uart(clock.ctx, lambda b: None)
    uart.write(0x30, 4, 0x301)
    uart.write(0x38, 4, 0x10)
    uart.host_write(b"ab")
    clock.run_to(CHAR_CYCLES)
    assert clock.irqs == [(5, True)]
    assert uart.read(0x18, 4) & 0x40  # RXFF with a 1-byte holding register
    clock.run_to(5 * CHAR_CYCLES)
    assert uart.read(0x00, 4) == ord("a")
    assert clock.irqs[-1] == (5, False)
    clock.run_to(clock.now + CHAR_CYCLES)
    assert uart.read(0x00, 4) == ord("b")


@pytest.mark.parametrize(("ibrd", "fbrd", "ctl", "lcrh", "cc", "char_cycles"), [
    (17, 23, 0x301, 0x70, 0, 2778),   # 115200 8N1 from 32 MHz: 10 bits of 277.8 cycles
    (4, 22, 0x301, 0x70, 0, 695),     # 460800 (the slip-radio firmware)
    (4, 22, 0x321, 0x70, 0, 348),     # HSE: divider 8 doubles the rate
    (8, 44, 0x301, 0x70, 1, 2780),    # PIOSC (16 MHz): divisors for 115200 at 16 MHz
    (17, 23, 0x301, 0x7A, 0, 3333),   # 8 bits + even parity + 2 stop bits = 12 bits
    (17, 23, 0x301, 0x10, 0, 1944),   # 5 data bits: 7 bits
    (0, 0, 0x301, 0x70, 0, CHAR_CYCLES),  # no divisor programmed: 115200 8N1
])
def test_uart_line_timing_follows_the_divisors(ibrd: int, fbrd: int, ctl: int, lcrh: int, cc: int,
                                               char_cycles: int) -> None:
    assert line_timing(ibrd, fbrd, ctl, lcrh, cc)[0] == char_cycles


def test_uart_rx_paced_at_the_programmed_rate(clock: Clock) -> None:
    uart = Uart(clock.ctx, lambda b: None)
    uart.write(0x24, 4, 4)  # IBRD/FBRD for 460800 baud
    uart.write(0x28, 4, 22)
    uart.write(0x2C, 4, 0x70)
    uart.write(0x30, 4, 0x301)
    start = clock.now
    uart.host_write(b"0123456789")
    char = line_timing(4, 22, 0x301, 0x70, 0)[0]
    clock.run_to(start + 4 * char - 1)
    uart.read(0x18, 4)  # arrivals are computed when the firmware looks
    assert bytes(uart.fifo) == b"012"
    clock.run_to(start + 10 * char)
    uart.read(0x18, 4)
    assert bytes(uart.fifo) == b"0123456789"  # a quarter of the 115200-baud time


def test_sysctrl_clock_status_settles(clock: Clock) -> None:
    sc = SysCtrl(clock.ctx)
    sc.write(0x00, 4, 0x01020000)  # OSC32K, OSC_PD, OSC = 0 (32 MHz crystal)
    assert sc.read(0x04, 4) & 0x01010000 == 0x01010000  # not yet
    clock.run_to(1000)
    assert sc.read(0x04, 4) & 0x01010000 == 0x01000000
    sc.write(0x98, 4, 1)
    assert sc.read(0x98, 4) == 1 and sc.alt_map
    sc.write(0x28, 4, 0x3)  # RCGCUART stored
    assert sc.read(0x28, 4) == 0x3


def test_sysctrl_clock_status_says_the_oscillators_are_stable_and_no_switch_is_on(clock: Clock) -> None:
    """TI's bits: SOURCE_CHANGE 20 (Contiki-NG's lpm.c spins while it is set), XOSC_STB 19,
    HSOSC_STB 18."""
    status = SysCtrl(clock.ctx).read(0x04, 4)
    assert status & (1 << 20) == 0
    assert status & (1 << 19) and status & (1 << 18)


class _Lines:
    def __init__(self) -> None:
        self.high: set[int] = set()

    def set_irq(self, irq: int, level: bool) -> None:
        (self.high.add if level else self.high.discard)(irq)


def test_i_map_moves_the_radio_and_sleep_timer_interrupts_to_the_alternate_map(clock: Clock) -> None:
    lines = _Lines()
    imap = InterruptMap(lines)
    sc = SysCtrl(clock.ctx, imap.select)
    imap.set_irq(141, True)  # the RF core's line is high
    imap.set_irq(5, True)  # UART0 has the same number in both maps
    assert lines.high == {141, 5}
    sc.write(0x98, 4, 1)  # ALTMAP: a high line moves with the map
    assert lines.high == {26, 5}
    imap.set_irq(145, True)
    imap.set_irq(145, False)
    assert lines.high == {26, 5}
    for regular, alternate in ((140, 44), (142, 27), (143, 30), (144, 31), (145, 32), (146, 33)):
        assert imap.route(regular) == alternate
    sc.write(0x98, 4, 0)
    assert lines.high == {141, 5}
    sc.write(0x98, 4, 1)
    sc.reset()  # a reset selects the regular map again
    assert lines.high == {141, 5} and not sc.alt_map


def test_watchdog_resets_unless_fed(clock: Clock) -> None:
    expired: list[int] = []
    wd = Watchdog(clock.ctx, lambda: expired.append(clock.now))
    clock.run_to(100_000_000)
    assert expired == []  # off until enabled
    wd.write(0, 4, 0x8 | 3)  # EN, 64 ticks = ~62.5k cycles
    for _ in range(10):
        clock.run_to(clock.now + 50_000)
        wd.write(0, 4, 0xA8 | 3)
        wd.write(0, 4, 0x58 | 3)
    assert expired == []
    clock.run_to(clock.now + 70_000)
    assert len(expired) == 1
    wd.write(0, 4, 0)  # cannot be turned off
    assert wd.read(0, 4) & 0x8


def test_gpio_masked_data_and_edge_interrupt(clock: Clock) -> None:
    changes: list[tuple[str, int, bool, int]] = []
    port = GpioPort(clock.ctx, "C", lambda *c: changes.append(c))
    port.write(0x400, 4, 0x0F)
    port.write(0x3 << 2, 4, 0xFF)  # only pins 0 and 1
    assert port.read(0x3FC, 4) == 0x03
    assert [(c[1], c[2]) for c in changes] == [(0, True), (1, True)]
    port.write(0x410, 4, 0x80)  # IE on PC7 (input), rising edge (IEV)
    port.write(0x40C, 4, 0x80)
    port.set_input(7, True)
    assert port.read(0x418, 4) == 0x80
    assert clock.irqs[-1] == (2, True)
    port.write(0x41C, 4, 0x80)
    assert clock.irqs[-1] == (2, False)


def test_nvic_priority_grouping_and_levels() -> None:
    changes: list[int] = []
    nvic = Nvic(lambda: changes.append(1))
    nvic.write(0x100, 0xFFFFFFFF)
    nvic.write_prio_byte(16 + 1, 0x60)
    nvic.write_prio_byte(16 + 2, 0x40)
    nvic.set_irq(1, True)
    nvic.set_irq(2, True)
    assert nvic.preempting()[0] == 16 + 2
    nvic.activate(16 + 2)
    nvic.set_irq(2, False)
    assert nvic.preempting() == (0, 256)  # 0x60 does not preempt 0x40
    nvic.prigroup = 6  # one group bit: 0x40 and 0x60 are both group 0x00: no preemption either
    nvic.deactivate(16 + 2)
    assert nvic.preempting()[0] == 16 + 1
    nvic.activate(16 + 1)
    nvic.deactivate(16 + 1)
    assert nvic.pending >> 17 & 1  # line 1 still high: pending again after the handler
    nvic.write(0x280, 1 << 1)  # ICPR cannot clear a high level-sensitive line
    assert nvic.pending >> 17 & 1


def test_scb_and_systick(clock: Clock) -> None:
    nvic = Nvic(lambda: None)
    resets: list[str] = []
    scs = SystemControlSpace(clock.ctx, nvic, lambda: 0, resets.append)
    assert scs.read(0xD00, 4) == 0x412FC231
    scs.write(0xD08, 4, 0x00200000)
    assert scs.read(0xD08, 4) == 0x00200000
    scs.write(0xD0C, 4, 0x4)  # no VECTKEY: ignored
    assert resets == []
    scs.write(0xD0C, 4, 0x05FA0304)
    assert resets == ["sysresetreq"] and nvic.prigroup == 3
    assert scs.read(0xD0C, 4) == 0xFA050300
    scs.write(0xD04, 4, 1 << 28)
    assert nvic.pending >> PENDSV & 1 and scs.read(0xD04, 4) & (1 << 28)
    scs.write(0xD22, 1, 0xFF)  # SHPR3 byte: PendSV priority
    assert nvic.prio[PENDSV] == 0xE0
    scs.write(0x014, 4, 999)
    scs.write(0x018, 4, 0)
    scs.write(0x010, 4, 0x7)
    clock.run_to(1000)
    assert nvic.pending >> SYSTICK & 1
    assert scs.read(0x010, 4) & 0x10000  # COUNTFLAG, cleared by the read
    assert not scs.read(0x010, 4) & 0x10000
    value = scs.read(0x018, 4)
    assert 0 <= value <= 999


def test_random_register_traffic_never_breaks_a_model(clock: Clock) -> None:
    """Firmware may poke any offset with any size and value: models must neither raise nor hang."""
    import random

    flash = ctypes.create_string_buffer(b"\xff" * mm.FLASH_SIZE, mm.FLASH_SIZE)
    nvic = Nvic(lambda: None)
    models = [
        SleepTimer(clock.ctx), SysCtrl(clock.ctx), Uart(clock.ctx, lambda b: None),
        GpioPort(clock.ctx, "A"), Watchdog(clock.ctx, lambda: None),
        FlashCtrl(clock.ctx, flash, lambda a, n: None, lambda: None),
        SystemControlSpace(clock.ctx, nvic, lambda: 0, lambda cause: None),
    ]
    rng = random.Random(1234)
    for step in range(20000):
        model = rng.choice(models)
        size = rng.choice((1, 2, 4))
        offset = rng.randrange(0, model.size) & ~(size - 1)
        if rng.random() < 0.5:
            value = model.read(offset, size)
            assert 0 <= value < (1 << (8 * size)) or (size == 4 and 0 <= value < (1 << 32))
        else:
            model.write(offset, size, rng.getrandbits(8 * size))
        if step % 100 == 0:
            clock.run_to(clock.now + rng.randrange(0, 100_000))
        if rng.random() < 0.001:
            model.reset()


def test_dwt_cycle_counter(clock: Clock) -> None:
    from rig.emu.builtin.dwt import Dwt

    dwt = Dwt(clock.ctx)
    clock.run_to(1000)
    assert dwt.read(0x04, 4) == 0  # not enabled
    dwt.write(0x00, 4, 1)
    clock.run_to(1500)
    assert dwt.read(0x04, 4) == 500
    dwt.write(0x04, 4, 0xFFFFFFFF)
    clock.run_to(1502)
    assert dwt.read(0x04, 4) == 1  # wraps
    dwt.write(0x00, 4, 0)
    clock.run_to(5000)
    assert dwt.read(0x04, 4) == 1


@pytest.mark.parametrize("seed", range(8))
def test_uart_rx_random_traffic_keeps_order_and_always_signals(seed: int) -> None:
    """Random host bursts and random interrupt-driven draining: every byte arrives once, in order,
    and data waiting in the FIFO always ends up raising the interrupt (no stuck receiver)."""
    import random

    rng = random.Random(seed)
    clock = Clock()
    uart = Uart(clock.ctx, lambda b: None)
    uart.write(0x2C, 4, 0x70 if rng.random() < 0.8 else 0x60)  # usually with the FIFO
    uart.write(0x34, 4, rng.randrange(5) << 3)  # any RX trigger level
    uart.write(0x38, 4, 0x50)
    uart.write(0x30, 4, 0x301)
    sent = bytearray()
    got = bytearray()
    for _ in range(300):
        if rng.random() < 0.3:
            chunk = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 60)))
            sent += chunk
            uart.host_write(chunk)
        clock.run_to(clock.now + rng.randrange(1, 40_000))
        line_high = bool(clock.irqs) and clock.irqs[-1][1]
        if line_high and rng.random() < 0.7:  # the "ISR": acknowledge, drain some or all
            uart.write(0x44, 4, uart.read(0x40, 4))
            limit = 99 if rng.random() < 0.7 else rng.randrange(1, 4)
            while not uart.read(0x18, 4) & 0x10 and limit:
                got.append(uart.read(0x00, 4))
                limit -= 1
    # then drain through interrupts only: while bytes stream in below the trigger level nothing is
    # signalled, but within a trigger's worth of characters plus a timeout something must be
    for _ in range(len(sent) + 10):
        if len(got) == len(sent):
            break
        clock.run_to(clock.now + 16 * CHAR_CYCLES + TIMEOUT_CYCLES)
        assert clock.irqs and clock.irqs[-1][1], "data waiting but no interrupt"
        uart.write(0x44, 4, uart.read(0x40, 4))
        while not uart.read(0x18, 4) & 0x10:
            got.append(uart.read(0x00, 4))
    assert bytes(got) == bytes(sent)


# --- tests added by the mutation audit (each kills a mutation the suite above let through) ----------


def test_sleep_timer_compare_fires_on_the_first_cycle_showing_the_tick(clock: Clock) -> None:
    from rig.emu.builtin.sleeptimer import ticks_at

    st = SleepTimer(clock.ctx)
    at = 1001  # 1001 * 15625 / 16 is not a whole cycle: the match is the next cycle (ceil)
    for off, byte in ((0x0C, 0), (0x08, 0), (0x04, at >> 8)):
        st.write(off, 4, byte)
    st.write(0x00, 4, at & 0xFF)
    due = clock.scheduler.next_due()
    assert due is not None
    assert ticks_at(due) == at and ticks_at(due - 1) == at - 1  # firmware reading ST in the ISR sees >= compare
    clock.run_to(due - 1)
    assert clock.irqs == []
    clock.run_to(due)
    assert clock.irqs == [(145, True), (145, False)]


def test_sleep_timer_compare_equal_to_the_count_waits_for_wrap(clock: Clock) -> None:
    st = SleepTimer(clock.ctx)
    clock.run_to(32_000_000)  # 32768 ticks: compare = the current count is not a match now
    for off, byte in ((0x0C, 0), (0x08, 0), (0x04, 0x80)):
        st.write(off, 4, byte)
    st.write(0x00, 4, 0x00)
    clock.run_to(64_000_000)
    assert clock.irqs == []


def test_sleep_timer_restarts_at_power_on(clock: Clock) -> None:
    st = SleepTimer(clock.ctx)
    clock.run_to(32_000_000)
    st.power_on(clock.now)  # a power cycle: the always-on domain lost power too
    clock.run_to(32_000_000 + 977 * 3)
    st.read(0x00, 4)
    assert st.read(0x04, 4) == 0 and st.ticks() == 3


def test_uart_tx_refused_without_txe(clock: Clock) -> None:
    sent: list[int] = []
    uart = Uart(clock.ctx, sent.append)
    uart.write(0x30, 4, 0x201)  # UARTEN and RXE, TXE cleared
    uart.write(0x00, 4, ord("x"))
    assert sent == []
    uart.write(0x30, 4, 0x101)
    uart.write(0x00, 4, ord("y"))
    assert sent == [ord("y")]


def test_uart_rx_interrupt_holds_until_the_fifo_drops_below_the_trigger(clock: Clock) -> None:
    uart = Uart(clock.ctx, lambda b: None)
    uart.write(0x2C, 4, 0x70)  # FEN: trigger 8 (IFLS reset value)
    uart.write(0x38, 4, 0x10)  # RXIM
    uart.write(0x30, 4, 0x301)
    uart.host_write(bytes(10))
    clock.run_to(10 * CHAR_CYCLES)
    assert uart.read(0x3C, 4) & 0x10
    uart.read(0x00, 4)
    uart.read(0x00, 4)
    assert uart.read(0x3C, 4) & 0x10  # 8 left: still at the trigger level
    assert clock.irqs[-1] == (5, True)
    uart.read(0x00, 4)
    assert not uart.read(0x3C, 4) & 0x10  # 7: below it
    assert clock.irqs[-1] == (5, False)


def test_uart_receive_timeout_follows_the_programmed_line() -> None:
    bit = 16 * (17 + 23 / 64)  # 115200 baud from 32 MHz
    assert line_timing(17, 23, 0x301, 0x70, 0)[1] == round(32 * bit)
    assert line_timing(0, 0, 0x301, 0x70, 0)[1] == round(32 * 32_000_000 / 115200)  # no divisor yet: 115200


def test_uart_masked_status_and_interrupt_clear(clock: Clock) -> None:
    uart = Uart(clock.ctx, lambda b: None)
    uart.write(0x30, 4, 0x301)  # no FIFO: every character reaches the trigger
    uart.host_write(b"a")
    clock.run_to(2 * CHAR_CYCLES)
    assert uart.read(0x3C, 4) & 0x10  # RIS
    assert uart.read(0x40, 4) == 0 and clock.irqs == []  # masked: MIS clear, line low
    uart.write(0x38, 4, 0x10)
    assert uart.read(0x40, 4) == 0x10 and clock.irqs == [(5, True)]
    uart.write(0x44, 4, 0x10)  # ICR: cleared although the byte is still in the FIFO
    assert uart.read(0x3C, 4) & 0x10 == 0 and clock.irqs[-1] == (5, False)
    assert uart.read(0x00, 4) == ord("a")


def test_uart_receive_timeout_cleared_by_icr_stays_clear_until_new_data(clock: Clock) -> None:
    """An ISR may acknowledge RT and leave the bytes for a process to read (PL011: writing ICR clears
    it); a model re-raising it at once would trap such firmware in its interrupt handler."""
    uart = Uart(clock.ctx, lambda b: None)
    uart.write(0x2C, 4, 0x70)
    uart.write(0x38, 4, 0x40)  # RTIM only
    uart.write(0x30, 4, 0x301)
    uart.host_write(b"abc")
    clock.run_to(3 * CHAR_CYCLES + TIMEOUT_CYCLES + 10)
    assert uart.read(0x40, 4) == 0x40 and clock.irqs == [(5, True)]
    uart.write(0x44, 4, 0x40)
    assert uart.read(0x3C, 4) & 0x40 == 0 and clock.irqs[-1] == (5, False)
    clock.run_to(clock.now + 10 * TIMEOUT_CYCLES)
    assert clock.irqs[-1] == (5, False) and clock.scheduler.next_due() is None  # no re-raise, no spinning
    uart.host_write(b"d")  # a new character: its own timeout fires again
    clock.run_to(clock.now + CHAR_CYCLES + TIMEOUT_CYCLES + 10)
    assert clock.irqs[-1] == (5, True)
    assert bytes(uart.read(0x00, 4) for _ in range(4)) == b"abcd"
    assert clock.irqs[-1] == (5, False)


def test_watchdog_feeds_only_on_0xa_then_0x5(clock: Clock) -> None:
    expired: list[int] = []
    wd = Watchdog(clock.ctx, lambda: expired.append(clock.now))
    wd.write(0, 4, 0x8 | 3)  # EN, 64 ticks = ~62.5k cycles
    for _ in range(3):
        clock.run_to(clock.now + 30_000)
        wd.write(0, 4, 0x58 | 3)  # 0x5 alone is not a feed
    assert len(expired) == 1  # (the node would reset here; a fresh watchdog for the next case)
    wd = Watchdog(clock.ctx, lambda: expired.append(clock.now))
    wd.write(0, 4, 0x8 | 3)
    clock.run_to(clock.now + 30_000)
    wd.write(0, 4, 0xA8 | 3)
    wd.write(0, 4, 0x8 | 3)  # another write between 0xA and 0x5 breaks the sequence
    wd.write(0, 4, 0x58 | 3)
    clock.run_to(clock.now + 40_000)
    assert len(expired) == 2


def test_gpio_data_reads_only_the_pins_in_the_address_mask(clock: Clock) -> None:
    port = GpioPort(clock.ctx, "A")
    port.write(0x400, 4, 0xFF)
    port.write(0x3FC, 4, 0xA5)
    assert port.read(0x3FC, 4) == 0xA5
    assert port.read(0x01 << 2, 4) == 0x01
    assert port.read(0x0F << 2, 4) == 0x05
    assert port.read(0, 4) == 0


def test_gpio_data_reads_inputs_on_input_pins_and_the_latch_on_outputs(clock: Clock) -> None:
    port = GpioPort(clock.ctx, "B")
    port.write(0x400, 4, 0x0F)  # pins 0-3 outputs, 4-7 inputs
    port.write(0x3FC, 4, 0xFF)  # the latch of input pins is not what they read
    port.set_input(7, False)
    port.set_input(6, True)
    port.set_input(0, False)  # driving an output pin from outside changes nothing
    assert port.read(0x3FC, 4) == 0x4F


def test_gpio_edge_interrupt_needs_an_edge(clock: Clock) -> None:
    port = GpioPort(clock.ctx, "D")
    port.write(0x40C, 4, 0x80)  # PD7 rising edge
    port.write(0x410, 4, 0x80)
    port.set_input(7, True)
    assert port.read(0x414, 4) == 0x80
    port.write(0x41C, 4, 0x80)
    port.set_input(7, True)  # still high: no new edge
    assert port.read(0x414, 4) == 0 and clock.irqs[-1] == (3, False)
    port.set_input(7, False)  # falling edge: not the configured one
    assert port.read(0x414, 4) == 0


def test_gpio_falling_edge_and_low_level_interrupts(clock: Clock) -> None:
    port = GpioPort(clock.ctx, "A")
    port.write(0x410, 4, 0x03)  # IE on PA0 (falling edge: IEV clear) and PA1 (low level)
    port.write(0x404, 4, 0x02)  # IS: PA1 level-sensitive
    port.set_input(0, True)  # rising: not the configured edge
    port.set_input(1, True)  # high: not the configured level
    assert port.read(0x414, 4) == 0 and clock.irqs == []
    port.set_input(0, False)
    assert port.read(0x414, 4) == 0x01 and clock.irqs == [(0, True)]
    port.set_input(1, False)
    assert port.read(0x418, 4) == 0x03
    port.write(0x410, 4, 0x01)  # MIS shows only enabled pins
    assert port.read(0x418, 4) == 0x01 and port.read(0x414, 4) == 0x03


def test_gpio_output_pins_ignore_outside_edges_and_report_only_driven_changes(clock: Clock) -> None:
    changes: list[tuple[str, int, bool, int]] = []
    port = GpioPort(clock.ctx, "C", lambda *c: changes.append(c))
    port.write(0x400, 4, 0x01)  # PC0 output
    port.write(0x410, 4, 0x01)  # IE on it, any edge
    port.write(0x408, 4, 0x01)
    port.set_input(0, True)
    assert port.read(0x414, 4) == 0  # an output pin raises no input interrupt
    port.write(0x01 << 2, 4, 0x01)
    assert [(c[1], c[2]) for c in changes] == [(0, True)]
    port.set_input(0, False)
    port.write(0x400, 4, 0x00)  # back to input (reads the low outside level): not an output change
    assert port.read(0x01 << 2, 4) == 0
    assert len(changes) == 1


def test_nvic_subpriority_never_preempts_and_ties_go_to_the_lowest_number() -> None:
    nvic = Nvic(lambda: None)
    nvic.write(0x100, 0xFFFFFFFF)
    nvic.prigroup = 5  # group = bits 7:6, sub-priority = bit 5
    nvic.write_prio_byte(16 + 1, 0x60)
    nvic.write_prio_byte(16 + 2, 0x40)
    nvic.set_irq(1, True)
    nvic.activate(16 + 1)
    nvic.set_irq(2, True)
    assert nvic.preempting() == (0, 256)  # same group 0x40: waits although 0x40 < 0x60
    nvic.deactivate(16 + 1)
    nvic.set_irq(1, False)
    nvic.unpend(16 + 1)
    nvic.write_prio_byte(16 + 3, 0x40)
    nvic.set_irq(3, True)
    assert nvic.best_pending() == 16 + 2  # equal priority: the lower exception number first


def test_nvic_disabled_interrupt_stays_pending_until_enabled() -> None:
    nvic = Nvic(lambda: None)
    nvic.set_irq(5, True)
    nvic.set_irq(5, False)  # a pulse: latched as pending
    assert nvic.pending >> (16 + 5) & 1
    assert nvic.best_pending() == 0 and nvic.preempting() == (0, 256)  # not enabled: not taken
    nvic.write(0x100, 1 << 5)
    assert nvic.best_pending() == 16 + 5
    nvic.write(0x180, 1 << 5)  # ICER
    assert nvic.best_pending() == 0 and nvic.read(0x100) == 0


def test_nmi_preempts_hardfault_but_not_the_reverse() -> None:
    from rig.emu.builtin.nvic import HARDFAULT, NMI

    nvic = Nvic(lambda: None)
    nvic.activate(NMI)
    nvic.pend(HARDFAULT)
    assert nvic.preempting() == (0, 256)  # -1 does not preempt -2 (a fault in the NMI locks up)
    nvic.deactivate(NMI)
    nvic.activate(HARDFAULT)
    nvic.pend(NMI)
    assert nvic.preempting() == (NMI, -2)


def test_systick_counts_down_per_cycle_and_holds_while_disabled(clock: Clock) -> None:
    nvic = Nvic(lambda: None)
    scs = SystemControlSpace(clock.ctx, nvic, lambda: 0, lambda cause: None)
    scs.write(0x014, 4, 999)
    scs.write(0x018, 4, 0)
    scs.write(0x010, 4, 0x5)  # ENABLE, core clock, no TICKINT
    clock.run_to(1000)
    assert scs.read(0x018, 4) == 0  # the wrap instant: reload happens on the next cycle
    clock.run_to(1001)
    assert scs.read(0x018, 4) == 999
    clock.run_to(1500)
    assert scs.read(0x018, 4) == 500
    scs.write(0x010, 4, 0x4)  # disabled: the count holds
    clock.run_to(2000)
    assert scs.read(0x018, 4) == 500
    scs.write(0x010, 4, 0x5)
    clock.run_to(2100)
    assert scs.read(0x018, 4) == 400
    assert not nvic.pending >> SYSTICK & 1  # no TICKINT: COUNTFLAG only
    assert scs.read(0x010, 4) & 0x10000


def test_vtor_keeps_bits_29_to_7(clock: Clock) -> None:
    scs = SystemControlSpace(clock.ctx, Nvic(lambda: None), lambda: 0, lambda cause: None)
    scs.write(0xD08, 4, 0xFFFFFFFF)
    assert scs.read(0xD08, 4) == 0x3FFFFF80
    scs.write(0xD08, 4, 0x00200080)
    assert scs.read(0xD08, 4) == 0x00200080


def test_stir_pends_the_external_interrupt(clock: Clock) -> None:
    nvic = Nvic(lambda: None)
    scs = SystemControlSpace(clock.ctx, nvic, lambda: 0, lambda cause: None)
    scs.write(0xF00, 4, 5)
    assert nvic.pending == 1 << (16 + 5)
    assert scs.read(0x200, 4) == 1 << 5  # ISPR0
    scs.write(0xF00, 4, 200)  # no such interrupt: ignored
    assert nvic.pending == 1 << (16 + 5)


def test_scs_identification_and_systick_register_widths(clock: Clock) -> None:
    scs = SystemControlSpace(clock.ctx, Nvic(lambda: None), lambda: 0, lambda cause: None)
    assert scs.read(0x004, 4) == 5  # ICTR: (5 + 1) * 32 lines cover the CC2538's 163 interrupts
    scs.write(0x014, 4, 0xFFFFFFFF)
    assert scs.read(0x014, 4) == 0x00FFFFFF  # 24-bit reload
    assert scs.read(0x01C, 4) == 0x80000000 | 319_999  # NOREF, TENMS: 10 ms at 32 MHz, minus one


def test_scheduler_fires_due_timers_in_time_then_creation_order() -> None:
    now = [0]
    told: list[int] = []
    sched = Scheduler(lambda: now[0], told.append)  # the running core must learn of every new timer
    fired: list[str] = []
    sched.schedule(200, lambda: fired.append("late"))
    sched.schedule(100, lambda: fired.append("first"))
    sched.schedule(100, lambda: fired.append("second"))
    sched.schedule(100, lambda: fired.append("cancelled")).cancel()
    assert sched.next_due() == 100 and told == [200, 100, 100, 100]  # (to end its slice early)
    assert sched.run_due(99) == 0
    assert sched.run_due(100) == 2 and fired == ["first", "second"]
    assert sched.next_due() == 200
    late = sched.schedule(150, lambda: fired.append("never"))
    late.cancel()
    assert sched.next_due() == 200  # a cancelled timer does not cut an idle jump short
