"""Robot Framework keywords (rig.robot.RigLibrary) called directly: bad arguments are named, never ignored."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from rig.errors import ConfigError, ExpectMismatch
from rig.robot import RigLibrary


@pytest.fixture
def lib(tmp_path: Path) -> Iterator[RigLibrary]:
    library = RigLibrary(artifacts_dir=str(tmp_path / "artifacts"))
    yield library
    library.stop_rig()


def test_start_rig_refuses_settings_next_to_a_topology_file(lib: RigLibrary, tmp_path: Path) -> None:
    topo = tmp_path / "t.toml"
    topo.write_text('[[node]]\nname = "a"\nfirmware = "udp-echo"\n')
    with pytest.raises(ConfigError, match=r"topology=.* sets everything; nodes= cannot go with it"):
        lib.start_rig(topology=str(topo), nodes=3)  # was: one node, nodes=3 silently ignored


@pytest.mark.parametrize("word", ["ture", "maybe"])
def test_start_rig_refuses_a_boolean_it_does_not_know(lib: RigLibrary, word: str) -> None:
    with pytest.raises(ConfigError, match=f"airtime='{word}' is not true or false"):
        lib.start_rig(firmware="udp-echo", airtime=word)  # type: ignore[arg-type]  # was: silently false


def test_set_link_loss_needs_both_ends_or_neither(lib: RigLibrary) -> None:
    lib.start_rig(firmware="udp-echo")
    with pytest.raises(ConfigError, match="give both sender and receiver"):
        lib.set_link_loss(1.0, sender="node1")  # was: loss 1.0 on every link
    assert lib._require().emulation.medium._loss == 0.0  # type: ignore[union-attr]


def test_footprint_keyword_tells_bad_input_from_a_budget_overrun(lib: RigLibrary, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="could not be checked against"):  # was "exceeds its footprint budget"
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
    rc = robot.run(str(suite), outputdir=str(tmp_path / "robot"), pythonpath=[str(tmp_path)],  # type: ignore[attr-defined]
                   listener=f"rig.robot.{listener}:{out}", stdout=console, stderr=console)
    assert rc == 0, console.getvalue()
    assert sorted(p.name for p in out.iterdir()) == written


# -- what a Renode user porting a suite expects ------------------------------------------------------

def _robot(tmp_path: Path, suites: dict[str, str], *options: str) -> tuple[int, str, Path]:
    """Run the suites (name -> text) with Robot in-process; returns (rc, console, output dir)."""
    import io

    import robot

    folder = tmp_path / "suites"
    folder.mkdir()
    for name, text in suites.items():
        (folder / f"{name}.robot").write_text(text)
    out = tmp_path / "out"
    console = io.StringIO()
    variables = [o.split("=", 1)[1] for o in options if o.startswith("variable=")]
    rc = robot.run(str(folder), outputdir=str(out), variable=variables,  # type: ignore[attr-defined]
                   stdout=console, stderr=console)
    return rc, console.getvalue(), out


def _statuses(out: Path) -> dict[str, tuple[str, str]]:
    """'Suite.Test' -> (status, message) from output.xml."""
    from robot.api import ExecutionResult

    result = ExecutionResult(str(out / "output.xml"))
    found: dict[str, tuple[str, str]] = {}

    def visit(suite: object) -> None:
        for test in suite.tests:  # type: ignore[attr-defined]
            found[f"{suite.name}.{test.name}"] = (test.status, test.message)  # type: ignore[attr-defined]
        for child in suite.suites:  # type: ignore[attr-defined]
            visit(child)

    visit(result.suite)
    return found


UDP_ECHO_SUITE = """*** Settings ***
Library    rig.robot.RigLibrary

*** Test Cases ***
Left Running
    Start Rig    firmware=udp-echo
    Wait For Line On Uart    udp-echo up    timeout=5

Never Comes
    Start Rig    firmware=udp-echo
    Wait For Line On Uart    lwm2m: this never comes    timeout=3
"""

SUITE_SETUP_SUITE = """*** Settings ***
Library        rig.robot.RigLibrary
Suite Setup    Start Rig    firmware=udp-echo

*** Test Cases ***
First Uses The Suite Rig
    Wait For Line On Uart    udp-echo up    timeout=5

Second Still Has It
    Write Line To Uart    hello
    Advance Time    1
