"""`rig footprint ELF` (one image, every option) and `rig footprint-all` (reports for every image)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from rig.errors import ConfigError, RigError
from rig.footprint.attribution import attribute
from rig.footprint.budget import ImageBudget, check_budget, check_growth, closest, load_budgets, parse_percent
from rig.footprint.components import ComponentConfig, load_components
from rig.footprint.elfinfo import load_elf
from rig.footprint.mapfile import parse_map
from rig.footprint.report_html import render_html
from rig.footprint.report_json import add_baseline, build_report, dumps
from rig.footprint.report_md import render_markdown, render_table
from rig.inputfile import refuse_special_file

REPO = Path(__file__).resolve().parents[2]
FIRMWARE = REPO / "firmware-c"
DEFAULT_COMPONENTS = FIRMWARE / "footprint" / "components.toml"
DEFAULT_BUDGET = FIRMWARE / "footprint" / "budget.toml"
DEFAULT_BUILD = FIRMWARE / "build" / "cc2538"
STACK_SCHEMA = "lwm2m-rig-stack"
RENDER = {"table": render_table, "md": render_markdown, "json": dumps, "html": render_html}


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("footprint", help="flash/RAM per component of a firmware ELF, budgets, deltas")
    p.add_argument("elf", type=Path, help="firmware ELF (ARM, with symbols)")
    p.add_argument("--map", type=Path, help="GNU ld map file (default: the ELF's .map next to it, if any)")
    p.add_argument("--no-map", action="store_true", help="attribute through DWARF even if a map file exists")
    _common(p)
    p.add_argument(
        "--baseline",
        metavar="FILE_OR_GIT_REF",
        help="a saved JSON report, or a git revision built on the fly in a temporary worktree",
    )
    p.add_argument("--max-growth", metavar="PCT", help="fail when a component grows more than PCT%% over the baseline")
    p.add_argument(
        "--growth-floor",
        type=int,
        default=0,
        metavar="BYTES",
        help="ignore growth of at most BYTES bytes (default 0)",
    )
    p.add_argument(
        "--image",
        help="budget/stack section name, and the image a --baseline report must be of "
        "(default: the ELF's file name without .elf)",
    )
    p.add_argument(
        "--budget-optional",
        action="store_true",
        help="with --budget: an image without a section there is measured, not gated (a note, not an error)",
    )
    p.add_argument("--format", choices=tuple(RENDER), help="default: from the --output suffix, else table")
    p.add_argument("--output", type=Path, help="write the report here instead of stdout")
    p.set_defaults(func=run_one)

    a = subparsers.add_parser("footprint-all", help="md/json/html footprint reports for every built image")
    a.add_argument("--output-dir", type=Path, required=True)
    a.add_argument("--build-dir", type=Path, default=DEFAULT_BUILD, help="where the *.elf images are")
    _common(a)
    a.add_argument("--check", action="store_true", help="exit 1 when an image exceeds its budget")
    a.set_defaults(func=run_all)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--components", type=Path, help=f"components file, TOML or JSON (default {DEFAULT_COMPONENTS})")
    p.add_argument("--budget", type=Path, help="budget file (TOML or JSON) with one section per image")
    p.add_argument("--stack", type=Path, help="measured stack JSON written by pytest --stack-report")
    p.add_argument("--goals", action="store_true", help="also fail when a budget's goal is not met")


def make_report(elf_path: Path, map_path: Path | None, config: ComponentConfig) -> dict[str, Any]:
    elf = load_elf(elf_path)
    mapfile = parse_map(map_path) if map_path is not None else None
    return build_report(attribute(elf, config, mapfile))


def _default_map(elf: Path) -> Path | None:
    candidate = elf.with_suffix(".map")
    return candidate if candidate.is_file() else None


def load_stack(path: Path, image: str) -> dict[str, Any] | None:
    refuse_special_file(path, "a stack report")
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise ConfigError(f"{path}: stack report not found") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(f"{path}: not a stack report ({str(exc).splitlines()[0]})") from None
    if not isinstance(data, dict) or data.get("schema") != STACK_SCHEMA or not isinstance(data.get("firmware"), dict):
        raise ConfigError(f"{path}: not a stack report (schema is not {STACK_SCHEMA!r})")
    entry = data["firmware"].get(image)
    if entry is None:
        return None
    if not isinstance(entry, dict) or not isinstance(entry.get("max_used"), int):
        raise ConfigError(f"{path}: stack entry for {image} has no max_used")
    return {
        "max_used": entry["max_used"],
        "reserved": entry.get("reserved"),
        "test": entry.get("test"),
        "source": str(path),
    }


def _apply_stack(report: dict[str, Any], stack: dict[str, Any] | None) -> None:
    if stack is None:
        return
    if not stack.get("reserved"):
        stack["reserved"] = report["totals"]["stack"] or None
    report["stack"] = stack


def _gate(
    report: dict[str, Any],
    budget: ImageBudget | None,
    config: ComponentConfig,
    max_growth: float | None,
    floor: int,
    goals: bool = False,
) -> list[str]:
    """Violations (budget, growth; goals too when `goals`); goal misses are always recorded."""
    violations = []
    misses: list[str] = []
    if budget is not None:
        known = {
            *config.names,
            *(g.name for g in config.groups),
            "other",
            "stack (reserved)",
            "heap (reserved)",
        }
        report["budget"] = {
            lim.target: {"flash": lim.flash, "ram": lim.ram, "goal_flash": lim.goal_flash, "goal_ram": lim.goal_ram}
            for lim in budget.limits
        }
        violations += [v.message for v in check_budget(report, budget, known)]
        misses = [v.message for v in check_budget(report, budget, known, goals=True)]
        if goals:
            violations += misses
        if max_growth is None:
            max_growth = budget.max_growth
    if max_growth is not None:
        violations += [v.message for v in check_growth(report, max_growth, floor)]
        report["gate"]["max_growth_pct"] = max_growth
    report["gate"] = {**report["gate"], "ok": not violations, "violations": violations, "goal_misses": misses}
    return violations


def run_one(args: argparse.Namespace) -> int:
    if args.growth_floor < 0:
        raise ConfigError(f"--growth-floor {args.growth_floor}: must be 0 or more bytes")
    config = load_components(args.components or DEFAULT_COMPONENTS)
    elf_path: Path = args.elf
    map_path = None if args.no_map else (args.map or _default_map(elf_path))
    if args.map is not None and not args.map.is_file():
        raise ConfigError(f"{args.map}: map file not found")
    report = make_report(elf_path, map_path, config)
    image = args.image or report["image"]
    # everything that can be refused is checked before a git baseline is built (a worktree and a make)
    budget = None
    if args.budget:
        budgets = load_budgets(args.budget)
        budget = budgets.get(image)
        if budget is None:
            missing = _no_section(args.budget, image, budgets)
            if not args.budget_optional:
                raise ConfigError(f"{missing}: add one, name one with --image SECTION, or pass --budget-optional")
            print(f"rig footprint: note: {missing}: measured, not gated", file=sys.stderr)
    max_growth = parse_percent(args.max_growth, "--max-growth") if args.max_growth else None
    if max_growth is not None and not args.baseline:
        raise ConfigError("--max-growth needs --baseline")
    if args.stack:
        stack = load_stack(args.stack, image)
        if stack is None:
            print(f"rig footprint: note: {args.stack} has no stack measurement for {image}", file=sys.stderr)
        _apply_stack(report, stack)
    if args.baseline:
        from rig.footprint.baseline import resolve_baseline

        base, label = resolve_baseline(args.baseline, elf_path, lambda e, m: make_report(e, m, config))
        base_image = base.get("image")
        if base_image and base_image not in (report["image"], args.image):
            # comparing two different images reads as huge growth or shrinkage of one
            raise ConfigError(
                f"baseline {label} is a report of {base_image}, not of {report['image']}: "
                f"pass --image {base_image} to compare them anyway"
            )
        if base.get("absent"):
            print(
                f"rig footprint: note: baseline {args.baseline}: {base['absent']}; "
                "the growth gate does not apply (budgets do)",
                file=sys.stderr,
            )
        add_baseline(report, base, label)
    violations = _gate(report, budget, config, max_growth, args.growth_floor, args.goals)
    fmt = args.format or _format_for(args.output)
    text = RENDER[fmt](report)
    if args.output:
        _write(args.output, text)
    else:
        sys.stdout.write(text)
    for v in violations:
        print(f"rig footprint: FAIL: {v}", file=sys.stderr)
    return 1 if violations else 0


def _no_section(path: Path, image: str, budgets: dict[str, ImageBudget]) -> str:
    """`B has no section [x] (sections: ...; closest: [y])`: a typo in a section name silently
    turned the gate off."""
    names = sorted(budgets)
    listed = ", ".join(f"[{n}]" for n in names) or "none"
    near = closest(image, names)
    hint = f"; closest: [{near}]" if near else ""
    return f"{path} has no budget section [{image}] (sections: {listed}{hint})"


def _format_for(output: Path | None) -> str:
    suffix = output.suffix.lstrip(".") if output else ""
    return suffix if suffix in ("md", "json", "html") else "table"


def _write(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    except OSError as exc:
        raise RigError(f"{path}: cannot write report ({exc.strerror})") from None


def run_all(args: argparse.Namespace) -> int:
    if args.output_dir.exists() and not args.output_dir.is_dir():  # was "<dir>/bootloader.md: ... (File exists)"
        raise ConfigError(f"--output-dir {args.output_dir} is a file, not a directory")
    config = load_components(args.components or DEFAULT_COMPONENTS)
    budget_path = args.budget or (DEFAULT_BUDGET if DEFAULT_BUDGET.is_file() else None)
    budgets = load_budgets(budget_path) if budget_path else {}
    elves = sorted(Path(args.build_dir).glob("*.elf"))
    if not elves:
        raise ConfigError(f"{args.build_dir}: no firmware images (*.elf); run make -C firmware-c all")
    _check_sections(budget_path, budgets, [e.stem for e in elves], args.build_dir)
    # `make footprint` passes the suite's stack report, which exists only after `make test`: no error,
    # but say so (a mistyped path was silently ignored).
    stack = args.stack if args.stack and args.stack.is_file() else None
    if args.stack and stack is None:
        print(f"rig footprint-all: note: no stack report at {args.stack} (pytest --stack-report writes it); "
              "reports without measured stack", file=sys.stderr)
    failed: list[str] = []
    index = ["# Firmware footprint", "", "| image | flash B | RAM B | gate | goals |", "|---|---|---|---|---|"]
    for elf in elves:
        report = make_report(elf, _default_map(elf), config)
        image = report["image"]
        if stack is not None:
            _apply_stack(report, load_stack(stack, image))
        violations = _gate(report, budgets.get(image), config, None, 0, args.goals)
        failed += violations
        for fmt, ext in (("md", "md"), ("json", "json"), ("html", "html")):
            _write(args.output_dir / f"{image}.{ext}", RENDER[fmt](report))
        t = report["totals"]
        gate = "no budget" if image not in budgets else ("ok" if not violations else f"{len(violations)} over")
        misses = len(report["gate"]["goal_misses"])
        goals = "" if image not in budgets else (f"{misses} not met" if misses else "met")
        index.append(f"| [{image}]({image}.md) | {t['flash']:,} | {t['ram']:,} | {gate} | {goals} |")
        print(
            f"{image}: flash {t['flash']:,} B, RAM {t['ram']:,} B ({gate}) "
            f"-> {args.output_dir}/{image}.{{md,json,html}}"
        )
        for v in violations:
            print(f"  over budget: {v}")
        for v in report["gate"]["goal_misses"] if not args.goals else []:
            print(f"  goal not met: {v}")
    _write(args.output_dir / "index.md", "\n".join(index) + "\n")
    return 1 if failed and args.check else 0


def _check_sections(path: Path | None, budgets: dict[str, ImageBudget], images: list[str], build_dir: Path) -> None:
    """Images without a section are reported ("no budget"), but a section that names no image and
    is nearly the name of an unbudgeted one is a typo that turned that image's gate off."""
    unbudgeted = [i for i in images if i not in budgets]
    for section in sorted(set(budgets) - set(images)):
        near = closest(section, unbudgeted, cutoff=0.8)
        if near is not None:
            raise ConfigError(
                f"{path}: section [{section}] names no image in {build_dir}; did you mean [{near}]? "
                f"(without it {near} is not gated)"
            )
        print(f"rig footprint-all: note: {path}: section [{section}] names no image in {build_dir} (not built?)",
              file=sys.stderr)
