"""A baseline to compare with: a saved JSON report, or a git revision built on the fly in a worktree.

A git baseline is built with the same make call that built the ELF: the command-line variables the
firmware Makefile recorded at link time (<BUILD>/<arch>/obj/<image>/makevars: LWM2M_CLIENT_EXTRA_SRCS,
..._CFLAGS, ...) are passed again, and the firmware layout is
<BUILD>/<arch>/<image>.elf, so the ELF's build root (the directory above <arch>/, e.g. build/v2 or
/tmp/x) is passed as BUILD, and the target is <BUILD>/<arch>/<image>.elf. The revision is checked out
in a temporary worktree and built there, never into the caller's build directory.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rig.errors import ConfigError
from rig.footprint.report_json import SCHEMA, VERSION, load_report

# Builds a report for (elf path, map path or None); the caller's components config applies to both.
ReportBuilder = Callable[[Path, Path | None], dict[str, Any]]

# make's words for "no such target" (and not "no rule for a file this target needs")
# (make runs with LC_ALL=C: plain quotes, English words)
_NO_RULE = re.compile(r"No rule to make target [`'](?P<target>[^']+)'\.\s+Stop\.")
# a file the target needs that the revision does not have (a source the ELF was built with)
_MISSING = re.compile(r"No rule to make target [`'](?P<file>[^']+)', needed by [`'](?P<by>[^']+)'")
# the compiler's first error: "path/x.c:12:5: error: ..." (or "fatal error")
_CC_ERROR = re.compile(r"^(?P<file>[^\s:]+):\d+(?::\d+)?: (?:fatal )?error: .*$", re.MULTILINE)
FIRMWARE_DIR = "firmware-c"  # the repository's fixed layout: where the firmware Makefile is


@dataclass(frozen=True)
class BuildPlan:
    """How to rebuild the ELF at another revision, relative to the repository."""

    make_dir: Path  # relative to the repository's top
    build: str  # the BUILD= value: relative to make_dir when the ELF is in the tree, else absolute
    target: str  # <build>/<arch>/<image>.elf
    make_vars: tuple[str, ...] | None = None  # the ELF's recorded command-line variables, None: no record


def _git(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True)


def _toplevel(where: Path) -> Path | None:
    if not where.is_dir():
        return None
    top = _git(where, "rev-parse", "--show-toplevel")
    return Path(top.stdout.strip()).resolve() if top.returncode == 0 else None


def find_repo(elf: Path, cwd: Path) -> Path:
    """The ELF's repository; for an out-of-tree build (BUILD=/tmp/x), the current directory's."""
    repo = _toplevel(elf.parent) or _toplevel(cwd)
    if repo is None:
        raise ConfigError(
            f"{elf} is not in a git repository, and neither is the current directory {cwd}: "
            "run from the firmware's repository to use a git baseline"
        )
    return repo


def _inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def plan_build(elf: Path, repo: Path, cwd: Path, out_of_tree_build: Path) -> BuildPlan:
    """The make directory, BUILD and target for `elf` (absolute); `out_of_tree_build` is the BUILD
    used when the ELF was built outside the repository (the caller's own build root is never
    written)."""
    arch, root = elf.parent.name, elf.parent.parent
    if _inside(root, repo) and root != repo:
        # the nearest directory at or above the build root with a Makefile made it (firmware-c for
        # firmware-c/build and firmware-c/build/v2)
        for d in (root, *root.parents):
            if not _inside(d, repo):
                break
            if (d / "Makefile").is_file():
                build = os.path.relpath(root, d)
                return BuildPlan(d.relative_to(repo), build, f"{build}/{arch}/{elf.name}", recorded_make_vars(elf))
        raise ConfigError(f"cannot tell how to rebuild {elf.relative_to(repo)}: no Makefile above {root}")
    # Out of the tree: the firmware directory the user builds from (the current directory when it
    # has a Makefile and is not the top, where the top Makefile drives firmware-c), else firmware-c.
    make_dir = Path(FIRMWARE_DIR) if (repo / FIRMWARE_DIR / "Makefile").is_file() else Path(".")
    if _inside(cwd, repo) and cwd != repo and (cwd / "Makefile").is_file():
        make_dir = cwd.relative_to(repo)
    build = str(out_of_tree_build)
    return BuildPlan(make_dir, build, f"{build}/{arch}/{elf.name}", recorded_make_vars(elf))


def empty_report(image: str, note: str) -> dict[str, Any]:
    """The baseline of an image that did not exist yet: nothing, so every component is new."""
    return {
        "schema": SCHEMA,
        "version": VERSION,
        "image": image,
        "sha256": None,
        "totals": {"flash": 0, "ram": 0},
        "components": [],
        "absent": note,
    }


def recorded_make_vars(elf: Path) -> tuple[str, ...] | None:
    """The command-line variables (NAME=value, but BUILD) the ELF was linked with, as firmware-c's
    Makefile records them in <BUILD>/<arch>/obj/<image>/makevars; None when there is no record (an
    ELF copied out of its build, or built before the Makefile kept one)."""
    record = elf.parent / "obj" / elf.stem / "makevars"
    try:
        lines = record.read_text().splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    return tuple(v for v in lines if "=" in v and not v.startswith("BUILD="))


def resolve_baseline(
    spec: str,
    elf: Path,
    build: ReportBuilder,
    jobs: int = 2,
    cwd: Path | None = None,
    note: Callable[[str], None] | None = None,
) -> tuple[dict[str, Any], str]:
    """(baseline report, label). `spec` is a report file (or a directory of <image>.json reports),
    else a git revision of the ELF's repository (or of the current directory's, for an ELF built
    outside it). An image the revision cannot build because it has no such target is an empty
    baseline whose "absent" says why."""
    return resolve_baselines(spec, [elf], build, jobs, cwd, note)[elf.resolve()]


def resolve_baselines(
    spec: str,
    elves: list[Path],
    build: ReportBuilder,
    jobs: int = 2,
    cwd: Path | None = None,
    note: Callable[[str], None] | None = None,
) -> dict[Path, tuple[dict[str, Any], str]]:
    """Baselines of several images at once ({resolved ELF path: (report, label)}): a git revision is
    checked out and built once, one make call per distinct set of recorded make variables."""
    say = note or (lambda _msg: None)
    path = Path(spec)
    resolved = [e.resolve() for e in elves]
    if path.is_file():
        return {e: (load_report(path), str(path)) for e in resolved}
    if path.is_dir():
        out: dict[Path, tuple[dict[str, Any], str]] = {}
        for e in resolved:
            saved = path / f"{e.stem}.json"
            none = f"{path} has no {saved.name}: every component is new"
            out[e] = (load_report(saved), str(saved)) if saved.is_file() else (empty_report(e.stem, none), none)
        return out
    cwd = (cwd or Path.cwd()).resolve()
    repo = find_repo(resolved[0], cwd)
    rev = _git(repo, "rev-parse", "--verify", "--quiet", f"{spec}^{{commit}}")
    if rev.returncode != 0:
        raise ConfigError(f"baseline {spec!r} is neither a report file nor a git revision of {repo}")
    commit = rev.stdout.strip()
    label = f"{spec} ({commit[:12]})"
    with tempfile.TemporaryDirectory(prefix="rig-footprint-") as tmp:
        wt = Path(tmp) / "worktree"
        out_tree = Path(tmp) / "build"
        plans = {e: plan_build(e, repo, cwd, out_tree) for e in resolved}
        for e, plan in plans.items():
            if plan.make_vars:
                say(f"baseline {spec}: building {e.name} with the make variables it was built with: "
                    + " ".join(plan.make_vars))
            elif plan.make_vars is None and (e.parent / "obj" / e.stem / "cflags").is_file():
                say(f"baseline {spec}: {e.parent / 'obj' / e.stem / 'makevars'} not found (built before "
                    "the Makefile recorded its variables?): the baseline is built without command-line "
                    "variables; rebuild the ELF if it was built with some")
        add = _git(repo, "worktree", "add", "--detach", "--quiet", str(wt), commit)
        if add.returncode != 0:
            raise ConfigError(f"baseline {spec!r}: git worktree add failed: {_last(add.stderr)}")
        try:
            reports: dict[Path, tuple[dict[str, Any], str]] = {}
            batches: dict[tuple[Path, str, tuple[str, ...]], list[Path]] = {}
            for e, plan in plans.items():
                batches.setdefault((plan.make_dir, plan.build, plan.make_vars or ()), []).append(e)
            for (make_dir_rel, _, _), batch in batches.items():
                make_dir = wt / make_dir_rel
                if not (make_dir / "Makefile").is_file():
                    for e in batch:
                        why = f"{e.name} did not exist there ({make_dir_rel}/Makefile did not): every component is new"
                        reports[e] = (empty_report(e.stem, why), f"{label}, empty: {why}")
                    continue
                # one make for all; when it fails, each target again alone tells the failures apart
                built = len(batch) > 1 and _make(make_dir, [plans[e] for e in batch], f"-j{jobs}").returncode == 0
                for e in batch:
                    reports[e] = _build_one(spec, label, e, plans[e], repo, make_dir, Path(tmp), build, jobs, built)
        finally:
            _git(repo, "worktree", "remove", "--force", str(wt))
            _git(repo, "worktree", "prune")
    return reports


def _build_one(spec: str, label: str, elf: Path, plan: BuildPlan, repo: Path, make_dir: Path, tmp: Path,
               build: ReportBuilder, jobs: int, built: bool) -> tuple[dict[str, Any], str]:
    made = None if built else _make(make_dir, [plan], f"-j{jobs}")
    if made is not None and made.returncode != 0:
        if _no_rule(made, plan):
            # the same rule in this tree, for a file that does not exist (make needs no rule
            # for an existing one); -n: nothing runs
            probe_build = tmp / "probe"
            probe = BuildPlan(plan.make_dir, str(probe_build), f"{probe_build}/{elf.parent.name}/{elf.name}",
                              plan.make_vars)
            if _no_rule(_make(repo / plan.make_dir, [probe], "-n"), probe):
                # not a new image: this tree cannot build it either (a copied or renamed ELF)
                shown = f"$(BUILD)/{elf.parent.name}/{elf.name}" if plan.build == str(tmp / "build") else plan.target
                raise ConfigError(
                    f"baseline {spec!r}: cannot tell how to rebuild {elf}: make in {plan.make_dir} "
                    f"has no rule for {shown}, here or at {label}"
                )
            note = f"{elf.name} did not exist there (no make rule for it): every component is new"
            return empty_report(elf.stem, note), f"{label}, empty: {note}"
        raise ConfigError(f"baseline {spec!r}: cannot build {elf.name} as {elf} was built, at {label}: "
                          f"{_why_failed(made, elf, repo / plan.make_dir)}")
    base_elf = make_dir / plan.target
    base_map = base_elf.with_suffix(".map")
    return build(base_elf, base_map if base_map.is_file() else None), label


def _make(make_dir: Path, plans: list[BuildPlan], *flags: str) -> subprocess.CompletedProcess[str]:
    """make the plans' targets (one BUILD and one set of variables: the caller batches them)."""
    return subprocess.run(
        ["make", "-C", str(make_dir), *flags, *(plans[0].make_vars or ()), f"BUILD={plans[0].build}",
         *(p.target for p in plans)],
        capture_output=True,
        text=True,
        env={**os.environ, "LC_ALL": "C"},
    )


