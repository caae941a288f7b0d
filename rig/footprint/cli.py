"""`rig footprint ELF` (one image, every option) and `rig footprint-all` (reports for every image)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from rig.errors import ConfigError, RigError
from rig.footprint.attribution import FILL, attribute
from rig.footprint.budget import ImageBudget, check_budget, check_growth, closest, load_budgets, parse_percent
from rig.footprint.components import OTHER, ComponentConfig, load_components
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
    _growth(p)
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
    p.add_argument("--format", choices=tuple(RENDER),
                   help="default: from the --output suffix (.md/.markdown, .json, .html/.htm, .txt), else table")
    p.add_argument("--output", type=Path, help="write the report here instead of stdout")
    p.set_defaults(func=run_one)

    a = subparsers.add_parser("footprint-all", help="md/json/html footprint reports for every built image")
    a.add_argument("--output-dir", type=Path, required=True)
    a.add_argument(
        "--build-dir",
        type=Path,
        default=DEFAULT_BUILD,
        help="where the *.elf images are: <BUILD>/cc2538 or the build root <BUILD> (default %(default)s)",
    )
    _common(a, f"; default {DEFAULT_BUDGET} when it exists")
    _growth(a, "a directory of saved <image>.json reports (an earlier footprint-all's --output-dir), ")
    a.add_argument("--check", action="store_true", help="exit 1 when an image exceeds its budget or growth limit")
    a.set_defaults(func=run_all)


def _common(p: argparse.ArgumentParser, budget_default: str = "") -> None:
    p.add_argument("--components", type=Path, help=f"components file, TOML or JSON (default {DEFAULT_COMPONENTS})")
    p.add_argument("--budget", type=Path, help=f"budget file (TOML or JSON) with one section per image{budget_default}")
    p.add_argument("--stack", type=Path, help="measured stack JSON written by pytest --stack-report")
    p.add_argument("--goals", action="store_true", help="also fail when a budget's goal is not met")


def _growth(p: argparse.ArgumentParser, also: str = "") -> None:
    p.add_argument(
        "--baseline",
        metavar="FILE_OR_GIT_REF",
        help=f"a saved JSON report, {also}or a git revision built on the fly in a temporary worktree "
        "(with the make variables the ELF was built with)",
    )
    p.add_argument("--max-growth", metavar="PCT", help="fail when a component grows more than PCT%% over the baseline")
    p.add_argument(
        "--growth-floor",
        type=int,
        metavar="BYTES",
        help="with --baseline: ignore growth of at most BYTES bytes (default 0)",
    )
    p.add_argument("--symbols", type=int, default=10, metavar="N",
                   help="with --baseline: the N largest symbol changes in table, md and html (default 10)")


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
    if not isinstance(data, dict) or data.get("schema") != STACK_SCHEMA:
        raise ConfigError(f"{path}: not a stack report (schema is not {STACK_SCHEMA!r})")
    if not isinstance(data.get("firmware"), dict):
        got = "no" if "firmware" not in data else f"a {type(data['firmware']).__name__} as its"
        raise ConfigError(f"{path}: stack report has {got} \"firmware\" table (image name -> measurement)")
    measured = image
    entry = data["firmware"].get(image)
    if entry is None:
        # the FOTA images run in the suite as their factory image (bootloader + sealed app,
        # mk/fota.mk), which the recorder keys by its own file name
        measured = f"{image}-factory"
        entry = data["firmware"].get(measured)
    if entry is None:
        return None
    if not isinstance(entry, dict) or not isinstance(entry.get("max_used"), int):
        raise ConfigError(f"{path}: stack entry for {measured} has no max_used")
    return {
        "max_used": entry["max_used"],
        "reserved": entry.get("reserved"),
        "test": entry.get("test"),
        "source": str(path),
        **({"measured_as": measured} if measured != image else {}),
    }


def _apply_stack(report: dict[str, Any], stack: dict[str, Any] | None) -> None:
    if stack is None:
        return
    if not stack.get("reserved"):
        stack["reserved"] = report["totals"]["stack"] or None
    report["stack"] = stack


def _known(config: ComponentConfig) -> set[str]:
    return {*config.names, *(g.name for g in config.groups), "other", "stack (reserved)", "heap (reserved)"}


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
        known = _known(config)
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


def _check_options(args: argparse.Namespace) -> float | None:
    """Options that mean nothing without another one are refused (they used to gate nothing, silently)."""
    if args.growth_floor is not None and args.growth_floor < 0:
        raise ConfigError(f"--growth-floor {args.growth_floor}: must be 0 or more bytes")
    max_growth = parse_percent(args.max_growth, "--max-growth") if args.max_growth else None
    for flag, given, needs, have in (
        ("--max-growth", max_growth is not None, "--baseline", args.baseline),
        ("--growth-floor", args.growth_floor is not None, "--baseline", args.baseline),
        ("--goals", args.goals, "--budget", args.budget or getattr(args, "default_budget", None)),
        ("--budget-optional", getattr(args, "budget_optional", False), "--budget", args.budget),
    ):
        if given and not have:
            raise ConfigError(f"{flag} needs {needs}")
    if args.symbols < 0:
        raise ConfigError(f"--symbols {args.symbols}: must be 0 or more")
    return max_growth


def _compare(report: dict[str, Any], base: dict[str, Any], spec: str, label: str, gated: bool, who: str) -> None:
    """Attach the baseline; refuse a growth gate over reports attributed differently (map vs DWARF
    split the same bytes differently: the byte-identical ELF "grew" 943 B of "other")."""
    identical = bool(base.get("sha256")) and base.get("sha256") == report["sha256"]
    mine, theirs = report["source"], base.get("source")
    if theirs and theirs != mine and not base.get("absent"):
        same = " (the very same ELF: sha256 match)" if identical else ""
        why = (f"the report was attributed from {mine}, the baseline {label} from {theirs}{same}: "
               "their components are not comparable")
        if gated:
            fix = ("keep the ELF's .map next to it or pass --map FILE" if mine == "dwarf"
                   else "save the baseline with --no-map too")
            raise ConfigError(f"cannot gate growth: {why}; attribute both the same way: {fix}")
        _note(f"{why}; deltas are not meaningful", who)
    if base.get("absent"):
        _note(f"baseline {spec}: {base['absent']}; the growth gate does not apply (budgets do)", who)
    add_baseline(report, base, label)


def _unmatched_note(report: dict[str, Any], who: str) -> None:
    """Source files no component's paths match land in "other": name them (they used to hide there)."""
    other = next((c for c in report["components"] if c["name"] == OTHER), None)
    files = [f["path"] for f in (other or {}).get("files", []) if f["path"] != FILL and (f["flash"] or f["ram"])]
    if files:
        shown = ", ".join(files[:8]) + (f" and {len(files) - 8} more" if len(files) > 8 else "")
        _note(f"{report['image']}: {len(files)} file(s) match no component, counted as other: {shown}", who)


