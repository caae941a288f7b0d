"""Robot Framework library for lwm2m-rig, with keywords in Renode's style.

    *** Settings ***
    Library    rig.robot.RigLibrary

    *** Test Cases ***
    Light Follows The Server
        Start Rig
        Wait For Line On Uart       lwm2m: registered
        Write Resource              /3311/0/5850    true
        Led Should Be On            0
        [Teardown]                  Stop Rig

The rig's asyncio loop runs in a background thread; virtual time passes only while a keyword waits
on it, so the time between two keywords is zero and every run is the same. Timeouts are virtual
seconds, as in Renode's keywords.

Firmware coverage and profiles of a whole Robot run (as pytest's --firmware-coverage and
--firmware-profile): `robot --listener rig.robot.FirmwareCoverage:DIR --listener
rig.robot.FirmwareProfile:DIR2 robot/`.
"""

from __future__ import annotations

import ipaddress
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rig.coverage.builds import RunRecord
from rig.errors import ConfigError, RigError
from rig.lwm2m.cli import parse_value
from rig.lwm2m.device import as_path
from rig.rig import Rig, RigNode, SyncDevice, SyncObservation
from rig.topology import Topology


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


class RigLibrary:
    ROBOT_LIBRARY_SCOPE = "SUITE"

    def __init__(
        self, emulator: str = "builtin", renode: str | None = None, artifacts_dir: str = "build/robot/artifacts"
    ) -> None:
        self._emulator = emulator
        self._renode = renode
        self._artifacts = Path(artifacts_dir)
        self._rig: Rig | None = None
        self._observations: dict[tuple[str, str], SyncObservation] = {}
        self._runs = 0

    # -- set-up ------------------------------------------------------------------------------------

    def start_rig(
        self,
        topology: str | None = None,
        nodes: int = 1,
        firmware: str = "lwm2m-client",
        loss: float = 0.0,
        airtime: bool = False,
        bootstrap: bool = False,
        lifetime: int = 300,
    ) -> None:
        """Start the rig from a topology TOML file, or with `nodes` client nodes running `firmware`.

        `bootstrap=true`: the server also answers Bootstrap-Requests (for lwm2m-client-bs) and
        provisions a management account with `lifetime`."""
        if topology:
            # The file says it all: `nodes=3` next to it was silently ignored.
            others = {"nodes": (nodes, 1), "firmware": (firmware, "lwm2m-client"), "loss": (loss, 0.0),
                      "airtime": (airtime, False), "bootstrap": (bootstrap, False), "lifetime": (lifetime, 300)}
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
                    "server": {"bootstrap": bootstrap, "lifetime": int(lifetime)},
                }
            )
        self._runs += 1
        self._rig = Rig(
            topo,
            backend=self._emulator,
            renode_path=self._renode,
            artifacts_dir=self._artifacts / f"run-{self._runs}",
            threaded=True,
        )
        self._rig.start()

    def stop_rig(self) -> None:
        """Stop the rig; UART logs, pcap and CoAP trace stay in the artifacts directory."""
        if self._rig is not None:
            rig, self._rig = self._rig, None
            self._observations.clear()
            rig.stop()

    # -- nodes -------------------------------------------------------------------------------------

    # The UART keywords take Renode's argument names (treatAsRegex=true ...): Robot matches named
    # arguments by exact name, so lines written for Renode read the same here.
    def wait_for_line_on_uart(
        self, content: str, timeout: float = 10.0, node: str | None = None, treatAsRegex: bool = False,
        includeUnfinishedLine: bool = False, matchNextLine: bool = False,
    ) -> UartResult:
        """Wait for a UART line after the previous match that contains `content` (a regular
        expression with treatAsRegex=true), as Renode's keyword: includeUnfinishedLine also looks at
        the line being written, matchNextLine fails unless the next line matches. Returns the
        line, its virtual time in ms and the regex groups (`${result.line}`, `.timestamp`, `.groups`)."""
        got = self._node(node).wait_for_line(
            _uart_pattern(content, treatAsRegex), float(timeout), next_line=bool(matchNextLine),
            unfinished=bool(includeUnfinishedLine),
        )
        return UartResult(got.line, got.time * 1000.0, tuple(g or "" for g in got.match.groups()))

    def wait_for_prompt_on_uart(
        self, prompt: str, timeout: float = 10.0, node: str | None = None, treatAsRegex: bool = False,
    ) -> UartResult:
        """Wait For Line On Uart that also matches the line being written (a prompt has no newline)."""
        return self.wait_for_line_on_uart(prompt, timeout, node, treatAsRegex, includeUnfinishedLine=True)

    def wait_for_next_line_on_uart(self, timeout: float = 10.0, node: str | None = None) -> UartResult:
        """The next UART line after the previous match, whatever it says."""
        return self.wait_for_line_on_uart("", timeout, node, matchNextLine=True)

    def should_not_be_on_uart(
        self, content: str, timeout: float = 10.0, node: str | None = None, treatAsRegex: bool = False,
    ) -> None:
        """Let `timeout` virtual seconds pass; fail if a UART line after the previous match contains
        `content` (a regular expression with treatAsRegex=true) by then. Consumes no line."""
        self._node(node).expect_none(_uart_pattern(content, treatAsRegex), float(timeout))

    def register_failing_uart_string(
        self, content: str, node: str | None = None, treatAsRegex: bool = False
    ) -> None:
        """From now on, any UART wait of this node fails on a line containing `content` (e.g. an
        assertion message of the firmware)."""
        self._node(node).fail_on(_uart_pattern(content, treatAsRegex))

    def write_line_to_uart(self, text: str, node: str | None = None) -> None:
        self._node(node).write(text + "\n")

    def led_should_be_on(self, index: int = 0, node: str | None = None) -> None:
        if not self._node(node).led(int(index)):
            raise AssertionError(f"LED {index} of {self._node(node).name} is off, expected on")

    def led_should_be_off(self, index: int = 0, node: str | None = None) -> None:
        if self._node(node).led(int(index)):
            raise AssertionError(f"LED {index} of {self._node(node).name} is on, expected off")

    def reset_node(self, node: str | None = None) -> None:
        self._node(node).reset()

    def cut_power(self, node: str | None = None, off_for: float = 0.0) -> None:
        """Power-cycle the node: RAM lost, flash kept; off for `off_for` virtual seconds."""
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
        """Serve GDB's remote protocol for `node` (default: the first client node) on 127.0.0.1:`port`
        (0: any free port); returns the port. `wait=true`: the node halts at its next instruction as
        soon as time runs again, until a GDB connects and continues it (virtual time stands still for
        every node meanwhile). Then: `gdb-multiarch FIRMWARE.elf -ex 'target remote :PORT'`."""
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
        """Let `seconds` of virtual time pass."""
        self._require().advance(float(seconds))

    def node_address_should_be_in_prefix(self, node: str | None = None, prefix: str = "fd00::/64") -> None:
        address = ipaddress.IPv6Address(self._node(node).address)
        try:
            network = ipaddress.IPv6Network(prefix)
        except ValueError as exc:  # was AddressValueError: At least 3 parts expected in 'bogus'
            raise ConfigError(f"prefix {prefix!r} is not an IPv6 prefix like fd00::/64 ({exc})") from None
        if address not in network:
            raise AssertionError(f"{address} is not in {prefix}")

    # -- LwM2M ---------------------------------------------------------------------------------------

    def wait_for_registration(self, node: str | None = None, timeout: float = 30.0) -> str:
        """Wait until the node has registered with the server (after `Reset Node`, `Cut Power` or
        `Execute Resource` of /3/0/4, /3/0/5 or /5/0/2: on its new boot); returns its endpoint name."""
        rig = self._require()
        rig.wait_for_registration(node, float(timeout))
        return rig.node(node).endpoint

    def read_resource(self, path: str, node: str | None = None, format: str | None = None) -> Any:
        return self._device(node).read(path, format)

    def write_resource(self, path: str, value: str, node: str | None = None, format: str | None = None) -> None:
        device = self._device(node)
        device.write(path, parse_value(value, as_path(path), device.server.registry), format)

    def execute_resource(self, path: str, node: str | None = None, arguments: str = "") -> None:
        self._device(node).execute(path, arguments)

    def resource_should_be(self, path: str, expected: str, node: str | None = None) -> None:
        device = self._device(node)
        value = device.read(path)
        wanted = parse_value(expected, as_path(path), device.server.registry)
        if value != wanted:
            raise AssertionError(f"{path} is {value!r}, expected {wanted!r}")

    def write_attributes(self, path: str, node: str | None = None, **attributes: str) -> None:
        """Write-Attributes, e.g. `Write Attributes    /3303/0/5700    pmin=2    pmax=10`."""
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
        """Check the node's registration: lifetime, binding, object IDs (e.g. `objects=1 3 4 3303 3311`)."""
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

    def wait_for_notification(self, path: str, node: str | None = None, timeout: float = 30.0) -> Any:
        return self._observation(path, node).next(float(timeout)).value

    def cancel_observation(self, path: str, node: str | None = None) -> None:
        self._observation(path, node).cancel()
        del self._observations[(self._node(node).name, path)]

    def update_firmware(self, image: str, node: str | None = None, method: str = "push", block_size: int = 512) -> str:
        """Run the ETS 770 update flow; returns the Update Result name, fails unless it succeeded."""
        from rig.lwm2m.fota import update_firmware

        rig = self._require()
        device = self._device(node)
        result = rig.run(update_firmware(device.device, Path(image), method=method, block_size=int(block_size)))
        if not result.ok:
            raise AssertionError(f"firmware update failed: {result}")
        return str(result)

    def footprint_should_be_within_budget(self, elf: str, budget: str = "firmware-c/footprint/budget.toml") -> None:
        from rig.cli import main as rig_main

        status = rig_main(["footprint", elf, "--budget", budget, "--format", "table"])
        if status == 2:  # bad input, not a budget overrun (was reported as "exceeds its budget")
            raise ConfigError(f"footprint of {elf} could not be measured (the error is above)")
        if status != 0:
            raise AssertionError(f"{elf} exceeds its footprint budget (see the table above)")

    # -- helpers -------------------------------------------------------------------------------------

    def _require(self) -> Rig:
        if self._rig is None:
            raise RigError("the rig is not started: call Start Rig first")
        return self._rig

    def _node(self, name: str | None) -> RigNode:
        return self._require().node(name)

    def _device(self, name: str | None) -> SyncDevice:
        return self._require().device(name)

    def _observation(self, path: str, node: str | None) -> SyncObservation:
        try:
            return self._observations[(self._node(node).name, path)]
        except KeyError:
            raise RigError(f"{path} is not observed: call Observe Resource first") from None


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
