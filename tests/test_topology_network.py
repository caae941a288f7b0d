"""Network and fleet usability: the topology's lifetime, stagger and positions, the medium's capture,
topology files for the marker and the command lines."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from rig.emu.builtin.medium import Medium
from rig.net.pcap import read_pcap
from rig.rig import Rig
from rig.topology import Topology


class _Radio:
    """A radio port that only listens: the medium's contract without an RF core."""

    channel = 26

    def __init__(self) -> None:
        self.heard: list[int] = []

    def connect(self, medium: Medium, node_name: str) -> None:
        pass

    def receive(self, frame: bytes, at_cycles: int) -> None:
        self.heard.append(at_cycles)


def _frame(n: int) -> bytes:
    return bytes([0x41, 0x88, n]) + bytes(8)


# --- 2: the capture is in time order -------------------------------------------------------------------


def test_capture_is_written_in_time_order_across_senders(tmp_path: Path) -> None:
    """In one quantum the emulator runs node a to the sync point, then b: b's earlier frame reaches the
    medium after a's later one. The pcap must still be in time order."""
    medium = Medium()
    for name in ("a", "b", "c"):
        medium.attach(name, _Radio())
    medium.capture(tmp_path / "r.pcap")
    medium.transmit("a", _frame(1), 3_000)  # a ran first, up to the sync point at 4000
    medium.transmit("b", _frame(2), 1_000)
    medium.transmit("c", _frame(3), 2_000)
    medium.sync(4_000)
    medium.transmit("a", _frame(4), 4_000)  # the same instant as the sync point: after it, in send order
    medium.transmit("b", _frame(5), 6_000)  # past the sync point: held until the next one (or close)
    medium.transmit("c", _frame(6), 5_000)
    medium.sync(5_500)
    medium.close()
    _, records = read_pcap(tmp_path / "r.pcap")
    assert [data[2] for _, data in records] == [2, 3, 1, 4, 6, 5]
    times = [t for t, _ in records]
    assert times == sorted(times)


def test_three_node_fleet_capture_timestamps_never_go_back(tmp_path: Path) -> None:
    # With air time an ACK leaves a turnaround after the frame ends, often past the sync point where
    # the medium delivers that frame: before the fix it was written ahead of frames sent in between.
    topology = Topology.from_dict({"network": {"airtime": True}, "node": [{"name": f"n{i}"} for i in (1, 2, 3)]})
    with Rig(topology, artifacts_dir=tmp_path) as rig:
        for name in rig.nodes:
            rig.wait_for_registration(name, timeout=30)
        rig.advance(1)
    _, records = read_pcap(tmp_path / "radio.pcap")
    assert len(records) > 20  # RS, RA, NS, Registers (fragments), ACKs of three nodes
    times = [t for t, _ in records]
    behind = [(i, times[i - 1], t) for i, t in enumerate(times) if i and t < times[i - 1]]
    assert not behind, f"{len(behind)} frames timed before the frame written ahead of them: {behind[:3]}"


# --- 1: [server] lifetime without bootstrap --------------------------------------------------------------


def _updates(node) -> list[float]:
    return [line.time for line in node.raw.uart.lines if line.text.startswith("lwm2m: updated")]


def test_server_lifetime_without_bootstrap_is_written_and_times_the_updates() -> None:
    """The client registers with its own 300 s; the rig writes 60 to /1/0/1, the client announces it in
    an Update at once and from then on updates every 60 - 30 s (half the lifetime, at most 93 s early)."""
    topology = Topology.from_dict({"server": {"lifetime": 60}})
    with Rig(topology) as rig:
        node = rig.node("node1")
        device = rig.wait_for_registration("node1", timeout=30)
        assert rig.wait_until(lambda: device.registration.lifetime == 60, timeout=5)
        assert rig.lifetime_enforcer is not None and rig.lifetime_enforcer.written == [(node.endpoint, 0)]
        assert device.read("/1/0/1") == 60
        rig.advance(65)
        updates = _updates(node)
        assert len(updates) == 3, node.log  # the lifetime's Update, then two timed by it
        assert [round(b - a) for a, b in itertools.pairwise(updates)] == [30, 30]


def test_no_server_lifetime_leaves_the_clients_own() -> None:
    with Rig(Topology.from_dict({})) as rig:
        device = rig.wait_for_registration("node1", timeout=30)
        assert rig.lifetime_enforcer is None
        rig.advance(5)
        assert device.registration.lifetime == 300 and not _updates(rig.node("node1"))


