"""The whole rig repeats itself: same topology and seed, same UART lines and CoAP trace, to the cycle,
down to the bytes of the saved coap-trace.json."""

from __future__ import annotations

import json
from pathlib import Path

from rig.lwm2m.trace import stable_peer
from rig.net.bridge import Bridge, proxied_node
from rig.net.transport import Transport
from rig.rig import Rig
from rig.topology import Topology


def _session(seed: int, artifacts: Path) -> tuple[list[tuple[float, str]], str, dict[str, str]]:
    topology = Topology.from_dict({"node": [{"name": "a"}, {"name": "b"}], "network": {"seed": seed}})
    with Rig(topology, artifacts_dir=artifacts) as rig:
        for name in ("a", "b"):
            device = rig.wait_for_registration(name, timeout=30)
            device.write("/3311/0/5850", True)
            assert device.read("/3/0/3")
        rig.advance(5)
        lines = [(line.time, f"{name}: {line.text}") for name, node in rig.nodes.items()
                 for line in node.raw.uart.lines]
        assert rig.server is not None
        addresses = {node.endpoint: f"[{node.address}]:5683" for node in rig.nodes.values()}
        return lines, rig.server.trace.to_text(), addresses


def test_two_runs_give_identical_traces(tmp_path: Path) -> None:
    first, second = _session(7, tmp_path / "1"), _session(7, tmp_path / "2")
    assert first[0] == second[0]
    assert first[1] == second[1]
    assert "PUT" in first[1] or "0.03" in first[1]  # the trace really holds the exchanges
    # The saved trace, byte for byte: each message's peer was the bridge's ephemeral loopback port.
    saved = (tmp_path / "1" / "coap-trace.json").read_bytes()
    assert saved == (tmp_path / "2" / "coap-trace.json").read_bytes()
    entries = json.loads(saved)
    assert {e["endpoint"] for e in entries} == set(first[2])
    for entry in entries:  # the node's own address, as the bridge maps it, and its CoAP port
        assert entry["peer"] == first[2][entry["endpoint"]], entry


class _NoTransport(Transport):
    def write(self, data: bytes) -> None:
        pass


def test_trace_names_a_proxied_node_by_its_address_while_its_endpoint_is_open() -> None:
    bridge = Bridge(_NoTransport(), lambda: 0.0)
    eui = bytes.fromhex("00124b0000000007")
    host, port = bridge.endpoint(eui, 5683)
    assert proxied_node(host, port) == (bridge.node_address(eui), 5683)
    assert stable_peer((host, port)) == "[fd00::212:4b00:0:7]:5683"
    assert stable_peer(("::1", 9)) == "[::1]:9"  # not a proxy endpoint: as the server saw it
    bridge.close()
    assert proxied_node(host, port) is None and stable_peer((host, port)) == f"[::1]:{port}"
