"""`python -m rig.bench`: runs every benchmark module and writes results.json and results.md."""

from __future__ import annotations

import argparse
import importlib
import json
import pkgutil
import platform
import sys
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

import rig.bench


@dataclass(frozen=True)
class BenchContext:
    repo: Path
    firmware_dir: Path  # firmware-c/build
    output_dir: Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rig.bench")
    parser.add_argument("--output", type=Path, default=Path("build/bench/results.json"))
    parser.add_argument("--only", action="append", help="run only these benchmark modules")
    args = parser.parse_args(argv)
    repo = Path(__file__).resolve().parents[2]
    ctx = BenchContext(repo, repo / "firmware-c" / "build", args.output.parent)
    known = sorted(m.name for m in pkgutil.iter_modules(rig.bench.__path__) if not m.name.startswith("_"))
    unknown = sorted(set(args.only or ()) - set(known))
    if unknown:  # was: silently ran nothing and wrote an empty results file
        return _error(f"--only {', '.join(unknown)}: no such benchmark module (known: {', '.join(known)})")
    problem = _output_problem(args.output)
    if problem:  # checked before the benchmarks run for minutes, not after
        return _error(f"--output {args.output}: {problem}")
    results: dict[str, float] = {}
    failures: dict[str, str] = {}
    for info in sorted(pkgutil.iter_modules(rig.bench.__path__), key=lambda m: m.name):
        if info.name.startswith("_") or (args.only and info.name not in args.only):
            continue
        started = time.perf_counter()
        try:
            module = importlib.import_module(f"rig.bench.{info.name}")
            figures = module.run(ctx)
        except Exception as exc:
            traceback.print_exc()
            failures[info.name] = f"{type(exc).__name__}: {exc}"
            continue
        results.update(figures)
        print(f"{info.name}: {figures} ({time.perf_counter() - started:.1f} s)")
    suite = ctx.output_dir / "test_suite_wall_s.txt"
    if suite.exists():
        try:
            results["test_suite_wall_s"] = float(suite.read_text().strip())
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            print(f"warning: ignoring {suite}: not a number of seconds ({exc})", file=sys.stderr)
    document = {
        "machine": {"python": sys.version.split()[0], "platform": platform.platform(),
                    "processor": platform.processor() or platform.machine()},
        "results": results,
        "failures": failures,
    }
    args.output.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n")
    table = ["| figure | value |", "|---|---:|"]
    table += [f"| `{k}` | {v:.4g} |" for k, v in sorted(results.items())]
    table += [f"| `{k}` | FAILED: {v} |" for k, v in sorted(failures.items())]
    args.output.with_suffix(".md").write_text("\n".join(table) + "\n")
    print(f"wrote {args.output} and {args.output.with_suffix('.md')}")
    return 1 if failures else 0


def _error(message: str) -> int:
    print(f"python -m rig.bench: error: {message}", file=sys.stderr)
    return 2


def _output_problem(output: Path) -> str | None:
    """Why the results cannot be written to `output` (and its .md sibling), or None."""
    if output.is_dir():
        return "is a directory (give a file name, e.g. build/bench/results.json)"
    for parent in (output.parent, *output.parent.parents):
        if parent.exists() and not parent.is_dir():
            return f"{parent} is not a directory"
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return f"cannot create its directory: {exc.strerror}"
    for path in (output, output.with_suffix(".md")):
        if path.exists() and not path.is_file():
            return f"{path} is not a regular file"
    return None


if __name__ == "__main__":
    sys.exit(main())
