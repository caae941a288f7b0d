"""Maps peripheral models into unicorn with raw MMIO callbacks, fills unmodelled peripheral space
with plain register storage, and provides the bit-band aliases of SRAM and peripherals."""

from __future__ import annotations

import ctypes
import itertools
from collections.abc import Callable
from dataclasses import dataclass

from unicorn import Uc, UcError
from unicorn.unicorn_py3.unicorn import uclib

from rig.emu.builtin import memmap as mm
from rig.emu.builtin.peripheral import Peripheral, PeripheralContext
from rig.emu.builtin.storage import RegisterStore

MMIO_READ = ctypes.CFUNCTYPE(ctypes.c_uint64, ctypes.c_void_p, ctypes.c_uint64, ctypes.c_uint,
                             ctypes.c_void_p)
MMIO_WRITE = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_uint64, ctypes.c_uint, ctypes.c_uint64,
                              ctypes.c_void_p)
PAGE = 0x400  # unicorn's mapping granularity
ReadFn = Callable[[int, int], int]
WriteFn = Callable[[int, int, int], None]


@dataclass(frozen=True)
class ModelAccess:
    """The register access during which a model raised (for EmulatorBug)."""

    model: str
    kind: str  # "read" or "write"
    address: int
    offset: int  # into the model's block
    size: int
    value: int | None = None  # written

    def __str__(self) -> str:
        value = f" of 0x{self.value:x}" if self.value is not None else ""
        return f"a {self.size}-byte {self.kind}{value} at 0x{self.address:08x} ({self.model}+0x{self.offset:x})"


ErrorFn = Callable[[BaseException, ModelAccess], None]


