"""Robot Framework library for lwm2m-rig: `RigLibrary` (its docstring is the library's documentation
that libdoc shows) and the run listeners `FirmwareCoverage` and `FirmwareProfile`."""

from __future__ import annotations

import contextlib
import ipaddress
import os
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rig.coverage.builds import RunRecord
from rig.errors import ConfigError, ExpectMismatch, ExpectTimeout, RigError
from rig.lwm2m.cli import parse_value
from rig.lwm2m.device import as_path
from rig.rig import Rig, RigNode, SyncDevice, SyncObservation
from rig.topology import REPO, Topology
from rig.vtime import virtual_seconds

DEFAULT_BUDGET = REPO / "firmware-c" / "footprint" / "budget.toml"
UART_TIMEOUT = 10.0  # virtual seconds, when a UART keyword gets no timeout (or timeout=${None})
_ARTIFACT_FILES = ("radio.pcap", "coap-trace.json", "uart-*.log")


@dataclass(frozen=True)
class UartResult:
    """What the UART keywords return, as Renode's: the line, its virtual time in milliseconds and
    the regular expression's groups; as text it is the line."""

    line: str
    timestamp: float
    groups: tuple[str, ...]

    def __str__(self) -> str:
        return self.line


def _uart_pattern(content: str, regex: bool) -> str:
    """Renode's UART keywords take text unless treatAsRegex=true."""
    return content if regex else re.escape(content)


def _robot_variable(name: str) -> Any:
    """A Robot variable (`${TEST NAME}`...), or None outside a test, a suite or Robot itself."""
    try:
        from robot.libraries.BuiltIn import BuiltIn, RobotNotRunningError
    except ImportError:  # pragma: no cover - robotframework is a test dependency
        return None
    try:
        return BuiltIn().get_variable_value(name)
    except RobotNotRunningError:
        return None


def _file_name(text: str) -> str:
    """A suite or test name as one directory name: 'Robot.Lwm2M Client' -> 'Robot.Lwm2M_Client'."""
    name = re.sub(r"[^\w.\-]+", "_", text).strip("._") or "unnamed"
    return name[:100]


def _log(message: str, html: bool = False) -> None:
    try:
        from robot.api import logger
    except ImportError:  # pragma: no cover
        return
    logger.info(message, html=html)


