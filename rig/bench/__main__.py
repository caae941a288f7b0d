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


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m rig.bench")
    parser.add_argument("--output", type=Path, default=Path("build/bench/results.json"))
    parser.add_argument("--only", action="append", help="run only these benchmark modules")
    args = parser.parse_args()
    repo = Path(__file__).resolve().parents[2]
    ctx = BenchContext(repo, repo / "firmware-c" / "build", args.output.parent)
    args.output.parent.mkdir(parents=True, exist_ok=True)
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
        results["test_suite_wall_s"] = float(suite.read_text().strip())
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


if __name__ == "__main__":
    sys.exit(main())
