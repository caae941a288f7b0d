"""Run server code on virtual time without an emulation (tests, demos): rig.vtime's loop on a bare clock.

With no emulated nodes nothing can happen between host events, so the clock jumps straight to the
next asyncio timer: a 300 s registration lifetime expires in microseconds, deterministically.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from rig.emu.api import Emulation, Medium, Node, NodeSpec
from rig.errors import EmulationError
from rig.vtime import run

T = TypeVar("T")


class BareClock(Emulation):
    backend = "clock"

    def __init__(self, start: float = 0.0) -> None:
        self._now = start

    @property
    def now(self) -> float:
        return self._now

    @property
    def nodes(self) -> dict[str, Node]:
        return {}

    @property
    def medium(self) -> Medium:
        raise EmulationError("a bare clock has no radio medium")

    def add_node(self, spec: NodeSpec) -> Node:
        raise EmulationError("a bare clock cannot host nodes")

    def run_until(self, predicate: Callable[[], bool], timeout: float) -> bool:
        if predicate():
            return True
        self._now += max(timeout, 0.0)
        return predicate()

    def close(self) -> None:
        pass


def run_virtual(main: Awaitable[T], start: float = 0.0) -> T:
    """asyncio.run() on a virtual clock."""
    return run(BareClock(start), main)
