"""The Rig and its pytest plugin, on the udp-echo firmware (no LwM2M needed)."""

from __future__ import annotations

import asyncio
import math
import re
import threading
import xml.etree.ElementTree as ET
from collections.abc import Callable
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
    for tail in ("got ()", "got (node=[{'name': 'a'}])", "got ({'node': [{'name': 'a'}]}, {'node': [{'name': 'b'}]})",
                 "got ('topo.toml')"):
        assert f"takes one dict like {{'node': [{{'name': 'a'}}]}} (a TOML file: override the rig_topology fixture " \
               f"with Topology.load), {tail}" in out, tail
    assert "@pytest.mark.topology: unknown key 'nodes'" in out
    assert "E       IndexError" not in out
