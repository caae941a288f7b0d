"""Coverage over many nodes and tests: executed-code bitmaps united per firmware build (the ELF's
sha256), then mapped to source once per build.

Nodes are folded in when they are gone (or at the end), so a long session holds one bitmap per
build plus those of the nodes still alive, not every node it ever made.
"""

from __future__ import annotations

import hashlib
import weakref
from dataclasses import dataclass
from pathlib import Path

from rig.coverage.data import Coverage, from_bitmap
from rig.coverage.linemap import MAX_ELF_BYTES, line_map_of_bytes
from rig.emu.builtin.coverage import BASE, SIZE, NodeCoverage, observe_nodes
from rig.emu.builtin.node import BuiltinNode
from rig.errors import ConfigError, FirmwareError, RigError
from rig.inputfile import read_regular_file

BITMAP_BYTES = (SIZE + 15) // 16


@dataclass
class Image:
    path: Path
    sha256: str
    elf: bytes  # kept: the file may be rebuilt before the session ends
    bits: int = 0  # united executed-halfword bitmap (bit h: flash base + 2h)
    nodes: int = 0
    counts: dict[int, int] | None = None  # summed execution counts of profiled nodes (real hit counts)


class Collector:
    def __init__(self) -> None:
        self.images: dict[str, Image] = {}  # sha256 -> image
        self._live: list[tuple[weakref.ref[BuiltinNode], NodeCoverage, str]] = []
        self._hashes: dict[tuple[Path, int, int], tuple[str, bytes]] = {}
        self.warnings: list[str] = []
        self._undo: object = None

    def start(self) -> None:
        """Record every builtin node created from now on."""
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
        except (OSError, RigError) as exc:  # recording must never break the test that made the node
            self.warnings.append(f"{path}: not recorded ({exc})")
            return
        image = self.images.get(digest)
        if image is None:
            other = next((i for i in self.images.values() if i.path == path), None)
            if other is not None:
                # a rebuilt ELF at the same path: its lines are not the first build's lines
                self.warnings.append(f"{path}: two different builds ran in one session (sha256 "
                                      f"{other.sha256[:12]}... and {digest[:12]}...); coverage kept apart")
            image = self.images[digest] = Image(path, digest, raw)
        image.nodes += 1
        self._live.append((weakref.ref(node), node.enable_coverage(), digest))
        self._fold(only_dead=True)

    def _fold(self, only_dead: bool) -> None:
        keep = []
        for ref, cov, digest in self._live:
            if only_dead and ref() is not None:
                keep.append((ref, cov, digest))
                continue
            image = self.images[digest]
            image.bits |= int.from_bytes(cov.bitmap(), "little")
            profile = getattr(cov.node, "profile", None)  # also profiled (--firmware-profile)
            if profile is not None:
                image.counts = image.counts if image.counts is not None else {}
                for address, n in profile.counts().items():
                    image.counts[address] = image.counts.get(address, 0) + n
        self._live = keep

    def bitmaps(self) -> list[tuple[Image, bytes]]:
        self._fold(only_dead=False)
        out = []
        for image in self.images.values():
            out.append((image, image.bits.to_bytes(BITMAP_BYTES, "little")))
        return out

    def coverages(self) -> list[tuple[Image, Coverage]]:
        """Source coverage per build (line maps parsed once per ELF, cached)."""
        out = []
        for image, bits in self.bitmaps():
            try:
                lm = line_map_of_bytes(image.elf, str(image.path))
            except RigError as exc:  # one image without line tables (a test's stripped ELF) costs only itself
                self.warnings.append(f"{image.path}: not reported ({exc})")
                continue
            out.append((image, from_bitmap(lm, bits, BASE, image.path.stem, image.counts)))
        return out


def output_names(images: list[Image]) -> dict[str, str]:
    """sha256 -> tracefile name: `<image>.info`, with the build's sha256 prefix when two builds
    or two paths share a name."""
    stems: dict[str, int] = {}
    for image in images:
        stems[image.path.stem] = stems.get(image.path.stem, 0) + 1
    return {i.sha256: (f"{i.path.stem}.info" if stems[i.path.stem] == 1 else f"{i.path.stem}-{i.sha256[:12]}.info")
            for i in images}


def write_reports(directory: Path, coverages: list[tuple[Image, Coverage]],
                  components: Path | None = None) -> list[str]:
    """DIR/<image>.info per build and DIR/summary.md; returns one summary line per build."""
    from rig.coverage import lcov
    from rig.coverage.summary import load_config, render_markdown, summarize

    directory = Path(directory)
    names = output_names([image for image, _ in coverages])
    lines = []
    for image, cov in coverages:
        target = directory / names[image.sha256]
        lcov.write(target, [cov])
        lines.append(f"{cov.summary_line()} ({image.nodes} node{'s' if image.nodes != 1 else ''}) -> {target}")
    config = load_config(components)
    summaries = [summarize(cov, config) for _, cov in coverages]
    try:
        (directory / "summary.md").write_text(render_markdown(summaries))
    except OSError as exc:
        raise ConfigError(f"{directory / 'summary.md'}: cannot write ({exc.strerror})") from None
    return lines