"""


def test_artifacts_are_per_test_saved_without_stop_rig_and_named_on_failure(tmp_path: Path) -> None:
    """Every suite wrote run-1, run-2... into ./build/robot/artifacts (the next suite
    overwrote them), a test without `Stop Rig` left no UART log nor CoAP trace, and a failed wait
    named neither the user's text nor where the artifacts were."""
    rc, console, out = _robot(tmp_path, {"a": UDP_ECHO_SUITE, "b": UDP_ECHO_SUITE, "c": SUITE_SETUP_SUITE})
    statuses = _statuses(out)
    assert rc == 2, console  # the two "Never Comes"
    artifacts = out / "artifacts"  # under ${OUTPUT DIR}, not the current directory
    for suite in ("Suites.A", "Suites.B"):
        for test in ("Left_Running", "Never_Comes"):
            directory = artifacts / suite / test
            assert "udp-echo up" in (directory / "uart-node1.log").read_text(), directory
            assert (directory / "coap-trace.json").is_file() and (directory / "uart-border.log").is_file()
        status, message = statuses[f"{suite.split('.')[1]}.Never Comes"]
        assert status == "FAIL"
        assert "no UART line matching 'lwm2m: this never comes' within 3.0 s" in message  # not 'lwm2m:\\ this\\ ...'
        assert f"Artifacts (UART logs, CoAP trace, radio.pcap): {artifacts / suite / 'Never_Comes'}" in message
    # a suite setup's rig lives until the end of the suite, then is saved too
    assert statuses["C.First Uses The Suite Rig"][0] == statuses["C.Second Still Has It"][0] == "PASS"
    assert "udp-echo up" in (artifacts / "Suites.C" / "suite-setup" / "uart-node1.log").read_text()
    log = (out / "log.html").read_text()
    assert "artifacts/Suites.A/Left_Running" in log  # the link logged at Start Rig


def test_a_second_rig_in_one_test_gets_its_own_directory(tmp_path: Path) -> None:
    suite = """*** Settings ***
Library    rig.robot.RigLibrary    artifacts_dir=${OUTPUT DIR}/mine

*** Test Cases ***
Two Rigs
    Start Rig    firmware=udp-echo
    Wait For Line On Uart    udp-echo up    timeout=2
    Start Rig    firmware=hello
    Wait For Line On Uart    lwm2m-rig hello    timeout=2
"""
    rc, console, out = _robot(tmp_path, {"two": suite})
    assert rc == 0, console
    assert "udp-echo" in (out / "mine" / "Suites.Two" / "Two_Rigs" / "uart-node1.log").read_text()
    assert "hello" in (out / "mine" / "Suites.Two" / "Two_Rigs-2" / "uart-node1.log").read_text()


RENODE_STYLE_SUITE = """*** Settings ***
Library    rig.robot.RigLibrary

*** Test Cases ***
Renode Lines Read The Same
    Start Rig    firmware=udp-echo
    Register Failing Uart String    PANIC    false    node1
    Wait For Prompt On Uart    net: up    node1    timeout=1    pauseEmulation=false
    ${r}=    Wait For Line On Uart    udp-echo up    timeout=${None}    pauseEmulation=true
    Should Start With    ${r.line}    udp-echo up
    Write Line To Uart    hello    waitForEcho=false    pauseEmulation=true
    Should Not Be On Uart    never printed    timeout=1    includeUnfinishedLine=true

Tester Id Points To Node
    Start Rig    firmware=udp-echo
    Wait For Line On Uart    udp-echo up    testerId=${0}

Wait Until Keyword Succeeds Sees No Time Pass
    Start Rig    firmware=hello
    Wait Until Keyword Succeeds    3x    0.1s    Led Should Be On    0

Led Timeout Is Virtual
    Start Rig    firmware=hello
    Led Should Be On    0    timeout=2
    Led Should Be Off    0    timeout=2

Flase Is An Error
    Start Rig    firmware=udp-echo
    Wait For Line On Uart    udp-echo up    matchNextLine=flase
"""