class RigLibrary:
    """Robot Framework keywords for lwm2m-rig, in the style of Renode's.

    Import it in the Settings section (its arguments: `Importing`):
    | Library | rig.robot.RigLibrary |

    and write tests such as:
    | Light Follows The Server |
    |    | `Start Rig`             |
    |    | `Wait For Line On Uart` | lwm2m: registered |
    |    | `Write Resource`        | /3311/0/5850      | true |
    |    | `Led Should Be On`      | 0                 |
    |    | [Teardown]              | `Stop Rig`        |

    = Nodes =

    `Start Rig` boots client nodes named ``node1`` .. ``nodeN`` (or as a topology file names them)
    next to the border node, the bridge and the LwM2M server. Every keyword with a ``node`` argument
    acts on the first client node when ``node`` is omitted (``node=${None}``); ``node=node2`` picks
    another. Nodes have names, not numbers: Renode's ``testerId`` is refused with a pointer to ``node=``.

    = Virtual time =

    The rig's asyncio loop runs in a background thread; virtual time passes only while a keyword
    waits on it, so the time between two keywords is zero and every run is the same. Timeouts are
    virtual seconds, as in Renode's keywords. For the same reason ``Wait Until Keyword Succeeds``
    never sees time move between its retries: give the keyword itself a (virtual) ``timeout``
    (`Led Should Be On` ``0    timeout=3``, `Wait For Line On Uart`, `Wait For Notification`...).

    = Renode's UART keywords =

    `Wait For Line On Uart`, `Wait For Next Line On Uart`, `Wait For Prompt On Uart`,
    `Should Not Be On Uart`, `Register Failing Uart String` and `Write Line To Uart` take Renode's
    argument names and positions (``node`` sits where Renode has ``testerId``): text unless
    ``treatAsRegex=true``, ``includeUnfinishedLine``, ``matchNextLine``, ``timeout=${None}`` for the
    default (10 virtual seconds). ``pauseEmulation`` and ``waitForEcho`` are accepted and change
    nothing: the emulation already stands still between keywords. There is no ``Create Terminal
    Tester`` or ``Start Emulation``: `Start Rig` does both, for every node. Boolean arguments take
    true/false, yes/no, on/off, 1/0; anything else (``flase``) is an error naming the argument.

    = Artifacts =

    Each rig writes the UART log of every node (``uart-<node>.log``), the CoAP trace
    (``coap-trace.json``) and the radio capture (``radio.pcap``) to ``<artifacts_dir>/<suite>/<test>``
    when it stops: at `Stop Rig`, or at the end of the test that started it (a rig started in a
    suite setup: at the end of the suite). The directory is logged at `Start Rig`, and added to the
    message of a test that fails.

    Firmware coverage and profiles of a whole Robot run (as pytest's --firmware-coverage and
    --firmware-profile): ``robot --listener rig.robot.FirmwareCoverage:DIR --listener
    rig.robot.FirmwareProfile:DIR2 robot/``.
    """

    ROBOT_LIBRARY_SCOPE = "SUITE"
    ROBOT_LIBRARY_DOC_FORMAT = "ROBOT"

    def __init__(self, emulator: str = "builtin", renode: str | None = None, artifacts_dir: str | None = None) -> None:
        """``emulator``: ``builtin`` (the default, our CC2538 emulator) or ``renode`` (a Renode
        installation, found at ``renode=PATH`` or through the ``RENODE`` environment variable or
        ``PATH``): ``Library    rig.robot.RigLibrary    emulator=renode    renode=/opt/renode/renode``.

        ``artifacts_dir``: where each test's UART logs, CoAP trace and pcap go, in
        ``<artifacts_dir>/<suite>/<test>``; by default ``${OUTPUT DIR}/artifacts`` inside Robot (next
        to log.html), ``build/robot/artifacts`` of the repository outside it."""
        self._emulator = emulator
        self._renode = renode
        self._artifacts = Path(artifacts_dir) if artifacts_dir else None
        self._rig: Rig | None = None
        self._rig_directory: Path | None = None
        self._rig_of_test: str | None = None  # the test that started the rig (None: a suite setup)
        self._observations: dict[tuple[str, str], SyncObservation] = {}
        self._directories: dict[Path, int] = {}  # rigs started per directory, for a test with two
        self._plain_texts: dict[str, str] = {}  # repr(re.escape(text)) -> repr(text), failing strings
        self.ROBOT_LIBRARY_LISTENER = _TestListener(self)

    # -- set-up ------------------------------------------------------------------------------------

    def start_rig(
        self,
        topology: str | None = None,
        nodes: int = 1,
        firmware: str = "lwm2m-client",
        loss: float = 0.0,
        airtime: bool = False,
        bootstrap: bool = False,
        lifetime: int | None = None,
    ) -> None:
        """Start the rig from a topology TOML file, or with `nodes` client nodes running `firmware`.

        Nodes are ``node1`` .. ``nodeN`` (or as the topology file names them). ``firmware`` is an
        app name (``lwm2m-client``: firmware-c/build/cc2538/lwm2m-client.elf of the repository) or
        a path to an ELF. ``loss``: the probability a radio frame is lost; ``airtime=true``: frames
        take their 250 kbit/s air time (builtin emulator only). ``bootstrap=true``: the server also
        answers Bootstrap-Requests (for lwm2m-client-bs) and provisions a management account with
        ``lifetime`` (default 300); without bootstrap a ``lifetime`` is written to the node's /1/0/1
        after it registers with another one (default: the firmware's own). A rig still running is
        stopped first."""
        if topology:
            # The file says it all: `nodes=3` next to it was silently ignored.
            others = {"nodes": (nodes, 1), "firmware": (firmware, "lwm2m-client"), "loss": (loss, 0.0),
                      "airtime": (airtime, False), "bootstrap": (bootstrap, False), "lifetime": (lifetime, None)}
            given = [name for name, (value, default) in others.items() if str(value) != str(default)]
            if given:
                raise ConfigError(f"Start Rig: topology={topology} sets everything; {given[0]}= cannot go with it "
                                  "(put it in the topology file)")
        airtime, bootstrap = _bool(airtime, "airtime"), _bool(bootstrap, "bootstrap")
        if self._rig is not None:
            self.stop_rig()
        if topology:
            topo = Topology.load(Path(topology))
        else:
            topo = Topology.from_dict(
                {
                    "node": [{"name": f"node{i}", "firmware": firmware} for i in range(1, int(nodes) + 1)],
                    "network": {"loss": float(loss), "airtime": airtime},
                    "server": {"bootstrap": bootstrap, **({} if lifetime is None else {"lifetime": int(lifetime)})},
                }
            )
        directory = self._next_directory()
        # set before the start, so a failed boot's test message names its artifacts too
        self._rig_directory, self._rig_of_test = directory, _robot_variable("${TEST NAME}")
        rig = Rig(topo, backend=self._emulator, renode_path=self._renode, artifacts_dir=directory, threaded=True)
        try:
            rig.start()
        except RigError as exc:
            raise _for_robot(exc) from None
        self._rig = rig
        self._plain_texts.clear()
        _log(f"artifacts of this rig (UART logs, CoAP trace, radio.pcap, written when it stops): "
             f"{_link(directory)}", html=True)

    def stop_rig(self) -> None:
        """Stop the rig; UART logs, pcap and CoAP trace stay in the artifacts directory."""
        if self._rig is not None:
            rig, self._rig = self._rig, None
            self._observations.clear()
            rig.stop()
            _log(f"artifacts saved in {_link(self._rig_directory)}", html=True)

    # -- nodes -------------------------------------------------------------------------------------

    # The UART keywords take Renode's argument names (treatAsRegex=true ...) and positions, with
    # `node` where Renode has testerId: Robot matches named arguments by exact name, so lines
    # written for Renode read the same here.
    def wait_for_line_on_uart(
        self, content: str, timeout: float | None = None, node: str | None = None, treatAsRegex: bool = False,
        includeUnfinishedLine: bool = False, pauseEmulation: bool = False, matchNextLine: bool = False,
        testerId: int | None = None,
    ) -> UartResult:
        """Wait for a UART line after the previous match that contains ``content``.

        ``content`` is text, a regular expression with ``treatAsRegex=true``. As Renode's keyword:
        ``includeUnfinishedLine=true`` also looks at the line being written, ``matchNextLine=true``
        fails unless the next line matches, ``pauseEmulation`` changes nothing (time stands still
        between keywords anyway). ``timeout``: virtual seconds (default 10). Returns the line, its
        virtual time in ms and the regex groups (``${result.line}``, ``.timestamp``, ``.groups``)."""
        _no_tester(testerId)
        regex = _bool(treatAsRegex, "treatAsRegex")
        unfinished = _bool(includeUnfinishedLine, "includeUnfinishedLine")
        next_line = _bool(matchNextLine, "matchNextLine")
        _bool(pauseEmulation, "pauseEmulation")
        rig_node = self._node(node)
        with self._plain_text_errors(content, regex):
            got = rig_node.wait_for_line(
                _uart_pattern(content, regex), _timeout(timeout, UART_TIMEOUT), next_line=next_line,
                unfinished=unfinished,
            )
        return UartResult(got.line, got.time * 1000.0, tuple(g or "" for g in got.match.groups()))

    def wait_for_prompt_on_uart(
        self, prompt: str, node: str | None = None, timeout: float | None = None, treatAsRegex: bool = False,
        pauseEmulation: bool = False, testerId: int | None = None,
    ) -> UartResult:
        """`Wait For Line On Uart` that also matches the line being written (a prompt has no newline).

        Positions as Renode's (prompt, testerId, timeout): here (prompt, node, timeout); write
        ``timeout=5`` by name to be clear on both."""
        return self.wait_for_line_on_uart(prompt, timeout, node, treatAsRegex, includeUnfinishedLine=True,
                                          pauseEmulation=pauseEmulation, testerId=testerId)

    def wait_for_next_line_on_uart(
        self, timeout: float | None = None, node: str | None = None, pauseEmulation: bool = False,
        testerId: int | None = None,
    ) -> UartResult:
        """The next UART line after the previous match, whatever it says."""
        return self.wait_for_line_on_uart("", timeout, node, matchNextLine=True, pauseEmulation=pauseEmulation,
                                          testerId=testerId)

    def should_not_be_on_uart(
        self, content: str, timeout: float | None = None, node: str | None = None, treatAsRegex: bool = False,
        includeUnfinishedLine: bool = False, testerId: int | None = None,
    ) -> None:
        """Let ``timeout`` virtual seconds pass; fail if a UART line after the previous match contains ``content``.

        ``content`` is text, a regular expression with ``treatAsRegex=true``. Consumes no line.
        ``includeUnfinishedLine=true``: the line still being written at the end counts too."""
        _no_tester(testerId)
        regex = _bool(treatAsRegex, "treatAsRegex")
        unfinished = _bool(includeUnfinishedLine, "includeUnfinishedLine")
        rig_node = self._node(node)
        with self._plain_text_errors(content, regex):
            rig_node.expect_none(_uart_pattern(content, regex), _timeout(timeout, UART_TIMEOUT), unfinished=unfinished)

    def register_failing_uart_string(
        self, content: str, treatAsRegex: bool = False, node: str | None = None, testerId: int | None = None,
    ) -> None:
        """From now on, any UART wait of this node fails on a line containing ``content``.

        E.g. an assertion message of the firmware. ``content`` is text, a regular expression with
        ``treatAsRegex=true``. Positions as Renode's (pattern, treatAsRegex, testerId), with ``node``
        for testerId."""
        _no_tester(testerId)
        regex = _bool(treatAsRegex, "treatAsRegex")
        self._node(node).fail_on(_uart_pattern(content, regex))
        if not regex:
            self._plain_texts[repr(re.escape(content))] = repr(content)

    def write_line_to_uart(
        self, content: str = "", node: str | None = None, waitForEcho: bool = True, pauseEmulation: bool = False,
        testerId: int | None = None,
    ) -> None:
        """Write ``content`` and a newline to the node's UART (its console).

        ``waitForEcho`` and ``pauseEmulation`` (Renode's) change nothing: the bytes reach the node at
        the current virtual time, which stands still until the next keyword waits; an echo, if the
        firmware prints one, is a line to wait for."""
        _no_tester(testerId)
        _bool(waitForEcho, "waitForEcho")
        _bool(pauseEmulation, "pauseEmulation")
        self._node(node).write(content + "\n")

    def led_should_be_on(self, index: int = 0, node: str | None = None, timeout: float | None = 0) -> None:
        """Fail unless LED ``index`` of the node is on, or turns on within ``timeout`` virtual seconds."""
        self._led_should_be(True, index, node, timeout)

    def led_should_be_off(self, index: int = 0, node: str | None = None, timeout: float | None = 0) -> None:
        """Fail unless LED ``index`` of the node is off, or turns off within ``timeout`` virtual seconds."""
        self._led_should_be(False, index, node, timeout)

    def reset_node(self, node: str | None = None) -> None:
        """Reset the node (as its reset pin): RAM and flash kept; `Wait For Registration` waits for the new boot."""
        self._node(node).reset()

    def cut_power(self, node: str | None = None, off_for: float = 0.0) -> None:
        """Power-cycle the node: RAM lost, flash kept; off for ``off_for`` virtual seconds."""
        self._node(node).power_cut(float(off_for))

    def set_link_loss(self, probability: float, sender: str | None = None, receiver: str | None = None) -> None:
        """Frame loss on the medium: on every link, or on the link sender -> receiver."""
        medium = self._require().emulation.medium  # type: ignore[union-attr]
        if bool(sender) != bool(receiver):  # one of the two was ignored: the loss hit every link
            raise ConfigError("Set Link Loss: give both sender and receiver (one link) or neither (every link)")
        if sender and receiver:
            medium.set_link_loss(sender, receiver, float(probability))
        else:
            medium.set_loss(float(probability))

    def start_gdb_server(self, port: int = 3333, node: str | None = None, wait: bool = True) -> int:
        """Serve GDB's remote protocol for ``node`` on 127.0.0.1:``port`` (0: any free port); returns the port.

        ``wait=true``: the node halts at its next instruction as soon as time runs again, until a GDB
        connects and continues it (virtual time stands still for every node meanwhile). Then:
        ``gdb-multiarch FIRMWARE.elf -ex 'target remote :PORT'``."""
        number = _number(str(port), "port")
        if not isinstance(number, int) or not 0 <= number <= 65535:
            raise ConfigError(f"Start Gdb Server: port={port!r} is not a TCP port 0-65535 (0: any free port)")
        rig_node = self._node(node)

        def say(message: str) -> None:
            from robot.api import logger

            logger.console(f"[rig gdb] {message}")

        bound = rig_node.raw.start_gdb_server(number, wait=_bool(wait, "wait"), log=say)
        say(f"node {rig_node.name}: GDB server on 127.0.0.1:{bound}")
        return bound

    def advance_time(self, seconds: float) -> None:
        """Let ``seconds`` of virtual time pass."""
        self._require().advance(float(seconds))

    def node_address_should_be_in_prefix(self, node: str | None = None, prefix: str = "fd00::/64") -> None:
        """Fail unless the node's IPv6 address (as the bridge knows it) is in ``prefix``."""
        address = ipaddress.IPv6Address(self._node(node).address)
        try:
            network = ipaddress.IPv6Network(prefix)
        except ValueError as exc:  # was AddressValueError: At least 3 parts expected in 'bogus'
            raise ConfigError(f"prefix {prefix!r} is not an IPv6 prefix like fd00::/64 ({exc})") from None
        if address not in network:
            raise AssertionError(f"{address} is not in {prefix}")

    # -- LwM2M ---------------------------------------------------------------------------------------

    def wait_for_registration(self, node: str | None = None, timeout: float | None = 30.0) -> str:
        """Wait until the node has registered with the server; returns its endpoint name.

        After `Reset Node`, `Cut Power` or `Execute Resource` of /3/0/4, /3/0/5 or /5/0/2: the
        registration of its new boot. ``timeout``: virtual seconds (default 30)."""
        rig = self._require()
        rig.wait_for_registration(node, _timeout(timeout, 30.0))
        return rig.node(node).endpoint

    def read_resource(self, path: str, node: str | None = None, format: str | None = None) -> Any:
        """Read ``path`` (/3/0/0, /3/0, /3) from the node; returns the value (a dict for an instance or object).

        ``format``: text, tlv, json... (default: the server's choice)."""
        return self._device(node).read(path, format)

    def write_resource(self, path: str, value: str, node: str | None = None, format: str | None = None) -> None:
        """Write ``value`` to resource ``path``, typed by the resource (true/false/1/0 for a boolean, 0xHEX opaque)."""
        device = self._device(node)
        device.write(path, parse_value(value, as_path(path), device.server.registry), format)

    def execute_resource(self, path: str, node: str | None = None, arguments: str = "") -> None:
        """Execute resource ``path`` (e.g. /3/0/4 reboot) with optional ``arguments``."""
        self._device(node).execute(path, arguments)

    def resource_should_be(self, path: str, expected: str, node: str | None = None) -> None:
        """Read resource ``path`` and fail unless it equals ``expected`` (typed as `Write Resource` types it)."""
        device = self._device(node)
        value = device.read(path)
        wanted = parse_value(expected, as_path(path), device.server.registry)
        if value != wanted:
            raise AssertionError(f"{path} is {value!r}, expected {wanted!r}")

    def write_attributes(self, path: str, node: str | None = None, **attributes: str) -> None:
        """Write-Attributes, e.g. ``Write Attributes    /3303/0/5700    pmin=2    pmax=10``."""
        values = {key: _number(v, key) for key, v in attributes.items()}
        self._device(node).write_attributes(path, **values)

    def get_virtual_time(self) -> float:
        """The rig's virtual time in seconds."""
        return self._require().now

    def registration_should_have(
        self,
        node: str | None = None,
        lifetime: int | None = None,
        binding: str | None = None,
        objects: str | None = None,
    ) -> None:
        """Check the node's registration: lifetime, binding, object IDs (e.g. ``objects=1 3 4 3303 3311``)."""
        wanted = None if objects is None else sorted(_number(o, "objects") for o in objects.split())
        reg = self._device(node).registration
        if lifetime is not None and reg.lifetime != int(lifetime):
            raise AssertionError(f"registered with lifetime {reg.lifetime}, expected {lifetime}")
        if binding is not None and reg.binding != binding:
            raise AssertionError(f"registered with binding {reg.binding!r}, expected {binding!r}")
        if wanted is not None and sorted(reg.objects) != wanted:
            raise AssertionError(f"registered objects {sorted(reg.objects)}, expected {wanted}")

    def observe_resource(self, path: str, node: str | None = None) -> Any:
        """Start observing; returns the current value (the observation's first answer)."""
        observation = self._device(node).observe(path)
        self._observations[(self._node(node).name, path)] = observation
        return observation.stream.first.value

    def wait_for_notification(self, path: str, node: str | None = None, timeout: float | None = 30.0) -> Any:
        """Wait for the next notification of an observed ``path``; returns its value (``timeout``: virtual s)."""
        return self._observation(path, node).next(_timeout(timeout, 30.0)).value

    def cancel_observation(self, path: str, node: str | None = None) -> None:
        """Cancel the observation of ``path`` that `Observe Resource` started."""
        self._observation(path, node).cancel()
        del self._observations[(self._node(node).name, path)]

    def update_firmware(self, image: str, node: str | None = None, method: str = "push", block_size: int = 512,
                        install: bool | str = True, expected_result: str | int | None = None,
                        pull_uri: str | None = None) -> str:
        """Run the ETS 770 update flow with the package ``image``; returns the Update Result name
        (``Success``, ``Integrity check failure``...).

        Without ``expected_result`` it fails unless the update succeeded (the message says why). With
        ``expected_result`` (a name as returned, or the /5/0/5 number) it fails unless the flow ended
        with that Update Result, e.g. ``expected_result=Integrity check failure`` for a corrupt package.
        ``install=${False}`` stops once the package is downloaded and verified (State 2, returns
        ``Initial``). ``pull_uri``: the URI written to /5/0/1 (default: the package published on the
        rig's server, see `Publish Firmware`)."""
        from rig.lwm2m.fota import RESULTS, update_firmware

        rig = self._require()
        device = self._device(node)
        install = _bool(install, "install")
        result = rig.run(update_firmware(device.device, Path(image), method=method, block_size=int(block_size),
                                         install=install, pull_uri=pull_uri or None))
        if expected_result is None or expected_result == "":
            if not result.ok:
                raise AssertionError(f"firmware update failed: {result.error}")
            return result.result_name
        want = str(expected_result).strip()
        code = int(want) if want.isdigit() else next((k for k, v in RESULTS.items() if v.lower() == want.lower()), None)
        if code is None:
            raise ConfigError(f"expected_result={expected_result!r}: give an Update Result number 0-11 or one of "
                              + ", ".join(RESULTS.values()))
        if result.result != code:
            raise AssertionError(f"Update Result is {result.result} {result.result_name}, expected {code} "
                                 f"{RESULTS.get(code, '?')}" + (f" ({result.error})" if result.error else ""))
        return result.result_name

    def publish_firmware(self, image: str, name: str | None = None, block_size: int = 1024) -> str:
        """Serve the package ``image`` on the rig's server for a pull; returns the URI the device fetches
        (``coap://[fd00::1]:5683/fw/<name>``, name by default from the content hash). Write it to
        /5/0/1 with `Write Resource` to drive the pull step by step."""
        from rig.lwm2m.fota import PULL_HOST, PULL_PORT, _load, publish

        rig = self._require()
        assert rig.server is not None
        name = publish(rig.server, _load(image), name or None, int(block_size))
        return f"coap://[{PULL_HOST}]:{PULL_PORT}/fw/{name}"

    def cut_power_at_flash_operation(self, n: int, node: str | None = None, off_for: float = 0.0) -> None:
        """Cut the node's power instead of its ``n``-th flash operation from now (1 = the next erase or
        word program); it stays off ``off_for`` virtual seconds, then boots again. E.g. before
        ``Execute Resource    /5/0/2``: a power cut in the middle of the bootloader's swap. Builtin
        emulator only (Renode: a clear error)."""
        self._node(node).cut_power_at_flash_op(int(_number(str(n), "n")), float(_number(str(off_for), "off_for")))

    def footprint_should_be_within_budget(self, elf: str, budget: str | None = None) -> None:
        """Fail if the footprint of ``elf`` exceeds its budget (a table of the sizes is printed).

        ``budget``: the budget TOML file; by default firmware-c/footprint/budget.toml of the
        repository, wherever Robot runs from."""
        from rig.cli import main as rig_main

        budget_file = str(budget) if budget else str(DEFAULT_BUDGET)
        status = rig_main(["footprint", elf, "--budget", budget_file, "--format", "table"])
        if status == 2:  # bad input, not a budget overrun (was reported as "exceeds its budget")
            raise ConfigError(f"footprint of {elf} could not be checked against {budget_file} (the error is above)")
        if status != 0:
            raise AssertionError(f"{elf} exceeds its footprint budget (see the table above)")

    # -- helpers -------------------------------------------------------------------------------------

    def _require(self) -> Rig:
        if self._rig is None:
            raise RigError("the rig is not started: call Start Rig first")
        return self._rig

    def _node(self, name: str | None) -> RigNode:
        rig = self._require()
        try:
            return rig.node(name)
        except RigError as exc:
            if name is not None and str(name).strip().isdigit():  # a Renode testerId by position
                raise ConfigError(f"{exc}: nodes are named, not numbered as Renode's testerId "
                                  f"(node={next(iter(rig.nodes), 'node1')}; no node= is the first node)") from None
            raise

    def _device(self, name: str | None) -> SyncDevice:
        return self._require().device(self._node(name).name)

    def _observation(self, path: str, node: str | None) -> SyncObservation:
        try:
            return self._observations[(self._node(node).name, path)]
        except KeyError:
            raise RigError(f"{path} is not observed: call Observe Resource first") from None

    def _led_should_be(self, on: bool, index: int, node: str | None, timeout: float | None) -> None:
        rig_node, number, wait = self._node(node), int(index), _timeout(timeout, 0.0)
        if wait > 0:
            self._require().wait_until(lambda: rig_node.led(number) == on, wait)
        if rig_node.led(number) != on:
            within = f" after {wait:g} virtual s" if wait > 0 else ""
            raise AssertionError(f"LED {number} of {rig_node.name} is {'off' if on else 'on'}{within}, "
                                 f"expected {'on' if on else 'off'}")

    @contextmanager
    def _plain_text_errors(self, content: str, regex: bool) -> Iterator[None]:
        """UART failures name the user's text, not the escaped pattern made of it ('lwm2m:\\\\ this')."""
        plain = dict(self._plain_texts)
        if not regex:
            plain[repr(re.escape(content))] = repr(content)
        try:
            yield
        except (ExpectTimeout, ExpectMismatch) as exc:
            message = str(exc)
            for escaped, text in plain.items():
                message = message.replace(escaped, text)
            if message == str(exc):
                raise
            raise type(exc)(message) from None

    def _next_directory(self) -> Path:
        """<artifacts>/<suite>/<test>: one directory per test, named for it (a second rig in the
        same test: <test>-2); old artifacts in it are removed, so what is there is this run's."""
        base = self._artifacts
        if base is None:
            output = _robot_variable("${OUTPUT DIR}")
            base = Path(output) / "artifacts" if output else REPO / "build" / "robot" / "artifacts"
        suite, test = _robot_variable("${SUITE NAME}"), _robot_variable("${TEST NAME}")
        if suite is None:  # outside Robot (a library called from Python)
            directory = base / "run"
        else:
            directory = base / _file_name(suite) / (_file_name(test) if test else "suite-setup")
        count = self._directories.get(directory, 0) + 1
        self._directories[directory] = count
        if count > 1:
            directory = directory.with_name(f"{directory.name}-{count}")
        for pattern in _ARTIFACT_FILES:
            for old in directory.glob(pattern):
                old.unlink()
        return directory


