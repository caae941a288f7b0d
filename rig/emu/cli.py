"""`rig boot FIRMWARE.elf`: boot one node, print its UART lines with virtual timestamps."""

from __future__ import annotations

import argparse
import math
import re
import sys
from pathlib import Path

from rig.emu.api import Node, NodeSpec, UartLine, create_emulation, event_marker
from rig.errors import ConfigError
from rig.topology import firmware_path, is_app_name, parse_eui64

EXIT_CODES = """\
exit codes:
  0  --until matched (without --until: ran to --timeout, or GDB ended the session)
  1  the firmware failed: --until did not match within --timeout, or the node faulted
  2  bad input or setup: missing or invalid firmware file, bad argument, emulator not available
  3  emulator bug: a peripheral model raised ("emulator bug, please report"; a model of your own:
     named with its module), not the firmware's doing
"""

# clock_time() is a uint32_t of 1/128 s ticks: past this it wraps, and the run would take days of wall time.
MAX_TIMEOUT = 2**32 // 128


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "boot", help="boot a firmware image on an emulated CC2538 and print its UART output",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Boot FIRMWARE on one emulated CC2538 and print its UART lines with virtual timestamps.",
        epilog=EXIT_CODES)
    parser.add_argument("firmware", type=Path, metavar="FIRMWARE.elf",
                        help="an ELF, or an app name (hello, lwm2m-client: the built image of that name)")
    parser.add_argument("--until", metavar="REGEX", help="stop successfully once a UART line matches")
    parser.add_argument("--timeout", type=float, default=None, metavar="VIRTUAL_SECONDS",
                        help="virtual seconds to run (default 10; with --gdb, as long as the firmware's "
                             "clock counts: the session ends when GDB kills the program)")
    parser.add_argument("--emulator", default="builtin", choices=("builtin", "renode"))
    parser.add_argument("--renode", metavar="PATH", help="Renode executable or portable directory "
                                                         "(with --emulator renode; default: $RENODE or PATH)")
    parser.add_argument("--eui64", metavar="HEX", help="EUI-64 of the node, e.g. 00124b0000000001")
    parser.add_argument("--input", metavar="TEXT",
                        help="bytes sent to the node's UART after boot, with C escapes (\\n, \\r, \\xHH) and no "
                             "newline added: --input 'update\\n' for a console command")
    parser.add_argument("--fault-handlers", action="store_true",
                        help="faults enter the firmware's HardFault/MemManage/BusFault/UsageFault handlers as "
                             "on the chip (builtin; default: a fault stops the node and is reported)")
    parser.add_argument("--coverage", type=Path, metavar="OUT.info",
                        help="write the firmware code the run executed as an lcov tracefile (builtin only)")
    parser.add_argument("--profile", type=Path, metavar="OUT",
                        help="write a flat profile of the firmware (cycles per function and line): OUT.json, "
                             "OUT.md, OUT.txt or callgrind.out.* as the name says, else OUT.json, OUT.md and "
                             "callgrind.out.OUT; the top 10 functions go to stderr (builtin only)")
    parser.add_argument("--peripheral", action="append", default=[], metavar="MODEL",
                        help="add a peripheral model of your own (builtin): a name registered with "
                             "rig.emu.builtin.models.register_model, or 'package.module:Class'; repeatable")
    parser.add_argument("--gdb", metavar="PORT", help="serve GDB's remote protocol on 127.0.0.1:PORT "
                        "(0: any free port, announced on stderr); the node waits halted at the reset "
                        "vector until GDB continues it (builtin emulator)")
    parser.set_defaults(func=run)


def parse_gdb_port(text: str) -> int:
    try:
        port = int(text, 10)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise ConfigError(f"--gdb {text!r}: a TCP port number 0-65535 is needed (0: any free port)")
    return port


def parse_input(text: str) -> bytes:
    """--input TEXT with C-style escapes (\\n, \\r, \\xHH); other characters as UTF-8."""
    try:
        return text.encode("utf-8").decode("unicode_escape").encode("latin-1")
    except (UnicodeDecodeError, UnicodeEncodeError) as exc:
        raise ConfigError(f"--input {text!r}: bad escape sequence ({exc.reason})") from None


def start_gdb(node: Node, port: int, firmware: Path) -> None:
    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    bound = node.start_gdb_server(port, wait=True, log=log)
    log(f"gdb: listening on 127.0.0.1:{bound}")
    log(f"gdb: connect with: gdb-multiarch {firmware} -ex 'target remote :{bound}'")


def format_line(line: UartLine) -> str:
    return f"[{line.time:12.6f}] {line.text}"


def default_timeout(gdb: bool) -> float:
    """Virtual seconds `rig boot` runs without --timeout: 10, or with --gdb as long as the firmware's
    clock counts (a debugging session takes virtual time: 10 s would end it under the user's hands)."""
    return float(MAX_TIMEOUT) if gdb else 10.0


