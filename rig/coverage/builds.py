"""Every builtin node a session creates, grouped by firmware build (the ELF's sha256): the common
part of the coverage and profile collectors (pytest --firmware-coverage / --firmware-profile).

A node's record is folded into its build once its emulation is closed (checked whenever a node is
added, and at the end), so a long session holds one record per build plus those of the nodes of
open emulations, not every node it ever made. Under pytest-xdist each worker exports its builds as
plain data (export) and the controller merges them (absorb) the way nodes are folded; reports list
the builds sorted, so the merge order (which worker finished first) never shows in a file.
"""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Generic, TypeVar

from rig.coverage.linemap import MAX_ELF_BYTES
from rig.emu.builtin.emulation import observe_nodes
from rig.emu.builtin.node import BuiltinNode
from rig.errors import FirmwareError, RigError
from rig.inputfile import read_regular_file


@dataclass
class Build:
    path: Path
    sha256: str
    elf: bytes  # kept: the file may be rebuilt before the session ends
    nodes: int = 0


B = TypeVar("B", bound=Build)


class BuildCollector(ABC, Generic[B]):
    what: ClassVar[str]  # what is collected, for warnings: "recorded", "profiled"

    def __init__(self) -> None:
        self.images: dict[str, B] = {}  # sha256 -> build
        self._live: list[tuple[BuiltinNode, B]] = []
        self._hashes: dict[tuple[Path, int, int], tuple[str, bytes]] = {}
        self.warnings: list[str] = []
        self._undo: object = None

    @abstractmethod
    def new_build(self, path: Path, sha256: str, elf: bytes) -> B: ...

    @abstractmethod
    def enable(self, node: BuiltinNode) -> None:
        """Start recording on a node just created."""

    @abstractmethod
    def fold_node(self, build: B, node: BuiltinNode) -> None:
        """Add what the node recorded to its build's record."""

    @abstractmethod
    def part_of(self, build: B) -> dict[str, Any]:
        """What the build recorded, as plain data (execnet-serializable: a pytest-xdist worker's part)."""

    @abstractmethod
    def merge_part(self, build: B, part: dict[str, Any]) -> None:
        """Add a part_of() of the same build (another process's nodes) to the build's record."""

    @abstractmethod
    def report(self, directory: Path) -> list[str]:
        """Write every build's reports into directory; one line per build ([]: nothing recorded)."""

    def start(self) -> None:
        """Collect every builtin node created from now on."""
        self._undo = observe_nodes(self.add)

    def stop(self) -> None:
        if callable(self._undo):
            self._undo()
        self._undo = None

    def _read(self, path: Path) -> tuple[str, bytes]:
        st = path.stat()
        key = (path, st.st_mtime_ns, st.st_size)
        known = self._hashes.get(key)
        if known is None:
            raw = read_regular_file(path, "an ELF file", MAX_ELF_BYTES, FirmwareError)
            known = self._hashes[key] = (hashlib.sha256(raw).hexdigest(), raw)
        return known

    def add(self, node: BuiltinNode) -> None:
        path = Path(node.firmware.path).resolve()
        try:
            digest, raw = self._read(path)
        except (OSError, RigError) as exc:  # collecting must never break the test that made the node
            self._warn(f"{path}: not {self.what} ({exc})")
            return
        build = self._build(path, digest, raw)
        build.nodes += 1
        self.enable(node)
        self._live.append((node, build))
        self.fold(only_closed=True)

    def _build(self, path: Path, digest: str, raw: bytes) -> B:
        build = self.images.get(digest)
        if build is None:
            other = next((b for b in self.images.values() if b.path == path), None)
            if other is not None:
                # a rebuilt ELF at the same path: its lines are not the first build's lines
                self._warn(f"{path}: two different builds ran in one session (sha256 "
                           f"{min(other.sha256, digest)[:12]}... and {max(other.sha256, digest)[:12]}...); kept apart")
            build = self.images[digest] = self.new_build(path, digest, raw)
        return build

    def _warn(self, message: str) -> None:
        if message not in self.warnings:  # a worker's warning may reach the controller twice
            self.warnings.append(message)

    def builds(self) -> list[B]:
        """Every build, all nodes folded in, in a fixed order (by path, then sha256)."""
        self.fold(only_closed=False)
        return sorted(self.images.values(), key=lambda b: (str(b.path), b.sha256))

    def export(self) -> dict[str, Any]:
        """This process's whole record as plain data, for absorb() in another process."""
        return {"builds": [{"path": str(b.path), "sha256": b.sha256, "elf": b.elf, "nodes": b.nodes,
                            "record": self.part_of(b)} for b in self.builds()],
                "warnings": list(self.warnings)}

    def absorb(self, part: dict[str, Any]) -> None:
        """Merge another process's export() (a pytest-xdist worker's) into this record."""
        for item in part["builds"]:
            build = self._build(Path(item["path"]), item["sha256"], item["elf"])
            build.nodes += item["nodes"]
            self.merge_part(build, item["record"])
        for message in part["warnings"]:
            self._warn(message)

    def fold(self, only_closed: bool) -> None:
        keep = []
        for node, build in self._live:
            if only_closed and not node.emulation.closed:
                keep.append((node, build))
            else:
                self.fold_node(build, node)
        self._live = keep


class RunRecord:
    """One collector over a whole run (a pytest session, a Robot run): started at once, reported into
    `directory` by finish(), which never raises (its outcome is in `lines`)."""

    def __init__(self, collector: BuildCollector[Any], directory: Path) -> None:
        self.collector = collector
        self.directory = directory
        self.lines: list[str] = []
        collector.start()

    def finish(self) -> None:
        self.collector.stop()
        try:
            self.lines += (self.collector.report(self.directory)
                           or [f"no builtin node ran firmware: nothing written to {self.directory}"])
        except RigError as exc:
            self.lines.append(f"error: {exc}")
        self.lines += [f"warning: {w}" for w in self.collector.warnings]


def output_stems(builds: list[Build]) -> dict[str, str]:
    """sha256 -> file stem: the image name, with the build's sha256 prefix when two builds (or two
    paths) share that name."""
    stems: dict[str, int] = {}
    for b in builds:
        stems[b.path.stem] = stems.get(b.path.stem, 0) + 1
    return {b.sha256: (b.path.stem if stems[b.path.stem] == 1 else f"{b.path.stem}-{b.sha256[:12]}")
            for b in builds}
