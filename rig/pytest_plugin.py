"""pytest plugin (entry point `rig`): fixtures for testing LwM2M firmware on the rig.

Fixtures:
    rig_topology    the Topology the `rig` fixture starts (override it in a test module or conftest,
                    or mark a test with @pytest.mark.topology({...}) or ("a-topology.toml"))
    rig             a started `Rig` (emulated client node(s), border node, bridge, LwM2M server; with
                    [border] enabled = false in the topology, the nodes alone: bare firmware of your own)
    lwm2m_server    the rig's `LwM2MServer`
    node            the first node, a `dut`-style handle: node.expect(r"..."), node.led(0), node.reset()
    fleet           every client node

Options: --emulator builtin|renode, --renode PATH, --artifacts-dir DIR, --run-slow, --rig-firmware PATH
(ini rig_firmware: the ELF every client node that names no firmware boots), --gdb [NODE=]PORT (the
first client node, or NODE, of each test starts halted with a GDB server on PORT, 0: any free port; the
terminal says which), --stack-report FILE (stack high-water marks over the suite, from
rig.footprint.pytest_stack, which this plugin registers), --firmware-coverage DIR (lcov tracefiles of
the firmware code run) and --firmware-profile DIR (cycles per function), both from
rig.coverage.pytest_record.
When a test using the rig fails (in its setup, call or teardown), each client node's UART log and the
last CoAP messages are attached to the report, and the paths of the UART logs (the border's too), the
radio pcap and the CoAP trace to the JUnit XML as properties. Tests marked `renode` are skipped unless
Renode is found. SIGTERM ends the session like Ctrl-C, tearing fixtures down (a
Renode is stopped, not orphaned). Rig tests are plain `def` tests: an `async def` test that asks for a
rig fixture fails at once.
Under pytest-xdist (-n N) the suite-level files are merged by the controller (rig.pytest_workers) and
--gdb is a usage error (interactive: use -n 0).
"""

from __future__ import annotations

import contextlib
import gc
import inspect
import os
import re
import signal
import threading
import tomllib
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from rig.emu.api import parse_gdb_target
from rig.errors import ConfigError, RigError
from rig.lwm2m.server import LwM2MServer
from rig.pytest_workers import distributing
from rig.rig import BORDER, SYNC_ONLY, Rig, RigNode
from rig.topology import Topology, firmware_path

ARTIFACTS_DEFAULT = Path("build/test-artifacts")
T = TypeVar("T")


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
        "--rig-firmware", metavar="PATH", default=None,
        help="boot this ELF (your own build) on every client node whose topology names no firmware: "
             "the `node` fixture's by default (ini: rig_firmware, relative to the ini file)",
    )
    parser.addini("rig_firmware", "default of --rig-firmware: the ELF the client nodes boot (relative to "
                  "the ini file)", default="")
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
    """--gdb PORT or --gdb NODE=PORT; a bad value is a usage error."""
    try:
        return parse_gdb_target(text)
    except ConfigError as exc:
        raise pytest.UsageError(str(exc)) from None


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
    config.stash[RIG_FIRMWARE] = _rig_firmware(config)
    _handle_sigterm(config)
    config.addinivalue_line("markers", "topology(dict or path): the topology the rig fixture starts for this test "
                            "(a TOML file's path is relative to the test file)")
    config.addinivalue_line("markers", "builtin_only: needs a feature only the builtin emulator has")
    config.addinivalue_line("markers", "renode: needs a Renode installation")
    config.addinivalue_line("markers", "slow: long-running; runs with --run-slow (make test-long)")


class _Terminator:
    """The session's SIGTERM handler: it ends the session as Ctrl-C does, fixtures torn down (the rig
    stopped), with exit status 128 + the signal. It raises KeyboardInterrupt because nothing on its
    way swallows one: asyncio re-raises it from a callback, where it would log any Exception
    (pytest.exit's among them); a SystemExit would only fail the running test."""

    def __init__(self) -> None:
        self.signum: int | None = None

    def __call__(self, signum: int, frame: object) -> None:
        self.signum = signum
        raise KeyboardInterrupt(f"{signal.Signals(signum).name}: the test session was terminated")


SIGTERM_HANDLER = pytest.StashKey[_Terminator]()


def _handle_sigterm(config: pytest.Config) -> None:
    """A CI job's timeout or a process manager stops pytest with SIGTERM; without a handler Python
    dies at once, no teardown runs and a Renode child (its own session) keeps running."""
    if threading.current_thread() is not threading.main_thread():
        return  # only the main thread may set handlers
    if signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        return  # someone else's handler: theirs
    handler = config.stash[SIGTERM_HANDLER] = _Terminator()
    signal.signal(signal.SIGTERM, handler)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    handler = session.config.stash.get(SIGTERM_HANDLER, None)
    if handler is not None and handler.signum is not None:
        session.exitstatus = 128 + handler.signum


