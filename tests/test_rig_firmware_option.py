"""Bring your own firmware to the pytest fixtures: --rig-firmware PATH (ini rig_firmware) boots it
on the client nodes that name no firmware; and a stale ELF of this tree warns once, with the make
command (rig.firmware_staleness)."""

from __future__ import annotations

import os
import shutil
import warnings
from pathlib import Path

import pytest

from rig.emu.builtin.testing import app_elf
from rig.firmware_staleness import StaleFirmwareWarning, check_stale, warn_if_stale

INI = "[pytest]\nasyncio_default_fixture_loop_scope = function\n"
INNER = """
import pytest

def test_default_topology(rig, node):
    assert rig.topology.nodes[0].firmware == {elf!r}
    node.expect(r"lwm2m-rig hello", timeout=2)

@pytest.mark.topology({{"node": [{{"name": "a"}}, {{"name": "b", "firmware": "lwm2m-client"}}]}})
def test_a_named_firmware_stays(rig):
    assert rig.topology.nodes[0].firmware == {elf!r}
    assert rig.topology.nodes[1].firmware == "lwm2m-client"
"""


@pytest.fixture
def my_elf(tmp_path: Path) -> Path:
    """The user's own build (a copy of hello, outside this tree)."""
    elf = tmp_path / "mine" / "my-app.elf"
    elf.parent.mkdir()
    shutil.copy(app_elf("hello"), elf)
    return elf


def test_rig_firmware_boots_the_users_elf_in_the_node_fixture(pytester: pytest.Pytester, my_elf: Path) -> None:
    pytester.makeini(INI)
    pytester.makepyfile(INNER.format(elf=str(my_elf)))
    rel = os.path.relpath(my_elf, pytester.path)  # relative to where pytest runs
    result = pytester.runpytest("-p", "no:cacheprovider", f"--rig-firmware={rel}")
    result.assert_outcomes(passed=2)


def test_the_ini_key_is_relative_to_the_ini_file(pytester: pytest.Pytester, my_elf: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    ini = pytester.makeini(INI + f"rig_firmware = {os.path.relpath(my_elf, pytester.path)}\n")
    tests = pytester.makepyfile(INNER.format(elf=str(my_elf)))
    monkeypatch.chdir(pytester.mkdir("elsewhere"))  # not where the ini is
    result = pytester.runpytest("-p", "no:cacheprovider", "-c", str(ini), str(tests))
    result.assert_outcomes(passed=2)


def test_a_missing_rig_firmware_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makeini(INI)
    pytester.makepyfile("def test_x(node):\n    pass\n")
    result = pytester.runpytest("-p", "no:cacheprovider", "--rig-firmware=nope/my.elf")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--rig-firmware nope/my.elf: no such file: */nope/my.elf*"])


# --- stale firmware ---------------------------------------------------------------------------------

@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A firmware-c-like tree: a source, and an ELF built after it."""
    root = tmp_path / "firmware-c"
    (root / "apps" / "x").mkdir(parents=True)
    (root / "build" / "cc2538").mkdir(parents=True)
    (root / "tests").mkdir()
    src = root / "apps" / "x" / "x.c"
    src.write_text("int x;\n")
    elf = root / "build" / "cc2538" / "x.elf"
    elf.write_bytes(b"\x7fELF")
    os.utime(src, (1_000_000, 1_000_000))
    os.utime(elf, (2_000_000, 2_000_000))
    return root


def test_an_elf_older_than_a_source_is_stale(tree: Path) -> None:
    elf = tree / "build" / "cc2538" / "x.elf"
    assert check_stale(elf, tree) is None
    (tree / "tests" / "t.c").write_text("")  # host-only unit tests are in no image
    assert check_stale(elf, tree) is None
    src = tree / "apps" / "x" / "x.c"
    os.utime(src, (3_000_000, 3_000_000))
    stale = check_stale(elf, tree)
    assert stale is not None and stale.newest == src
    assert stale.command.endswith("build/cc2538/x.elf") and stale.command.startswith("make -C ")
    with pytest.warns(StaleFirmwareWarning, match=r"x\.elf is older than .*x\.c .*rebuild it with `make -C "):
        warn_if_stale(elf, tree)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert warn_if_stale(elf, tree) is None  # once per ELF


def test_an_elf_outside_the_tree_is_not_checked(tree: Path, my_elf: Path) -> None:
    os.utime(my_elf, (0, 0))
    assert check_stale(my_elf, tree) is None


def test_the_rig_warns_about_a_stale_elf(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch,
                                         tree: Path) -> None:
    """The rig checks every ELF it boots (here a copy of hello in a stale tree)."""
    import rig.firmware_staleness as staleness

    elf = tree / "build" / "cc2538" / "x.elf"
    shutil.copy(app_elf("hello"), elf)
    os.utime(elf, (2_000_000, 2_000_000))
    os.utime(tree / "apps" / "x" / "x.c", (3_000_000, 3_000_000))
    import rig.rig
    from rig.rig import Rig
    from rig.topology import Topology

    monkeypatch.setattr(rig.rig, "warn_if_stale", lambda e: staleness.warn_if_stale(e, tree))

    topo = Topology.from_dict({"border": {"enabled": False}, "node": [{"name": "a", "firmware": str(elf)}]})
    with pytest.warns(StaleFirmwareWarning, match=r"rebuild it with `make -C .*build/cc2538/x\.elf`"), Rig(topo):
        pass
