"""Stale firmware: an ELF of this checkout's firmware-c/ build that is older than the sources it is
built from runs code that is not what the tree says (a test "passes" on yesterday's firmware).

`warn_if_stale(elf)` warns once per ELF and process (StaleFirmwareWarning: pytest lists it in its
warnings summary) with the make command that rebuilds it. ELFs outside firmware-c/ (your own, an
installed rig's RIG_FIRMWARE_DIR) are not checked: their sources are unknown here.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass
from pathlib import Path

from rig.topology import REPO

FIRMWARE = REPO / "firmware-c"
SOURCE_SUFFIXES = (".c", ".h", ".S", ".ld", ".mk")


class StaleFirmwareWarning(UserWarning):
    """The ELF a node boots is older than a firmware-c source: rebuild it."""


@dataclass(frozen=True)
class Stale:
    elf: Path
    newest: Path  # the newest source, changed after the ELF was linked
    command: str  # the make command that rebuilds it

    def __str__(self) -> str:
        return (f"{self.elf} is older than {self.newest} (changed after the ELF was built): "
                f"rebuild it with `{self.command}`")


_warned: set[Path] = set()
_fresh: set[Path] = set()  # found up to date: a session's later rigs need not walk the tree again


def newest_source(root: Path = FIRMWARE) -> tuple[float, Path] | None:
    """(mtime, path) of the newest firmware source under root (build directories left out)."""
    best: tuple[float, Path] | None = None
    for top, dirs, files in os.walk(root):
        # build outputs, and the host-only unit tests and fuzz targets (in no image)
        skip = {"build", "tests"} if top == str(root) else {"build"}
        dirs[:] = [d for d in dirs if d not in skip and not d.startswith(".")]
        for name in files:
            if name.endswith(SOURCE_SUFFIXES) or name == "Makefile":
                path = Path(top) / name
                try:
                    mtime = path.stat().st_mtime
                except OSError:
                    continue
                if best is None or mtime > best[0]:
                    best = (mtime, path)
    return best


def rebuild_command(elf: Path, root: Path = FIRMWARE) -> str:
    """make for the ELF: its target in firmware-c (build/fota/...: fota-images)."""
    rel = elf.relative_to(root)
    make = f"make -C {os.path.relpath(root)}"
    if rel.parts[:2] == ("build", "fota"):
        return f"{make} fota-images"
    return f"{make} {rel}"


def check_stale(elf: Path, root: Path = FIRMWARE) -> Stale | None:
    """A Stale if `elf` lies in root's build tree and a source under root is newer, else None."""
    elf = elf.resolve()
    try:
        rel = elf.relative_to(root.resolve())
    except ValueError:
        return None  # not ours: its sources are unknown here
    if not rel.parts or rel.parts[0] != "build":
        return None
    try:
        built = elf.stat().st_mtime
    except OSError:
        return None
    newest = newest_source(root)
    if newest is None or newest[0] <= built:
        return None
    return Stale(elf, newest[1], rebuild_command(elf, root.resolve()))


def warn_if_stale(elf: Path, root: Path = FIRMWARE) -> Stale | None:
    """Warn (once per ELF) if it is stale; returns what was found. Checked once per ELF and process."""
    key = elf.resolve()
    if key in _warned or key in _fresh:
        return None
    stale = check_stale(elf, root)
    if stale is None:
        _fresh.add(key)
    else:
        _warned.add(key)
        warnings.warn(str(stale), StaleFirmwareWarning, stacklevel=2)
    return stale
