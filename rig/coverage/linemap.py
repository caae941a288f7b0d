"""Which flash addresses belong to which source line and function: DWARF line tables of one ELF.

A line-table row covers [its address, the next row's address) within one sequence (an end_sequence
row closes it). Rows of code the linker discarded (--gc-sections) point at address 0 and are
dropped: only ranges inside the CC2538 flash count. Parsing takes a few hundred ms for the LwM2M
client, so maps are cached in memory and on disk, keyed by the ELF's sha256.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import posixpath
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from elftools.elf.elffile import ELFFile
from elftools.elf.sections import SymbolTableSection

from rig.emu.builtin import memmap as mm
from rig.errors import FirmwareError
from rig.inputfile import read_regular_file

CACHE_VERSION = 1
MAX_ELF_BYTES = 256 << 20


@dataclass(frozen=True)
class Function:
    name: str
    file: int  # index into LineMap.files
    line: int
    address: int  # first instruction (Thumb bit cleared)


@dataclass
class LineMap:
    """Source view of one ELF's code in flash."""

    sha256: str
    files: list[str]  # absolute, normalised source paths
    ranges: list[tuple[int, int, int, int]]  # (start, end, file index, line), end > start
    functions: list[Function]

    def to_json(self) -> dict[str, Any]:
        return {"version": CACHE_VERSION, "sha256": self.sha256, "files": self.files,
                "ranges": self.ranges,
                "functions": [[f.name, f.file, f.line, f.address] for f in self.functions]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LineMap:
        ranges = [(int(a), int(b), int(f), int(ln)) for a, b, f, ln in data["ranges"]]
        return cls(data["sha256"], list(data["files"]), ranges,
                   [Function(n, fi, ln, a) for n, fi, ln, a in data["functions"]])


def sha256_of(path: Path) -> str:
    return hashlib.sha256(read_regular_file(Path(path), "an ELF file", MAX_ELF_BYTES, FirmwareError)).hexdigest()


_memory: dict[str, LineMap] = {}


def line_map(path: Path | str, sha256: str | None = None) -> LineMap:
    """The line map of the ELF at `path` (FirmwareError when it is not an ELF or has no line
    tables). `sha256`, if given, must be the file's: a rebuilt ELF must not be mapped silently."""
    path = Path(path)
    raw = read_regular_file(path, "an ELF file", MAX_ELF_BYTES, FirmwareError)
    digest = hashlib.sha256(raw).hexdigest()
    if sha256 is not None and digest != sha256:
        raise FirmwareError(f"{path}: changed since it was loaded (sha256 {sha256[:12]}... then, "
                            f"{digest[:12]}... now): rebuilt during the run?")
    return line_map_of_bytes(raw, str(path))


def line_map_of_bytes(raw: bytes, what: str) -> LineMap:
    """The line map of an ELF held in memory (`what` names it in errors)."""
    digest = hashlib.sha256(raw).hexdigest()
    cached = _memory.get(digest)
    if cached is not None:
        return cached
    cache_file = _cache_file(digest)
    if cache_file is not None and cache_file.exists():
        try:
            data = json.loads(cache_file.read_text())
            if data.get("version") == CACHE_VERSION and data.get("sha256") == digest:
                lm = LineMap.from_json(data)
                _memory[digest] = lm
                return lm
        except (OSError, ValueError, KeyError, TypeError):
            pass  # a damaged cache entry is rebuilt below
    lm = parse_line_map(raw, digest, what)
    _memory[digest] = lm
    if cache_file is not None:
        _store(cache_file, lm)
    return lm


def _cache_file(digest: str) -> Path | None:
    base = os.environ.get("LWM2M_RIG_CACHE") or str(Path.home() / ".cache" / "lwm2m-rig")
    return Path(base) / "coverage" / f"linemap-{digest}.json"


def _store(target: Path, lm: LineMap) -> None:
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
        with os.fdopen(fd, "w") as f:
            json.dump(lm.to_json(), f)
        os.replace(tmp, target)  # atomic: a parallel session never reads half a file
    except OSError:
        pass  # no writable cache: parse again next time


def parse_line_map(raw: bytes, digest: str, what: str) -> LineMap:
    try:
        elf = ELFFile(io.BytesIO(raw))
        if elf["e_machine"] != "EM_ARM":
            raise FirmwareError(f"{what}: ELF for {elf['e_machine']}, not ARM")
        if not elf.has_dwarf_info() or elf.get_section_by_name(".debug_line") is None:
            raise FirmwareError(f"{what}: no debug line tables (.debug_line): build it with -g for coverage")
        return _Parser(elf, digest).run()
    except FirmwareError:
        raise
    except Exception as exc:  # malformed DWARF makes pyelftools fail in many ways
        raise FirmwareError(f"{what}: malformed ELF or DWARF ({type(exc).__name__}: {exc})") from None


def _in_flash(start: int, end: int) -> bool:
    return start >= mm.FLASH_BASE and end <= mm.FLASH_END


def _text(value: object) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)


