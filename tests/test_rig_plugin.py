"""The Rig and its pytest plugin, on the udp-echo firmware (no LwM2M needed)."""

from __future__ import annotations

import asyncio
import math
import os
import re
import shlex
import signal
import sys
import threading
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from rig.errors import ConfigError, ExpectTimeout
from rig.rig import Rig, RigNode
from rig.topology import Topology

UDP_ECHO = {"node": [{"name": "n1", "firmware": "udp-echo"}]}


@pytest.mark.topology(UDP_ECHO)
def test_node_fixture_expects_on_virtual_time(rig: Rig, node: RigNode) -> None:
    match = node.expect(r"udp-echo up (\S+)", timeout=10)
    assert match.group(1) == node.address
    assert rig.now < 1.0  # joined within a virtual second
    assert rig.bridge is not None and rig.bridge.ping(node.raw, 32) > 0


@pytest.mark.topology(UDP_ECHO)
def test_expect_times_out_in_virtual_seconds(rig: Rig, node: RigNode) -> None:
    start = rig.now
    with pytest.raises(ExpectTimeout, match="no UART line matching 'never printed'"):
        node.expect("never printed", timeout=3)
    assert rig.now - start == pytest.approx(3, abs=0.01)


def test_missing_firmware_fails_before_anything_starts() -> None:
    with pytest.raises(ConfigError, match="firmware 'no-such-app' not found"):
        Rig(Topology.from_dict({"node": [{"firmware": "no-such-app"}]})).start()


def test_failing_test_gets_uart_log_pcap_and_trace_attached(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.topology({"node": [{"name": "n1", "firmware": "udp-echo"}]})
        def test_fails(node):
            node.expect("udp-echo up", timeout=5)
            assert False, "deliberate"
        """
    )
    artifacts = pytester.path / "artifacts"
    result = pytester.runpytest("-p", "no:cacheprovider", f"--artifacts-dir={artifacts}", "--junitxml=junit.xml")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*rig uart-n1*", "*udp-echo up fd00::*"])
    logs = list(artifacts.glob("*/uart-n1.log"))
    assert logs and "udp-echo up" in logs[0].read_text()
    assert list(artifacts.glob("*/radio.pcap"))
    properties = {p.get("name"): p.get("value") for p in ET.parse(pytester.path / "junit.xml").iter("property")}
    assert properties.get("uart-n1", "").endswith("uart-n1.log")
    assert "pcap" in properties


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda rig, node: node.expect("x", timeout=math.nan), "expect timeout must be a finite number"),  # hung
        (lambda rig, node: node.expect("x", timeout=math.inf), "expect timeout must be a finite number"),  # hung
        (lambda rig, node: node.expect("x", timeout="5"), "expect timeout"),  # was TypeError in asyncio
        (lambda rig, node: node.expect("("), r"expect: bad regular expression '\('"),  # was re.error
        (lambda rig, node: node.write(5), "write takes text or bytes, got int 5"),  # sent five NUL bytes
        (lambda rig, node: node.power_cut(off_for=math.nan), "power_cut off_for"),
        (lambda rig, node: rig.advance(-1), "advance must be a finite number >= 0"),  # passed silently
        (lambda rig, node: rig.advance(math.nan), "advance"),  # hung
        (lambda rig, node: rig.wait_until(lambda: False, math.nan), "wait_until timeout"),  # hung
        (lambda rig, node: rig.wait_for_registration(timeout=math.nan), "wait_for_registration timeout"),  # hung
        (lambda rig, node: rig.run(asyncio.sleep(0), timeout=-1), "run timeout"),  # was a bare TimeoutError
    ],
)
@pytest.mark.topology(UDP_ECHO)
def test_bad_waits_and_arguments_are_config_errors(rig: Rig, node: RigNode, call: Callable[[Rig, RigNode], Any],
                                                     message: str) -> None:
    errors: list[BaseException] = []

    def run() -> None:
        try:
            call(rig, node)
        except BaseException as exc:  # reported below
            errors.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(30)  # a regression hangs on virtual time that never ends: fail instead
    assert not thread.is_alive(), "still running after 30 s"
    assert errors and isinstance(errors[0], ConfigError), errors
    assert re.search(message, str(errors[0])), errors[0]


def test_topology_marker_misuse_is_named(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.topology()
        def test_no_args(rig_topology):
            pass

        @pytest.mark.topology(node=[{"name": "a"}])
        def test_kwargs(rig_topology):
            pass

        @pytest.mark.topology({"node": [{"name": "a"}]}, {"node": [{"name": "b"}]})
        def test_two_dicts(rig_topology):
            pass

        @pytest.mark.topology("topo.toml")
        def test_a_file_name(rig_topology):
            pass

        @pytest.mark.topology({"nodes": []})
        def test_typo(rig_topology):
            pass
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(errors=5)  # the second dict was ignored: a pass
    out = result.stdout.str()
    for tail in ("got ()", "got (node=[{'name': 'a'}])", "got ({'node': [{'name': 'a'}]}, {'node': [{'name': 'b'}]})"):
        assert f"takes one dict like {{'node': [{{'name': 'a'}}]}} or the path of a TOML topology file (relative " \
               f"to the test file), {tail}" in out, tail
    assert f"cannot read topology {pytester.path / 'topo.toml'}: No such file or directory" in out
    assert "@pytest.mark.topology: unknown key 'nodes'" in out
    assert "E       IndexError" not in out


INI = "[pytest]\nasyncio_default_fixture_loop_scope = function\nasyncio_mode = auto\n"


def test_a_failure_report_survives_a_finaliser_that_formats_a_traceback(pytester: pytest.Pytester) -> None:
    """An interrupted rig's tasks used to be finalised (and their traceback logged, which runs
    ast.parse on Python 3.11) in the middle of pytest's ast.parse of a report: INTERNALERROR
    "SystemError: AST constructor recursion depth mismatch", the session ended."""
    pytester.makeini(INI)
    pytester.makepyfile(
        """
        import gc
        import traceback

        class Garbage:
            left = 2000  # each one finalised leaves the next: some is always waiting for the GC

            def __init__(self):
                self.cycle = self

            def __del__(self):
                try:
                    {}["a"]["b"]
                except KeyError:  # as the log of "Task exception was never retrieved" does: its
                    traceback.format_exc()  # carets (^^^^) come from ast.parse on Python 3.11
                if Garbage.left:
                    Garbage.left -= 1
                    Garbage()

        def test_fails(rig_topology):
            gc.set_threshold(20)
            Garbage()
            x = 1
            assert x == 2

        def test_next():  # the garbage ends here
            Garbage.left = 0
            gc.collect()
            gc.set_threshold(700)
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    assert "INTERNALERROR" not in result.stdout.str() + result.stderr.str()
    result.assert_outcomes(failed=1, passed=1)


