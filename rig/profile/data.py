"""A flat firmware profile: executed instructions (= cycles: the builtin emulator runs one
instruction per cycle at 32 MHz) per function and per source line, from per-instruction execution
counts (rig.emu.builtin.profiling) and the ELF.

Functions are the ELF's FUNC symbols with their sizes (so libgcc helpers without line tables are
functions too), named and placed in source through the DWARF line map (rig.coverage.linemap).
`calls` is how often the function's first instruction ran: its entries (a loop that branches back
to the very first instruction would add to it; -Os code starts with a push or a move, not a loop).
"""

from __future__ import annotations

import bisect
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from elftools.elf.elffile import ELFFile
from elftools.elf.sections import SymbolTableSection

from rig.coverage.linemap import LineMap
from rig.emu.builtin import memmap as mm
from rig.errors import ConfigError, FirmwareError
from rig.inputfile import read_regular_file

FORMAT = "lwm2m-rig-profile"
VERSION = 1
UNKNOWN = "[no symbol]"  # code in the ELF's flash that no FUNC symbol or section covers
MAX_PROFILE_BYTES = 64 << 20


@dataclass
class FunctionProfile:
    name: str
    file: str  # absolute source path; "" when the function has no line information
    line: int
    cycles: int
    calls: int
    lines: dict[tuple[str, int], int] = field(default_factory=dict)  # (file, line) -> cycles

    @property
    def key(self) -> str:
        """Identity across builds: the name, and the file's name for a static (several may share
        a name)."""
        return f"{self.name} ({Path(self.file).name})" if self.file else self.name

    def add(self, other: FunctionProfile) -> None:
        self.cycles += other.cycles
        self.calls += other.calls
        for pos, n in other.lines.items():
            self.lines[pos] = self.lines.get(pos, 0) + n


@dataclass
class Profile:
    """Cycles of one firmware build over one or more nodes (`nodes`)."""

    name: str  # the image, e.g. "lwm2m-client"
    build: str | None  # the ELF's sha256
    cycles: int  # node cycles while profiled
    executed: int  # instructions run (cycles active); cycles - executed: asleep (WFI) or off
    outside_elf: int  # instructions run outside the ELF's code in flash (RAM, reprogrammed flash)
    nodes: int = 1
    functions: list[FunctionProfile] = field(default_factory=list)  # cycles > 0, most first
    components: dict[str, int] = field(default_factory=dict)  # footprint component -> cycles

    @property
    def asleep(self) -> int:
        return self.cycles - self.executed

    @property
    def lines(self) -> dict[str, dict[int, int]]:
        """file -> line -> cycles over every function."""
        out: dict[str, dict[int, int]] = {}
        for f in self.functions:
            for (path, line), n in f.lines.items():
                per_file = out.setdefault(path, {})
                per_file[line] = per_file.get(line, 0) + n
        return out

    def merge(self, other: Profile) -> None:
        """Add another run of the same build."""
        if self.build and other.build and self.build != other.build:
            raise ConfigError(f"refusing to add profiles of two different builds of {self.name} "
                              f"({self.build[:16]} and {other.build[:16]})")
        self.cycles += other.cycles
        self.executed += other.executed
        self.outside_elf += other.outside_elf
        self.nodes += other.nodes
        mine = {f.key: f for f in self.functions}
        for fn in other.functions:
            have = mine.get(fn.key)
            if have is None:
                mine[fn.key] = FunctionProfile(fn.name, fn.file, fn.line, fn.cycles, fn.calls, dict(fn.lines))
            else:
                have.add(fn)
        self.functions = sorted(mine.values(), key=_order)
        for comp, n in other.components.items():
            self.components[comp] = self.components.get(comp, 0) + n

    def to_json(self) -> dict[str, Any]:
        return {"format": FORMAT, "version": VERSION, "image": self.name, "build": self.build,
                "nodes": self.nodes, "cycles": self.cycles, "executed": self.executed,
                "asleep": self.asleep, "outside_elf": self.outside_elf,
                "cpu_hz": _CPU_HZ, "components": self.components,
                "functions": [{"name": f.name, "file": f.file, "line": f.line, "cycles": f.cycles,
                               "calls": f.calls,
                               "lines": [[path, line, n] for (path, line), n in sorted(f.lines.items())]}
                              for f in self.functions]}

    @classmethod
    def from_json(cls, data: Any, source: str) -> Profile:
        """Validating reader: ConfigError naming what is wrong."""
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ConfigError(f"{source}: not a firmware profile (no \"format\": \"{FORMAT}\")")
        if data.get("version") != VERSION:
            raise ConfigError(f"{source}: profile version {data.get('version')!r} (this rig reads {VERSION})")
        try:
            prof = cls(_str(data["image"]), data["build"] if isinstance(data.get("build"), str) else None,
                       _int(data["cycles"]), _int(data["executed"]), _int(data["outside_elf"]),
                       _int(data["nodes"]))
            for f in data["functions"]:
                fp = FunctionProfile(_str(f["name"]), _str(f["file"]), _int(f["line"]),
                                     _int(f["cycles"]), _int(f["calls"]))
                for path, line, n in f["lines"]:
                    fp.lines[(_str(path), _int(line))] = _int(n)
                prof.functions.append(fp)
            comps = data["components"]
            if not isinstance(comps, dict):
                raise ValueError("components is not an object")
            prof.components = {_str(k): _int(v) for k, v in comps.items()}
        except (KeyError, TypeError, ValueError) as exc:
            what = f"missing {exc}" if isinstance(exc, KeyError) else str(exc)
            raise ConfigError(f"{source}: malformed profile ({what})") from None
        if prof.executed > prof.cycles:
            raise ConfigError(f"{source}: malformed profile (executed {prof.executed} > cycles {prof.cycles})")
        prof.functions.sort(key=_order)
        return prof