class _TestListener:
    """The library's listener: a rig that a test left running is stopped at the end of the test (a
    suite setup's at the end of the suite), so its UART logs and CoAP trace are saved even without
    `[Teardown]    Stop Rig`; a failed test's message says where its artifacts are."""

    ROBOT_LISTENER_API_VERSION = 3

    def __init__(self, library: RigLibrary) -> None:
        self._library = library

    def end_test(self, data: Any, result: Any) -> None:
        library = self._library
        mine = library._rig_of_test == data.name  # started in this test (stopped or not)
        suites = library._rig is not None and library._rig_of_test is None  # a suite setup's, still running
        if library._rig is not None and library._rig_of_test is not None:
            self._stop()
        directory = library._rig_directory
        if (mine or suites) and directory is not None and directory.is_dir() and not result.passed:
            result.message = f"{result.message}\n\nArtifacts (UART logs, CoAP trace, radio.pcap): {directory}"

    def close(self) -> None:
        self._stop()

    def _stop(self) -> None:
        try:
            self._library.stop_rig()
        except Exception as exc:  # a listener must not break the run; say why the artifacts may lack
            print(f"[rig] stopping the rig failed: {exc}", file=sys.__stderr__, flush=True)


def _link(directory: Path | None) -> str:
    """An HTML link to `directory`, relative to log.html when it is under Robot's output directory."""
    if directory is None:
        return "(none)"
    output = _robot_variable("${OUTPUT DIR}")
    href = directory.resolve().as_uri()
    if output:
        with contextlib.suppress(ValueError):  # another drive (Windows)
            href = Path(os.path.relpath(directory.resolve(), Path(output).resolve())).as_posix()
    text = str(directory).replace("&", "&amp;").replace("<", "&lt;")
    return f'<a href="{href}">{text}</a>'


