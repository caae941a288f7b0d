"""GNU ld map files: which input object each piece of an output section came from.

Only the part after "Linker script and memory map" is read; discarded input sections are skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from rig.errors import ConfigError
from rig.inputfile import refuse_special_file

_OUT_FULL = re.compile(r"^(\S+)\s+0x([0-9a-fA-F]+)\s+0x([0-9a-fA-F]+)(?:\s+load address 0x([0-9a-fA-F]+))?\s*$")
_OUT_NAME = re.compile(r"^(\S+)\s*$")
_IN_FULL = re.compile(r"^ (\S+)\s+0x([0-9a-fA-F]+)\s+0x([0-9a-fA-F]+)(?:\s+(.*?))?\s*$")
_IN_NAME = re.compile(r"^ (\S+)\s*$")
_CONT = re.compile(r"^\s+0x([0-9a-fA-F]+)\s+0x([0-9a-fA-F]+)(?:\s+load address 0x[0-9a-fA-F]+)?(?:\s+(.*?))?\s*$")
_SYMBOL = re.compile(r"^\s+0x([0-9a-fA-F]+)\s+([A-Za-z_.$][^\s=]*)\s*$")
_MEMORY = re.compile(r"^(\S+)\s+0x([0-9a-fA-F]+)\s+0x([0-9a-fA-F]+)(?:\s+(\S+))?\s*$")


@dataclass(frozen=True)
class InputPiece:
    """One input section (or fill) placed in an output section."""

    name: str  # input section name, e.g. ".text.coap_parse", or "*fill*"
    address: int
    size: int
    origin: str  # object path, "archive.a(member.o)", "linker stubs", or "" for fill


@dataclass
class OutputSection:
    name: str
    address: int
    size: int
    load_address: int | None
    pieces: list[InputPiece] = field(default_factory=list)
    symbols: dict[int, str] = field(default_factory=dict)  # address -> name, from the map's symbol lines


@dataclass(frozen=True)
class MemoryRegion:
    name: str
    origin: int
    length: int


@dataclass
class MapFile:
    path: Path
    regions: list[MemoryRegion]
    sections: dict[str, OutputSection]


def parse_map(path: Path) -> MapFile:
    path = Path(path)
    refuse_special_file(path, "a map file")
    try:
        text = path.read_text(errors="replace")
    except FileNotFoundError:
        raise ConfigError(f"{path}: map file not found") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read map file ({exc.strerror})") from None
    lines = text.splitlines()
    try:
        start = next(i for i, line in enumerate(lines) if line.startswith("Linker script and memory map"))
    except StopIteration:
        raise ConfigError(f"{path}: not a GNU ld map file (no 'Linker script and memory map')") from None
    regions = _parse_memory(lines[:start])
    sections: dict[str, OutputSection] = {}
    current: OutputSection | None = None
    pending_out: str | None = None
    pending_in: str | None = None
    for line in lines[start + 1 :]:
        if not line.strip():
            continue
        if pending_out is not None:
            m = _CONT.match(line)
            pending, pending_out = pending_out, None
            if m:
                current = _new_output(sections, pending, m.group(1), m.group(2), _load_of(line))
                continue
        if pending_in is not None:
            m = _CONT.match(line)
            pending, pending_in = pending_in, None
            if m and current is not None:
                current.pieces.append(InputPiece(pending, int(m.group(1), 16), int(m.group(2), 16), m.group(3) or ""))
                continue
        if not line[0].isspace():
            if line.startswith(("LOAD ", "OUTPUT(", "START GROUP", "END GROUP")):
                current = None
                continue
            m = _OUT_FULL.match(line)
            if m:
                current = _new_output(sections, m.group(1), m.group(2), m.group(3), m.group(4))
                continue
            m = _OUT_NAME.match(line)
            if m:
                pending_out = m.group(1)
                current = None
            continue
        if current is None:
            continue
        m = _IN_FULL.match(line)
        if m:
            name = m.group(1)
            if name.startswith("*") and name != "*fill*":
                continue  # an input pattern like " *(.text*)" never has addresses, but be safe
            origin = "" if name == "*fill*" else (m.group(4) or "")
            if name == "*fill*" and origin.startswith("0x"):
                origin = ""
            current.pieces.append(InputPiece(name, int(m.group(2), 16), int(m.group(3), 16), origin))
            continue
        m = _IN_NAME.match(line)
        if m and not m.group(1).startswith("*"):
            pending_in = m.group(1)
            continue
        m = _SYMBOL.match(line)
        if m:
            current.symbols.setdefault(int(m.group(1), 16), m.group(2))
    if not sections:
        raise ConfigError(f"{path}: map file lists no output sections")
    return MapFile(path, regions, sections)


def _load_of(line: str) -> str | None:
    m = re.search(r"load address 0x([0-9a-fA-F]+)", line)
    return m.group(1) if m else None


def _new_output(sections: dict[str, OutputSection], name: str, addr: str, size: str, load: str | None) -> OutputSection:
    sec = OutputSection(name, int(addr, 16), int(size, 16), int(load, 16) if load else None)
    sections[name] = sec
    return sec


def _parse_memory(lines: list[str]) -> list[MemoryRegion]:
    regions: list[MemoryRegion] = []
    try:
        start = next(i for i, line in enumerate(lines) if line.startswith("Memory Configuration"))
    except StopIteration:
        return regions
    for line in lines[start + 1 :]:
        m = _MEMORY.match(line)
        if m and m.group(1) not in ("Name", "*default*"):
            regions.append(MemoryRegion(m.group(1), int(m.group(2), 16), int(m.group(3), 16)))
    return regions
