"""Struct members of data objects through DWARF, for `members` rules ("client_ctx.coap").

A member's span runs from its offset to the next member's (padding included), the last one to the
end of the struct, so the spans of all members tile the object exactly.
"""

from __future__ import annotations

import io

from elftools.elf.elffile import ELFFile

from rig.errors import ConfigError
from rig.footprint.elfinfo import ElfInfo

_DW_OP_ADDR = 0x03
_DW_OP_PLUS_UCONST = 0x23
_QUALIFIERS = ("DW_TAG_typedef", "DW_TAG_const_type", "DW_TAG_volatile_type")


def member_spans(elf: ElfInfo, wanted: dict[int, tuple[str, list[str]]]) -> dict[int, dict[str, tuple[int, int]]]:
    """For each object address in `wanted` ({address: (symbol, [member])}): {member: (offset, size)}."""
    if not wanted:
        return {}
    if not elf.has_dwarf:
        first = next(iter(wanted.values()))[0]
        raise ConfigError(f"{elf.path}: member rules for {first} need DWARF debug info (build with -g)")
    found: dict[int, dict[str, tuple[int, int]]] = {}
    dwarf = ELFFile(io.BytesIO(elf.path.read_bytes())).get_dwarf_info()
    for cu in dwarf.iter_CUs():
        for die in cu.iter_DIEs():
            if die.tag != "DW_TAG_variable" or "DW_AT_location" not in die.attributes:
                continue
            expr = die.attributes["DW_AT_location"].value
            if not (isinstance(expr, list) and len(expr) == 5 and expr[0] == _DW_OP_ADDR):
                continue
            address = int.from_bytes(bytes(expr[1:5]), "little")
            if address not in wanted or address in found:
                continue
            symbol, members = wanted[address]
            found[address] = _spans(die, symbol, members)
    missing = [sym for addr, (sym, _) in wanted.items() if addr not in found]
    if missing:
        raise ConfigError(f"{elf.path}: no DWARF description of {missing[0]} (member rules need one)")
    return found


def _spans(var, symbol: str, members: list[str]) -> dict[str, tuple[int, int]]:
    var = _declaration(var)
    struct = _strip(var.get_DIE_from_attribute("DW_AT_type")) if "DW_AT_type" in var.attributes else None
    if struct is None or struct.tag not in ("DW_TAG_structure_type", "DW_TAG_union_type"):
        raise ConfigError(f"member rules: {symbol} is not a struct")
    size = int(struct.attributes["DW_AT_byte_size"].value)
    offsets: list[tuple[int, str]] = []
    for child in struct.iter_children():
        if child.tag != "DW_TAG_member":
            continue
        name_attr = child.attributes.get("DW_AT_name")
        name = name_attr.value.decode(errors="replace") if name_attr is not None else ""
        offsets.append((_offset(child), name))
    offsets.sort()
    out: dict[str, tuple[int, int]] = {}
    for i, (offset, name) in enumerate(offsets):
        if name in members:
            end = offsets[i + 1][0] if i + 1 < len(offsets) else size
            out[name] = (offset, end - offset)
    for member in members:
        if member not in out:
            raise ConfigError(f"member rules: {symbol} has no member {member!r}")
    return out


def _declaration(var):
    """The DIE that carries the variable's type: LTO and C++ split a variable into a concrete DIE
    (with the location) pointing at its abstract or declaring DIE (with the type)."""
    for _ in range(4):
        if "DW_AT_type" in var.attributes:
            break
        link = next((a for a in ("DW_AT_abstract_origin", "DW_AT_specification") if a in var.attributes), None)
        if link is None:
            break
        var = var.get_DIE_from_attribute(link)
    return var


def _strip(die):
    while die is not None and die.tag in _QUALIFIERS:
        die = die.get_DIE_from_attribute("DW_AT_type") if "DW_AT_type" in die.attributes else None
    return die


def _offset(member) -> int:
    attr = member.attributes.get("DW_AT_data_member_location")
    if attr is None:
        return 0  # union members
    value = attr.value
    if isinstance(value, list):  # DWARF 2 style location expression
        return int(value[1]) if len(value) >= 2 and value[0] == _DW_OP_PLUS_UCONST else 0
    return int(value)
