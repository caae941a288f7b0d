"""Lockstep of several nodes joined by the 802.15.4 medium (firmware-c slip-radio + udp-echo)."""

from __future__ import annotations

import pytest

from rig.emu.api import CPU_HZ, NodeSpec
from rig.emu.builtin.emulation import BuiltinEmulation
from rig.emu.builtin.node import BuiltinNode
from rig.emu.builtin.testing import app_elf


def _radio_pair(emu: BuiltinEmulation) -> tuple[list[tuple[str, int, int]], BuiltinNode, BuiltinNode]:
    border = emu.add_node(NodeSpec("border", app_elf("slip-radio")))
    node = emu.add_node(NodeSpec("node", app_elf("udp-echo")))
    deliveries: list[tuple[str, int, int]] = []
    for n in (border, node):
        original = n.rfcore.receive

        def tap(frame: bytes, at: int, n: BuiltinNode = n, original=original) -> None:
            deliveries.append((n.name, at, n.cycles))
            original(frame, at)

        n.rfcore.receive = tap  # type: ignore[method-assign,assignment]
    return deliveries, border, node


@pytest.mark.parametrize("quantum_us", [100, 1000])
def test_frames_delivered_within_one_quantum(quantum_us: int) -> None:
    with BuiltinEmulation(quantum_us=quantum_us) as emu:
        deliveries, border, node = _radio_pair(emu)
        emu.advance(10.0)
        # the node solicits routers repeatedly while nobody answers: several frames, each heard
        # by the sleeping border node no later than the next sync point
        assert len(deliveries) >= 3
        quantum = quantum_us * CPU_HZ // 1_000_000
        for name, sent_at, receiver_now in deliveries:
            assert name == "border"
            assert 0 <= receiver_now - sent_at <= quantum + 64
        assert border.fault is None and node.fault is None
        assert emu.medium.stats.delivered == len(deliveries)


def test_lockstep_is_deterministic() -> None:
    def trace() -> list[object]:
        with BuiltinEmulation(seed=3) as emu:
            deliveries, border, node = _radio_pair(emu)
            emu.advance(7.0)
            return [*deliveries, border.uart.output(), [(x.time, x.text) for x in node.uart.lines]]

    assert trace() == trace()


# --- tests added by the mutation audit ----------------------------------------------------------------


def test_run_until_stops_exactly_at_the_deadline() -> None:
    with BuiltinEmulation() as emu:
        _radio_pair(emu)
        assert emu.run_until(lambda: False, 0.00005) is False  # half a quantum, nodes still booting
        assert emu.now_cycles == 1600
        for timeout in (0.0, 0.0123456, 0.5, 1.25):
            start = emu.now_cycles
            assert emu.run_until(lambda: False, timeout) is False
            assert emu.now_cycles == start + round(timeout * CPU_HZ)
            assert all(0 <= n.cycles - emu.now_cycles < 64 for n in emu.nodes.values())  # (whole instructions)
            assert emu.medium.now_cycles == emu.now_cycles  # the medium synced at the last point too


def test_idle_jump_stops_at_frames_in_flight_and_listener_deadlines() -> None:
    from rig.emu.builtin.medium import airtime_cycles
    from rig.net import ieee802154 as mac

    with BuiltinEmulation(airtime=True) as emu:  # no node at all: every step is an idle jump
        syncs: list[int] = []
        emu.medium.add_sync_listener(syncs.append, lambda: 5000 if not syncs else None)
        frame = bytes(10) + mac.fcs_bytes(bytes(10))
        emu.medium.inject(frame, channel=26, at_cycles=100_000)
        assert emu.run_until(lambda: emu.medium.stats.no_receiver == 1, 1.0)
        assert syncs[0] == 5000  # the listener's own deadline
        assert emu.now_cycles == 100_000 + airtime_cycles(len(frame))  # not a cycle later
        assert syncs[-1] == emu.now_cycles


def test_emulation_seed_reaches_the_nodes() -> None:
    from rig.emu.builtin.rfcore import RFRND

    def noise(seed: int) -> list[int]:
        with BuiltinEmulation(seed=seed) as emu:
            node = emu.add_node(NodeSpec("n", app_elf("udp-echo")))
            return [node.rfcore.read(RFRND, 4) for _ in range(64)]

    assert noise(1) == noise(1)
    assert noise(1) != noise(2)  # a different --seed is a different run
