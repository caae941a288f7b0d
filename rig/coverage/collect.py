"""Coverage over many nodes and tests: executed-code bitmaps united per firmware build (the ELF's
sha256), then mapped to source once per build (the session side: rig.coverage.builds).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rig.coverage.builds import Build, BuildCollector, output_stems
from rig.coverage.data import Coverage, from_bitmap
from rig.coverage.linemap import line_map_of_bytes
from rig.emu.builtin.coverage import BASE, SIZE
from rig.emu.builtin.node import BuiltinNode
from rig.errors import RigError
from rig.inputfile import write_output_file

BITMAP_BYTES = (SIZE + 15) // 16


@dataclass
class Image(Build):
    bits: int = 0  # united executed-halfword bitmap (bit h: flash base + 2h)
    counts: dict[int, int] | None = None  # summed execution counts of profiled nodes (real hit counts)

    def merge(self, bits: int, counts: dict[int, int] | None) -> None:
        """Unite a node's (or another process's) bitmap; add its execution counts, if profiled."""
        self.bits |= bits
        if counts is not None:  # also profiled (--firmware-profile): real hit counts
            self.counts = self.counts if self.counts is not None else {}
            for address, n in counts.items():
                self.counts[address] = self.counts.get(address, 0) + n


class Collector(BuildCollector[Image]):
    what = "recorded"

    def new_build(self, path: Path, sha256: str, elf: bytes) -> Image:
        return Image(path, sha256, elf)

    def enable(self, node: BuiltinNode) -> None:
        node.enable_coverage()

    def fold_node(self, build: Image, node: BuiltinNode) -> None:
        assert node.coverage is not None
        build.merge(int.from_bytes(node.coverage.bitmap(), "little"),
                    node.profile.counts() if node.profile is not None else None)

    def part_of(self, build: Image) -> dict[str, Any]:
        return {"bits": build.bits.to_bytes((build.bits.bit_length() + 7) // 8, "little"), "counts": build.counts}

    def merge_part(self, build: Image, part: dict[str, Any]) -> None:
        build.merge(int.from_bytes(part["bits"], "little"), part["counts"])

    def bitmaps(self) -> list[tuple[Image, bytes]]:
        return [(image, image.bits.to_bytes(BITMAP_BYTES, "little")) for image in self.builds()]

    def report(self, directory: Path) -> list[str]:
        coverages = self.coverages()
        return write_reports(directory, coverages) if coverages else []

    def coverages(self) -> list[tuple[Image, Coverage]]:
        """Source coverage per build (line maps parsed once per ELF, cached)."""
        out = []
        for image, bits in self.bitmaps():
            try:
                lm = line_map_of_bytes(image.elf, str(image.path))
            except RigError as exc:  # one image without line tables (a test's stripped ELF) costs only itself
                self._warn(f"{image.path}: not reported ({exc})")
                continue
            out.append((image, from_bitmap(lm, bits, BASE, image.path.stem, image.counts)))
        return out


def write_reports(directory: Path, coverages: list[tuple[Image, Coverage]],
                  components: Path | None = None) -> list[str]:
    """DIR/<image>.info per build and DIR/summary.md; returns one summary line per build."""
    from rig.coverage import lcov
    from rig.coverage.summary import load_config, render_markdown, summarize

    directory = Path(directory)
    stems = output_stems([image for image, _ in coverages])
    lines = []
    for image, cov in coverages:
        target = directory / f"{stems[image.sha256]}.info"
        lcov.write(target, [cov])
        lines.append(f"{cov.summary_line()} ({image.nodes} node{'s' if image.nodes != 1 else ''}) -> {target}")
    config = load_config(components)
    summaries = [summarize(cov, config) for _, cov in coverages]
    write_output_file(directory / "summary.md", render_markdown(summaries))
    return lines
