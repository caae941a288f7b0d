"""Register blocks without behaviour: writes are stored and read back (IOC, GPTIMERs, SSI, ...)."""

from __future__ import annotations

from rig.emu.builtin.peripheral import Peripheral, PeripheralContext


class RegisterStore(Peripheral):
    """Plain storage, so configuration writes read back; `accesses` counts touches for diagnostics."""

    def __init__(self, ctx: PeripheralContext, name: str, base: int, size: int) -> None:
        super().__init__(ctx)
        self.name = name
        self.base = base
        self.size = size
        self.regs: dict[int, int] = {}
        self.accesses = 0

    def read(self, offset: int, size: int) -> int:
        self.accesses += 1
        word = self.regs.get(offset & ~3, 0)
        return (word >> (8 * (offset & 3))) & ((1 << (8 * size)) - 1)

    def write(self, offset: int, size: int, value: int) -> None:
        self.accesses += 1
        aligned = offset & ~3
        shift = 8 * (offset & 3)
        mask = ((1 << (8 * size)) - 1) << shift
        self.regs[aligned] = (self.regs.get(aligned, 0) & ~mask) | ((value << shift) & mask)

    def reset(self) -> None:
        self.regs.clear()


def merge(current: int, offset: int, size: int, value: int) -> int:
    """Apply a 1/2/4-byte write at `offset` to a 32-bit register value."""
    if size == 4:
        return value & 0xFFFFFFFF
    shift = 8 * (offset & 3)
    mask = ((1 << (8 * size)) - 1) << shift
    return (current & ~mask) | ((value << shift) & mask)


def extract(word: int, offset: int, size: int) -> int:
    """The 1/2/4 bytes at `offset` of a 32-bit register value."""
    if size == 4:
        return word & 0xFFFFFFFF
    return (word >> (8 * (offset & 3))) & ((1 << (8 * size)) - 1)