def _no_rule(made: subprocess.CompletedProcess[str], plan: BuildPlan) -> bool:
    """make failed because it knows no such target (not a failed build, nor a missing source)."""
    missing = _NO_RULE.search(made.stderr) if made.returncode != 0 else None
    return missing is not None and missing.group("target") == plan.target


def _why_failed(made: subprocess.CompletedProcess[str], elf: Path, make_dir: Path) -> str:
    """What make's output says went wrong, naming the file: a missing source, the first compiler
    error, else the last line that is not make's own bookkeeping (with -j the last line is often
    "Waiting for unfinished jobs", which names nothing)."""
    text = f"{made.stderr}\n{made.stdout}"
    missing = _MISSING.search(text)
    if missing:
        name = missing["file"]
        # an object of the image (<BUILD>/<arch>/obj/<image>/<path>.o) without a rule: its source
        # <path>.c (or .S) is not in the revision, make's pattern rule needing an existing one
        marker = f"/{elf.parent.name}/obj/{elf.stem}/"
        if name.endswith(".o") and marker in name:
            rel = name.split(marker, 1)[1][:-2]
            sources = [f"{rel}{ext}" for ext in (".c", ".S") if (make_dir / f"{rel}{ext}").is_file()]
            name = sources[0] if sources else f"{rel}.c"
        return (f"{name} does not exist there: a source the ELF was built with (its make variables: "
                "a file of your own not committed yet?); commit it, or compare with a saved report")
    error = _CC_ERROR.search(text)
    if error:
        return f"{error['file']} does not compile there: {error.group(0).strip()}"
    lines = [line.strip() for line in made.stderr.splitlines()
             if line.strip() and "Waiting for unfinished jobs" not in line and "Leaving directory" not in line]
    return lines[-1] if lines else _last(made.stdout)


def _last(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1].strip() if lines else "(no output)"