def test_renode_style_lines_run_and_testerid_points_to_node(tmp_path: Path) -> None:
    """PauseEmulation was an unexpected named argument, testerId=${0} became the timeout
    'testerId=0', timeout=${None} was not a number, Should Not Be On Uart refused
    includeUnfinishedLine, Write Line To Uart had no waitForEcho; the LED keywords had no timeout."""
    _, console, out = _robot(tmp_path, {"renode": RENODE_STYLE_SUITE})
    statuses = _statuses(out)
    assert statuses["Renode.Renode Lines Read The Same"] == ("PASS", ""), console
    status, message = statuses["Renode.Tester Id Points To Node"]
    assert status == "FAIL" and "testerId=0" in message and "node=node1" in message
    # virtual time stands still between retries: the LED of hello (off for its first second) never
    # turns on that way; the keyword's own virtual timeout is the way
    assert statuses["Renode.Wait Until Keyword Succeeds Sees No Time Pass"][0] == "FAIL"
    assert statuses["Renode.Led Timeout Is Virtual"] == ("PASS", ""), console
    status, message = statuses["Renode.Flase Is An Error"]  # Robot passes 'flase' on as text, bool() made it true
    assert status == "FAIL" and message.startswith("ConfigError: matchNextLine='flase' is not true or false")


@pytest.mark.parametrize("keyword, arguments, name", [
    ("wait_for_line_on_uart", {"treatAsRegex": "flase"}, "treatAsRegex"),
    ("wait_for_line_on_uart", {"matchNextLine": "flase"}, "matchNextLine"),
    ("wait_for_line_on_uart", {"includeUnfinishedLine": "ture"}, "includeUnfinishedLine"),
    ("wait_for_line_on_uart", {"pauseEmulation": "maybe"}, "pauseEmulation"),
    ("wait_for_prompt_on_uart", {"treatAsRegex": "flase"}, "treatAsRegex"),
    ("should_not_be_on_uart", {"treatAsRegex": "flase"}, "treatAsRegex"),
    ("should_not_be_on_uart", {"includeUnfinishedLine": "flase"}, "includeUnfinishedLine"),
    ("register_failing_uart_string", {"treatAsRegex": "flase"}, "treatAsRegex"),
    ("write_line_to_uart", {"waitForEcho": "flase"}, "waitForEcho"),
])
def test_every_boolean_argument_is_strict(lib: RigLibrary, keyword: str, arguments: dict[str, str], name: str) -> None:
    """`matchNextLine=flase` was bool('flase'): true, silently."""
    with pytest.raises(ConfigError, match=f"{name}='{next(iter(arguments.values()))}' is not true or false"):
        getattr(lib, keyword)("x", **arguments)


def test_uart_failures_show_the_users_text_and_numbered_nodes_point_to_names(
        lib: RigLibrary, monkeypatch: pytest.MonkeyPatch) -> None:
    """The text was shown regex-escaped ('lwm2m:\\\\ this\\\\ never\\\\ comes')."""
    from rig.errors import ExpectTimeout

    lib.start_rig(firmware="udp-echo")
    with pytest.raises(ExpectTimeout, match=r"no UART line matching 'lwm2m: this never comes' within 1.0 s"):
        lib.wait_for_line_on_uart("lwm2m: this never comes", timeout=1)
    with pytest.raises(ExpectTimeout) as caught:  # a regular expression stays as written
        lib.wait_for_line_on_uart(r"a\.b+", timeout=1, treatAsRegex=True)
    assert "matching " + repr(r"a\.b+") + " within" in str(caught.value)
    # Renode's testerId by position (Wait For Line On Uart    text    5    0) lands in node=
    with pytest.raises(ConfigError, match=r"no node '0'.*not numbered as Renode's testerId \(node=node1"):
        lib.wait_for_line_on_uart("x", 1, "0")
    with pytest.raises(ConfigError, match=r"testerId=1: .*node=node1"):
        lib.write_line_to_uart("x", testerId=1)
    # includeUnfinishedLine: a prompt still being written counts (no firmware here prints one)
    uart = lib._node(None).raw.uart
    monkeypatch.setattr(uart, "unfinished_line", lambda: "debug> ")
    lib.should_not_be_on_uart("debug>", timeout=0.5)
    with pytest.raises(ExpectMismatch, match=r"line being written 'debug> ' matches 'debug>'"):
        lib.should_not_be_on_uart("debug>", timeout=0.5, includeUnfinishedLine=True)
    lib.register_failing_uart_string("net: up fd00::")  # shown as written too
    with pytest.raises(ExpectMismatch, match=r"matches the failing pattern 'net: up fd00::'"):
        lib.wait_for_line_on_uart("udp-echo up", timeout=1)


