"""Firmware images: load an ELF into a flash image as the chip would hold it, and its symbols."""

from __future__ import annotations

import bisect
import io
from dataclasses import dataclass, field
from pathlib import Path

from elftools.common.exceptions import ELFError
from elftools.elf.elffile import ELFFile
from elftools.elf.sections import SymbolTableSection

from rig.emu.builtin import memmap as mm
from rig.errors import FirmwareError
from rig.inputfile import read_regular_file

EM_ARM = "EM_ARM"
# Debug-heavy images are a few MiB; anything this big is not CC2538 firmware (and would eat memory).
MAX_ELF_BYTES = 256 << 20


@dataclass
class BootInfo:
    vector_table: int
    initial_sp: int
    reset_vector: int


@dataclass
class Firmware:
    path: Path
    flash: bytes  # full 512 KiB flash image, 0xFF where nothing is loaded
    symbols: dict[str, int]
    _func_starts: list[int] = field(default_factory=list, repr=False)
    _func_items: list[tuple[int, int, str]] = field(default_factory=list, repr=False)

    def function_at(self, pc: int) -> str | None:
        """Name of the function symbol containing `pc`, if any."""
        i = bisect.bisect_right(self._func_starts, pc) - 1
        while i >= 0:
            start, size, name = self._func_items[i]
            if start <= pc < start + max(size, 2):
                return name
            if pc - start > 0x10000:
                break
            i -= 1
        return None


def load_firmware(path: Path | str) -> Firmware:
    """Parse and check an ELF for the CC2538; raises FirmwareError (one line) on anything wrong."""
    path = Path(path)
    raw = read_regular_file(path, "an ELF file", MAX_ELF_BYTES, FirmwareError)
    if raw[:4] != b"\x7fELF":
        what = " (a raw binary has no load addresses: give the .elf the linker wrote)" if raw[:4] else ""
        raise FirmwareError(f"{path}: not an ELF file{what}")
    if raw[4] != 1:
        raise FirmwareError(f"{path}: not a 32-bit ELF (the CC2538 is a 32-bit ARM Cortex-M3)")
    if raw[5] != 1:
        raise FirmwareError(f"{path}: not a little-endian ELF")
    try:
        elf = ELFFile(io.BytesIO(raw))
        machine = elf["e_machine"]
        if machine != EM_ARM:
            raise FirmwareError(f"{path}: ELF for {machine}, not ARM (the CC2538 is a Cortex-M3)")
        flash = bytearray(b"\xff" * mm.FLASH_SIZE)
        loaded = 0
        for seg in elf.iter_segments():
            if seg["p_type"] != "PT_LOAD" or seg["p_filesz"] == 0:
                continue
            addr, size = seg["p_paddr"], seg["p_filesz"]
            if mm.in_ram(addr, size):
                raise FirmwareError(
                    f"{path}: loadable segment 0x{addr:08x}-0x{addr + size:08x} has contents in RAM; "
                    "the chip boots from flash: link initialised data to load from flash (AT > FLASH)")
            if not mm.in_flash(addr, size):
                raise FirmwareError(
                    f"{path}: loadable segment 0x{addr:08x}-0x{addr + size:08x} is outside the "
                    f"CC2538 flash (0x{mm.FLASH_BASE:08x}-0x{mm.FLASH_END:08x}): not linked for the CC2538")
            data = seg.data()
            flash[addr - mm.FLASH_BASE:addr - mm.FLASH_BASE + size] = data
            loaded += size
        if loaded == 0:
            raise FirmwareError(f"{path}: no loadable contents")
        symbols, funcs = _symbols(elf)
    except FirmwareError:
        raise
    except ELFError as exc:
        raise FirmwareError(f"{path}: malformed ELF: {exc}") from None
    except Exception as exc:  # truncated/corrupt files make pyelftools fail in many ways
        raise FirmwareError(f"{path}: malformed ELF ({type(exc).__name__}: {exc})") from None
    fw = Firmware(path, bytes(flash), symbols)
    fw._func_items = funcs
    fw._func_starts = [f[0] for f in funcs]
    boot_info(fw.flash, str(path))  # reject images the boot ROM would not start
    return fw


def _symbols(elf: ELFFile) -> tuple[dict[str, int], list[tuple[int, int, str]]]:
    symbols: dict[str, int] = {}
    funcs: list[tuple[int, int, str]] = []
    for section in elf.iter_sections():
        if not isinstance(section, SymbolTableSection):
            continue
        for sym in section.iter_symbols():
            if not sym.name or sym["st_info"]["type"] in ("STT_FILE", "STT_SECTION"):
                continue
            value = sym["st_value"]
            if sym["st_info"]["type"] == "STT_FUNC":
                value &= ~1
                funcs.append((value, sym["st_size"], sym.name))
            if sym.name not in symbols or sym["st_info"]["bind"] == "STB_GLOBAL":
                symbols[sym.name] = value
    funcs.sort()
    return symbols, funcs


def boot_info(flash: bytes, what: str = "flash") -> BootInfo:
    """What the boot ROM does: read the CCA lock page, check it, find SP and PC in the vector table."""

    def word(addr: int) -> int:
        off = addr - mm.FLASH_BASE
        return int.from_bytes(flash[off:off + 4], "little")

    valid = word(mm.CCA_IMAGE_VALID)
    if valid != 0:
        raise FirmwareError(
            f"{what}: no valid image: CCA image-valid word at 0x{mm.CCA_IMAGE_VALID:08x} is "
            f"0x{valid:08x}, not 0. The boot ROM runs an image only if the lock page's CCA record at "
            f"0x{mm.CCA_BASE:08x} holds: bootloader config word (e.g. 0xEFFFFFFF), image valid = 0, then the "
            "vector table address in flash, then 32 bytes of lock bits (0xFF: unlocked); link such a record "
            "there (lwm2m-rig's firmware-c/arch/cpu/cc2538/cca.c and cc2538-layout.ld do)")
    vt = word(mm.CCA_APP_ENTRY)
    if not mm.in_flash(vt, 8) or vt & 3:
        raise FirmwareError(f"{what}: CCA vector table address 0x{vt:08x} is not in flash")
    sp, reset = word(vt), word(vt + 4)
    if not (mm.RAM_BASE < sp <= mm.RAM_END):
        raise FirmwareError(f"{what}: initial stack pointer 0x{sp:08x} is not in RAM")
    if not (reset & 1) or not mm.in_flash(reset & ~1, 2):
        raise FirmwareError(f"{what}: reset vector 0x{reset:08x} is not a Thumb address in flash")
    return BootInfo(vt, sp, reset)


def eui64_info_bytes(eui64: bytes) -> bytes:
    """The 8 bytes at 0x00280028 holding EUI-64 e0..e7 as a real CC2538 does.

    TI-programmed chips (OUI 00:12:4B) store two little-endian words, the OUI half first:
    e3 e2 e1 e0 e7 e6 e5 e4. Other addresses are stored fully reversed (e7..e0). Contiki-NG's
    ieee-addr driver recognises the TI OUI at bytes [3],[2],[1] and undoes either layout.
    """
    if len(eui64) != 8:
        raise ValueError("EUI-64 must be 8 bytes")
    if eui64[:3] == b"\x00\x12\x4b":
        return bytes(reversed(eui64[:4])) + bytes(reversed(eui64[4:]))
    return bytes(reversed(eui64))
