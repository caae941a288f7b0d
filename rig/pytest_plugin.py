"""pytest plugin (entry point `rig`): fixtures for testing LwM2M firmware on the rig.

Fixtures:
    rig_topology    the Topology the `rig` fixture starts (override it in a test module or conftest,
                    or mark a test with @pytest.mark.topology({...}))
    rig             a started `Rig` (emulated client node(s), border node, bridge, LwM2M server)
    lwm2m_server    the rig's `LwM2MServer`
    node            the first node, a `dut`-style handle: node.expect(r"..."), node.led(0), node.reset()
    fleet           every client node

Options: --emulator builtin|renode, --renode PATH, --artifacts-dir DIR, --run-slow, --gdb [NODE=]PORT (the
first client node, or NODE, of each test starts halted with a GDB server on PORT, 0: any free port; the
terminal says which), --stack-report FILE (stack high-water marks over the suite, from
rig.footprint.pytest_stack, which this plugin registers), --firmware-coverage DIR (lcov tracefiles of
the firmware code run) and --firmware-profile DIR (cycles per function), both from
rig.coverage.pytest_record.
When a test using the rig fails, each node's UART log, the radio pcap and the CoAP trace are attached
to the report (and their paths to the JUnit XML as properties).
Under pytest-xdist (-n N) the suite-level files are merged by the controller (rig.pytest_workers) and
--gdb is a usage error (interactive: use -n 0).
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

import pytest

from rig.errors import ConfigError
from rig.lwm2m.server import LwM2MServer
from rig.pytest_workers import distributing
from rig.rig import Rig, RigNode
from rig.topology import Topology, firmware_path

ARTIFACTS_DEFAULT = Path("build/test-artifacts")


def pytest_addoption(parser: pytest.Parser, pluginmanager: pytest.PytestPluginManager) -> None:
    group = parser.getgroup("rig", "lwm2m-rig")
    group.addoption(
        "--emulator", choices=("builtin", "renode"), default=os.environ.get("RIG_EMULATOR", "builtin"),
        help="emulator backend for the rig fixtures (default: builtin)",
    )
    group.addoption("--renode", metavar="PATH", default=None, help="the Renode executable (renode backend)")
    group.addoption(
        "--artifacts-dir", metavar="DIR", type=Path, default=ARTIFACTS_DEFAULT,
        help=f"where each test's UART logs, pcap and CoAP trace go (default: {ARTIFACTS_DEFAULT})",
    )
    group.addoption("--run-slow", action="store_true", help="also run tests marked slow")
    group.addoption(
        "--gdb", metavar="[NODE=]PORT", default=None,
        help="the first client node (or NODE) of each rig test starts halted with a GDB server on "
             "127.0.0.1:PORT (0: any free port); continue it from GDB",
    )
    from rig.footprint import pytest_stack

    pluginmanager.register(pytest_stack, "rig-stack")
    from rig.coverage.pytest_record import coverage_plugin, profile_plugin

    pluginmanager.register(coverage_plugin(), "rig-coverage")
    pluginmanager.register(profile_plugin(), "rig-profile")


def parse_gdb_option(text: str) -> tuple[str | None, int]:
    """--gdb PORT or --gdb NODE=PORT."""
    name, eq, port_text = text.rpartition("=")
    try:
        port = int(port_text, 10)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535 or (eq and not name):
        raise pytest.UsageError(f"--gdb {text!r}: give PORT or NODE=PORT with a TCP port 0-65535 (0: any free port)")
    return (name or None), port


def _start_gdb(config: pytest.Config, the_rig: Rig, nodeid: str) -> None:
    name, port = parse_gdb_option(config.getoption("--gdb"))
    if name is not None and name not in the_rig.nodes:
        raise ConfigError(f"--gdb {name}={port}: no node {name!r} in this test's topology "
                          f"(nodes: {', '.join(the_rig.nodes) or 'none'})")
    rig_node = the_rig.node(name)
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    capture = config.pluginmanager.get_plugin("capturemanager")

    def say(message: str) -> None:
        if reporter is None:
            return
        with capture.global_and_fixture_disabled() if capture is not None else contextlib.nullcontext():
            reporter.write_line(f"[rig --gdb] {message}")

    bound = rig_node.raw.start_gdb_server(port, wait=True, log=say)
    elf = firmware_path(rig_node.config.firmware)
    say(f"{nodeid}: node {rig_node.name!r} halted at its reset vector; GDB server on 127.0.0.1:{bound}")
    say(f"connect with: gdb-multiarch {elf} -ex 'target remote :{bound}', then 'continue'")


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("--gdb", None) is not None:
        parse_gdb_option(config.getoption("--gdb"))  # a bad value is a usage error before any test
        if distributing(config):
            # xdist workers' terminal output never reaches the user (no port to connect to), each test
            # waits halted for a debugger, and a fixed port cannot be bound by two workers.
            raise pytest.UsageError("--gdb is interactive and cannot run under pytest-xdist: "
                                    "run the test(s) to debug with -n 0")
    config.addinivalue_line("markers", "topology(dict): the topology the rig fixture starts for this test")
    config.addinivalue_line("markers", "builtin_only: needs a feature only the builtin emulator has")
    config.addinivalue_line("markers", "renode: needs a Renode installation")
    config.addinivalue_line("markers", "slow: long-running; runs with --run-slow (make test-long)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    emulator = config.getoption("--emulator")
    run_slow = config.getoption("--run-slow")
    for item in items:
        if "slow" in item.keywords and not run_slow:
            item.add_marker(pytest.mark.skip(reason="slow: run with --run-slow (make test-long)"))
        if "builtin_only" in item.keywords and emulator != "builtin":
            item.add_marker(pytest.mark.skip(reason=f"needs the builtin emulator, not {emulator}"))


RIG_OF_TEST = pytest.StashKey[Rig]()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Generator[None, Any, None]:
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    the_rig = item.stash.get(RIG_OF_TEST, None)
    if report.when == "call" and report.failed and the_rig is not None:
        # Attached now, not in the fixture's teardown: pytest-xdist sends this report to the controller
        # as soon as it is made. The rig is paused between awaits, so the logs are those of the failure;
        # stopping the rig writes the files again, complete.
        try:
            the_rig._save_artifacts()
        except Exception:  # reporting a failure must not fail on its attachments
            return
        _attach_artifacts(item, report, the_rig)


@pytest.fixture
def rig_topology(request: pytest.FixtureRequest) -> Topology:
    marker = request.node.get_closest_marker("topology")
    if marker is None:
        return Topology.from_dict({})
    # topology() and topology(node=[...]) were IndexError; a second dict was silently ignored.
    if len(marker.args) != 1 or marker.kwargs or not isinstance(marker.args[0], dict):
        given = ", ".join([*map(repr, marker.args), *(f"{k}={v!r}" for k, v in marker.kwargs.items())])
        raise ConfigError(f"@pytest.mark.topology takes one dict like {{'node': [{{'name': 'a'}}]}} "
                          f"(a TOML file: override the rig_topology fixture with Topology.load), got ({given})")
    return Topology.from_dict(marker.args[0], source="@pytest.mark.topology")


@pytest.fixture
def rig(request: pytest.FixtureRequest, rig_topology: Topology) -> Iterator[Rig]:
    config = request.config
    artifacts = config.getoption("--artifacts-dir") / _safe_name(request.node.nodeid)
    the_rig = Rig(
        rig_topology,
        backend=config.getoption("--emulator"),
        renode_path=config.getoption("--renode"),
        artifacts_dir=artifacts,
    )
    the_rig.start()
    request.node.stash[RIG_OF_TEST] = the_rig  # a failed call's report gets its artifacts
    try:
        if config.getoption("--gdb") is not None:
            _start_gdb(config, the_rig, request.node.nodeid)
        yield the_rig
    finally:
        del request.node.stash[RIG_OF_TEST]
        the_rig.stop()


@pytest.fixture
def lwm2m_server(rig: Rig) -> LwM2MServer:
    assert rig.server is not None
    return rig.server


@pytest.fixture
def node(rig: Rig) -> RigNode:
    return rig.node()


@pytest.fixture
def fleet(rig: Rig) -> list[RigNode]:
    return list(rig.nodes.values())


def _safe_name(nodeid: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", nodeid).strip("_")[:150]


def _attach_artifacts(item: pytest.Item, report: pytest.TestReport, the_rig: Rig) -> None:
    artifacts = the_rig.artifacts
    if artifacts is None:
        return
    for path in sorted(artifacts.directory.glob("uart-*.log")):
        report.sections.append((f"rig {path.stem}", _tail(path.read_text())))
        item.user_properties.append((path.stem, str(path)))
    if artifacts.trace.exists():
        report.sections.append(("rig coap trace", _tail(artifacts.trace.read_text())))
        item.user_properties.append(("coap_trace", str(artifacts.trace)))
    if artifacts.pcap.exists():
        item.user_properties.append(("pcap", str(artifacts.pcap)))


def _tail(text: str, lines: int = 200) -> str:
    parts = text.splitlines()
    return "\n".join(parts[-lines:]) + ("\n" if parts else "")
