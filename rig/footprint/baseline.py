"""A baseline to compare with: a saved JSON report, or a git revision built on the fly in a worktree."""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rig.errors import ConfigError
from rig.footprint.report_json import load_report

# Builds a report for (elf path, map path or None); the caller's components config applies to both.
ReportBuilder = Callable[[Path, Path | None], dict[str, Any]]


def _git(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True)


def resolve_baseline(spec: str, elf: Path, build: ReportBuilder, jobs: int = 2) -> tuple[dict[str, Any], str]:
    """(baseline report, label). `spec` is a report file, else a git revision of the ELF's repository."""
    path = Path(spec)
    if path.is_file():
        return load_report(path), str(path)
    elf = elf.resolve()
    top = _git(elf.parent, "rev-parse", "--show-toplevel")
    if top.returncode != 0:
        raise ConfigError(f"baseline {spec!r}: no such report file, and {elf} is not in a git repository")
    repo = Path(top.stdout.strip())
    rev = _git(repo, "rev-parse", "--verify", "--quiet", f"{spec}^{{commit}}")
    if rev.returncode != 0:
        raise ConfigError(f"baseline {spec!r} is neither a report file nor a git revision of {repo}")
    commit = rev.stdout.strip()
    rel = elf.relative_to(repo)
    # The make directory is the one above build/ (firmware-c/build/cc2538/x.elf -> firmware-c).
    parts = rel.parts
    if "build" not in parts:
        raise ConfigError(f"baseline {spec!r}: cannot tell how to rebuild {rel} (not under a build/ directory)")
    b = parts.index("build")
    make_dir, target = Path(*parts[:b]) if b else Path("."), Path(*parts[b:])
    with tempfile.TemporaryDirectory(prefix="rig-footprint-") as tmp:
        wt = Path(tmp) / "worktree"
        add = _git(repo, "worktree", "add", "--detach", "--quiet", str(wt), commit)
        if add.returncode != 0:
            raise ConfigError(f"baseline {spec!r}: git worktree add failed: {_last(add.stderr)}")
        try:
            made = subprocess.run(
                ["make", "-C", str(wt / make_dir), f"-j{jobs}", str(target)],
                capture_output=True,
                text=True,
            )
            if made.returncode != 0:
                raise ConfigError(f"baseline {spec!r}: building {target} failed: {_last(made.stderr or made.stdout)}")
            base_elf = wt / make_dir / target
            base_map = base_elf.with_suffix(".map")
            report = build(base_elf, base_map if base_map.is_file() else None)
        finally:
            _git(repo, "worktree", "remove", "--force", str(wt))
            _git(repo, "worktree", "prune")
    return report, f"{spec} ({commit[:12]})"


def _last(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1].strip() if lines else "(no output)"