def test_sigterm_ends_the_session_with_teardown(pytester: pytest.Pytester) -> None:
    """A CI timeout's SIGTERM: fixtures are torn down (a Renode stopped, not orphaned), the session
    ends (exit status 143), later tests do not run."""
    pytester.makeini(INI)
    pytester.makepyfile(
        """
        import os
        import signal
        import time
        import pytest

        @pytest.fixture
        def resource(tmp_path_factory):
            yield
            with open(os.environ["TORN_DOWN"], "w") as f:
                f.write("yes")

        def test_terminated(resource):
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(5)

        def test_not_run():
            pass
        """
    )
    marker = pytester.path / "torn-down"
    pytester._monkeypatch.setenv("TORN_DOWN", str(marker))
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", timeout=60)
    assert result.ret == 143
    assert marker.read_text() == "yes"
    assert "test_not_run" not in result.stdout.str().replace("def test_not_run", "")
    result.stdout.fnmatch_lines(["*SIGTERM: the test session was terminated*"])


def test_sigterm_while_nodes_run_ends_the_session(pytester: pytest.Pytester) -> None:
    """The signal lands while the emulation runs (in a peripheral model, an asyncio callback...): it
    was lost there, or taken for one test's failure, and the run went on to exit 0."""
    pytester.makeini(INI)
    pytester.makepyfile(
        """
        import os, signal, threading
        import pytest

        @pytest.mark.topology({"node": [{"name": f"n{i}"} for i in range(3)]})
        def test_terminated(rig):
            rig.wait_for_registration("n0")
            threading.Timer(0.2, os.kill, (os.getpid(), signal.SIGTERM)).start()
            for _ in range(400):
                rig.advance(60)

        def test_not_run():
            pass
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", timeout=120)
    assert result.ret == 143, result.stdout.str()[-2000:]
    assert "Exception ignored" not in result.stderr.str()


def test_failed_setup_gets_the_artifacts_and_only_this_rigs(pytester: pytest.Pytester) -> None:
    """A fixture that waits for registration fails at setup: the report has the node's UART log and the
    JUnit XML its files; an earlier run's logs in the directory are not attached; the border's SLIP
    is not a section (its frames are in the pcap); the trace is one line per message."""
    pytester.makeini(INI)
    pytester.makepyfile(
        """
        import pytest

        @pytest.fixture
        def device(rig):
            return rig.wait_for_registration(timeout=2)

        @pytest.mark.topology({"node": [{"name": "mute", "firmware": "hello"}]})
        def test_uses_device(device):
            pass

        @pytest.mark.topology({"node": [{"name": "lamp"}]})
        def test_call_fails(rig, node):
            rig.wait_for_registration()
            assert False, "deliberate"
        """
    )
    artifacts = pytester.path / "artifacts"
    for test in ("test_uses_device", "test_call_fails"):
        old = artifacts / f"test_failed_setup_gets_the_artifacts_and_only_this_rigs.py_{test}"
        old.mkdir(parents=True)
        (old / "uart-oldnode.log").write_text("[ 1.0] from an earlier run\n")
        (old / ".lwm2m-rig").write_text("")
    result = pytester.runpytest("-p", "no:cacheprovider", f"--artifacts-dir={artifacts}", "--junitxml=junit.xml")
    result.assert_outcomes(errors=1, failed=1)
    out = result.stdout.str()
    result.stdout.fnmatch_lines(["*mute: cc2538-* did not register within 2 s*", "*rig uart-mute*",
                                 "*lwm2m-rig hello*"])
    assert "uart-oldnode" not in out and "from an earlier run" not in out
    assert "rig uart-border" not in out
    result.stdout.fnmatch_lines(["*rig coap trace (* CoAP messages; all in coap-trace.json)*",
                                 "*<- cc2538-00124b0000000001 CON POST mid=* URI_PATH=rd *",
                                 "*-> cc2538-00124b0000000001 ACK 2.01 mid=*"])
    testcases = {case.get("name"): case for case in ET.parse(pytester.path / "junit.xml").iter("testcase")}
    for name, node in (("test_uses_device", "mute"), ("test_call_fails", "lamp")):
        properties = {p.get("name"): p.get("value") for p in testcases[name].iter("property")}
        assert properties.get(f"uart-{node}", "").endswith(f"uart-{node}.log"), (name, properties)
        assert "pcap" in properties and "uart-border" in properties and "uart-oldnode" not in properties


def test_renode_marker_skips_without_renode(pytester: pytest.Pytester) -> None:
    pytester.makeini(INI)
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.renode
        def test_needs_renode():
            assert False, "ran although marked renode"
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider", "-rs")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["*Renode not found: set --renode PATH or RENODE, or put renode on PATH*"])
    missing = pytester.path / "no-renode-here"
    result = pytester.runpytest("-p", "no:cacheprovider", "-rs", "--emulator=renode", f"--renode={missing}")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines([f"*Renode not found at {missing}*"])


def test_rig_errors_are_one_line_and_waits_hide_the_rigs_frames(pytester: pytest.Pytester) -> None:
    pytester.makeini(INI)
    (pytester.path / "not-an-elf.elf").write_text("hello")
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.topology({"node": [{"name": "bad", "firmware": "not-an-elf.elf"}]})
        def test_bad_elf(node):
            pass

        @pytest.mark.topology({"node": [{"name": "mute", "firmware": "hello"}]})
        def test_never_registers(rig):
            rig.wait_for_registration(timeout=2)

        @pytest.mark.topology({"node": [{"name": "n", "firmware": "udp-echo"}]})
        async def test_async_uses_the_rig(rig):
            pass
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(errors=2, failed=1)
    out = result.stdout.str()
    assert "rig/rig.py" not in out and "asyncio/base_events.py" not in out, out
    assert "rig/pytest_plugin.py" not in out
    result.stdout.fnmatch_lines([
        "*not-an-elf.elf*",
        "*test_async_uses_the_rig: rig tests are synchronous: call rig.wait_for_registration()/rig.device() "
        "or rig.run(coro)*",
        "*>*rig.wait_for_registration(timeout=2)*",
    ])
    report = out.split("short test summary info")[0]  # (the summary repeats it, in full when CI is set)
    assert report.count("not an ELF file") == 1


def test_sigterm_stops_the_rigs_renode(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    """SIGTERM to pytest --emulator renode left Renode running (atexit does not run on SIGTERM).
    Against the fake Renode of test_renode_fake_monitor (a program when run with --fake-renode)."""
    fake = Path(__file__).with_name("test_renode_fake_monitor.py")
    root = Path(__file__).resolve().parent.parent
    renode = pytester.path / "bin" / "renode"
    renode.parent.mkdir()
    renode.write_text(f'#!/bin/sh\nPYTHONPATH={shlex.quote(str(root))} exec {shlex.quote(sys.executable)} '
                      f'{shlex.quote(str(fake))} --fake-renode "$@"\n')
    renode.chmod(0o755)
    private_tmp = pytester.path / "tmp"  # the fake, as Renode, deletes $TMPDIR/renode-* when it starts
    private_tmp.mkdir()
    monkeypatch.setenv("TMPDIR", str(private_tmp))
    monkeypatch.delenv("FAKE_RENODE_MODE", raising=False)
    pid_file = pytester.path / "renode.pid"
    monkeypatch.setenv("RENODE_PID_FILE", str(pid_file))
    pytester.makeini(INI)
    pytester.makepyfile(
        """
        import os
        import signal
        import time

        def test_terminated(rig):
            with open(os.environ["RENODE_PID_FILE"], "w") as f:
                f.write(str(rig.emulation.process.pid))
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(10)
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--emulator=renode", f"--renode={renode}",
                                           timeout=120)
    pid = int(pid_file.read_text())
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except FileNotFoundError:
        state = "gone"
    if state not in ("gone", "Z"):
        os.kill(pid, signal.SIGKILL)  # the old plugin's orphan
    assert result.ret == 143
    assert state in ("gone", "Z"), f"Renode (pid {pid}) still running after SIGTERM"