def run(args: argparse.Namespace) -> int:
    if args.timeout is None:
        args.timeout = default_timeout(args.gdb is not None)
    if not (math.isfinite(args.timeout) and args.timeout > 0):
        raise ConfigError(f"--timeout must be a finite number > 0 of virtual seconds, got {args.timeout}")
    if args.timeout > MAX_TIMEOUT:
        raise ConfigError(f"--timeout {args.timeout:g} is longer than the firmware's clock can count "
                          f"(at most {MAX_TIMEOUT} virtual seconds: 32-bit ticks at 128 Hz)")
    pattern = None
    if args.until is not None:
        try:
            pattern = re.compile(args.until)
        except re.error as exc:
            raise ConfigError(f"--until {args.until!r}: bad regular expression: {exc}") from None
    try:
        eui64 = parse_eui64(args.eui64) if args.eui64 else None  # rig.topology's: one syntax everywhere
    except ConfigError as exc:
        raise ConfigError(f"--eui64: {exc}") from None
    if not args.firmware.is_file() and is_app_name(str(args.firmware)):
        args.firmware = firmware_path(str(args.firmware))  # an app name: lwm2m-client, hello...
    data = parse_input(args.input) if args.input else b""
    gdb_port = parse_gdb_port(args.gdb) if args.gdb is not None else None
    killed: tuple[type[BaseException], ...] = ()
    if gdb_port is not None:
        from rig.emu.builtin.gdbstub import GdbKilled  # imports unicorn: only when debugging

        killed = (GdbKilled,)
    if gdb_port is not None and args.emulator != "builtin":
        raise ConfigError("--gdb works with the builtin emulator (in Renode: machine StartGdbServer PORT)")
    if args.renode is not None and args.emulator != "renode":
        raise ConfigError("--renode PATH needs --emulator renode")
    if args.fault_handlers and args.emulator != "builtin":
        raise ConfigError("--fault-handlers is for the builtin emulator (Renode always takes fault exceptions)")
    if args.peripheral and args.emulator != "builtin":
        raise ConfigError("--peripheral is for the builtin emulator (in Renode: its platform description)")
    if args.coverage is not None and args.emulator != "builtin":
        raise ConfigError("--coverage needs the builtin emulator (Renode nodes record no coverage)")
    if args.coverage is not None and args.coverage.is_dir():
        raise ConfigError(f"--coverage {args.coverage}: is a directory, not a tracefile to write")
    if args.profile is not None and args.emulator != "builtin":
        raise ConfigError("--profile needs the builtin emulator (Renode nodes record no profile)")
    if args.profile is not None and args.profile.is_dir():
        raise ConfigError(f"--profile {args.profile}: is a directory, not a file name to write")
    emulation = create_emulation(args.emulator, **({"renode_path": args.renode} if args.renode else {}))
    try:
        extra: dict[str, object] = {"fault_exceptions": True} if args.fault_handlers else {}
        if args.peripheral:
            extra["peripherals"] = list(args.peripheral)
        node = emulation.add_node(NodeSpec("node", args.firmware, eui64=eui64, extra=extra))
        if args.coverage is not None:
            from rig.coverage.linemap import line_map

            line_map(args.firmware)  # an ELF without line tables fails now, not after the run
            node.enable_coverage()  # type: ignore[attr-defined]
        if args.profile is not None:
            from rig.coverage.linemap import line_map

            line_map(args.firmware)  # an ELF without line tables fails now, not after the run
            node.enable_profile()  # type: ignore[attr-defined]
        if data:
            node.uart.write(data)
        if gdb_port is not None:
            start_gdb(node, gdb_port, args.firmware)
        printed = 0
        shown = 0  # events printed (watchdog resets: "*** reset by the watchdog")
        matched = False
        events: list[tuple[float, str]] = getattr(node, "events", [])

        def progress() -> bool:
            nonlocal printed, shown, matched
            lines = node.uart.lines
            while printed < len(lines) or shown < len(events):
                if shown < len(events) and (printed == len(lines) or events[shown][0] <= lines[printed].time):
                    print(event_marker(*events[shown]), flush=True)
                    shown += 1
                    continue
                line = lines[printed]
                printed += 1
                print(format_line(line), flush=True)
                if pattern is not None and pattern.search(line.text):
                    matched = True
            return matched or node.stopped_for_good  # an armed watchdog resets a faulted node

        try:
            emulation.run_until(progress, args.timeout)
        except killed as exc:
            progress()
            print(f"rig boot: {exc}", file=sys.stderr)
            _write_outputs(node, args)
            return 0
        progress()
        _write_outputs(node, args)  # also when the run failed: what did it run?
        # What the firmware did is exit 1, as `rig footprint` over budget: CI tells a regression from a
        # broken setup (exit 2, raised as RigError before the run).
        if node.stopped_for_good:
            return _failed(f"node stopped: {node.fault}")
        if pattern is not None and not matched:
            return _failed(f"no UART line matched {args.until!r} within {args.timeout:g} virtual seconds")
        return 0
    finally:
        emulation.close()
        sys.stdout.flush()


def _failed(message: str) -> int:
    print(f"rig boot: FAIL: {message}", file=sys.stderr, flush=True)
    return 1


def _write_outputs(node: object, args: argparse.Namespace) -> None:
    if args.coverage is not None:
        _write_coverage(node, args.coverage)
    if args.profile is not None:
        from rig.profile.collect import node_profile, print_top, write_profile

        prof = node_profile(node)  # type: ignore[arg-type]
        written = write_profile(args.profile, prof)
        print_top(prof)
        print(f"profile: -> {', '.join(str(p) for p in written)}", file=sys.stderr, flush=True)


def _write_coverage(node: object, out: Path) -> None:
    from rig.coverage import lcov
    from rig.coverage.data import from_bitmap
    from rig.coverage.linemap import line_map, sha256_of
    from rig.emu.builtin.coverage import BASE

    firmware = node.firmware  # type: ignore[attr-defined]
    lm = line_map(firmware.path, sha256_of(firmware.path))
    profile = node.profile  # type: ignore[attr-defined]
    counts = profile.counts() if profile is not None else None  # real hit counts with --profile
    cov = from_bitmap(lm, node.coverage.bitmap(), BASE, Path(firmware.path).stem, counts)  # type: ignore[attr-defined]
    lcov.write(out, [cov])
    print(f"coverage: {cov.summary_line()} -> {out}", file=sys.stderr, flush=True)