def test_led_keywords_wait_in_virtual_time(lib: RigLibrary) -> None:
    """Hello's LED 0 is off for its first second, then toggles every second."""
    lib.start_rig(firmware="hello")
    with pytest.raises(AssertionError, match="LED 0 of node1 is off, expected on"):
        lib.led_should_be_on(0)
    with pytest.raises(AssertionError, match=r"LED 0 of node1 is off after 0.5 virtual s, expected on"):
        lib.led_should_be_on(0, timeout=0.5)
    start = lib.get_virtual_time()
    lib.led_should_be_on(0, timeout=2)
    assert 0.5 < lib.get_virtual_time() - start < 1.5  # waited for the toggle, not the whole timeout
    lib.led_should_be_off(0, timeout="2")  # type: ignore[arg-type]  # as Robot passes it untyped
    lib.led_should_be_off(0, timeout=None)
    with pytest.raises(ConfigError, match="timeout must be a finite number >= 0"):
        lib.led_should_be_on(0, timeout=-1)


def test_timeout_none_is_the_default(lib: RigLibrary) -> None:
    """Renode passes timeout=${None} for its default."""
    lib.start_rig(firmware="udp-echo")
    got = lib.wait_for_line_on_uart("udp-echo up", timeout=None)
    assert got.line.startswith("udp-echo up")
    start = lib.get_virtual_time()
    lib.should_not_be_on_uart("never printed", timeout=None)
    assert lib.get_virtual_time() - start == pytest.approx(10.0, abs=0.01)


def test_libdoc_documents_the_library_its_import_and_every_keyword() -> None:
    """'Documentation for library rig.robot.RigLibrary.', 'Initialize self...', 12 of 29
    keywords without a word."""
    from robot.libdocpkg import LibraryDocumentation

    doc = LibraryDocumentation("rig.robot.RigLibrary")
    assert doc.doc.startswith("Robot Framework keywords for lwm2m-rig")
    assert "``node1`` .. ``nodeN``" in doc.doc and "the first client node" in doc.doc
    init = doc.inits[0].doc
    assert all(word in init for word in ("emulator", "renode=PATH", "artifacts_dir", "${OUTPUT DIR}/artifacts"))
    undocumented = [kw.name for kw in doc.keywords if not kw.short_doc.strip()]
    assert undocumented == []
    assert len(doc.keywords) >= 29


def test_renode_not_found_says_what_to_put_on_the_library_line(tmp_path: Path) -> None:
    """With emulator=renode the error was pytest's 'set --renode PATH or RENODE'."""
    from rig.errors import RigError

    library = RigLibrary(emulator="renode", renode=str(tmp_path / "no-renode"), artifacts_dir=str(tmp_path))
    with pytest.raises(RigError) as caught:
        library.start_rig(firmware="udp-echo")
    assert "renode=PATH on the Library line" in str(caught.value) and "--renode" not in str(caught.value)
    assert library._rig is None  # nothing half-started for the listener to stop


def test_footprint_budget_defaults_to_the_repositorys_file(
        lib: RigLibrary, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """From another directory the default budget was 'firmware-c/footprint/budget.toml:
    budget file not found' (relative to the current directory)."""
    from rig.topology import FIRMWARE_DIR

    monkeypatch.chdir(tmp_path)
    # a build over its budget is the keyword working (AssertionError); the old code could not even measure
    with contextlib.suppress(AssertionError):
        lib.footprint_should_be_within_budget(str(FIRMWARE_DIR / "lwm2m-client.elf"))
    output = capsys.readouterr()
    assert "budget file not found" not in output.out + output.err
    assert "total" in output.out  # the table was printed


def test_a_bad_boolean_value_lists_the_accepted_words() -> None:
    """`Write Resource    /3311/0/5850    maybe` said "boolean must be '0' or '1'"."""
    from rig.lwm2m.cli import parse_value
    from rig.lwm2m.codecs import CodecError
    from rig.lwm2m.model import ObjectRegistry

    registry = ObjectRegistry()
    with pytest.raises(CodecError, match=r"/3311/0/5850 is a boolean: give true, false, 1 or 0, not 'maybe'"):
        parse_value("maybe", (3311, 0, 5850), registry)
    words = ("true", "FALSE", "1", "0")
    assert [parse_value(w, (3311, 0, 5850), registry) for w in words] == [True, False, True, False]