@pytest.mark.parametrize("value", [0, -1, 2**32, True, "60"])
def test_bad_server_lifetime_is_refused(value: object) -> None:
    from rig.errors import ConfigError

    with pytest.raises(ConfigError, match=r"\[server\]: lifetime"):
        Topology.from_dict({"server": {"lifetime": value}})


# --- 7: staggered boots ----------------------------------------------------------------------------------


def test_network_stagger_powers_the_nodes_up_one_after_another() -> None:
    topology = Topology.from_dict({"network": {"stagger": 2.5}, "node": [{"name": f"n{i}"} for i in (1, 2, 3)]})
    assert topology.network.stagger == 2.5
    with Rig(topology) as rig:
        for name in rig.nodes:
            rig.wait_for_registration(name, timeout=30)
        first = {name: node.raw.uart.lines[0].time for name, node in rig.nodes.items()}
        registered = {name: rig.server.registrations[node.endpoint].registered_at for name, node in rig.nodes.items()}
    assert first["n1"] < 0.1 and 2.5 <= first["n2"] < 2.6 and 5.0 <= first["n3"] < 5.1, first
    assert registered["n1"] < 2.5 <= registered["n2"] < 5.0 <= registered["n3"]


@pytest.mark.parametrize("value", [-1, float("inf"), float("nan"), 3601, True, "1"])
def test_bad_stagger_is_refused(value: object) -> None:
    from rig.errors import ConfigError

    with pytest.raises(ConfigError, match=r"\[network\]: stagger"):
        Topology.from_dict({"network": {"stagger": value}})


# --- 5: positions on the builtin medium -------------------------------------------------------------------


def test_positions_on_the_builtin_medium_warn_once() -> None:
    from rig.errors import RigWarning

    topology = Topology.from_dict({"node": [{"name": "a", "position": [10, 0, 0]}, {"name": "b", "position": [0, 5, 0]},
                                            {"name": "c"}]})
    with pytest.warns(RigWarning, match=r"positions \(a, b\) are used by the renode backend only") as caught:
        Rig(topology).start().stop()
    assert len([w for w in caught if issubclass(w.category, RigWarning)]) == 1


def test_no_positions_no_warning() -> None:
    import warnings

    from rig.errors import RigWarning

    with warnings.catch_warnings():
        warnings.simplefilter("error", RigWarning)
        Rig(Topology.from_dict({"node": [{"name": "a", "position": [0, 0, 0]}]})).start().stop()


# --- 4: @pytest.mark.topology("file.toml") ---------------------------------------------------------------


def test_topology_marker_takes_a_file_relative_to_the_test(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    (pytester.path / "tests" / "net").mkdir(parents=True)
    (pytester.path / "tests" / "net" / "two.toml").write_text(
        '[network]\nseed = 9\n[[node]]\nname = "a"\n[[node]]\nname = "b"\n')
    (pytester.path / "tests" / "net" / "bad.toml").write_text("[network\n")
    (pytester.path / "tests" / "test_file_topology.py").write_text(
        "import pytest\n"
        "from pathlib import Path\n\n"
        "@pytest.mark.topology('net/two.toml')\n"
        "def test_relative(rig_topology):\n"
        "    assert [n.name for n in rig_topology.nodes] == ['a', 'b'] and rig_topology.network.seed == 9\n\n"
        "@pytest.mark.topology(Path(__file__).parent / 'net' / 'two.toml')\n"
        "def test_absolute_path(rig_topology):\n"
        "    assert len(rig_topology.nodes) == 2\n\n"
        "@pytest.mark.topology('net/bad.toml')\n"
        "def test_bad_toml(rig_topology):\n"
        "    pass\n\n"
        "@pytest.mark.topology('net/none.toml')\n"
        "def test_missing(rig_topology):\n"
        "    pass\n")
    # pytest runs in pytester.path, where net/two.toml is not: the path is the test file's
    result = pytester.runpytest(str(pytester.path / "tests"), "-p", "no:cacheprovider", "--rootdir", str(pytester.path))
    result.assert_outcomes(passed=2, errors=2)
    out = result.stdout.str()
    assert f"topology {pytester.path / 'tests' / 'net' / 'bad.toml'} is not valid TOML" in out
    assert f"cannot read topology {pytester.path / 'tests' / 'net' / 'none.toml'}: No such file or directory" in out
