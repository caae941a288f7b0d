"""`rig fota`: update devices' firmware through Object 5 and print a result table.

Two ways to get devices:
  rig fota IMAGE.img --emulate N [--firmware FACTORY.elf] [--stagger SECONDS]
  rig fota IMAGE.img --topology FILE
      boots N emulated nodes (or a topology file's; builtin emulator, virtual time) behind a border
      node, waits for them to register, updates them all;
  rig fota IMAGE.img --devices N [--port 5683] [--uart SPEC]
      runs the LwM2M server (and, with --uart, the 6LoWPAN bridge to a slip-radio border node) and
      updates the first N devices that register.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from rig.errors import ConfigError, RigError
from rig.fota.image import MAX_PACKAGE_BYTES, ImageError, parse_package
from rig.inputfile import read_regular_file
from rig.lwm2m.errors import DeviceTimeout
from rig.lwm2m.fota import BLOCK_SIZES, UpdateResult, format_table, update_fleet

if TYPE_CHECKING:
    from rig.topology import Topology

# Next to this package, not under the working directory: `rig fota` run elsewhere found no image.
DEFAULT_FACTORY = Path(__file__).resolve().parents[1] / "firmware-c/build/fota/lwm2m-client-fota-factory.elf"
DEFAULT_HOST = "::1"
DEFAULT_PORT = 5683
# Every emulated node is a full CC2538 stepped on this machine's CPU: 64 already takes minutes, and
# a typo like 1000000000 would otherwise build a topology for hours before saying anything.
MAX_EMULATED = 64


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "fota", help="update device firmware (Object 5, push or pull) and print a result table",
        description=__doc__.split("\n\n")[0])
    parser.add_argument("image", type=Path, metavar="IMAGE.img", help="package (python -m rig.fota.image seal)")
    parser.add_argument("--method", choices=("push", "pull"), default="push")
    parser.add_argument("--block-size", type=int, default=512, choices=BLOCK_SIZES,
                        help="push: Block1 size; pull: the largest Block2 block served (default 512)")
    parser.add_argument("--concurrency", type=int, default=4, help="devices updated at once (default 4)")
    who = parser.add_mutually_exclusive_group()
    who.add_argument("--emulate", type=int, metavar="N", nargs="?", const=0,
                     help="boot N emulated nodes and update them (no N with --topology)")
    who.add_argument("--devices", type=int, metavar="N",
                     help="wait for N real devices to register (default 1)")
    parser.add_argument("--topology", type=Path, metavar="FILE",
                        help="emulate this topology TOML's nodes, network and server (implies --emulate); "
                             "a node without firmware boots --firmware")
    parser.add_argument("--stagger", metavar="SECONDS",
                        help="emulated nodes: virtual seconds between two nodes' power-on (default: the "
                             "topology's [network] stagger, else 1)")
    # No defaults here: None tells an option given for the other kind of device (refused) from one left out.
    parser.add_argument("--firmware", type=Path,
                        help=f"factory ELF the emulated nodes boot (default {DEFAULT_FACTORY})")
    parser.add_argument("--host", help=f"server address (real devices; default {DEFAULT_HOST})")
    parser.add_argument("--port", type=int, help=f"server UDP port (real devices; default {DEFAULT_PORT})")
    parser.add_argument("--uart", metavar="SPEC",
                        help="bridge to a slip-radio border node: tcp:HOST:PORT or a serial device")
    parser.add_argument("--pull-uri", metavar="URI",
                        help="--method pull: where the devices fetch the package. coap://HOST:PORT (the "
                             "server as the devices reach it): the package is served there at /fw/<name>; "
                             "a URI with a path is written to the devices as is. Default: "
                             "coap://[fd00::1]:5683 through a bridge (--emulate, --uart), else "
                             "coap://[--host]:--port")
    parser.add_argument("--wait", type=float, default=120.0, metavar="SECONDS",
                        help="how long to wait for the devices to register (default 120)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(func=_run)


class ProgressBar:
    """One line per device, redrawn in place on a terminal, plain lines otherwise."""

    def __init__(self, stream: TextIO | None = None, width: int = 30) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.width = width
        self.state: dict[str, str] = {}
        self.tty = self.stream.isatty()
        self._last: dict[str, str] = {}

    def __call__(self, endpoint: str, phase: str, done: int, total: int) -> None:
        frac = done / total if total else 0.0
        bar = "#" * int(frac * self.width)
        line = f"{endpoint:<26} {phase:<8} [{bar:<{self.width}}] {frac:6.1%}"
        if self.tty:
            self.stream.write("\r" + line)
            if phase == "done":
                self.stream.write("\n")
        elif self._last.get(endpoint) != phase:  # logs: one line per phase change
            self.stream.write(line + "\n")
        self._last[endpoint] = phase
        self.stream.flush()


def _check_image(path: Path) -> bytes:
    data = read_regular_file(path, "a firmware package", MAX_PACKAGE_BYTES)
    if data[:4] == b"\x7fELF":
        raise ConfigError(f"{path}: this is an ELF, not a firmware package: seal it first with "
                          f"python -m rig.fota.image seal {path} OUT.img --version V "
                          "(an ELF linked with firmware-c/bootloader/slot-a.ld)")
    try:
        problems = parse_package(data, str(path)).problems()
    except ImageError as exc:
        print(f"warning: {exc} (sending it anyway: the devices must refuse it)", file=sys.stderr)
        return data
    for problem in problems:
        print(f"warning: {path}: {problem} (sending it anyway)", file=sys.stderr)
    return data


def _check_args(args: argparse.Namespace) -> None:
    """Every number checked before anything starts (a bad one was a hang, a traceback or a silent no-op)."""
    if args.concurrency < 1:
        raise ConfigError("--concurrency must be at least 1")
    if args.topology is not None:
        if args.emulate:
            raise ConfigError(f"--emulate {args.emulate} and --topology {args.topology}: the topology lists the "
                              "nodes; give --emulate without N")
        if args.devices is not None:
            raise ConfigError(f"--devices is for real devices; --topology {args.topology} emulates its nodes")
        args.emulate = 0
    elif args.emulate is not None and not 1 <= args.emulate <= MAX_EMULATED:
        raise ConfigError(f"--emulate {args.emulate}: must be 1..{MAX_EMULATED} nodes "
                          "(each is a whole emulated CC2538; use real devices beyond that), or --topology FILE")
    args.devices = args.devices if args.devices is not None else 1
    if args.emulate is None and args.devices < 1:
        raise ConfigError(f"--devices {args.devices}: must be at least 1")
    # An option for the other kind of device would be silently ignored: say so instead.
    if args.emulate is not None:
        for option, value in (("--host", args.host), ("--port", args.port), ("--uart", args.uart)):
            if value is not None:
                raise ConfigError(f"{option} is for real devices; --emulate runs its own server and border node")
    else:
        for option, value, what in (("--firmware", args.firmware, "the image emulated nodes boot"),
                                    ("--stagger", args.stagger, "for emulated nodes")):
            if value is not None:
                raise ConfigError(f"{option} is {what}: it needs --emulate N (or --topology FILE)")
    args.firmware = args.firmware if args.firmware is not None else DEFAULT_FACTORY
    args.host = args.host if args.host is not None else DEFAULT_HOST
    args.port = args.port if args.port is not None else DEFAULT_PORT
    if not 0 <= args.port <= 65535:
        raise ConfigError(f"--port {args.port} is not a UDP port (0..65535, 0: any free port)")
    if not math.isfinite(args.wait) or args.wait <= 0:
        raise ConfigError(f"--wait {args.wait:g}: must be a finite number of seconds above 0")
    args.pull_options = _pull_options(args)
    args.topology_to_run = _topology(args) if args.emulate is not None else None


def _topology(args: argparse.Namespace) -> Topology:
    """The emulated fleet: --emulate N nodes of --firmware, or the --topology file's (its nodes without
    firmware boot --firmware), staggered by --stagger, else the topology's, else 1 s."""
    from rig.topology import Topology, stagger_of

    firmware = args.firmware.resolve()
    if not firmware.is_file():
        raise ConfigError(f"{firmware}: no such factory image (make -C firmware-c fota-images)")
    if args.topology is not None:
        topology = Topology.load(args.topology, default_firmware=str(firmware))  # its errors name the file
        if not topology.border_enabled:
            raise ConfigError(f"--topology {args.topology}: [border] enabled = false runs no server to update from")
    else:
        topology = Topology.from_dict({"node": [{"name": f"node{i + 1}", "firmware": str(firmware)}
                                                for i in range(args.emulate)]})
    # Nodes booting at the same virtual instant collide on the medium and take long to register.
    topology.network.stagger = stagger_of(args.stagger, topology)
    return topology


