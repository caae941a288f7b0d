"""An asyncio event loop on the emulation's virtual clock.

Host programs (the bridge, the aiocoap LwM2M server, test coroutines) run in this loop. Its `time()`
is the emulation's virtual time, and where a normal loop would block in `select(timeout)`, this one
polls its sockets without blocking and otherwise runs the emulation up to the next due timer. So a
CoAP retransmission timer, a registration lifetime and a test's `asyncio.wait_for(..., 5)` all count
virtual seconds, the whole system is deterministic, and it runs as fast as the CPU allows.

Loopback UDP is delivered by the kernel inside `sendto`, so a datagram the bridge writes while the
emulation runs is readable at once; the bridge (or anything else inside the emulation's callbacks)
calls `loop.wake()` so the emulation stops at the next synchronisation point and the host gets to
answer in the same virtual instant.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import math
import selectors
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from rig.emu.api import Emulation
from rig.errors import ConfigError

if TYPE_CHECKING:
    from _typeshed import FileDescriptorLike

T = TypeVar("T")

# How often (virtual seconds) sockets are polled while the emulation runs: bounds the latency of data
# that arrives from outside the emulation's callbacks (threads, other processes).
SOCKET_POLL_INTERVAL = 0.001
# The longest single emulation step when the loop has no timer at all.
IDLE_STEP = 0.1
# asyncio's clock resolution: a timer due within it counts as due. The shortest step the loop asks
# the emulation for, too: float leftovers (e.g. 8.9e-16 s) are far below one CPU cycle, which no
# backend can advance by, and a timer exactly one resolution ahead is not due until time moves.
CLOCK_RESOLUTION = 1e-6


def virtual_seconds(value: object, what: str) -> float:
    """A wait in virtual seconds, checked: NaN or inf would run the clock forever (a hang), a string is a
    TypeError deep in asyncio, a negative one would pass silently."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
        raise ConfigError(f"{what} must be a finite number >= 0 of virtual seconds, got {value!r}")
    return float(value)


@dataclass
class _Watch:
    predicate: Callable[[], bool]
    future: asyncio.Future[bool]


