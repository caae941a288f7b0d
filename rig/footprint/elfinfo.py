"""What the ELF says: allocated sections (with load addresses), sized symbols, and whether it is ours.

The ELF is the authority for totals: every other source (map file, DWARF) only divides its bytes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from elftools.common.exceptions import ELFError
from elftools.elf.constants import SH_FLAGS
from elftools.elf.elffile import ELFFile
from elftools.elf.sections import SymbolTableSection

from rig.errors import FirmwareError
from rig.inputfile import read_regular_file


@dataclass(frozen=True)
class Section:
    name: str
    address: int  # VMA (run address)
    load_address: int  # LMA (where the bytes are stored, e.g. .data's image in flash)
    size: int
    nobits: bool  # .bss-like: occupies RAM only, no bytes in the image
    writable: bool
    executable: bool

    @property
    def in_ram(self) -> bool:
        # Writable sections live in RAM; so does anything copied to a different run address.
        return self.writable or self.load_address != self.address

    @property
    def flash_bytes(self) -> int:
        # A section takes flash when its bytes are stored in the image outside RAM: code/rodata, or
        # the load image of an initialised RAM section.
        if self.nobits:
            return 0
        if not self.in_ram or self.load_address != self.address:
            return self.size
        return 0

    @property
    def ram_bytes(self) -> int:
        return self.size if self.in_ram else 0

    @property
    def kind(self) -> str:
        """text | rodata | data | bss: the category its bytes are counted under."""
        if self.nobits:
            return "bss"
        if self.in_ram:
            return "data"
        return "text" if self.executable else "rodata"

    def contains(self, address: int) -> bool:
        return self.address <= address < self.address + self.size


@dataclass(frozen=True)
class Symbol:
    name: str
    address: int  # Thumb bit cleared
    size: int  # 0: an assembler or linker-script label; it names the bytes up to the next symbol
    kind: str  # "func" | "object" | "other"
    local: bool


@dataclass
class ElfInfo:
    path: Path
    sha256: str
    sections: list[Section]
    symbols: list[Symbol]
    has_dwarf: bool

    @property
    def name(self) -> str:
        return self.path.stem

    def section(self, name: str) -> Section | None:
        return next((s for s in self.sections if s.name == name), None)

    def section_at(self, address: int) -> Section | None:
        return next((s for s in self.sections if s.contains(address)), None)

    @property
    def flash_total(self) -> int:
        return sum(s.flash_bytes for s in self.sections)

    @property
    def ram_total(self) -> int:
        return sum(s.ram_bytes for s in self.sections)


def load_elf(path: Path) -> ElfInfo:
    """Read an ARM ELF; anything else (missing, not ELF, other CPU, stripped) is a one-line error."""
    path = Path(path)
    data = read_regular_file(path, "an ELF file", error=FirmwareError)
    if data[:4] != b"\x7fELF":
        raise FirmwareError(f"{path}: not an ELF file")
    try:
        return _parse(path, data)
    except ELFError as exc:
        raise FirmwareError(f"{path}: malformed ELF ({exc})") from None
    except (ValueError, KeyError, IndexError, AssertionError) as exc:  # pyelftools on truncated input
        raise FirmwareError(f"{path}: malformed ELF ({type(exc).__name__}: {exc})") from None


def _parse(path: Path, data: bytes) -> ElfInfo:
    import io

    elf = ELFFile(io.BytesIO(data))
    if elf["e_machine"] != "EM_ARM":
        raise FirmwareError(f"{path}: not an ARM ELF (machine {elf['e_machine']})")
    segments = [
        (seg["p_vaddr"], seg["p_paddr"], seg["p_memsz"]) for seg in elf.iter_segments() if seg["p_type"] == "PT_LOAD"
    ]
    sections: list[Section] = []
    for sec in elf.iter_sections():
        flags = sec["sh_flags"]
        if not flags & SH_FLAGS.SHF_ALLOC or sec["sh_size"] == 0:
            continue
        addr = sec["sh_addr"]
        lma = addr
        for vaddr, paddr, memsz in segments:
            if vaddr <= addr < vaddr + memsz:
                lma = paddr + (addr - vaddr)
                break
        sections.append(
            Section(
                name=sec.name,
                address=addr,
                load_address=lma,
                size=sec["sh_size"],
                nobits=sec["sh_type"] == "SHT_NOBITS",
                writable=bool(flags & SH_FLAGS.SHF_WRITE),
                executable=bool(flags & SH_FLAGS.SHF_EXECINSTR),
            )
        )
    symtab = elf.get_section_by_name(".symtab")
    if not isinstance(symtab, SymbolTableSection):
        raise FirmwareError(f"{path}: stripped ELF (no symbol table); build with symbols")
    symbols: list[Symbol] = []
    for sym in symtab.iter_symbols():
        stype = sym["st_info"]["type"]
        if stype not in ("STT_FUNC", "STT_OBJECT", "STT_NOTYPE") or not sym.name or sym.name[0] in "$.":
            continue  # mapping symbols ($t, $d) and section names say nothing about ownership
        if sym["st_size"] == 0 and stype == "STT_NOTYPE" and sym["st_info"]["bind"] == "STB_LOCAL":
            continue
        if sym["st_shndx"] in ("SHN_UNDEF", "SHN_ABS"):
            continue
        addr = sym["st_value"] & ~1 if stype == "STT_FUNC" else sym["st_value"]
        kind = {"STT_FUNC": "func", "STT_OBJECT": "object"}.get(stype, "other")
        symbols.append(Symbol(sym.name, addr, sym["st_size"], kind, sym["st_info"]["bind"] == "STB_LOCAL"))
    symbols.sort(key=lambda s: (s.address, -s.size, s.name))
    return ElfInfo(
        path=path,
        sha256=hashlib.sha256(data).hexdigest(),
        sections=sections,
        symbols=symbols,
        has_dwarf=elf.has_dwarf_info(),
    )