class _Parser:
    def __init__(self, elf: ELFFile, digest: str) -> None:
        self.elf = elf
        self.dwarf = elf.get_dwarf_info()
        self.digest = digest
        self.files: list[str] = []
        self._file_index: dict[str, int] = {}
        self.ranges: list[tuple[int, int, int, int]] = []
        self.functions: dict[int, Function] = {}

    def _file(self, path: str) -> int:
        i = self._file_index.get(path)
        if i is None:
            i = self._file_index[path] = len(self.files)
            self.files.append(path)
        return i

    def run(self) -> LineMap:
        for cu in self.dwarf.iter_CUs():
            top = cu.get_top_DIE()
            comp_dir = _text(top.attributes["DW_AT_comp_dir"].value) if "DW_AT_comp_dir" in top.attributes else ""
            program = self.dwarf.line_program_for_CU(cu)
            if program is None:
                continue
            paths = self._program_files(program, comp_dir)
            self._rows(program, paths)
            self._subprograms(cu, program, paths)
        self._symbols()
        self.ranges.sort()
        functions = sorted(self.functions.values(), key=lambda f: f.address)
        return LineMap(self.digest, self.files, self.ranges, functions)

    def _program_files(self, program: Any, comp_dir: str) -> dict[int, int]:
        """Line-program file number -> index in self.files. Version 5 numbers files and
        directories from 0 (entry 0 is the unit itself); earlier versions from 1, directory 0
        being the compilation directory."""
        v5 = program["version"] >= 5
        dirs = [_text(d) for d in program["include_directory"]]
        out: dict[int, int] = {}
        for n, entry in enumerate(program["file_entry"]):
            number = n if v5 else n + 1
            name = _text(entry.name)
            d = entry.dir_index
            if v5:
                directory = dirs[d] if d < len(dirs) else comp_dir
            else:
                directory = comp_dir if d == 0 or d > len(dirs) else dirs[d - 1]
            if not posixpath.isabs(directory):
                directory = posixpath.join(comp_dir, directory)
            full = name if posixpath.isabs(name) else posixpath.join(directory, name)
            out[number] = self._file(posixpath.normpath(full))
        return out

    def _rows(self, program: Any, paths: dict[int, int]) -> None:
        prev: tuple[int, int, int] | None = None  # (address, file number, line) of the open row
        for entry in program.get_entries():
            state = entry.state
            if state is None:
                continue
            if prev is not None:
                start, file_no, line = prev
                end = state.address
                if end > start and line > 0 and file_no in paths and _in_flash(start, end):
                    self.ranges.append((start, end, paths[file_no], line))
            prev = None if state.end_sequence else (state.address, state.file, state.line)

    def _subprograms(self, cu: Any, program: Any, paths: dict[int, int]) -> None:
        for die in cu.iter_DIEs():
            if die.tag != "DW_TAG_subprogram" or "DW_AT_low_pc" not in die.attributes:
                continue
            low = die.attributes["DW_AT_low_pc"].value & ~1
            if not _in_flash(low, low + 2):
                continue  # discarded by the linker
            named = die
            for _ in range(4):  # out-of-line copies name their origin instead of themselves
                if "DW_AT_name" in named.attributes:
                    break
                ref = next((a for a in ("DW_AT_abstract_origin", "DW_AT_specification")
                            if a in named.attributes), None)
                if ref is None:
                    break
                named = named.get_DIE_from_attribute(ref)
            if "DW_AT_name" not in named.attributes:
                continue
            name = _text(named.attributes["DW_AT_name"].value)
            file_no = named.attributes["DW_AT_decl_file"].value if "DW_AT_decl_file" in named.attributes else None
            line = named.attributes["DW_AT_decl_line"].value if "DW_AT_decl_line" in named.attributes else 0
            if named.cu is not cu or file_no not in paths:
                # declared in another unit (LTO) or unknown: place it where its code is
                where = self._where(low)
                if where is None:
                    continue
                file_index, line = where
            else:
                file_index = paths[file_no]
            self.functions.setdefault(low, Function(name, file_index, line, low))

    def _where(self, address: int) -> tuple[int, int] | None:
        for start, end, file_index, line in self.ranges:
            if start <= address < end:
                return file_index, line
        return None

    def _symbols(self) -> None:
        """ELF FUNC symbols DWARF has no subprogram for (assembly with line info): placed at the
        line their first instruction maps to; those without any line info are left out."""
        for section in self.elf.iter_sections():
            if not isinstance(section, SymbolTableSection):
                continue
            for sym in section.iter_symbols():
                if sym["st_info"]["type"] != "STT_FUNC" or not sym.name:
                    continue
                address = sym["st_value"] & ~1
                if address in self.functions or not _in_flash(address, address + 2):
                    continue
                where = self._where(address)
                if where is not None:
                    self.functions[address] = Function(sym.name, where[0], where[1], address)
