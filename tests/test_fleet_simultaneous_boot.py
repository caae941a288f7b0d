"""Ten nodes powered at the same virtual instant all register, promptly and repeatably.

All ten hear the same multicast Router Advertisement and send their (two-fragment) Register in the
same instant; with air time off the border node receives 20 frames at once and its RX ring cannot
hold them all, so several first Registers are lost. The client must then retransmit per CoAP
(RFC 7252 §4.2): first after ACK_TIMEOUT x [1, 1.5] = 2..3 s, then 4..6 s later, each node with its
own random factor, which spreads the retries apart. Bound: 10 s allows the Register and its first
retransmission to be lost (0.05 s to get the RA + 3 s + 6 s). The regression this guards against
left the retransmission timer unarmed, so the first retry came at the client's 60 s cap.
"""

from __future__ import annotations

from rig.rig import Rig
from rig.topology import Topology

NODES = 10
BOUND = 10.0  # virtual seconds from power-up, see above


def _boot_fleet() -> dict[str, float]:
    """Power NODES nodes at once; the virtual time of each one's 'lwm2m: registered' line."""
    topology = Topology.from_dict({"node": [{"name": f"n{i}"} for i in range(1, NODES + 1)]})
    with Rig(topology) as rig:
        registered: dict[str, float] = {}
        for name, node in rig.nodes.items():
            # The node's own line: it has the server's 2.01 (the server alone may be ahead of it).
            node.expect(r"^lwm2m: registered /rd/", timeout=max(BOUND - rig.now, 0.001))
            rig.wait_for_registration(name, timeout=0.001)
        for name, node in rig.nodes.items():
            times = [line.time for line in node.raw.uart.lines if line.text.startswith("lwm2m: registered")]
            assert len(times) == 1, f"{name} registered {len(times)} times:\n{node.log}"
            registered[name] = times[0]
        return registered


def test_ten_nodes_powered_at_once_all_register_deterministically() -> None:
    first = _boot_fleet()
    assert len(first) == NODES
    assert all(t <= BOUND for t in first.values()), first
    # The same seed replays the same contention and the same retries, to the cycle.
    assert _boot_fleet() == first