def _pull_options(args: argparse.Namespace) -> dict[str, str]:
    """update_firmware's pull_uri (a whole URI) or pull_base (server address, /fw/<name> appended)."""
    if args.pull_uri is None:
        if args.emulate is not None or args.uart:
            return {}  # the bridge's fd00::1:5683 (update_firmware's default)
        if args.host in ("", "::", "0.0.0.0"):
            if args.method == "pull":
                raise ConfigError(f"--host {args.host!r} listens on every address: say which one the devices "
                                  "fetch the package from with --pull-uri coap://ADDRESS:PORT")
            return {}
        host = f"[{args.host}]" if ":" in args.host else args.host
        return {"pull_base": f"coap://{host}:{args.port}"}
    if args.method != "pull":
        raise ConfigError("--pull-uri is for --method pull")
    uri = args.pull_uri.strip()
    scheme, sep, rest = uri.partition("://")
    if not sep or not scheme or not rest or any(c.isspace() for c in uri):
        raise ConfigError(f"--pull-uri {args.pull_uri!r}: not a URI (e.g. coap://[2001:db8::1]:5683)")
    authority, _slash, path = rest.partition("/")
    if not authority:
        raise ConfigError(f"--pull-uri {args.pull_uri!r}: no host")
    if path:
        return {"pull_uri": uri}
    return {"pull_base": f"{scheme}://{authority}"}


