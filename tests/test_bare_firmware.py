"""A user's own firmware on the rig: nodes alone ([border] enabled = false), no slip-radio needed."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from rig.emu.builtin.testing import image_elf
from rig.errors import ConfigError
from rig.rig import Rig
from rig.topology import Topology


@pytest.fixture(scope="module")
def faults() -> Path:
    return image_elf("faults")


@pytest.fixture
def no_apps(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """App names resolve in an empty directory: no slip-radio.elf, no lwm2m-client.elf."""
    empty = tmp_path / "no-apps"
    empty.mkdir()
    monkeypatch.setenv("RIG_FIRMWARE_DIR", str(empty))
    return empty


def alone(*elfs: Path) -> Topology:
    return Topology.from_dict({"border": {"enabled": False},
                               "node": [{"name": f"n{i}", "firmware": str(e)} for i, e in enumerate(elfs)]})


def test_topology_border_enabled_parses_and_rejects_what_cannot_apply() -> None:
    assert Topology.from_dict({}).border_enabled
    topo = Topology.from_dict({"border": {"enabled": False}, "node": [{"name": "a", "firmware": "x.elf"}]})
    assert not topo.border_enabled
    with pytest.raises(ConfigError, match="enabled has the wrong type"):
        Topology.from_dict({"border": {"enabled": "no"}})
    with pytest.raises(ConfigError, match="drop its firmware key"):
        Topology.from_dict({"border": {"enabled": False, "firmware": "slip-radio"}})
    with pytest.raises(ConfigError, match="no LwM2M server"):
        Topology.from_dict({"border": {"enabled": False}, "server": {"port": 5683}})


def test_nodes_run_alone_without_slip_radio(faults: Path, no_apps: Path) -> None:
    with Rig(alone(faults, faults)) as rig:
        assert rig.border is None and set(rig.emulation.nodes) == {"n0", "n1"}  # type: ignore[union-attr]
        for node in rig.nodes.values():
            node.expect("faults ready", timeout=1)
        node = rig.node("n0")
        node.reset()  # no server to mark a boot on
        node.expect("faults ready", timeout=1)
        for call in (lambda: rig.server, lambda: rig.bridge, lambda: node.address,
                     lambda: rig.wait_for_registration("n0", 1), lambda: rig.device("n0")):
            with pytest.raises(ConfigError, match=r"\[border\] enabled = false"):
                call()


def test_wait_goes_on_through_a_fault_the_armed_watchdog_resets(faults: Path, no_apps: Path) -> None:
    """The chip would spin in its fault handler until the watchdog resets it: wait_for_line() waits."""
    with Rig(alone(faults)) as rig:
        node = rig.node()
        node.expect("faults ready", timeout=1)
        node.write("W")  # arms the watchdog (1 s), then runs an undefined instruction
        found = node.wait_for_line("reset by the watchdog", timeout=3)
        assert len(node.raw.faults) == 1  # type: ignore[attr-defined]
        assert found.time == pytest.approx(node.raw.faults[0].time + 1.0, abs=0.01)  # type: ignore[attr-defined]
        node.expect("faults ready", timeout=1)
        node.expect_none("never", timeout=0.1)


def test_fixtures_run_a_users_firmware_with_the_border_disabled(faults: Path, no_apps: Path,
                                                                pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_mine=textwrap.dedent(f"""
        import pytest

        pytestmark = pytest.mark.topology({{"border": {{"enabled": False}},
                                            "node": [{{"name": "a", "firmware": {str(faults)!r}}}]}})

        def test_node(node, fleet, rig):
            node.expect("faults ready", timeout=1)
            assert [n.name for n in fleet] == ["a"] and rig.border is None

        def test_server_fixture_says_why(lwm2m_server):
            pass
    """))
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q",
                                           f"--artifacts-dir={pytester.path / 'artifacts'}")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*this rig has no LwM2M server*enabled = false*"])
    assert "slip-radio" not in result.stdout.str()


def test_uart_log_artifact_marks_the_watchdog_reset(faults: Path, no_apps: Path, tmp_path: Path) -> None:
    with Rig(alone(faults), artifacts_dir=tmp_path / "art") as rig:
        node = rig.node()
        node.expect("faults ready", timeout=1)
        node.write("W")
        node.expect("reset by the watchdog", timeout=3)
        assert all("***" not in line.text for line in node.raw.uart.lines)  # not in what waits match
    log = (tmp_path / "art" / "uart-n0.log").read_text().splitlines()
    texts = [line.split("] ", 1)[1] for line in log]
    assert texts[-2:] == ["*** reset by the watchdog", "reset by the watchdog"]
    assert texts[-3].startswith("*** fault: undefined instruction")


def test_topology_fault_exceptions_runs_the_firmwares_handler(faults: Path, no_apps: Path) -> None:
    topo = Topology.from_dict({"border": {"enabled": False},
                               "node": [{"name": "a", "firmware": str(faults), "fault_exceptions": True}]})
    assert topo.nodes[0].fault_exceptions
    with pytest.raises(ConfigError, match="fault_exceptions has the wrong type"):
        Topology.from_dict({"node": [{"name": "a", "fault_exceptions": 1}]})
    with Rig(topo) as rig:
        node = rig.node()
        node.expect("faults ready", timeout=1)
        node.write("u")
        assert node.wait_for_line("hardfault", timeout=1).line.startswith("hardfault cfsr=00010000")
        assert node.raw.fault is None


def test_rig_node_warnings(faults: Path, no_apps: Path) -> None:
    with Rig(alone(faults)) as rig:
        node = rig.node()
        node.expect("faults ready", timeout=1)
        assert node.warnings == []
        node.write("p")
        node.expect("touched", timeout=1)
        assert any("unmodelled peripheral ADC" in w for w in node.warnings)


def test_threaded_rig_without_border_runs_its_loop(faults: Path, no_apps: Path) -> None:
    """Robot's rig is threaded: its loop thread starts without the server too."""
    with Rig(alone(faults), threaded=True) as rig:
        assert rig._thread is not None
        rig.node().expect("faults ready", timeout=1)
