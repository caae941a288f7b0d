"""Topology files: valid ones load, every mistake gets one line naming the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from rig.errors import ConfigError
from rig.rig import Rig
from rig.topology import Topology, default_eui64, parse_eui64


def test_defaults_give_one_client_node_and_a_border_node() -> None:
    topo = Topology.from_dict({})
    assert [n.name for n in topo.nodes] == ["node1"]
    assert topo.border_firmware == "slip-radio"
    assert topo.network.prefix == "fd00::/64"


def test_full_file_loads(tmp_path: Path) -> None:
    path = tmp_path / "rig.toml"
    path.write_text(
        """
[network]
prefix = "fd12:3456::/64"
loss = 0.2
airtime = true
seed = 7
[server]
port = 5700
bootstrap = true
[[node]]
name = "lamp-1"
eui64 = "00:12:4b:00:00:00:00:11"
position = [1, 2, 0]
[[node]]
name = "lamp-2"
"""
    )
    topo = Topology.load(path)
    assert topo.network.loss == 0.2 and topo.network.airtime and topo.network.seed == 7
    assert topo.server.port == 5700 and topo.server.bootstrap
    assert topo.nodes[0].eui64 == bytes.fromhex("00124b0000000011")
    assert topo.nodes[0].position == (1.0, 2.0, 0.0)
    assert topo.nodes[1].eui64 is None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"nodes": []}, "unknown key 'nodes'"),
        ({"network": {"loss": 1.5}}, "loss must be between 0 and 1"),
        ({"network": {"loss": True}}, "loss must be a number"),
        ({"network": {"prefix": "fd00::/48"}}, "must be a /64"),
        ({"network": {"prefix": "not-an-address"}}, "is not an IPv6 prefix"),
        ({"network": {"prefix": "ff02::/64"}}, "is multicast: nodes need a unicast prefix"),
        ({"network": {"prefix": "fe80::/64"}}, "is link-local"),
        ({"network": {"prefix": "::/64"}}, "is unspecified"),
        ({"network": {"prefix": "fd00::1/64"}}, "has bits set past the /64: did you mean fd00::/64?"),
        ({"server": {"port": 70000}}, "port 70000 out of range"),
        ({"server": {"lifetime": 0}}, "lifetime must be positive"),
        ({"node": []}, "at least one node"),
        ({"node": [{"name": "a"}, {"name": "a"}]}, "unique"),
        ({"node": [{"name": "9lives"}]}, "must be a letter"),
        ({"node": [{"eui64": "00:11"}]}, "not 8 hex bytes"),
        ({"node": [{"eui64": 5}]}, "eui64 must be a string"),
        ({"node": [{"position": [1, 2]}]}, "three numbers"),
        ({"node": [{"colour": "red"}]}, "unknown key 'colour'"),
        ({"node": [{"eui64": "00124b0000000001"}, {"eui64": "00:12:4b:00:00:00:00:01"}]}, "share an EUI-64"),
        # Was accepted: the node and the border radio then answered to one address.
        ({"node": [{"name": "a", "eui64": "00:12:4b:00:00:00:00:fe"}]}, "node 'a' has the border node's EUI-64"),
        ({"node": [{"name": f"n{i}"} for i in range(254)]}, "node 'n253' has the border node's EUI-64"),
    ],
)
def test_mistakes_are_named(data: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Topology.from_dict(data)


def test_unreadable_and_malformed_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read topology"):
        Topology.load(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[network\nloss=")
    with pytest.raises(ConfigError, match="not valid TOML"):
        Topology.load(bad)


def test_eui64_helpers() -> None:
    assert parse_eui64("00-12-4B-00-00-00-00-2A") == bytes.fromhex("00124b000000002a")
    assert parse_eui64("00 12 4b 00 00 00 00 2a") == parse_eui64("00124b000000002a")
    for bad in ("001:24b:000:000:0001", "00:12-4b:00:00:00:00:2a", "00:12:4b:00:00:00:00:2a:", "0x00124b000000002a"):
        with pytest.raises(ConfigError, match="is not 8 hex bytes"):
            parse_eui64(bad)
    assert default_eui64(1) == bytes.fromhex("00124b0000000001")
    assert default_eui64(300)[-2:] == bytes([1, 44])


def test_load_takes_a_str_path_and_rig_refuses_a_dict(tmp_path: Path) -> None:
    path = tmp_path / "t.toml"
    path.write_text('[[node]]\nname = "a"\n')
    assert Topology.load(str(path)).nodes[0].name == "a"  # was AttributeError: 'str' object has no attribute ...
    with pytest.raises(ConfigError, match="give a file name"):
        Topology.load(None)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match=r"give a Topology .* got dict"):
        Rig({"node": [{"name": "a"}]})  # type: ignore[arg-type]  # was AttributeError when started