def _timeout(value: float | None, default: float) -> float:
    """A keyword's timeout in virtual seconds; None (`timeout=${None}`, as Renode) is the default."""
    if value is None:
        return default
    if isinstance(value, str):
        return virtual_seconds(_number(value, "timeout"), "timeout")
    return virtual_seconds(value, "timeout")


def _no_tester(tester_id: object) -> None:
    if tester_id is not None:
        raise ConfigError(f"testerId={tester_id!r}: this library has no terminal testers; name the node: "
                          "node=node1 (nodes are node1..N, or as the topology file names them; no node= is the "
                          "first node)")


def _for_robot(exc: RigError) -> RigError:
    """The Renode backend's advice is pytest's and the CLI's (--renode PATH); in Robot the path goes on the
    Library line."""
    message = str(exc).replace(
        "set --renode PATH or RENODE",
        "give renode=PATH on the Library line (Library    rig.robot.RigLibrary    emulator=renode    renode=PATH) "
        "or set RENODE",
    )
    return exc if message == str(exc) else type(exc)(message)


def _number(text: str, name: str) -> int | float:
    """`pmin=2`, `gt=20.5`, `pmax=1e3`: int() alone was ValueError: invalid literal ... with no name."""
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        raise ConfigError(f"{name}={text!r} is not a number") from None