def pytest_unconfigure(config: pytest.Config) -> None:
    handler = config.stash.get(SIGTERM_HANDLER, None)
    if handler is not None and signal.getsignal(signal.SIGTERM) is handler:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _renode_skip_reason(config: pytest.Config) -> str | None:
    """Why a test marked `renode` (it drives a Renode of its own) cannot run here, or None: whatever
    --emulator the rest of the suite uses, it runs wherever Renode is found."""
    from rig.emu.renode.process import find_renode, not_found_message

    explicit = config.getoption("--renode")
    return not_found_message(explicit) if find_renode(explicit) is None else None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    emulator = config.getoption("--emulator")
    run_slow = config.getoption("--run-slow")
    # the marker itself: an item's keywords also hold its directory's name; Renode looked up once
    needs_renode = [item for item in items if item.get_closest_marker("renode") is not None]
    renode_reason = _renode_skip_reason(config) if needs_renode else None
    if renode_reason is not None:
        for item in needs_renode:
            item.add_marker(pytest.mark.skip(reason=renode_reason))
    for item in items:
        if "slow" in item.keywords and not run_slow:
            item.add_marker(pytest.mark.skip(reason="slow: run with --run-slow (make test-long)"))
        if "builtin_only" in item.keywords and emulator != "builtin":
            item.add_marker(pytest.mark.skip(reason=f"needs the builtin emulator, not {emulator}"))


RIG_OF_TEST = pytest.StashKey[Rig]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Generator[None, Any, Any]:
    if call.excinfo is not None and not call.excinfo.errisinstance(pytest.skip.Exception):
        # Garbage of the failure (an interrupted rig's tasks, say) is finalised here, not while
        # pytest formats the report: a finaliser that formats a traceback runs ast.parse(), which
        # inside pytest's own ast.parse() breaks it (CPython 3.11: "SystemError: AST constructor
        # recursion depth mismatch", an INTERNALERROR that ends the session).
        with contextlib.suppress(Exception):
            gc.collect()
    enabled = gc.isenabled()
    gc.disable()
    try:
        report: pytest.TestReport = yield
    finally:
        if enabled:
            gc.enable()
    the_rig = item.stash.get(RIG_OF_TEST, None)
    if the_rig is None:
        return report
    try:
        if report.failed:
            # Attached now, not in the fixture's teardown: pytest-xdist sends this report to the
            # controller as soon as it is made. The rig is paused between awaits, so the logs are those
            # of the failure; stopping the rig writes the files again, complete.
            if the_rig.emulation is not None:
                the_rig._save_artifacts()
            _attach_artifacts(item, report, the_rig)
    except Exception:  # reporting a failure must not fail on its attachments
        pass
    finally:
        if report.when == "teardown":
            del item.stash[RIG_OF_TEST]
    return report


RIG_FIRMWARE = pytest.StashKey[Path | None]()


def _rig_firmware(config: pytest.Config) -> Path | None:
    """--rig-firmware (relative to where pytest runs), else the ini's rig_firmware (relative to the
    ini file); a file that is not there is a usage error before any test."""
    text = config.getoption("--rig-firmware", None)
    base = config.invocation_params.dir
    option = "--rig-firmware"
    if not text:
        text = str(config.getini("rig_firmware") or "")
        base = config.inipath.parent if config.inipath else config.rootpath
        option = f"rig_firmware (in {config.inipath})"
    if not text:
        return None
    path = (base / Path(text).expanduser()).resolve()
    if not path.is_file():
        raise pytest.UsageError(f"{option} {text}: no such file: {path}")
    return path


def _with_rig_firmware(config: pytest.Config, topology: Topology, given: list[dict[str, Any]] | None) -> Topology:
    """The client nodes that name no firmware (`given`: the marker's node tables; None: a default
    topology) boot --rig-firmware."""
    elf = config.stash.get(RIG_FIRMWARE, None)
    if elf is not None:
        for i, node in enumerate(topology.nodes):
            if given is None or (i < len(given) and "firmware" not in given[i]):
                node.firmware = str(elf)
    return topology


