"""Flash controller (0x400D3000): page erase and word programming of the 512 KiB flash.

FADDR follows the REAL chip: a 32-bit-WORD address relative to the start of flash (byte offset =
FADDR * 4), 17 bits; it auto-increments after each programmed word. (Renode takes the value as a byte
offset: portable firmware writes FADDR before every word and waits for FCTL to clear.) FCTL.ERASE
erases the 2 KiB page holding FADDR; FCTL.WRITE arms programming of the next FWDATA word
(new = old AND value), then clears. Operations are instant (BUSY always reads 0).

Every erase and every programmed word counts as one flash operation (`ops`); `cut_power_at(n)` makes
the n-th operation from now not happen and cuts the node's power instead (power-cut injection).
"""

from __future__ import annotations

import ctypes
import struct
from collections.abc import Callable

from rig.emu.builtin import memmap as mm
from rig.emu.builtin.peripheral import Peripheral, PeripheralContext
from rig.emu.builtin.storage import extract, merge

FCTL, FADDR, FWDATA = 0x08, 0x0C, 0x10
ERASE, WRITE, ABORT, BUSY, SEL_INFO_PAGE = 1 << 0, 1 << 1, 1 << 5, 1 << 7, 1 << 8
WORDS = mm.FLASH_SIZE // 4


class FlashCtrl(Peripheral):
    name = "flashctrl"
    base = 0x400D3000
    size = 0x1000

    def __init__(self, ctx: PeripheralContext, flash: ctypes.Array[ctypes.c_char],
                 on_written: Callable[[int, int], None], on_power_cut: Callable[[], None]) -> None:
        super().__init__(ctx)
        self.flash = flash
        self.on_written = on_written
        self.on_power_cut = on_power_cut
        self.ops = 0  # erase + program operations since the node was created
        self.erases = 0
        self.words_written = 0
        self.refused = 0  # operations on the info page or with bad addresses
        self._cut_at: int | None = None
        self.reset()

    def reset(self) -> None:
        self.fctl = 0
        self.faddr = 0
        self.regs: dict[int, int] = {}
        self.powered = True

    def cut_power_at(self, n: int | None) -> None:
        """Cut power instead of performing the n-th flash operation from now (None: disarm)."""
        self._cut_at = None if n is None else self.ops + max(1, int(n))

    def _begin_op(self) -> bool:
        if not self.powered:
            return False
        if self._cut_at is not None and self.ops + 1 >= self._cut_at:
            self._cut_at = None
            self.powered = False  # until the node's power cycle resets us
            self.on_power_cut()
            return False
        self.ops += 1
        return True

    def read(self, offset: int, size: int) -> int:
        aligned = offset & ~3
        if aligned == FCTL:
            return extract(self.fctl & ~BUSY, offset, size)
        if aligned == FADDR:
            return extract(self.faddr, offset, size)
        if aligned == FWDATA:
            return 0
        return extract(self.regs.get(aligned, 0), offset, size)

    def write(self, offset: int, size: int, value: int) -> None:
        aligned = offset & ~3
        if aligned == FCTL:
            value = merge(self.fctl, offset, size, value)
            self.fctl = value & (0x30C | WRITE)
            if value & ERASE:
                self._erase()
        elif aligned == FADDR:
            self.faddr = merge(self.faddr, offset, size, value) & 0x1FFFF
        elif aligned == FWDATA:
            if self.fctl & WRITE:
                self._program(value & 0xFFFFFFFF)
                self.fctl &= ~WRITE
        else:
            self.regs[aligned] = merge(self.regs.get(aligned, 0), offset, size, value)

    def _erase(self) -> None:
        if self.fctl & SEL_INFO_PAGE or self.faddr >= WORDS:
            self.refused += 1
            return
        if not self._begin_op():
            return
        start = (self.faddr * 4) & ~(mm.FLASH_PAGE - 1)
        ctypes.memset(ctypes.addressof(self.flash) + start, 0xFF, mm.FLASH_PAGE)
        self.erases += 1
        self.on_written(mm.FLASH_BASE + start, mm.FLASH_PAGE)

    def _program(self, value: int) -> None:
        if self.fctl & SEL_INFO_PAGE or self.faddr >= WORDS:
            self.refused += 1
            return
        if not self._begin_op():
            return
        off = self.faddr * 4
        (old,) = struct.unpack_from("<I", self.flash, off)
        struct.pack_into("<I", self.flash, off, old & value)
        self.words_written += 1
        self.faddr = (self.faddr + 1) & 0x1FFFF
        self.on_written(mm.FLASH_BASE + off, 4)
