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
