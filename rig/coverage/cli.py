"""`rig coverage report A.info [B.info ...]`: merge lcov tracefiles, summarise per component."""

from __future__ import annotations

import argparse
from pathlib import Path

from rig.coverage import lcov
from rig.coverage.data import Coverage
from rig.coverage.summary import TOP_FUNCTIONS, load_config, render_markdown, render_text, summarize
from rig.errors import ConfigError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "coverage", help="firmware code coverage reports (from rig boot --coverage / pytest --firmware-coverage)")
    sub = parser.add_subparsers(dest="coverage_command", metavar="SUBCOMMAND", required=True)
    report = sub.add_parser(
        "report", help="merge lcov tracefiles and print coverage per component",
        description="Merge lcov tracefiles (union: a line ran if it ran in any) and print lines and "
                    "functions covered per footprint component, with the never-run functions.")
    report.add_argument("tracefiles", type=Path, nargs="+", metavar="TRACEFILE.info")
    report.add_argument("--components", type=Path, metavar="FILE",
                        help="components file (default: firmware-c/footprint/components.toml)")
    report.add_argument("--format", choices=("md", "text"), default="text")
    report.add_argument("--top", type=int, default=TOP_FUNCTIONS, metavar="N",
                        help=f"never-run functions listed per component (default {TOP_FUNCTIONS})")
    report.add_argument("--per-file", action="store_true", help="also a row per source file (text format)")
    report.add_argument("--output", type=Path, metavar="FILE", help="also write the merged tracefile here")
    report.set_defaults(func=run_report)


def merge_tracefiles(paths: list[Path]) -> list[Coverage]:
    """One Coverage per image over every tracefile; two builds of one image are refused."""
    merged: dict[str, Coverage] = {}
    for path in paths:
        for cov in lcov.read(path):
            have = merged.get(cov.name)
            if have is None:
                merged[cov.name] = have = Coverage(cov.name, cov.build)
            try:
                have.merge(cov)
            except ConfigError as exc:
                raise ConfigError(f"{path}: {exc}") from None
    return list(merged.values())


def run_report(args: argparse.Namespace) -> int:
    if args.top < 0:
        raise ConfigError(f"--top must be >= 0, got {args.top}")
    coverages = merge_tracefiles(args.tracefiles)
    config = load_config(args.components)
    summaries = [summarize(cov, config) for cov in coverages]
    if args.format == "md":
        print(render_markdown(summaries, top=args.top), end="")
    else:
        print(render_text(summaries, top=args.top, per_file=args.per_file), end="")
    if args.output is not None:
        lcov.write(args.output, coverages)
    return 0