@pytest.fixture
def rig_topology(request: pytest.FixtureRequest) -> Topology:
    marker = request.node.get_closest_marker("topology")
    if marker is None:
        return _with_rig_firmware(request.config, Topology.from_dict({}), None)
    # topology() and topology(node=[...]) were IndexError; a second dict was silently ignored.
    if len(marker.args) != 1 or marker.kwargs or not isinstance(marker.args[0], dict | str | os.PathLike):
        given = ", ".join([*map(repr, marker.args), *(f"{k}={v!r}" for k, v in marker.kwargs.items())])
        pytest.fail(f"@pytest.mark.topology takes one dict like {{'node': [{{'name': 'a'}}]}} or the path of a "
                    f"TOML topology file (relative to the test file), got ({given})", pytrace=False)
    spec = marker.args[0]
    if isinstance(spec, dict):
        topology = _fail_on_rig_error(lambda: Topology.from_dict(spec, source="@pytest.mark.topology"))
        tables: Any = spec.get("node", [{}])
    else:
        path = Path(spec).expanduser()
        if not path.is_absolute():  # as the test's own data files are: next to it, wherever pytest runs
            path = Path(request.node.path).parent / path
        topology = _fail_on_rig_error(lambda: Topology.load(path))
        tables = tomllib.loads(path.read_text(encoding="utf-8")).get("node", [{}])  # loaded above: valid
    return _with_rig_firmware(request.config, topology, tables if isinstance(tables, list) else None)


@pytest.fixture
def rig(request: pytest.FixtureRequest, rig_topology: Topology) -> Iterator[Rig]:
    if inspect.iscoroutinefunction(getattr(request.node, "function", None)):
        # its awaits would run on pytest-asyncio's loop, where the rig's clock never moves: each wait
        # would take its timeout in real seconds and blame the device
        pytest.fail(f"{request.node.name}: {SYNC_ONLY}", pytrace=False)
    config = request.config
    artifacts = config.getoption("--artifacts-dir") / _safe_name(request.node.nodeid)
    the_rig = Rig(
        rig_topology,
        backend=config.getoption("--emulator"),
        renode_path=config.getoption("--renode"),
        artifacts_dir=artifacts,
    )
    _fail_on_rig_error(the_rig.start)  # a bad ELF, topology or Renode: the message says it all
    # a failed setup (a fixture that waits for registration), call or teardown gets its artifacts;
    # the teardown report drops it
    request.node.stash[RIG_OF_TEST] = the_rig
    try:
        if config.getoption("--gdb") is not None:
            _fail_on_rig_error(lambda: _start_gdb(config, the_rig, request.node.nodeid))
        yield the_rig
    finally:
        the_rig.stop()


@pytest.fixture
def lwm2m_server(rig: Rig) -> LwM2MServer:
    return _fail_on_rig_error(lambda: rig.server)  # none with [border] enabled = false


@pytest.fixture
def node(rig: Rig) -> RigNode:
    if not rig.nodes:
        pytest.fail("node fixture: the topology has no client node", pytrace=False)
    return rig.node()


def _fail_on_rig_error(action: Callable[[], T]) -> T:
    """`action()`; a RigError fails the test with its one-line message (no traceback of the rig)."""
    __tracebackhide__ = True
    try:
        return action()
    except RigError as exc:
        message = str(exc)
    pytest.fail(message, pytrace=False)  # outside the except: no "During handling of..." chain


@pytest.fixture
def fleet(rig: Rig) -> list[RigNode]:
    return list(rig.nodes.values())


def _safe_name(nodeid: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", nodeid).strip("_")[:150]


TRACE_MESSAGES = 60  # CoAP messages of the trace attached to a failure report (the file has all)
UART_LINES = 200


def _attach_artifacts(item: pytest.Item, report: pytest.TestReport, the_rig: Rig) -> None:
    """This rig's own files only (a directory can hold an earlier run's); the border node's UART
    (SLIP, binary) only as a property: its frames are in the pcap."""
    artifacts = the_rig.artifacts
    if artifacts is None:
        return
    properties = dict(item.user_properties)  # one of each, whatever the number of failed reports

    def attach_property(name: str, path: Path) -> None:
        if name not in properties and path.exists():
            item.user_properties.append((name, str(path)))
            properties[name] = str(path)

    for name in the_rig.nodes:
        path = artifacts.uart_log(name)
        if path.exists():
            report.sections.append((f"rig {path.stem}", _tail(path.read_text(errors="replace"), UART_LINES)))
            attach_property(path.stem, path)
    attach_property(f"uart-{BORDER}", artifacts.uart_log(BORDER))
    server = the_rig._server
    if server is not None:  # no message at all says something too (a node that never registered)
        entries = list(server.trace.entries)
        shown = entries[-TRACE_MESSAGES:]
        head = f"the last {len(shown)} of {len(entries)} CoAP messages" if len(shown) < len(entries) else \
            f"{len(entries)} CoAP messages"
        report.sections.append((f"rig coap trace ({head}; all in {artifacts.trace.name})",
                                "\n".join(entry.line() for entry in shown) + "\n" if shown else "(none)\n"))
    attach_property("coap_trace", artifacts.trace)
    attach_property("pcap", artifacts.pcap)


def _tail(text: str, lines: int = UART_LINES) -> str:
    parts = text.splitlines()
    return "\n".join(parts[-lines:]) + ("\n" if parts else "")