def run_one(args: argparse.Namespace) -> int:
    max_growth = _check_options(args)
    config = load_components(args.components or DEFAULT_COMPONENTS)
    elf_path: Path = args.elf
    fmt = args.format or _format_for(args.output)
    map_path = None if args.no_map else (args.map or _default_map(elf_path))
    if args.map is not None and not args.map.is_file():
        raise ConfigError(f"{args.map}: map file not found")
    report = make_report(elf_path, map_path, config)
    if map_path is None and not args.no_map and report["source"] == "dwarf":
        _note(f"no map file {elf_path.with_suffix('.map')}: attributed from DWARF debug info (file-level "
              "attribution differs from a map's; pass --map FILE if you have it)")
    _unmatched_note(report, "rig footprint")
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
            _note(f"{missing}: measured, not gated")
    if args.stack:
        stack = load_stack(args.stack, image)
        if stack is None:
            _note(f"{args.stack} has no stack measurement for {image}")
        _apply_stack(report, stack)
    if args.baseline:
        from rig.footprint.baseline import resolve_baseline

        base, label = resolve_baseline(args.baseline, elf_path, lambda e, m: make_report(e, m, config), note=_note)
        base_image = base.get("image")
        if base_image and base_image not in (report["image"], args.image):
            # comparing two different images reads as huge growth or shrinkage of one
            raise ConfigError(
                f"baseline {label} is a report of {base_image}, not of {report['image']}: "
                f"pass --image {base_image} to compare them anyway"
            )
        gated = max_growth is not None or (budget is not None and budget.max_growth is not None)
        _compare(report, base, args.baseline, label, gated, "rig footprint")
    report["symbols_shown"] = args.symbols
    violations = _gate(report, budget, config, max_growth, args.growth_floor or 0, args.goals)
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


def _note(message: str, who: str = "rig footprint") -> None:
    print(f"{who}: note: {message}", file=sys.stderr)


SUFFIXES = {"md": "md", "markdown": "md", "json": "json", "html": "html", "htm": "html", "txt": "table",
            "text": "table"}


def _format_for(output: Path | None) -> str:
    """The format an --output name asks for; an unknown suffix is refused (report.JSON or
    report.markdown used to get the text table, silently)."""
    if output is None:
        return "table"
    suffix = output.suffix.lstrip(".").lower()
    if suffix in SUFFIXES:
        return SUFFIXES[suffix]
    known = ", ".join(f".{k}" for k in SUFFIXES)
    raise ConfigError(f"--output {output}: cannot tell the format from {output.suffix or 'no suffix'!r} "
                      f"(known: {known}); pass --format")


