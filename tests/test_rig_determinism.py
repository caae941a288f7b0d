"""The whole rig repeats itself: same topology and seed, same UART lines and CoAP trace, to the cycle."""

from __future__ import annotations

from rig.rig import Rig
from rig.topology import Topology


def _session(seed: int) -> tuple[list[tuple[float, str]], str]:
    topology = Topology.from_dict({"node": [{"name": "a"}, {"name": "b"}], "network": {"seed": seed}})
    with Rig(topology) as rig:
        for name in ("a", "b"):
            device = rig.wait_for_registration(name, timeout=30)
            device.write("/3311/0/5850", True)
            assert device.read("/3/0/3")
        rig.advance(5)
        lines = [(line.time, f"{name}: {line.text}") for name, node in rig.nodes.items()
                 for line in node.raw.uart.lines]
        assert rig.server is not None
        return lines, rig.server.trace.to_text()


def test_two_runs_give_identical_traces() -> None:
    first, second = _session(7), _session(7)
    assert first[0] == second[0]
    assert first[1] == second[1]
    assert "PUT" in first[1] or "0.03" in first[1]  # the trace really holds the exchanges
