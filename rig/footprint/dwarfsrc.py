"""Without a map file: find each symbol's compile unit (source file) through DWARF.

Functions are found by address ranges (.debug_aranges / CU ranges), variables by their DW_OP_addr
location. Symbols DWARF does not know (toolchain libraries built without -g) get no source file.
"""

from __future__ import annotations

import bisect
import io

from elftools.elf.elffile import ELFFile

from rig.footprint.elfinfo import ElfInfo, Section

_DW_OP_ADDR = 0x03


class SourceLocator:
    def __init__(self, elf: ElfInfo) -> None:
        self._by_addr: dict[int, str] = {}
        self._ranges: list[tuple[int, int, str]] = []
        ef = ELFFile(io.BytesIO(elf.path.read_bytes()))
        dwarf = ef.get_dwarf_info()
        for cu in dwarf.iter_CUs():
            cu_name = _cu_name(cu)
            for die in cu.iter_DIEs():
                # An LTO unit ("<artificial>") holds concrete DIEs whose abstract origin sits in the
                # compile unit of the source file that defined them.
                name = _origin_cu_name(die) or cu_name
                if die.tag == "DW_TAG_subprogram" and "DW_AT_low_pc" in die.attributes:
                    low = die.attributes["DW_AT_low_pc"].value
                    high = die.attributes.get("DW_AT_high_pc")
                    if high is not None:
                        size = high.value if high.form != "DW_FORM_addr" else high.value - low
                        self._ranges.append((low, low + size, name))
                    self._by_addr.setdefault(low & ~1, name)
                elif die.tag == "DW_TAG_variable" and "DW_AT_location" in die.attributes:
                    loc = die.attributes["DW_AT_location"]
                    expr = loc.value
                    if isinstance(expr, list) and len(expr) == 5 and expr[0] == _DW_OP_ADDR:
                        self._by_addr.setdefault(int.from_bytes(bytes(expr[1:5]), "little"), name)
        self._ranges.sort()
        self._starts = [r[0] for r in self._ranges]
        self._elf = elf

    def source_of(self, address: int) -> str:
        if address in self._by_addr:
            return self._by_addr[address]
        i = bisect.bisect_right(self._starts, address) - 1
        if i >= 0 and self._ranges[i][0] <= address < self._ranges[i][1]:
            return self._ranges[i][2]
        return ""

    def pieces(self, section: Section) -> list:
        from rig.footprint.attribution import _Piece

        out = []
        for sym in self._elf.symbols:
            if section.contains(sym.address):
                src = self.source_of(sym.address)
                out.append(_Piece(sym.address, sym.size, src or "(no debug info)", sym.name))
        return out


def _cu_name(cu) -> str:
    top = cu.get_top_DIE()
    name = _attr_str(top, "DW_AT_name") or "(unknown)"
    comp_dir = _attr_str(top, "DW_AT_comp_dir")
    if comp_dir and name.startswith(comp_dir.rstrip("/") + "/"):
        name = name[len(comp_dir.rstrip("/")) + 1 :]
    return name


def _origin_cu_name(die) -> str | None:
    if "DW_AT_abstract_origin" not in die.attributes or die.tag not in ("DW_TAG_subprogram", "DW_TAG_variable"):
        return None
    origin = die
    for _ in range(4):
        if "DW_AT_abstract_origin" not in origin.attributes:
            break
        origin = origin.get_DIE_from_attribute("DW_AT_abstract_origin")
    return None if origin.cu is die.cu else _cu_name(origin.cu)


def _attr_str(die, name: str) -> str | None:
    attr = die.attributes.get(name)
    if attr is None:
        return None
    value = attr.value
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)