def _write(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    except OSError as exc:
        raise RigError(f"{path}: cannot write report ({exc.strerror})") from None


def _images_in(build_dir: Path) -> tuple[Path, list[Path]]:
    """(directory, its *.elf): <BUILD>/cc2538, or the build root <BUILD> (its cc2538/)."""
    elves = sorted(build_dir.glob("*.elf"))
    if not elves and (build_dir / "cc2538").is_dir():
        return build_dir / "cc2538", sorted((build_dir / "cc2538").glob("*.elf"))
    return build_dir, elves


def run_all(args: argparse.Namespace) -> int:
    who = "rig footprint-all"
    if args.output_dir.exists() and not args.output_dir.is_dir():  # was "<dir>/bootloader.md: ... (File exists)"
        raise ConfigError(f"--output-dir {args.output_dir} is a file, not a directory")
    args.default_budget = DEFAULT_BUDGET if DEFAULT_BUDGET.is_file() else None
    max_growth = _check_options(args)
    config = load_components(args.components or DEFAULT_COMPONENTS)
    budget_path = args.budget or args.default_budget
    budgets = load_budgets(budget_path) if budget_path else {}
    build_dir, elves = _images_in(Path(args.build_dir))
    if not elves:
        raise ConfigError(f"{args.build_dir}: no firmware images (*.elf, here or in cc2538/); "
                          "run make -C firmware-c all")
    _check_sections(budget_path, budgets, [e.stem for e in elves], build_dir)
    # `make footprint` passes the suite's stack report, which exists only after `make test`: no error,
    # but say so (a mistyped path was silently ignored).
    stack = args.stack if args.stack and args.stack.is_file() else None
    if args.stack and stack is None:
        _note(f"no stack report at {args.stack} (pytest --stack-report writes it); reports without measured stack",
              who)
    reports = {elf: make_report(elf, _default_map(elf), config) for elf in elves}
    baselines: dict[Path, tuple[dict[str, Any], str]] = {}
    if args.baseline and Path(args.baseline).is_file():  # one image's report against every image
        raise ConfigError(f"--baseline {args.baseline} is one report: footprint-all compares with a git revision "
                          "or a directory of <image>.json reports (an earlier footprint-all --output-dir)")
    if args.baseline:
        from rig.footprint.baseline import resolve_baselines

        # one worktree and one make for every image, not one per image
        baselines = resolve_baselines(args.baseline, elves, lambda e, m: make_report(e, m, config),
                                      note=lambda m: _note(m, who))
    failed: list[str] = []
    has_base = bool(baselines)
    index = ["# Firmware footprint", "",
             "| image | flash B | RAM B |" + (" Δ flash | Δ RAM |" if has_base else "") + " gate | goals |",
             "|---|---|---|" + ("---|---|" if has_base else "") + "---|---|"]
    for elf in elves:
        report = reports[elf]
        image = report["image"]
        _unmatched_note(report, who)
        if stack is not None:
            _apply_stack(report, load_stack(stack, image))
        budget = budgets.get(image)
        if elf.resolve() in baselines:
            base, label = baselines[elf.resolve()]
            gated = max_growth is not None or (budget is not None and budget.max_growth is not None)
            _compare(report, base, args.baseline, label, gated, who)
        report["symbols_shown"] = args.symbols
        violations = _gate(report, budget, config, max_growth, args.growth_floor or 0, args.goals)
        failed += violations
        for fmt, ext in (("md", "md"), ("json", "json"), ("html", "html")):
            _write(args.output_dir / f"{image}.{ext}", RENDER[fmt](report))
        t = report["totals"]
        gating = budget is not None or "max_growth_pct" in report["gate"]
        gate = "no budget" if not gating else ("ok" if not violations else f"{len(violations)} over")
        misses = len(report["gate"]["goal_misses"])
        goals = "" if image not in budgets else (f"{misses} not met" if misses else "met")
        deltas = ""
        if has_base:
            total = report["baseline"]["rows"][-1]
            deltas = f" {total['flash_delta']:+,} | {total['ram_delta']:+,} |"
        index.append(f"| [{image}]({image}.md) | {t['flash']:,} | {t['ram']:,} |{deltas} {gate} | {goals} |")
        print(
            f"{image}: flash {t['flash']:,} B, RAM {t['ram']:,} B ({gate}) "
            f"-> {args.output_dir}/{image}.{{md,json,html}}"
        )
        for v in violations:
            print(f"  {'over budget' if ' exceeds ' in v else 'over growth limit'}: {v}")
        for v in report["gate"]["goal_misses"] if not args.goals else []:
            print(f"  goal not met: {v}")
    _write(args.output_dir / "index.md", "\n".join(index) + "\n")
    if failed and not args.check:
        _note(f"{len(failed)} violation(s) above; exit status 0 without --check", who)
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
        _note(f"{path}: section [{section}] names no image in {build_dir} (not built?)", "rig footprint-all")
