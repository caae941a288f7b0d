"""Measured stack use: the startup code paints the stack with a known word; whatever is no longer
painted has been used. Read through the emulation API, so it works on every backend.
"""

from __future__ import annotations

from rig.emu.api import Node
from rig.errors import EmulationError

PAINT_WORD = 0xA5A5A5A5  # STACK_PAINT in arch/cpu/cc2538/startup.c (see cc2538-layout.ld)
# (bottom, top) symbol pairs the startup/linker script may define; the first pair found is used.
BOUNDS = (
    ("_stack_start", "_stack_end"),  # arch/cpu/cc2538/cc2538-layout.ld
    ("_stack_bottom", "_stack_top"),
    ("_sstack", "_estack"),
    ("__stack_start__", "__stack_end__"),
    ("__StackLimit", "__StackTop"),
)


def stack_bounds(node: Node) -> tuple[int, int]:
    """(lowest address, one past the highest) of the reserved stack."""
    for low_name, high_name in BOUNDS:
        try:
            low, high = node.symbol(low_name), node.symbol(high_name)
        except EmulationError:
            continue
        if high > low:
            return low, high
    names = ", ".join(f"{a}/{b}" for a, b in BOUNDS)
    raise EmulationError(f"node {node.name}: firmware defines no stack bounds ({names})")


def stack_reserved(node: Node) -> int:
    low, high = stack_bounds(node)
    return high - low


def stack_painted(node: Node, paint: int = PAINT_WORD) -> bool:
    """Whether the startup has painted the stack (its lowest word still holds the paint).

    Before the first boot, or right after RAM was lost, nothing is painted and the high-water mark
    would read as the whole stack; a real overflow faults first (the stack sits at the bottom of SRAM).
    """
    low, _ = stack_bounds(node)
    return node.read_memory(low, 4) == paint.to_bytes(4, "little")


def stack_high_water(node: Node, paint: int = PAINT_WORD) -> int:
    """Deepest stack use so far, in bytes: from the top down to the lowest word no longer painted.

    The stack grows down, so the untouched words sit at the bottom; counting them from the bottom up
    (rather than scanning for any changed word) ignores painted-looking values pushed later.
    """
    low, high = stack_bounds(node)
    data = node.read_memory(low, high - low)
    word = paint.to_bytes(4, "little")
    untouched = 0
    for offset in range(0, len(data) - 3, 4):
        if data[offset : offset + 4] != word:
            break
        untouched += 4
    return (high - low) - untouched
