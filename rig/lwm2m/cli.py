"""`rig server` (placeholder until its issue lands)."""

from __future__ import annotations

import argparse

from rig.errors import RigError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("server", help="(not available yet)")
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    raise RigError("'rig server' is not implemented yet")