_CPU_HZ = 32_000_000


def _order(f: FunctionProfile) -> tuple[int, str]:
    return (-f.cycles, f.key)


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{value!r} is not a count")
    return value


def _str(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not a string")
    return value


def read(path: Path) -> Profile:
    raw = read_regular_file(Path(path), "a profile (.json)", MAX_PROFILE_BYTES, ConfigError)
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ConfigError(f"{path}: not JSON ({type(exc).__name__}: {str(exc)[:80]})") from None
    return Profile.from_json(data, str(path))


# --- from execution counts ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Symbol:
    name: str
    address: int
    size: int


_symbols_memory: dict[str, list[Symbol]] = {}


def function_symbols(raw: bytes, digest: str, what: str) -> list[Symbol]:
    """FUNC symbols in flash with a size, by address (one per address: the first name); then, as
    `[section]` pseudo-functions, the flash sections' stretches no FUNC symbol covers (a blob
    such as a bootloader linked in as data)."""
    cached = _symbols_memory.get(digest)
    if cached is not None:
        return cached
    try:
        elf = ELFFile(io.BytesIO(raw))
        by_address: dict[int, Symbol] = {}
        for section in elf.iter_sections():
            if not isinstance(section, SymbolTableSection):
                continue
            for sym in section.iter_symbols():
                if sym["st_info"]["type"] != "STT_FUNC" or not sym.name or sym["st_size"] <= 0:
                    continue
                address = sym["st_value"] & ~1
                if mm.FLASH_BASE <= address < mm.FLASH_END:
                    by_address.setdefault(address, Symbol(sym.name, address, sym["st_size"]))
        funcs = sorted(by_address.values(), key=lambda s: s.address)
        for section in elf.iter_sections():
            lo, size = section["sh_addr"], section["sh_size"]
            if not section["sh_flags"] & 2 or not size or not mm.FLASH_BASE <= lo < mm.FLASH_END:
                continue  # not allocated, or not in flash
            pos = lo
            for f in funcs:  # the gaps between the symbols inside the section
                if f.address + f.size <= pos or f.address >= lo + size:
                    continue
                if f.address > pos:
                    by_address.setdefault(pos, Symbol(f"[{section.name}]", pos, f.address - pos))
                pos = max(pos, f.address + f.size)
            if pos < lo + size:
                by_address.setdefault(pos, Symbol(f"[{section.name}]", pos, lo + size - pos))
    except Exception as exc:  # a malformed ELF makes pyelftools fail in many ways
        raise FirmwareError(f"{what}: malformed ELF ({type(exc).__name__}: {exc})") from None
    out = sorted(by_address.values(), key=lambda s: s.address)
    _symbols_memory[digest] = out
    return out


def from_counts(lm: LineMap, symbols: list[Symbol], counts: dict[int, int], name: str,
                cycles: int, executed: int, nodes: int = 1) -> Profile:
    """The profile of execution counts (address -> executions) of the build `lm` maps; `executed`
    counts every instruction run, so what the counts miss is `outside_elf`."""
    starts = [s.address for s in symbols]
    sym_fn: list[FunctionProfile | None] = [None] * len(symbols)
    by_addr = {f.address: f for f in lm.functions}
    range_starts = [r[0] for r in lm.ranges]
    unknown = FunctionProfile(UNKNOWN, "", 0, 0, 0)
    total = 0
    for address in sorted(counts):
        n = counts[address]
        total += n
        i = bisect.bisect_right(starts, address) - 1
        if i >= 0 and address < symbols[i].address + symbols[i].size:
            fp = sym_fn[i]
            if fp is None:
                sym = symbols[i]
                dwarf = by_addr.get(sym.address)
                where = _line_at(lm, range_starts, sym.address)
                file = lm.files[dwarf.file] if dwarf else (lm.files[where[0]] if where else "")
                line = dwarf.line if dwarf else (where[1] if where else 0)
                fp = sym_fn[i] = FunctionProfile(dwarf.name if dwarf else sym.name, file, line, 0, 0)
            if address == symbols[i].address:
                fp.calls += n
        else:
            fp = unknown
        fp.cycles += n
        where = _line_at(lm, range_starts, address)
        if where is not None:
            pos = (lm.files[where[0]], where[1])
            fp.lines[pos] = fp.lines.get(pos, 0) + n
    functions = [f for f in sym_fn if f is not None]
    if unknown.cycles:
        functions.append(unknown)
    merged: dict[str, FunctionProfile] = {}
    for f in functions:  # one static inline function emitted by several units: one row
        have = merged.get(f.key)
        if have is None:
            merged[f.key] = f
        else:
            have.add(f)
    return Profile(name, lm.sha256, cycles, executed, max(executed - total, 0), nodes,
                   sorted(merged.values(), key=_order))


def _line_at(lm: LineMap, range_starts: list[int], address: int) -> tuple[int, int] | None:
    i = bisect.bisect_right(range_starts, address) - 1
    if i >= 0:
        start, end, file_index, line = lm.ranges[i]
        if start <= address < end:
            return file_index, line
    return None


def add_components(prof: Profile, components: Path | None = None) -> None:
    """Cycles per footprint component (the coverage summary's matching of source paths)."""
    from rig.coverage.summary import load_config, source_key
    from rig.footprint.components import OTHER

    config = load_config(components)
    comps: dict[str, int] = {}
    keys: dict[str, str] = {}
    for f in prof.functions:
        if not f.file:
            comp = OTHER
        else:
            key = keys.get(f.file)
            if key is None:
                key = keys[f.file] = source_key(f.file, config)
            comp = config.classify(key, f.name)[0]
        comps[comp] = comps.get(comp, 0) + f.cycles
    if prof.outside_elf:
        comps["(outside the ELF's code)"] = prof.outside_elf
    ordered = dict(sorted(((k, v) for k, v in comps.items() if v), key=lambda kv: -kv[1]))
    prof.components = ordered