class _VirtualSelector(selectors.BaseSelector):
    """Wraps a real selector; blocking selects run the emulation instead of sleeping."""

    def __init__(self, inner: selectors.BaseSelector) -> None:
        self._inner = inner
        self.loop: VirtualTimeLoop | None = None

    def register(self, fileobj: FileDescriptorLike, events: int, data: Any = None) -> selectors.SelectorKey:
        return self._inner.register(fileobj, events, data)

    def unregister(self, fileobj: FileDescriptorLike) -> selectors.SelectorKey:
        return self._inner.unregister(fileobj)

    def modify(self, fileobj: FileDescriptorLike, events: int, data: Any = None) -> selectors.SelectorKey:
        return self._inner.modify(fileobj, events, data)

    def get_map(self) -> Mapping[FileDescriptorLike, selectors.SelectorKey]:
        return self._inner.get_map()

    def close(self) -> None:
        self._inner.close()

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        ready = self._inner.select(0)
        if ready or (timeout is not None and timeout <= 0) or self.loop is None:
            return ready
        if self.loop.paused or self.loop.threads_pending:
            # Nobody waits on the rig, or the host waits on a thread (e.g. getaddrinfo): virtual time
            # stands still until the thread's answer arrives, so wall-clock speed never shows in it.
            return self._inner.select(None)
        return self.loop._advance(timeout, lambda: self._inner.select(0))


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    def __init__(self, emulation: Emulation) -> None:
        selector = _VirtualSelector(selectors.DefaultSelector())
        super().__init__(selector)
        selector.loop = self
        self._emulation = emulation
        # what runs one emulation step, emulation.run_until(predicate, timeout): `rig server --emulate`
        # wraps it to pace virtual time to the wall clock (rig.server_emulate.WallClockPacer)
        self.run_step: Callable[[Callable[[], bool], float], bool] = emulation.run_until
        self._woken = False
        self._watches: list[_Watch] = []
        # When the loop runs in a background thread (Robot Framework), virtual time passes only while
        # a caller waits on it (`foreground`), so the time between two keywords is zero, not random.
        self.background = False
        self._foreground = 0  # callers waiting on it now (an interrupted one may still be finishing)
        self._clock_resolution = CLOCK_RESOLUTION
        self._threads_pending = 0

    @property
    def threads_pending(self) -> bool:
        return self._threads_pending > 0

    def run_in_executor(  # type: ignore[override]  # same behaviour; typeshed's variadic generics
        self, executor: concurrent.futures.Executor | None, func: Callable[..., T], *args: Any
    ) -> asyncio.Future[T]:
        future = super().run_in_executor(executor, func, *args)
        self._threads_pending += 1
        future.add_done_callback(self._thread_done)
        return future

    def _thread_done(self, _future: asyncio.Future[Any]) -> None:
        self._threads_pending -= 1

    @property
    def emulation(self) -> Emulation:
        return self._emulation

    def time(self) -> float:
        return self._emulation.now

    def wake(self) -> None:
        """Stop the current emulation step at the next synchronisation point (host work is waiting)."""
        self._woken = True

    @property
    def paused(self) -> bool:
        """Virtual time stands still: a background loop that no caller waits on."""
        return self.background and not self._foreground

    async def foreground(self, awaitable: Awaitable[T]) -> T:
        """Run `awaitable` with virtual time flowing, even when the loop is otherwise paused. Counted:
        an interrupted caller's cancelled run ending after the next caller's began must not pause it."""
        self._foreground += 1
        try:
            return await awaitable
        finally:
            self._foreground -= 1

    async def wait_until(self, predicate: Callable[[], bool], timeout: float) -> bool:
        """Wait until `predicate()` holds, checked at every emulation sync point; False on timeout."""
        if predicate():
            return True
        watch = _Watch(predicate, self.create_future())
        self._watches.append(watch)
        try:
            return await asyncio.wait_for(asyncio.shield(watch.future), timeout)
        except TimeoutError:
            return False
        finally:
            if watch in self._watches:
                self._watches.remove(watch)

    def _advance(
        self, timeout: float | None, poll: Callable[[], list[tuple[selectors.SelectorKey, int]]]
    ) -> list[tuple[selectors.SelectorKey, int]]:
        """Run the emulation for up to `timeout` virtual seconds, until host work appears."""
        emulation = self._emulation
        deadline = None if timeout is None else emulation.now + timeout
        while True:
            step = IDLE_STEP if deadline is None else deadline - emulation.now
            if step < CLOCK_RESOLUTION / 2:  # due for asyncio already, with room for float rounding
                return []
            self._woken = False
            last_poll = emulation.now

            def host_has_work() -> bool:
                nonlocal last_poll
                if self._woken or self._resolve_watches():
                    return True
                if emulation.now - last_poll >= SOCKET_POLL_INTERVAL:
                    last_poll = emulation.now
                    return bool(poll())
                return False

            # at least one resolution: asyncio runs a timer once time() + resolution passes its
            # moment, so a timer (about) one resolution ahead was never due and the loop spun
            self.run_step(host_has_work, max(step, CLOCK_RESOLUTION))
            ready = poll()
            if ready or self._woken or self._ready_callbacks():
                return ready

    def _resolve_watches(self) -> bool:
        """Resolve every watch whose predicate holds now; each predicate is asked once per check."""
        resolved = False
        for watch in list(self._watches):
            if watch.future.done():
                self._watches.remove(watch)
            elif watch.predicate():
                watch.future.set_result(True)
                self._watches.remove(watch)
                resolved = True
        return resolved

    def _ready_callbacks(self) -> bool:
        return bool(self._ready)  # type: ignore[attr-defined]


def run(emulation: Emulation, main: Awaitable[T]) -> T:
    """Like `asyncio.run`, on the emulation's virtual clock."""
    loop = VirtualTimeLoop(emulation)
    try:
        asyncio.set_event_loop(loop)
        return loop.run_until_complete(main)
    finally:
        try:
            loop.run_until_complete(loop.shutdown_asyncgens())
        finally:
            asyncio.set_event_loop(None)
            loop.close()
