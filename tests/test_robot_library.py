"""Robot Framework keywords (rig.robot.RigLibrary) called directly: bad arguments are named, never ignored."""

from __future__ import annotations

from pathlib import Path

import pytest

from rig.errors import ConfigError, ExpectMismatch
from rig.robot import RigLibrary


@pytest.fixture
def lib(tmp_path: Path) -> RigLibrary:
    library = RigLibrary(artifacts_dir=str(tmp_path / "artifacts"))
    yield library  # type: ignore[misc]
    library.stop_rig()


def test_start_rig_refuses_settings_next_to_a_topology_file(lib: RigLibrary, tmp_path: Path) -> None:
    topo = tmp_path / "t.toml"
    topo.write_text('[[node]]\nname = "a"\nfirmware = "udp-echo"\n')
    with pytest.raises(ConfigError, match=r"topology=.* sets everything; nodes= cannot go with it"):
        lib.start_rig(topology=str(topo), nodes=3)  # was: one node, nodes=3 silently ignored


@pytest.mark.parametrize("word", ["ture", "maybe"])
def test_start_rig_refuses_a_boolean_it_does_not_know(lib: RigLibrary, word: str) -> None:
    with pytest.raises(ConfigError, match=f"airtime='{word}' is not true or false"):
        lib.start_rig(firmware="udp-echo", airtime=word)  # was: silently false


def test_set_link_loss_needs_both_ends_or_neither(lib: RigLibrary) -> None:
    lib.start_rig(firmware="udp-echo")
    with pytest.raises(ConfigError, match="give both sender and receiver"):
        lib.set_link_loss(1.0, sender="node1")  # was: loss 1.0 on every link
    assert lib._require().emulation.medium._loss == 0.0  # type: ignore[union-attr]


def test_footprint_keyword_tells_bad_input_from_a_budget_overrun(lib: RigLibrary, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="could not be measured"):  # was "exceeds its footprint budget"
        lib.footprint_should_be_within_budget(str(tmp_path / "missing.elf"))


def test_keyword_number_and_prefix_arguments_are_named(lib: RigLibrary) -> None:
    lib.start_rig(firmware="udp-echo")
    lib.wait_for_line_on_uart("udp-echo up", timeout=10)
    with pytest.raises(ConfigError, match="prefix 'bogus' is not an IPv6 prefix"):
        lib.node_address_should_be_in_prefix(prefix="bogus")  # was AddressValueError
    with pytest.raises(ConfigError, match="pmin='abc' is not a number"):  # was ValueError: invalid literal for int()
        lib.write_attributes("/3303/0/5700", pmin="abc")
    with pytest.raises(ConfigError, match="objects='x' is not a number"):
        lib.registration_should_have(objects="1 x")


def test_uart_keywords_take_renodes_arguments_and_results(lib: RigLibrary) -> None:
    """Renode's UART keywords: text by default (treatAsRegex=true for a regular expression), a
    result with .line, .timestamp (virtual ms) and .groups, Should Not Be On Uart, failing strings."""
    lib.start_rig(firmware="lwm2m-client")
    banner = lib.wait_for_line_on_uart("lwm2m-client 1.0.0 eui64=", timeout=1)
    assert banner.line.startswith("lwm2m-client 1.0.0") and banner.groups == ()
    # text, not a regular expression: as one, "[fd00::1]" would be a class of characters
    assert lib.wait_for_line_on_uart("server coap://[fd00::1]:5683", timeout=1).line.startswith("lwm2m: up ")
    got = lib.wait_for_line_on_uart(r"registered /rd/(\w+)", timeout=10, treatAsRegex=True)
    assert str(got) == got.line == f"lwm2m: registered /rd/{got.groups[0]}"
    assert 0 < got.timestamp < 10_000 and got.timestamp == pytest.approx(lib.get_virtual_time() * 1000, abs=1)
    lib.should_not_be_on_uart("lwm2m: updated", timeout=2)
    lib.write_line_to_uart("update")
    with pytest.raises(ExpectMismatch, match="should not appear"):
        lib.should_not_be_on_uart("lwm2m: updated", timeout=2)
    assert lib.wait_for_next_line_on_uart(timeout=1).line.startswith("lwm2m: updated")
    lib.register_failing_uart_string("unknown command '")
    lib.write_line_to_uart("bogus")
    with pytest.raises(ExpectMismatch, match="failing pattern"):
        lib.wait_for_line_on_uart("never printed", timeout=2)


@pytest.mark.parametrize("listener, written", [
    ("FirmwareCoverage", ["hello.info", "summary.md"]),
    ("FirmwareProfile", ["callgrind.out.hello", "hello.json", "hello.md", "summary.md"]),
])
def test_run_listeners_write_firmware_coverage_and_profiles(
        tmp_path: Path, listener: str, written: list[str]) -> None:
    """`robot --listener rig.robot.FirmwareCoverage:DIR` (or FirmwareProfile): one collector for the
    whole run, as pytest --firmware-coverage / --firmware-profile."""
    import io

    import robot
    from rig.topology import firmware_path

    (tmp_path / "HelloLib.py").write_text(
        "from rig.emu.api import NodeSpec\n"
        "from rig.emu.builtin.emulation import BuiltinEmulation\n\n"
        "def boot_hello(path):\n"
        "    with BuiltinEmulation() as emu:\n"
        "        emu.add_node(NodeSpec('n', path)).expect('lwm2m-rig hello', timeout=5)\n")
    elf = firmware_path("hello")
    suite = tmp_path / "hello.robot"
    suite.write_text("*** Settings ***\nLibrary    HelloLib.py\n\n*** Test Cases ***\nHello Boots\n"
                     f"    Boot Hello    {elf}\n")
    out = tmp_path / "out"
    console = io.StringIO()
    rc = robot.run(str(suite), outputdir=str(tmp_path / "robot"), pythonpath=[str(tmp_path)],
                   listener=f"rig.robot.{listener}:{out}", stdout=console, stderr=console)
    assert rc == 0, console.getvalue()
    assert sorted(p.name for p in out.iterdir()) == written