def _run(args: argparse.Namespace) -> int:
    _check_args(args)
    data = _check_image(args.image)
    progress: Callable[[str, str, int, int], None] | None = None if args.quiet else ProgressBar()
    if args.emulate is not None:
        results = _run_emulated(args, data, progress)
    else:
        results = asyncio.run(_run_real(args, data, progress))
    print(format_table(results))
    failed = [r for r in results if not r.ok]
    print(f"{len(results) - len(failed)} of {len(results)} devices updated")
    return 1 if failed else 0


def _run_emulated(args: argparse.Namespace, data: bytes, progress) -> list[UpdateResult]:
    from rig.rig import Rig

    with Rig(args.topology_to_run) as rig:
        assert rig.server is not None
        devices = [rig.server.device(rig.wait_for_registration(n, timeout=args.wait).endpoint)
                   for n in rig.nodes]
        return rig.run(update_fleet(devices, data, args.concurrency, args.method, args.block_size, progress,
                                    **args.pull_options))


async def _run_real(args: argparse.Namespace, data: bytes, progress) -> list[UpdateResult]:
    from rig.lwm2m.server import LwM2MServer

    server = LwM2MServer(args.host, args.port)
    await server.start()
    port = server.port  # the kernel's choice for --port 0
    bridge = None
    try:
        if args.uart:
            from rig.net.bridge import Bridge, BridgeConfig
            from rig.net.transport import transport_from_spec

            bridge = Bridge(transport_from_spec(args.uart), asyncio.get_running_loop().time,
                            BridgeConfig(port_map={5683: port}))
            bridge.attach_loop(asyncio.get_running_loop())
            bridge.start()
        print(f"rig fota: server on [{args.host}]:{port}, waiting for {args.devices} device(s)",
              file=sys.stderr)
        endpoints: list[str] = []
        loop = asyncio.get_running_loop()
        deadline = loop.time() + args.wait
        while len(endpoints) < args.devices:
            left = deadline - loop.time()
            try:  # a deadline already passed times out at once
                event = await server.wait_for_event("registered", None, left)
            except DeviceTimeout:
                got = len(endpoints)
                raise RigError(f"only {got} of {args.devices} devices registered in {args.wait:g} s") from None
            if event.endpoint not in endpoints:
                endpoints.append(event.endpoint)
        devices = [server.device(ep) for ep in endpoints]
        return await update_fleet(devices, data, args.concurrency, args.method, args.block_size, progress,
                                  **args.pull_options)
    finally:
        if bridge is not None:
            bridge.close()
        await server.stop()
