"""A node's virtual-time timers: a heap of callbacks keyed by the cycle at which they fire."""

from __future__ import annotations

import heapq
from collections.abc import Callable


class Timer:
    __slots__ = ("at", "callback", "cancelled", "seq")

    def __init__(self, at: int, seq: int, callback: Callable[[], None]) -> None:
        self.at = at
        self.seq = seq
        self.callback = callback
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True

    def __lt__(self, other: Timer) -> bool:
        return (self.at, self.seq) < (other.at, other.seq)


class Scheduler:
    """Implements peripheral.Scheduler. `now` reads the node's cycle counter; `on_schedule(at)` tells
    the running core that a timer earlier than its current slice end was added."""

    def __init__(self, now: Callable[[], int], on_schedule: Callable[[int], None]) -> None:
        self._now = now
        self._on_schedule = on_schedule
        self._heap: list[Timer] = []
        self._seq = 0

    @property
    def cycles(self) -> int:
        return self._now()

    def schedule(self, at_cycles: int, callback: Callable[[], None]) -> Timer:
        self._seq += 1
        timer = Timer(int(at_cycles), self._seq, callback)
        heapq.heappush(self._heap, timer)
        self._on_schedule(timer.at)
        return timer

    def next_due(self) -> int | None:
        heap = self._heap
        while heap and heap[0].cancelled:
            heapq.heappop(heap)
        return heap[0].at if heap else None

    def run_due(self, now: int) -> int:
        """Fire every timer due at or before `now` in (time, creation) order; returns how many."""
        fired = 0
        heap = self._heap
        while heap and heap[0].at <= now:
            timer = heapq.heappop(heap)
            if not timer.cancelled:
                timer.cancelled = True
                fired += 1
                timer.callback()
        return fired

    def clear(self) -> None:
        for timer in self._heap:
            timer.cancelled = True
        self._heap.clear()