def _bool(value: object, name: str) -> bool:
    """Robot's words for true and false; anything else (a typo like `ture`) was silently false."""
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in ("1", "true", "yes", "on"):
        return True
    if word in ("0", "false", "no", "off", "none", ""):
        return False
    raise ConfigError(f"{name}={value!r} is not true or false")


class _RunListener:
    """A Robot listener holding one collector for the whole run (every suite, every builtin node)."""

    ROBOT_LISTENER_API_VERSION = 3
    what = ""

    def __init__(self, record: RunRecord) -> None:
        self._record = record

    def close(self) -> None:
        self._record.finish()
        for line in self._record.lines:
            print(f"firmware {self.what}: {line}", file=sys.__stdout__, flush=True)


class FirmwareCoverage(_RunListener):
    """`robot --listener rig.robot.FirmwareCoverage:DIR`: which firmware code the run executed;
    DIR/<image>.info (lcov) per firmware build and DIR/summary.md at the end."""

    what = "coverage"

    def __init__(self, directory: str = "build/robot/coverage") -> None:
        from rig.coverage.collect import Collector

        super().__init__(RunRecord(Collector(), Path(directory)))


class FirmwareProfile(_RunListener):
    """`robot --listener rig.robot.FirmwareProfile:DIR`: cycles per function of the run's firmware;
    DIR/<image>.json, .md and callgrind.out.<image> per firmware build and DIR/summary.md."""

    what = "profile"

    def __init__(self, directory: str = "build/robot/profile") -> None:
        from rig.profile.collect import Collector

        super().__init__(RunRecord(Collector(), Path(directory)))
