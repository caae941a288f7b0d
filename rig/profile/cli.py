"""`rig profile report A.json [B.json]`: print a profile, or the difference of two (a PR comment)."""

from __future__ import annotations

import argparse
from pathlib import Path

from rig.errors import ConfigError
from rig.profile import data
from rig.profile.report import TOP, render_diff, render_markdown, render_text


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "profile", help="firmware profiles (from rig boot --profile / pytest --firmware-profile)")
    sub = parser.add_subparsers(dest="profile_command", metavar="SUBCOMMAND", required=True)
    report = sub.add_parser(
        "report", help="print a profile's top functions, or compare two profiles",
        description="With one profile: its top functions by cycles and cycles per component. With "
                    "two (before, after): the change of active, asleep and total cycles and the "
                    "functions that changed most, function by function.")
    report.add_argument("profiles", type=Path, nargs="+", metavar="PROFILE.json")
    report.add_argument("--format", choices=("md", "text"), default="text")
    report.add_argument("--top", type=int, default=TOP, metavar="N", help=f"rows shown (default {TOP})")
    report.set_defaults(func=run_report)


def run_report(args: argparse.Namespace) -> int:
    if args.top < 0:
        raise ConfigError(f"--top must be >= 0, got {args.top}")
    if len(args.profiles) > 2:
        raise ConfigError(f"give one profile, or two to compare (got {len(args.profiles)})")
    profiles = [data.read(path) for path in args.profiles]
    md = args.format == "md"
    if len(profiles) == 2:
        print(render_diff(profiles[0], profiles[1], args.top, markdown=md), end="")
    else:
        print((render_markdown if md else render_text)(profiles[0], args.top), end="")
    return 0
