"""The rig's pytest plugins under pytest-xdist (`pytest -n N`): the suite-level reports are the merge of
all workers' results, written once by the controller, identical to a serial run's; --gdb is refused.

Each session runs in a subprocess (xdist starts its workers from the command line) with this tree's
rig first on PYTHONPATH.
"""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from firmware_sessions import hello_and_faults_session

from rig.footprint.pytest_stack import StackRecorder
from rig.topology import firmware_path

pytest.importorskip("xdist")

REPO = Path(__file__).resolve().parents[1]
XDIST = ("-p", "xdist", "-n", "2")


@pytest.fixture
def this_rig(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]))


def suite_of_four(pytester: pytest.Pytester) -> None:
    """hello on one node; hello on two and faults on a third; the LwM2M client; hello for longer."""
    hello_and_faults_session(pytester)
    pytester.makepyfile(test_more=f"""
        from rig.emu.api import NodeSpec
        from rig.emu.builtin.emulation import BuiltinEmulation

        def test_client():
            with BuiltinEmulation() as emu:
                emu.add_node(NodeSpec("c", {str(firmware_path("lwm2m-client"))!r})).run_for(1.0)

        def test_hello_longer():
            with BuiltinEmulation() as emu:
                emu.add_node(NodeSpec("n", {str(firmware_path("hello"))!r})).run_for(2.0)
        """)


def files_under(directory: Path) -> dict[str, bytes]:
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


def report_options(out: Path) -> list[str]:
    return [f"--firmware-coverage={out}/cov", f"--firmware-profile={out}/prof", f"--stack-report={out}/stack.json"]


@pytest.mark.usefixtures("this_rig")
def test_reports_under_two_workers_are_those_of_the_serial_run(pytester: pytest.Pytester) -> None:
    suite_of_four(pytester)
    serial, parallel = pytester.path / "serial", pytester.path / "parallel"
    one = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:xdist", *report_options(serial))
    one.assert_outcomes(passed=4)
    two = pytester.runpytest_subprocess("-p", "no:cacheprovider", *XDIST, "-v", *report_options(parallel))
    two.assert_outcomes(passed=4)
    # both workers ran tests, so each report is a merge of two parts
    two.stdout.fnmatch_lines(["*[[]gw0[]]*PASSED*"])
    two.stdout.fnmatch_lines(["*[[]gw1[]]*PASSED*"])
    # the terminal lines count the nodes of every worker
    two.stdout.fnmatch_lines([f"hello: *% lines*(4 nodes) -> {parallel}/cov/hello.info"])
    two.stdout.fnmatch_lines([f"hello: * cycles *summed over 4 nodes*-> {parallel}/prof/hello.json"])
    expected = files_under(serial)
    assert sorted(expected) == [
        "cov/faults.info", "cov/hello.info", "cov/lwm2m-client.info", "cov/summary.md",
        "prof/callgrind.out.faults", "prof/callgrind.out.hello", "prof/callgrind.out.lwm2m-client",
        "prof/faults.json", "prof/faults.md", "prof/hello.json", "prof/hello.md", "prof/lwm2m-client.json",
        "prof/lwm2m-client.md", "prof/summary.md", "stack.json"]
    got = files_under(parallel)
    assert sorted(got) == sorted(expected)
    for name, content in expected.items():
        assert got[name] == content, f"{name} differs between the serial and the -n 2 run"


@pytest.mark.usefixtures("this_rig")
def test_a_crashed_worker_is_named_in_the_report(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(f"""
        import os
        from rig.emu.api import NodeSpec
        from rig.emu.builtin.emulation import BuiltinEmulation

        def test_hello():
            with BuiltinEmulation() as emu:
                emu.add_node(NodeSpec("n", {str(firmware_path("hello"))!r})).expect("lwm2m-rig hello", timeout=5)

        def test_worker_dies():
            os._exit(3)
        """)
    out = pytester.path / "out"
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", *XDIST, *report_options(out))
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*firmware coverage*", "warning: xdist worker gw* crashed (*): the results of "
                                 "its tests are missing here"], consecutive=False)
    result.stdout.fnmatch_lines([f"--stack-report {out}/stack.json: warning: xdist worker gw* crashed*"],
                                consecutive=False)
    assert (out / "cov" / "hello.info").is_file()  # what the other workers recorded is still written


@pytest.mark.usefixtures("this_rig")
def test_a_failed_rig_test_shows_its_uart_log_and_junit_properties_from_a_worker(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("""
        import pytest

        @pytest.mark.topology({"node": [{"name": "n1", "firmware": "udp-echo"}]})
        def test_fails(node):
            node.expect("udp-echo up", timeout=5)
            assert False, "deliberate"
        """)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", *XDIST, f"--artifacts-dir={pytester.path}/a",
                                           "--junitxml=junit.xml")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*rig uart-n1*", "*udp-echo up fd00::*", "*rig coap trace*"])
    properties = {p.get("name"): p.get("value") for p in ET.parse(pytester.path / "junit.xml").iter("property")}
    assert properties.get("uart-n1", "").endswith("uart-n1.log") and "pcap" in properties


@pytest.mark.usefixtures("this_rig")
def test_gdb_under_xdist_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_nothing():\n    pass\n")
    # even port 0 (any free port): a worker's terminal never shows which one, and a test waits for it
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", *XDIST, "--gdb=0")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    # (pytest-asyncio may warn first, about its own settings, which this bare directory lacks)
    assert "ERROR: --gdb is interactive and cannot run under pytest-xdist: run the test(s) to debug with -n 0" \
        in result.stderr.lines


def test_stack_results_merge_to_the_same_whatever_order_the_workers_finish() -> None:
    """Equal depths: the test first in the collection is named (a serial run's first), whichever worker
    reported first; a sample outside every test (session end) never displaces one inside a test."""
    def part(entries: dict[str, tuple[int, str | None, int | None, int]]) -> dict[str, object]:
        return {"results": {fw: {"max_used": used, "reserved": 2048, "test": test, "samples": n}
                            for fw, (used, test, _, n) in entries.items()},
                "max_at": {fw: at for fw, (_, _, at, _) in entries.items()}}

    gw0 = part({"hello": (500, "t.py::late", 7, 3), "client": (700, None, None, 1), "fota": (90, "t.py::a", 0, 1)})
    gw1 = part({"hello": (500, "t.py::early", 2, 2), "client": (700, "t.py::mid", 4, 2),
                "fota": (120, "t.py::b", 9, 1)})
    docs = []
    for order in ((gw0, gw1), (gw1, gw0)):
        recorder = StackRecorder(Path("unused.json"))
        for p in order:
            recorder.absorb(p)
        docs.append(recorder.results)
    assert docs[0] == docs[1]
    assert docs[0]["hello"] == {"max_used": 500, "reserved": 2048, "test": "t.py::early", "samples": 5}
    assert docs[0]["client"]["test"] == "t.py::mid"
    assert docs[0]["fota"] == {"max_used": 120, "reserved": 2048, "test": "t.py::b", "samples": 2}
