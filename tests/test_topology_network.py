"""Network and fleet usability: the topology's lifetime, stagger and positions, the medium's capture,
topology files for the marker and the command lines."""

from __future__ import annotations

import argparse
import itertools
from pathlib import Path

import pytest

from rig.emu.builtin.medium import Medium
from rig.net.pcap import read_pcap
from rig.rig import Rig
from rig.topology import REPO, Topology


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


# --- 3, 7, 9: the command lines -------------------------------------------------------------------------

EP = "cc2538-00124b00000000{:02x}"
MODEL_3311_AS_TEXT = (REPO / "rig" / "lwm2m" / "models" / "3311.xml").read_text().replace(
    "<Type>Boolean</Type>", "<Type>Integer</Type>")  # a user's own model of an object: On/Off as a number


def _toml(tmp_path: Path, text: str, name: str = "net.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def _args(*argv: str) -> argparse.Namespace:
    from rig.cli import build_parser

    return build_parser().parse_args(list(argv))


def test_server_topology_file_gives_nodes_stagger_and_models(tmp_path: Path) -> None:
    from rig.server_emulate import check_args

    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "light.xml").write_text(MODEL_3311_AS_TEXT)
    path = _toml(tmp_path, '[network]\nstagger = 2\n[[node]]\nname = "a"\n[[node]]\nname = "b"\n')
    topology, gdb = check_args(_args("server", "--topology", str(path), "--gdb", "b=0"))
    assert [n.name for n in topology.nodes] == ["a", "b"] and topology.network.stagger == 2.0 and gdb == ("b", 0)
    topology, _ = check_args(_args("server", "--emulate", "--topology", str(path), "--stagger", "0.5",
                                   "--models", str(tmp_path / "models"), "--port", "5799"))
    assert topology.network.stagger == 0.5 and topology.server.port == 5799
    assert topology.server.models == ((tmp_path / "models").absolute(),)
    topology, _ = check_args(_args("server", "--emulate", "lwm2m-client", "--nodes", "3"))
    assert len(topology.nodes) == 3 and topology.network.stagger == 1.0  # the command line's default


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--topology", "{missing}"], "cannot read topology {missing}: No such file or directory"),
        (["--topology", "{bad}"], "topology {bad} is not valid TOML"),
        (["--topology", "{typo}"], "{typo}: [network]: unknown key 'stager'"),
        (["--emulate", "lwm2m-client", "--topology", "{good}"], "the topology names each node's firmware"),
        (["--topology", "{good}", "--nodes", "2"], "--nodes and --topology {good}: the topology lists the nodes"),
        (["--topology", "{good}", "--gdb", "node2=0"], "--gdb node2=0: no node 'node2' (nodes: a)"),
        (["--topology", "{alone}"], "--topology {alone}: [border] enabled = false runs no server"),
        (["--emulate"], "--emulate needs a firmware: an app name (lwm2m-client) or an ELF path (or --topology FILE)"),
        (["--emulate", "lwm2m-client", "--stagger", "-1"], "--stagger '-1' must be 0..3600"),
        (["--emulate", "lwm2m-client", "--stagger", "soon"], "--stagger 'soon' must be 0..3600"),
        (["--stagger", "1"], "--stagger is for emulated nodes: it needs --emulate FIRMWARE"),
        (["--emulate", "lwm2m-client", "--models", "{missing}"], "--models {missing}: no such file or directory"),
        (["--emulate", "lwm2m-client", "--models", "{empty}"], "--models {empty}: no *.xml object model"),
        (["--topology", "{good}", "--models", "{bad}"], "error: {bad}: not valid XML"),
    ],
)
def test_server_emulate_topology_errors_are_one_line_exit_2(tmp_path: Path, argv: list[str], message: str,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    from rig.cli import main

    files = {"missing": tmp_path / "missing.toml", "bad": _toml(tmp_path, "[network\n", "bad.toml"),
             "typo": _toml(tmp_path, "[network]\nstager = 1\n", "typo.toml"),
             "good": _toml(tmp_path, '[[node]]\nname = "a"\n', "good.toml"),
             "alone": _toml(tmp_path, '[border]\nenabled = false\n[[node]]\nname = "a"\n', "alone.toml"),
             "empty": tmp_path / "empty"}
    files["empty"].mkdir()
    fill = {k: str(v) for k, v in files.items()}
    assert main(["server", *(a.format(**fill) for a in argv)]) == 2
    err = capsys.readouterr().err
    assert message.format(**fill) in err and err.count("\n") == 1 and err.startswith("rig server: error:"), err


def test_server_topology_and_models_on_the_prompt(tmp_path: Path) -> None:
    """What `rig server --topology FILE --models FILE` runs: the file's nodes, staggered, and reads typed
    by the user's model (here 3311's On/Off as an Integer, where the built-in model says Boolean)."""
    import asyncio

    from rig.server_emulate import check_args, serve_emulated

    model = tmp_path / "light.xml"
    model.write_text(MODEL_3311_AS_TEXT)
    path = _toml(tmp_path, '[[node]]\nname = "lamp"\neui64 = "00124b0000000021"\n[[node]]\nname = "door"\n')
    topology, _ = check_args(_args("server", "--topology", str(path), "--models", str(model), "--stagger", "2"))
    said: list[str] = []
    with Rig(topology) as rig:
        async def session() -> None:
            lines: asyncio.Queue[str | None] = asyncio.Queue()
            task = asyncio.get_running_loop().create_task(serve_emulated(rig, lines, said.append))
            await asyncio.sleep(4.0)
            for command in ("read lamp /3311/0/5850", "write lamp /3311/0/5850 1", "read lamp /3311/0", "quit"):
                lines.put_nowait(command)
            await task

        rig.run(session(), timeout=60)
        assert rig.server.registry.type_of((3311, 0, 5850)).name == "INTEGER"
    assert f"{EP.format(0x21)}/3311/0/5850 = 0" in said
    assert f"{EP.format(0x21)}/3311/0 = {{5850: 1, 5851: 100, 5852: 0}}" in said
    assert any(line.startswith("[lamp 0.0") and "lwm2m: registered" in line for line in said), said
    assert any(line.startswith("[door 2.0") and "lwm2m: registered" in line for line in said), said


def test_fota_topology_file_and_stagger(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from rig.cli import main
    from rig.fota.testing import fota_images
    from rig.fota_cli import _check_args

    fota = fota_images()
    image = str(fota / "lwm2m-client-fota-2.0.0.img")
    # nodes without firmware boot --firmware (default: the FOTA factory image)
    path = _toml(tmp_path, '[network]\nstagger = 3\n[[node]]\nname = "m1"\neui64 = "00124b0000000031"\n'
                           '[[node]]\nname = "m2"\neui64 = "00124b0000000032"\n')
    args = _args("fota", image, "--topology", str(path))
    _check_args(args)
    topology = args.topology_to_run
    assert topology.network.stagger == 3.0 and {n.firmware for n in topology.nodes} == {
        str((fota / "lwm2m-client-fota-factory.elf").resolve())}
    args = _args("fota", image, "--emulate", "--topology", str(path), "--stagger", "0")
    _check_args(args)
    assert args.topology_to_run.network.stagger == 0.0
    args = _args("fota", image, "--emulate", "2")
    _check_args(args)
    assert args.topology_to_run.network.stagger == 1.0  # as before: the command line staggers by default
    assert main(["fota", image, "--topology", str(path), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "2 of 2 devices updated" in out and EP.format(0x31) in out and EP.format(0x32) in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--topology", "{missing}"], "cannot read topology {missing}: No such file or directory"),
        (["--topology", "{bad}"], "topology {bad} is not valid TOML"),
        (["--emulate", "2", "--topology", "{good}"], "--emulate 2 and --topology {good}: the topology lists the nodes"),
        (["--devices", "2", "--topology", "{good}"], "--devices is for real devices; --topology {good} emulates"),
        (["--emulate"], "--emulate 0: must be 1..64 nodes"),
        (["--emulate", "1", "--stagger", "x"], "--stagger 'x' must be 0..3600"),
        (["--devices", "1", "--stagger", "1"], "--stagger is for emulated nodes: it needs --emulate N"),
        (["--topology", "{good}", "--firmware", "{missing}"], "no such factory image"),
    ],
)
def test_fota_topology_errors_are_one_line_exit_2(tmp_path: Path, argv: list[str], message: str,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    from rig.cli import main

    image = tmp_path / "x.img"
    image.write_bytes(b"\0" * 64)
    files = {"missing": tmp_path / "missing.toml", "bad": _toml(tmp_path, "[network\n", "bad.toml"),
             "good": _toml(tmp_path, '[[node]]\nname = "a"\n', "good.toml")}
    fill = {k: str(v) for k, v in files.items()}
    assert main(["fota", str(image), "--quiet", *(a.format(**fill) for a in argv)]) == 2
    err = capsys.readouterr().err
    assert message.format(**fill) in err and err.startswith("rig fota: error:"), err