class Bus:
    """`on_error(exc, access)` receives exceptions raised by models (a model bug must not vanish
    inside a ctypes callback), with the access that raised; the access then reads 0 / is dropped and
    the core stops at the next block."""

    def __init__(self, uc: Uc, on_error: ErrorFn) -> None:
        self.uc = uc
        self.on_error = on_error
        self._keep: list[object] = []  # ctypes callbacks must outlive the mapping
        self._pages: dict[int, tuple[ReadFn, WriteFn, int]] = {}  # page -> (read, write, base)
        self._owners: dict[int, Callable[[int], tuple[str, int]]] = {}  # page -> its owner()
        self.peripherals: list[Peripheral] = []

    def _map(self, base: int, size: int, read: ReadFn, write: WriteFn,
             owner: Callable[[int], tuple[str, int]]) -> None:
        """owner(offset) -> (model name, offset into its block): named when the model raises."""
        on_error = self.on_error

        def read_cb(_uc: int, offset: int, size_: int, _ud: int) -> int:
            try:
                return read(offset, size_) & 0xFFFFFFFF
            except BaseException as exc:
                name, off = owner(offset)
                on_error(exc, ModelAccess(name, "read", base + offset, off, size_))
                return 0

        def write_cb(_uc: int, offset: int, size_: int, value: int, _ud: int) -> None:
            value &= (1 << (8 * size_)) - 1
            try:
                write(offset, size_, value)
            except BaseException as exc:
                name, off = owner(offset)
                on_error(exc, ModelAccess(name, "write", base + offset, off, size_, value))

        rfp, wfp = MMIO_READ(read_cb), MMIO_WRITE(write_cb)
        self._keep += [rfp, wfp]
        status = uclib.uc_mmio_map(self.uc._uch, base, size, rfp, None, wfp, None)
        if status != 0:
            raise UcError(status)

    def map_group(self, base: int, size: int, members: list[Peripheral]) -> None:
        """Map one region served by one peripheral, or several sharing it (dispatch by offset)."""
        read: ReadFn
        write: WriteFn
        spans = sorted(((p.base - base, p.base - base + p.size, p) for p in members), key=lambda s: s[0])

        def owner(offset: int) -> tuple[str, int]:
            for lo, hi, p in spans:
                if lo <= offset < hi:
                    return p.name, offset - lo
            return members[0].name, offset

        if len(members) == 1 and members[0].base == base:
            read, write = members[0].read, members[0].write
        else:

            def dispatch_read(offset: int, size_: int) -> int:
                for lo, hi, p in spans:
                    if lo <= offset < hi:
                        return p.read(offset - lo, size_)
                return 0

            def dispatch_write(offset: int, size_: int, value: int) -> None:
                for lo, hi, p in spans:
                    if lo <= offset < hi:
                        p.write(offset - lo, size_, value)
                        return

            read, write = dispatch_read, dispatch_write

        self._map(base, size, read, write, owner)
        for page in range(base // PAGE, (base + size) // PAGE):
            self._pages[page] = (read, write, base)
            self._owners[page] = owner
        self.peripherals += [p for p in members if p not in self.peripherals]

    def map_all(self, peripherals: list[Peripheral], ctx: PeripheralContext) -> None:
        """Map the models, grouping those that share a 1 KiB page, then fill the gaps of the
        peripheral space and the private peripheral bus with register storage."""
        groups: dict[int, list[Peripheral]] = {}
        spans: dict[int, int] = {}
        for p in peripherals:
            start = p.base & ~(PAGE - 1)
            end = (p.base + p.size + PAGE - 1) & ~(PAGE - 1)
            groups.setdefault(start, []).append(p)
            spans[start] = max(spans.get(start, 0), end - start)
        for start in sorted(groups):
            self.map_group(start, spans[start], groups[start])
        for area, size in ((mm.PERIPH_BASE, mm.PERIPH_SIZE), (mm.PPB_BASE, mm.PPB_SIZE),
                           (mm.PKA_BASE, mm.PKA_SIZE)):
            cursor = area
            taken = sorted((s, s + spans[s]) for s in spans if area <= s < area + size)
            for lo, hi in [*taken, (area + size, area + size)]:
                if lo > cursor:
                    self._map_unmodelled(ctx, cursor, lo)
                cursor = max(cursor, hi)

    def _map_unmodelled(self, ctx: PeripheralContext, lo: int, hi: int) -> None:
        """Storage for [lo, hi): one store per unmodelled block of the chip (each warns once on its
        own), one per reserved range between them."""
        cuts = {lo, hi}
        for base, size, _, _ in mm.UNMODELLED:
            cuts |= {min(max(base, lo), hi), min(max(base + size, lo), hi)}
        points = sorted(cuts)
        for start, end in itertools.pairwise(points):
            block = next((b for b in mm.UNMODELLED if b[0] <= start < b[0] + b[1]), None)
            label, quiet = (block[2], block[3]) if block else (None, False)
            store = RegisterStore(ctx, f"unmodelled@0x{start:08x}", start, end - start, label, quiet)
            self.map_group(start, end - start, [store])

    def map_bitband(self, ram: ctypes.Array[ctypes.c_char]) -> None:
        ram_view = memoryview(ram).cast("B")

        def sram_read(offset: int, size: int) -> int:
            return (ram_view[offset >> 5] >> ((offset >> 2) & 7)) & 1

        def sram_write(offset: int, size: int, value: int) -> None:
            byte, bit = offset >> 5, (offset >> 2) & 7
            if value & 1:
                ram_view[byte] |= 1 << bit
            else:
                ram_view[byte] &= ~(1 << bit) & 0xFF

        self._map(mm.SRAM_BITBAND_BASE, mm.RAM_SIZE * 32, sram_read, sram_write,
                  lambda offset: ("SRAM bit-band", offset))

        def periph_read(offset: int, size: int) -> int:
            addr = mm.PERIPH_BASE + (offset >> 5)
            entry = self._pages.get(addr // PAGE)
            if entry is None:
                return 0
            word = entry[0]((addr & ~3) - entry[2], 4)
            return (word >> ((addr & 3) * 8 + ((offset >> 2) & 7))) & 1

        def periph_write(offset: int, size: int, value: int) -> None:
            addr = mm.PERIPH_BASE + (offset >> 5)
            entry = self._pages.get(addr // PAGE)
            if entry is None:
                return
            shift = (addr & 3) * 8 + ((offset >> 2) & 7)
            reg = (addr & ~3) - entry[2]
            word = entry[0](reg, 4)
            word = (word | (1 << shift)) if value & 1 else (word & ~(1 << shift))
            entry[1](reg, 4, word & 0xFFFFFFFF)

        def periph_owner(offset: int) -> tuple[str, int]:
            addr = mm.PERIPH_BASE + (offset >> 5)
            owner = self._owners.get(addr // PAGE)
            return owner(addr - self._pages[addr // PAGE][2]) if owner else ("peripheral bit-band", offset)

        self._map(mm.PERIPH_BITBAND_BASE, mm.PERIPH_SIZE * 32, periph_read, periph_write, periph_owner)
