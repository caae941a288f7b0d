"""Profiles of nodes: one node (`rig boot --profile`), or every node of a session per firmware build
(pytest --firmware-profile), and the files they are written to.

A session adds the execution counts of the nodes of one build (keyed by the ELF's sha256, as
coverage does) and maps them to functions once per build. A node is folded in once its emulation is
closed, so only nodes of open emulations are held.
"""

from __future__ import annotations

import hashlib
import sys
from dataclasses import dataclass, field
from pathlib import Path

from rig.coverage.linemap import MAX_ELF_BYTES, line_map_of_bytes
from rig.emu.builtin.coverage import observe_nodes
from rig.emu.builtin.node import BuiltinNode
from rig.emu.builtin.profiling import NodeProfile
from rig.errors import ConfigError, FirmwareError, RigError
from rig.inputfile import read_regular_file
from rig.profile import callgrind
from rig.profile.data import Profile, add_components, from_counts, function_symbols
from rig.profile.report import TOP, headline, render_markdown, render_text


@dataclass
class Image:
    path: Path
    sha256: str
    elf: bytes  # kept: the file may be rebuilt before the session ends
    counts: dict[int, int] = field(default_factory=dict)
    cycles: int = 0
    executed: int = 0
    nodes: int = 0


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
    image = Image(Path(node.firmware.path), hashlib.sha256(raw).hexdigest(), raw)
    _fold_into(image, node.profile)
    return profile_of(image, components)


def _fold_into(image: Image, prof: NodeProfile) -> None:
    counts = prof.counts()
    for address, n in counts.items():
        image.counts[address] = image.counts.get(address, 0) + n
    image.cycles += prof.cycles
    image.executed += prof.executed
    image.nodes += 1


class Collector:
    def __init__(self) -> None:
        self.images: dict[str, Image] = {}
        self._live: list[tuple[BuiltinNode, str]] = []
        self._hashes: dict[tuple[Path, int, int], tuple[str, bytes]] = {}
        self.warnings: list[str] = []
        self._undo: object = None

    def start(self) -> None:
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
        except (OSError, RigError) as exc:  # profiling must never break the test that made the node
            self.warnings.append(f"{path}: not profiled ({exc})")
            return
        if digest not in self.images:
            other = next((i for i in self.images.values() if i.path == path), None)
            if other is not None:
                self.warnings.append(f"{path}: two different builds ran in one session (sha256 "
                                     f"{other.sha256[:12]}... and {digest[:12]}...); profiles kept apart")
            self.images[digest] = Image(path, digest, raw)
        node.enable_profile()
        self._live.append((node, digest))
        self._fold(only_closed=True)

    def _fold(self, only_closed: bool) -> None:
        keep = []
        for node, digest in self._live:
            if only_closed and not node._emulation._closed:
                keep.append((node, digest))
                continue
            assert node.profile is not None
            _fold_into(self.images[digest], node.profile)
        self._live = keep

    def profiles(self, components: Path | None = None) -> list[tuple[Image, Profile]]:
        self._fold(only_closed=False)
        out = []
        for image in self.images.values():
            try:
                out.append((image, profile_of(image, components)))
            except RigError as exc:  # an image without line tables costs only itself
                self.warnings.append(f"{image.path}: not reported ({exc})")
        return out


def output_stems(images: list[Image]) -> dict[str, str]:
    """sha256 -> file stem: the image name, with the sha256 prefix when two builds share it."""
    stems: dict[str, int] = {}
    for image in images:
        stems[image.path.stem] = stems.get(image.path.stem, 0) + 1
    return {i.sha256: (i.path.stem if stems[i.path.stem] == 1 else f"{i.path.stem}-{i.sha256[:12]}")
            for i in images}


def _write(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot write ({exc.strerror})") from None


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
            _write(target, callgrind.dumps(prof))
        elif target.suffix == ".json":
            _write(target, json.dumps(prof.to_json(), indent=1) + "\n")
        elif target.suffix == ".md":
            _write(target, render_markdown(prof))
        else:
            _write(target, render_text(prof))
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
    _write(directory / "summary.md", "\n".join(summary))
    return lines


def print_top(prof: Profile, top: int = TOP) -> None:
    print(render_text(prof, top), file=sys.stderr, end="", flush=True)
