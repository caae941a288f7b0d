"""The virtual-time loop: host timers count emulation time, host I/O interleaves with emulation."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Callable

import pytest

from rig.emu.api import Emulation, Medium, Node, NodeSpec
from rig.vtime import VirtualTimeLoop, run


class ClockOnlyEmulation(Emulation):
    """An emulation with no nodes: time moves in 1 ms sync points; events can be scheduled."""

    backend = "fake"

    def __init__(self) -> None:
        self._now_ms = 0
        self.events: dict[int, Callable[[], None]] = {}  # at ms -> action
        self.steps = 0

    @property
    def now(self) -> float:
        return self._now_ms / 1000

    @property
    def nodes(self) -> dict[str, Node]:
        return {}

    @property
    def medium(self) -> Medium:
        raise NotImplementedError

    def add_node(self, spec: NodeSpec) -> Node:
        raise NotImplementedError

    def run_until(self, predicate: Callable[[], bool], timeout: float) -> bool:
        self.steps += 1
        end = self._now_ms + max(1, round(timeout * 1000))
        while self._now_ms < end:
            self._now_ms += 1
            action = self.events.pop(self._now_ms, None)
            if action:
                action()
            if predicate():
                return True
        return False

    def close(self) -> None:
        pass


def test_sleep_counts_virtual_seconds() -> None:
    emulation = ClockOnlyEmulation()

    async def main() -> float:
        await asyncio.sleep(30)
        return asyncio.get_running_loop().time()

    started = time.perf_counter()
    assert run(emulation, main()) == pytest.approx(30, abs=0.002)
    assert time.perf_counter() - started < 5  # 30 virtual seconds are not waited for on the wall clock


def test_wait_until_resolves_at_the_sync_point_where_the_predicate_holds() -> None:
    emulation = ClockOnlyEmulation()
    flag = {"set": False}
    emulation.events[1234] = lambda: flag.update(set=True)

    async def main() -> tuple[bool, float]:
        loop = asyncio.get_running_loop()
        assert isinstance(loop, VirtualTimeLoop)
        ok = await loop.wait_until(lambda: flag["set"], timeout=10)
        return ok, loop.time()

    ok, at = run(emulation, main())
    assert ok and at == pytest.approx(1.234)


def test_wait_until_times_out_in_virtual_time() -> None:
    emulation = ClockOnlyEmulation()

    async def main() -> tuple[bool, float]:
        loop = asyncio.get_running_loop()
        assert isinstance(loop, VirtualTimeLoop)
        return await loop.wait_until(lambda: False, timeout=2.5), loop.time()

    ok, at = run(emulation, main())
    assert not ok and at == pytest.approx(2.5, abs=0.002)


def _datagram_arrival(emulation: ClockOnlyEmulation, event_at: int, wake: bool) -> float:
    """When the host receives the datagram a node-side callback sends at the emulation's event
    `event_at` (waking the loop, or not: a thread, another process)."""
    sender = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    received: list[tuple[bytes, float]] = []

    class Receiver(asyncio.DatagramProtocol):
        def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
            received.append((data, asyncio.get_running_loop().time()))

    async def main() -> None:
        loop = asyncio.get_running_loop()
        assert isinstance(loop, VirtualTimeLoop)
        transport, _ = await loop.create_datagram_endpoint(Receiver, local_addr=("::1", 0))
        port = transport.get_extra_info("sockname")[1]

        def node_sends() -> None:
            sender.sendto(b"hello", ("::1", port))
            if wake:
                loop.wake()

        emulation.events[event_at] = node_sends
        await asyncio.sleep(5)
        transport.close()

    try:
        run(emulation, main())
    finally:
        sender.close()
    assert [d for d, _ in received] == [b"hello"]
    return received[0][1]


def test_datagram_written_inside_the_emulation_is_answered_in_the_same_instant() -> None:
    """A node-side callback writes UDP and wakes the loop; the host protocol sees it at once."""
    assert _datagram_arrival(ClockOnlyEmulation(), 500, wake=True) == pytest.approx(0.5, abs=0.002)  # 500 ms


def test_idle_loop_advances_in_large_steps() -> None:
    """With nothing to do but a far timer, the emulation is stepped in few large calls."""
    emulation = ClockOnlyEmulation()
    run(emulation, asyncio.sleep(100))
    assert emulation.steps < 10


def test_a_predicate_that_consumes_state_is_asked_once_per_check() -> None:
    """expect() predicates advance a cursor: once true they must resolve, not be re-asked."""
    emulation = ClockOnlyEmulation()
    events = {"pending": 0}
    emulation.events[700] = lambda: events.update(pending=1)

    def consume() -> bool:
        if events["pending"]:
            events["pending"] = 0
            return True
        return False

    async def main() -> tuple[bool, float]:
        loop = asyncio.get_running_loop()
        assert isinstance(loop, VirtualTimeLoop)
        return await loop.wait_until(consume, timeout=10), loop.time()

    ok, at = run(emulation, main())
    assert ok and at == pytest.approx(0.7, abs=0.002)


class WholeMicrosecondEmulation(ClockOnlyEmulation):
    """Advances only by whole microseconds (floor), as a backend with a coarse tick does."""

    def run_until(self, predicate: Callable[[], bool], timeout: float) -> bool:
        self.steps += 1
        if self.steps > 10_000:
            raise AssertionError("the loop keeps asking for steps the emulation cannot make")
        self._now_ms += int(timeout * 1_000_000) / 1000
        return predicate()


def test_timers_closer_than_the_clock_resolution_never_spin() -> None:
    emulation = WholeMicrosecondEmulation()

    async def main() -> None:
        for delay in (0.3, 1e-7, 2.5e-7, 1e-15, 0.123456789):
            await asyncio.sleep(delay)

    run(emulation, main())
    assert emulation.now == pytest.approx(0.423456, abs=2e-6)


def test_a_timer_one_resolution_ahead_is_reached() -> None:
    """A run interrupted at an odd instant left a timer exactly 1 us ahead (a threaded rig's
    advance() then hung): too close to run the emulation for, not close enough to be due."""
    emulation = WholeMicrosecondEmulation()
    emulation._now_ms = 2938.0003  # type: ignore[assignment]

    async def main() -> float:
        loop = asyncio.get_running_loop()
        done = loop.create_future()
        loop.call_at(loop.time() + 1e-6, done.set_result, None)
        await done
        return loop.time()

    assert run(emulation, main()) == pytest.approx(2.9380013, abs=1e-9)


# --- tests added by the mutation audit ----------------------------------------------------------------


class FineEmulation(ClockOnlyEmulation):
    """Sync points every 100 us: finer than the loop's 1 ms socket poll."""

    def run_until(self, predicate: Callable[[], bool], timeout: float) -> bool:
        self.steps += 1
        end = self._now_ms * 10 + max(1, round(timeout * 10_000))
        while self._now_ms * 10 < end:
            self._now_ms = (round(self._now_ms * 10) + 1) / 10
            action = self.events.pop(round(self._now_ms * 10), None)
            if action:
                action()
            if predicate():
                return True
        return False


