"""The contract between the builtin emulator's core and its peripheral models.

A peripheral is a register block at `base` (size `size` bytes, a multiple of 1 KiB for unicorn's MMIO
mapping). The core calls `read`/`write` with the offset into the block and the access size (1, 2, 4).
Peripherals never touch unicorn: they see time through a `Scheduler`, raise interrupts through an
`IrqSink`, and ask the core to break out of its current slice with `request_sync` when something the
rest of the world must see has happened (a frame sent, a byte written to the UART).

IRQ numbers are NVIC external interrupt numbers (vector = 16 + irq) in the CC2538's regular map:
UART0 5, GPIO A-D 0-3, RF core 141, sleep timer 145. The IrqSink routes them to the alternate map's
numbers when the firmware selects it (SYS_CTRL I_MAP, sysctrl.InterruptMap).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol


class TimerHandle(Protocol):
    def cancel(self) -> None: ...


class Scheduler(Protocol):
    """A node's view of virtual time, in CPU cycles at 32 MHz."""

    @property
    def cycles(self) -> int:
        """Current virtual time of this node (exact at MMIO accesses)."""
        ...

    def schedule(self, at_cycles: int, callback: Callable[[], None]) -> TimerHandle:
        """Run `callback` when virtual time reaches `at_cycles` (wakes a sleeping core)."""
        ...


class IrqSink(Protocol):
    def set_irq(self, irq: int, level: bool) -> None:
        """Drive an external interrupt line (level-sensitive: pending while high and enabled)."""
        ...


def no_warning(message: str) -> None:
    """A context without a node (a model's unit test): warnings go nowhere."""


@dataclass
class PeripheralContext:
    scheduler: Scheduler
    irq: IrqSink
    request_sync: Callable[[], None]
    node_name: str
    # A hint for the user (the node adds the PC and keeps it in node.warnings and its log): firmware
    # touching what the emulator does not model. Models call it once per cause, never on a hot path.
    warn: Callable[[str], None] = no_warning


class Peripheral:
    name: str = "peripheral"
    base: int = 0
    size: int = 0x1000

    def __init__(self, ctx: PeripheralContext) -> None:
        self.ctx = ctx

    def read(self, offset: int, size: int) -> int:
        return 0

    def write(self, offset: int, size: int, value: int) -> None:
        pass

    def reset(self) -> None:
        """Back to the reset state (warm reset and power-on)."""
