"""The `rig` command. Each area registers its own subcommands; this module only dispatches."""

from __future__ import annotations

import argparse
import importlib
import signal
import sys
import threading
from collections.abc import Sequence

from rig import __version__
from rig.errors import EmulatorBug, RigError

# Modules that provide `register(subparsers)`; each subcommand sets `func(args) -> int`.
SUBCOMMAND_MODULES = (
    "rig.emu.cli",  # boot
    "rig.lwm2m.cli",  # server
    "rig.footprint.cli",  # footprint, footprint-all
    "rig.fota_cli",  # fota
    "rig.doctor",  # doctor
    "rig.demo",  # demo
    "rig.coverage.cli",  # coverage
    "rig.profile.cli",  # profile
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rig", description=__doc__)
    parser.add_argument("--version", action="version", version=f"lwm2m-rig {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in SUBCOMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def _terminate(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)  # unwinds: `finally` blocks stop Renode instead of orphaning it


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    # A CI job's timeout or a process manager stops us with SIGTERM; without a handler Python dies at
    # once and a Renode child (its own session) keeps running. Only the main thread may set handlers.
    in_main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _terminate) if in_main else None
    try:
        return int(args.func(args) or 0)
    except EmulatorBug as exc:  # the emulator's fault, neither the firmware's (1) nor the input's (2)
        print(f"rig {args.command}: {exc}", file=sys.stderr)
        return 3
    except RigError as exc:
        print(f"rig {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    finally:
        if in_main and previous is not None:
            signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":
    sys.exit(main())