def test_wake_stops_the_emulation_at_the_very_sync_point() -> None:
    assert _datagram_arrival(FineEmulation(), 5003, wake=True) == pytest.approx(0.5003, abs=1e-9)  # 0.5003 s


def test_data_from_outside_the_emulation_is_polled_every_virtual_millisecond() -> None:
    # no wake (a thread, another process): seen at the next socket poll, not when the 5 s sleep ends
    assert 0.5003 <= _datagram_arrival(FineEmulation(), 5003, wake=False) <= 0.5003 + 0.0011


def test_wait_until_already_true_takes_no_virtual_time() -> None:
    emulation = ClockOnlyEmulation()

    async def main() -> tuple[bool, float, float]:
        loop = asyncio.get_running_loop()
        assert isinstance(loop, VirtualTimeLoop)
        await asyncio.sleep(1)
        before = loop.time()
        return await loop.wait_until(lambda: True, timeout=10), before, loop.time()

    ok, before, after = run(emulation, main())
    assert ok and after == before


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -1, "5", True, None])
def test_virtual_seconds_refuses_what_would_hang_or_mislead(bad: object) -> None:
    from rig.errors import ConfigError
    from rig.vtime import virtual_seconds

    with pytest.raises(ConfigError, match="expect timeout must be a finite number >= 0"):
        virtual_seconds(bad, "expect timeout")
    assert virtual_seconds(2, "expect timeout") == 2.0
