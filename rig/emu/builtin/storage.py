"""Register blocks without behaviour: writes are stored and read back (IOC, GPTIMERs, SSI, ...)."""

from __future__ import annotations

from rig.emu.builtin.peripheral import Peripheral, PeripheralContext


class RegisterStore(Peripheral):
    """Plain storage, so configuration writes read back; `accesses` counts touches for diagnostics.
    `label`: the chip's block this stands in for ("ADC"), None for a reserved range; unless `quiet`
    (blocks whose registers only configure, like IOC), the first access warns (ctx.warn): firmware
    relying on the block's behaviour would otherwise just read zeros."""

    def __init__(self, ctx: PeripheralContext, name: str, base: int, size: int, label: str | None = None,
                 quiet: bool = True) -> None:
        super().__init__(ctx)
        self.name = name
        self.base = base
        self.size = size
        self.label = label
        self.regs: dict[int, int] = {}
        self.accesses = 0
        self.unwarned = not quiet  # (kept across resets: once per node)

    def _warn(self, offset: int, what: str) -> None:
        self.unwarned = False
        address = self.base + offset
        if self.label is None:
            self.ctx.warn(f"{what} of reserved address 0x{address:08x} (no peripheral there on the CC2538; "
                          "the emulator stores writes and reads them back)")
        else:
            self.ctx.warn(f"{what} of 0x{address:08x}: unmodelled peripheral {self.label} (plain storage here: "
                          "writes read back, reads 0 otherwise, nothing else happens)")

    def read(self, offset: int, size: int) -> int:
        self.accesses += 1
        if self.unwarned:
            self._warn(offset, "read")
        word = self.regs.get(offset & ~3, 0)
        return (word >> (8 * (offset & 3))) & ((1 << (8 * size)) - 1)

    def write(self, offset: int, size: int, value: int) -> None:
        self.accesses += 1
        if self.unwarned:
            self._warn(offset, "write")
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
