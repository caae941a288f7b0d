"""Profiles of nodes: one node (`rig boot --profile`), or every node of a session per firmware build
(pytest --firmware-profile), and the files they are written to.

A session adds the execution counts of the nodes of one build (keyed by the ELF's sha256, as
coverage does, through rig.coverage.builds) and maps them to functions once per build.
"""

from __future__ import annotations

import hashlib
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rig.coverage.builds import Build, BuildCollector, output_stems
from rig.coverage.linemap import MAX_ELF_BYTES, line_map_of_bytes
from rig.emu.builtin.node import BuiltinNode
from rig.emu.builtin.profiling import NodeProfile
from rig.errors import FirmwareError, RigError
from rig.inputfile import read_regular_file, write_output_file
from rig.profile import callgrind
from rig.profile.data import Profile, add_components, from_counts, function_symbols
from rig.profile.report import TOP, headline, render_markdown, render_text


@dataclass
class Image(Build):
    counts: dict[int, int] = field(default_factory=dict)
    cycles: int = 0
    executed: int = 0

    def merge(self, counts: dict[int, int], cycles: int, executed: int) -> None:
        """Add a node's (or another process's) execution counts and totals."""
        for address, n in counts.items():
            self.counts[address] = self.counts.get(address, 0) + n
        self.cycles += cycles
        self.executed += executed


def profile_of(image: Image, components: Path | None = None) -> Profile:
    lm = line_map_of_bytes(image.elf, str(image.path))
    symbols = function_symbols(image.elf, image.sha256, str(image.path))
    prof = from_counts(lm, symbols, image.counts, image.path.stem, image.cycles, image.executed, image.nodes)
    add_components(prof, components)
    return prof


def node_profile(node: BuiltinNode, components: Path | None = None) -> Profile:
    """The profile of one node (enable_profile() called) from its start of profiling to now."""
    assert node.profile is not None
    raw = read_regular_file(Path(node.firmware.path), "an ELF file", MAX_ELF_BYTES, FirmwareError)
    image = Image(Path(node.firmware.path), hashlib.sha256(raw).hexdigest(), raw, nodes=1)
    _fold_into(image, node.profile)
    return profile_of(image, components)


def _fold_into(image: Image, prof: NodeProfile) -> None:
    image.merge(prof.counts(), prof.cycles, prof.executed)


class Collector(BuildCollector[Image]):
    what = "profiled"

    def new_build(self, path: Path, sha256: str, elf: bytes) -> Image:
        return Image(path, sha256, elf)

    def enable(self, node: BuiltinNode) -> None:
        node.enable_profile()

    def fold_node(self, build: Image, node: BuiltinNode) -> None:
        assert node.profile is not None
        _fold_into(build, node.profile)

    def part_of(self, build: Image) -> dict[str, Any]:
        return {"counts": build.counts, "cycles": build.cycles, "executed": build.executed}

    def merge_part(self, build: Image, part: dict[str, Any]) -> None:
        build.merge(part["counts"], part["cycles"], part["executed"])

    def report(self, directory: Path) -> list[str]:
        profiles = self.profiles()
        return write_reports(directory, profiles) if profiles else []

    def profiles(self, components: Path | None = None) -> list[tuple[Image, Profile]]:
        out = []
        for image in self.builds():
            try:
                out.append((image, profile_of(image, components)))
            except RigError as exc:  # an image without line tables costs only itself
                self._warn(f"{image.path}: not reported ({exc})")
        return out


def write_profile(out: Path, prof: Profile) -> list[Path]:
    """OUT.json / OUT.md / OUT.txt / callgrind.out.* as the name says; any other name: OUT.json,
    OUT.md and callgrind.out.<OUT's name> beside it. Returns the files written."""
    import json

    name = out.name
    if name.startswith("callgrind.out") or out.suffix in (".json", ".md", ".txt"):
        targets = [out]
    else:
        targets = [out.with_name(name + ".json"), out.with_name(name + ".md"),
                   out.with_name(f"callgrind.out.{name}")]
    for target in targets:
        if target.name.startswith("callgrind.out"):
            write_output_file(target, callgrind.dumps(prof))
        elif target.suffix == ".json":
            write_output_file(target, json.dumps(prof.to_json(), indent=1) + "\n")
        elif target.suffix == ".md":
            write_output_file(target, render_markdown(prof))
        else:
            write_output_file(target, render_text(prof))
    return targets


def write_reports(directory: Path, profiles: list[tuple[Image, Profile]]) -> list[str]:
    """DIR/<image>.json, DIR/<image>.md and DIR/callgrind.out.<image> per build, DIR/summary.md;
    returns one line per build."""
    directory = Path(directory)
    stems = output_stems([image for image, _ in profiles])
    lines = []
    summary = []
    for image, prof in profiles:
        written = write_profile(directory / stems[image.sha256], prof)
        lines.append(f"{headline(prof)} -> {written[0]}")
        summary.append(render_markdown(prof, TOP))
    write_output_file(directory / "summary.md", "\n".join(summary))
    return lines


def print_top(prof: Profile, top: int = TOP) -> None:
    print(render_text(prof, top), file=sys.stderr, end="", flush=True)
