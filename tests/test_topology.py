"""Topology files: valid ones load, every mistake gets one line naming the key."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from rig.errors import ConfigError
from rig.rig import Rig
from rig.topology import REPO, Topology, default_eui64, firmware_dir, firmware_path, parse_eui64


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


# --- where firmware resolves (a team's own project, with the rig installed rather than this checkout) ---


@pytest.fixture
def elfs(tmp_path: Path) -> Path:
    """A directory of 'built' apps: firmware_path only needs the files to exist."""
    d = tmp_path / "elfs"
    d.mkdir()
    for app in ("slip-radio", "lwm2m-client", "my-app"):
        (d / f"{app}.elf").write_bytes(b"\x7fELF")
    return d


def test_rig_firmware_dir_is_where_app_names_resolve(elfs: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RIG_FIRMWARE_DIR", str(elfs))
    assert firmware_dir() == elfs
    assert firmware_path("my-app") == elfs / "my-app.elf"
    with pytest.raises(ConfigError) as exc:
        firmware_path("other-app")
    assert f"not found at {elfs / 'other-app.elf'}: app names resolve in RIG_FIRMWARE_DIR={elfs}" in str(exc.value)
    monkeypatch.setenv("RIG_FIRMWARE_DIR", str(elfs / "my-app.elf"))
    with pytest.raises(ConfigError, match=r"RIG_FIRMWARE_DIR=.*my-app.elf is not a directory"):
        firmware_path("my-app")


def test_installed_rig_names_the_path_tried_and_how_to_point_elsewhere(elfs: Path, tmp_path: Path) -> None:
    # A team's own project: rig installed in site-packages, no firmware-c/ beside it. Was: "firmware
    # 'slip-radio' not found at <site-packages>/firmware-c/build/cc2538/slip-radio.elf", no way out.
    site = tmp_path / "site"
    shutil.copytree(REPO / "rig", site / "rig", ignore=shutil.ignore_patterns("__pycache__"))
    project = tmp_path / "project"
    project.mkdir()
    code = "from rig.topology import firmware_path; print(firmware_path('slip-radio'))"

    def run(**env: str) -> subprocess.CompletedProcess[str]:
        environ = {k: v for k, v in os.environ.items() if k != "RIG_FIRMWARE_DIR"}
        return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=project,
                              env={**environ, "PYTHONPATH": str(site), **env}, timeout=120)

    missing = run()
    assert missing.returncode != 0
    tried = site / "firmware-c" / "build" / "cc2538" / "slip-radio.elf"
    assert f"not found at {tried}: " in missing.stderr and "set RIG_FIRMWARE_DIR=DIR" in missing.stderr
    found = run(RIG_FIRMWARE_DIR=str(elfs))
    assert found.returncode == 0, found.stderr
    assert found.stdout.strip() == str(elfs / "slip-radio.elf")


def test_relative_firmware_in_a_file_resolves_against_the_file(elfs: Path, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    topo_dir = tmp_path / "conf"
    topo_dir.mkdir()
    path = topo_dir / "rig.toml"
    path.write_text('[border]\nfirmware = "../elfs/slip-radio.elf"\n'
                    '[[node]]\nname = "a"\nfirmware = "../elfs/my-app.elf"\n')
    monkeypatch.chdir(REPO)  # was: resolved against the current directory
    topo = Topology.load(path)
    assert topo.nodes[0].firmware == str(elfs / "my-app.elf")
    assert firmware_path(topo.border_firmware) == elfs / "slip-radio.elf"
    path.write_text('[[node]]\nname = "a"\nfirmware = "../elfs/nope.elf"\n')
    with pytest.raises(ConfigError) as exc:
        Topology.load(path)
    assert str(exc.value) == (f"{path}: node 'a': firmware '../elfs/nope.elf' not found at {elfs / 'nope.elf'} "
                              f"(relative paths in a topology file resolve against its directory, {topo_dir})")


def test_a_dict_keeps_paths_relative_to_the_current_directory(elfs: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(elfs.parent)
    topo = Topology.from_dict({"node": [{"name": "a", "firmware": "elfs/my-app.elf"}]})
    assert topo.nodes[0].firmware == "elfs/my-app.elf" and firmware_path(topo.nodes[0].firmware).is_file()
    monkeypatch.chdir(elfs)
    with pytest.raises(ConfigError, match=r"not found at .*/elfs/elfs/my-app.elf \(a relative path resolves "
                                          r"against the current directory"):
        firmware_path("elfs/my-app.elf")


def test_firmware_dir_key(elfs: Path, tmp_path: Path) -> None:
    path = tmp_path / "rig.toml"
    path.write_text('firmware_dir = "elfs"\n[[node]]\nname = "a"\nfirmware = "my-app"\n')
    topo = Topology.load(path)
    assert topo.firmware_dir == elfs
    assert topo.nodes[0].firmware == str(elfs / "my-app.elf")
    assert topo.border_firmware == str(elfs / "slip-radio.elf")  # the default app, from the same directory
    path.write_text('firmware_dir = "elfs"\n[[node]]\nname = "a"\nfirmware = "typo-app"\n')
    with pytest.raises(ConfigError, match=r"node 'a': firmware 'typo-app' not found at .*typo-app.elf \(app names "
                                          r"in this topology resolve in its firmware_dir"):
        Topology.load(path)
    path.write_text('firmware_dir = "nowhere"\n')
    with pytest.raises(ConfigError, match=r"firmware_dir 'nowhere': .*nowhere is not a directory \(relative to "
                                          r"the topology file's directory"):
        Topology.load(path)
    with pytest.raises(ConfigError, match="firmware_dir has the wrong type"):
        Topology.from_dict({"firmware_dir": 3})


def test_a_project_of_its_own_runs_the_rig_fixtures(tmp_path: Path) -> None:
    """The rig imported from elsewhere (no firmware-c/ beside it), a project with its ELF and a topology
    file naming it relatively; the border's slip-radio from RIG_FIRMWARE_DIR."""
    site = tmp_path / "site"
    shutil.copytree(REPO / "rig", site / "rig", ignore=shutil.ignore_patterns("__pycache__"))
    project = tmp_path / "project"
    (project / "tests").mkdir(parents=True)
    (project / "build").mkdir()
    shutil.copy(firmware_path("lwm2m-client"), project / "build" / "app.elf")
    (project / "tests" / "rig.toml").write_text('[[node]]\nname = "mine"\nfirmware = "../build/app.elf"\n')
    (project / "tests" / "test_mine.py").write_text(
        "from pathlib import Path\n\nimport pytest\n\nfrom rig.topology import Topology\n\n\n"
        "@pytest.fixture\ndef rig_topology():\n    return Topology.load(Path(__file__).parent / 'rig.toml')\n\n\n"
        "def test_mine(node):\n    node.expect('lwm2m: registered', timeout=30)\n"
    )
    environ = {k: v for k, v in os.environ.items() if k != "RIG_FIRMWARE_DIR"}
    env = {**environ, "PYTHONPATH": str(site), "RIG_FIRMWARE_DIR": str(firmware_path("slip-radio").parent)}
    # The plugin comes in through the `rig` distribution's pytest11 entry point; PYTHONPATH makes it the copy's.
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
                          capture_output=True, text=True, cwd=project, env=env, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout
    assert (project / "build" / "test-artifacts").is_dir()  # artifacts under the project, not site-packages
