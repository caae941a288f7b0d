"""What the renode backend needs from a firmware ELF: symbols and the vector table address.

The vector table is found as the CC2538 boot ROM finds it (the CCA lock page's app-entry word when the
image-valid word is 0), else by symbol, section, or the first segment loaded in flash.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rig.errors import FirmwareError

FLASH_START, FLASH_END = 0x00200000, 0x00280000  # CC2538SF53: 512 KiB
CCA_IMAGE_VALID = 0x0027FFD8  # customer configuration area, end of the lock page: 0 = image valid
CCA_APP_ENTRY = 0x0027FFDC  # vector table address the boot ROM uses
VECTOR_SYMBOLS = ("vectors", "vector_table", "__vector_table", "__isr_vector", "g_pfnVectors", "_vectors")
VECTOR_SECTIONS = (".vectors", ".isr_vector", ".vector_table", ".text.vectors")


@dataclass(frozen=True)
class ElfInfo:
    path: Path
    symbols: dict[str, int]
    vtor: int
    functions: tuple[tuple[int, int, str], ...] = ()  # (start, size, name), sorted

    def function_at(self, pc: int) -> str | None:
        """The function containing `pc`, if the symbol table says."""
        for start, size, name in self.functions:
            if start <= pc < start + max(size, 2):
                return name
        return None


def read_elf(path: Path) -> ElfInfo:
    """Parse `path`; FirmwareError when it is missing, not an ELF, or not 32-bit ARM."""
    from elftools.common.exceptions import ELFError
    from elftools.elf.elffile import ELFFile
    from elftools.elf.sections import SymbolTableSection

    path = Path(path)
    if not path.is_file():
        raise FirmwareError(f"firmware {path} does not exist")
    try:
        with open(path, "rb") as f:
            elf = ELFFile(f)
            if elf.get_machine_arch() != "ARM" or elf.elfclass != 32:
                raise FirmwareError(f"{path} is not a 32-bit ARM ELF ({elf.get_machine_arch()})")
            symbols: dict[str, int] = {}
            functions: list[tuple[int, int, str]] = []
            for section in elf.iter_sections():
                if isinstance(section, SymbolTableSection):
                    for sym in section.iter_symbols():
                        if sym.name and sym["st_shndx"] != "SHN_UNDEF" and sym.name not in symbols:
                            value = int(sym["st_value"])
                            if sym["st_info"]["type"] == "STT_FUNC":
                                value &= ~1  # Thumb bit
                                functions.append((value, int(sym["st_size"]), sym.name))
                            symbols[sym.name] = value
            sections = {s.name: int(s["sh_addr"]) for s in elf.iter_sections() if s.name}
            loads = [
                (int(seg["p_paddr"]), seg.data())
                for seg in elf.iter_segments()
                if seg["p_type"] == "PT_LOAD" and seg["p_filesz"] > 0
            ]
            cca_entry = _cca_vector_table(loads)
            load_addresses = sorted(addr for addr, _ in loads)
    except ELFError as exc:
        raise FirmwareError(f"{path} is not an ELF file: {exc}") from exc
    except OSError as exc:
        raise FirmwareError(f"cannot read {path}: {exc}") from exc
    vtor = cca_entry if cca_entry is not None else _vector_table(path, symbols, sections, load_addresses)
    return ElfInfo(path, symbols, vtor, tuple(sorted(functions)))


def _word_at(loads: list[tuple[int, bytes]], address: int) -> int | None:
    for base, data in loads:
        if base <= address and address + 4 <= base + len(data):
            return int.from_bytes(data[address - base : address - base + 4], "little")
    return None


def _cca_vector_table(loads: list[tuple[int, bytes]]) -> int | None:
    """Where the boot ROM finds the image: the CCA lock page's app-entry word, if the image is valid."""
    valid = _word_at(loads, CCA_IMAGE_VALID)
    entry = _word_at(loads, CCA_APP_ENTRY)
    if valid == 0 and entry is not None and FLASH_START <= entry < FLASH_END:
        return entry
    return None


def _vector_table(path: Path, symbols: dict[str, int], sections: dict[str, int], loads: list[int]) -> int:
    for name in VECTOR_SYMBOLS:
        if name in symbols:
            return symbols[name]
    for name in VECTOR_SECTIONS:
        if name in sections:
            return sections[name]
    in_flash = [a for a in loads if FLASH_START <= a < FLASH_END]
    if in_flash:
        return in_flash[0]
    raise FirmwareError(
        f"{path}: no vector table found (no symbol {VECTOR_SYMBOLS[0]!r}, no section"
        f" {VECTOR_SECTIONS[0]!r}, nothing loaded in flash 0x{FLASH_START:08x}-0x{FLASH_END:08x})"
    )
