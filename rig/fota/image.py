"""Firmware packages for the two-slot bootloader: build, seal, inspect.

firmware-c/bootloader/fw-image.h is the C side; tests cross-check both.

A package is a 0x400-byte header (little-endian fields, rest 0xFF) followed by the body: the
bytes a slot-A application occupies from 0x00202400. `seal` takes an application ELF linked with
firmware-c/bootloader/slot-a.ld, extracts its body, writes the package and, optionally, a copy of
the ELF with the header filled in (the factory image a node boots).

    python -m rig.fota.image seal IN.elf OUT.img --version V [--elf-out OUT.elf]
    python -m rig.fota.image inspect FILE.img
    python -m rig.fota.image bad KIND IN.img OUT.img     (corrupt, oversized, wrong-type, no-start, truncated)

`seal` refuses an ELF that is not linked with slot-a.ld (no 0x400-byte .fwheader section at
0x00202000) or whose body does not start with a plausible vector table (initial SP in SRAM, Thumb
reset vector inside the body): the bootloader would not start it. `inspect` prints OK, REJECTED
(the device refuses the download) or WARNING (the device takes the download, the bootloader will
not start the image and rolls back: Result 8; e.g. the deliberate no-start test package).

Exit status: 0, or 1 when `inspect` says REJECTED or WARNING, or 2 for bad input (one line on
stderr naming it), as the `rig` commands.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import struct
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path

from elftools.common.exceptions import ELFError
from elftools.elf.elffile import ELFFile

from rig.errors import ConfigError, FirmwareError, RigError
from rig.inputfile import read_regular_file

MAGIC = 0x49474952  # "RIGI"
HEADER_VERSION = 1
HEADER_SIZE = 0x400
TYPE_CC2538_APP = 1
SLOT_A = 0x00202000
SLOT_B = 0x00240000
SLOT_SIZE = 0x3E000
LOAD_ADDRESS = SLOT_A + HEADER_SIZE
BODY_MAX = SLOT_SIZE - HEADER_SIZE
PAGE_SIZE = 0x800
BOOTLOADER = 0x00200000
SCRATCH = 0x0027E000
BOOTSTATE = 0x0027E800
VERSION_LEN = 32
# A package file bigger than this is not a package: refuse it before reading (a slot is 248 KiB; the
# margin lets `inspect` still read and explain an oversized one).
MAX_PACKAGE_BYTES = 16 << 20
# What `seal --version` accepts: the device shows it as Object 5's PkgVersion and logs it as one
# whitespace-free word, so a version number ("2.0.0", "v3", "2.0.0-rc1"), printable ASCII, and at most
# the header's 32 bytes (the C side keeps all 32 and adds the NUL itself).
VERSION_SYNTAX = re.compile(r"v?[0-9][0-9A-Za-z.+_-]*")
SRAM_START, SRAM_END = 0x20000000, 0x20008000  # CC2538 32 KiB SRAM: where the initial SP may point
# magic, header_version, header_size, image_type, body_size, load_address, version, sha256
_FIELDS = struct.Struct("<IHHIII32s32s")
_CRC_OFFSET = _FIELDS.size  # 84: the CRC covers everything before it


class ImageError(FirmwareError):
    """A package or ELF that is not a valid firmware image for the slots."""


@dataclass(frozen=True)
class FwHeader:
    image_type: int
    body_size: int
    load_address: int
    version: str
    sha256: bytes
    magic: int = MAGIC
    header_version: int = HEADER_VERSION
    header_size: int = HEADER_SIZE

    def pack(self) -> bytes:
        raw_version = self.version.encode()
        if len(raw_version) > VERSION_LEN:
            raise ImageError(f"version {self.version!r} is longer than {VERSION_LEN} bytes")
        fields = _FIELDS.pack(self.magic, self.header_version, self.header_size, self.image_type,
                              self.body_size, self.load_address, raw_version.ljust(VERSION_LEN, b"\0"),
                              self.sha256)
        fields += struct.pack("<I", zlib.crc32(fields))
        return fields.ljust(HEADER_SIZE, b"\xff")

    @classmethod
    def parse(cls, data: bytes, what: str = "package") -> FwHeader:
        """Parse and check the header's own integrity (not the body, not type/size policy)."""
        if len(data) < _CRC_OFFSET + 4:
            raise ImageError(f"{what}: {len(data)} bytes, too short for a firmware header")
        magic, hver, hsize, itype, body, load, version, digest = _FIELDS.unpack_from(data)
        if magic != MAGIC:
            raise ImageError(f"{what}: bad magic 0x{magic:08x} (not a rig firmware package)")
        if hver != HEADER_VERSION or hsize != HEADER_SIZE:
            raise ImageError(f"{what}: unsupported header version {hver} / size 0x{hsize:x}")
        (crc,) = struct.unpack_from("<I", data, _CRC_OFFSET)
        if zlib.crc32(data[:_CRC_OFFSET]) != crc:
            raise ImageError(f"{what}: header CRC mismatch")
        return cls(itype, body, load, version.rstrip(b"\0").decode(errors="replace"), digest,
                   magic, hver, hsize)


@dataclass(frozen=True)
class Package:
    header: FwHeader
    body: bytes

    @property
    def data(self) -> bytes:
        return self.header.pack() + self.body

    def problems(self) -> list[str]:
        """What the device would reject, in its order of checks (empty: a good package)."""
        out = []
        h = self.header
        if h.image_type != TYPE_CC2538_APP or h.load_address != LOAD_ADDRESS:
            out.append(f"unsupported package type {h.image_type} / load address 0x{h.load_address:08x}")
        if h.body_size == 0 or h.body_size > BODY_MAX:
            out.append(f"body of {h.body_size} bytes does not fit a {BODY_MAX}-byte slot")
        if len(self.body) != h.body_size:
            out.append(f"body is {len(self.body)} bytes, header says {h.body_size}")
        elif hashlib.sha256(self.body).digest() != h.sha256:
            out.append("body SHA-256 mismatch")
        return out

    def warnings(self) -> list[str]:
        """What the device downloads but the bootloader will not start (it rolls back: Result 8)."""
        problem = vector_problem(self.body)
        return [problem] if problem else []


def vector_problem(body: bytes) -> str | None:
    """Why the body's vector table is not one the bootloader starts (bootloader/fw-image.c
    fw_vectors_ok), or None."""
    if len(body) < 8:
        return f"body of {len(body)} bytes has no vector table"
    sp, reset = struct.unpack_from("<II", body)
    if not (SRAM_START < sp <= SRAM_END and sp % 4 == 0):
        return f"vector table: initial SP 0x{sp:08x} is not in SRAM (0x{SRAM_START:08x}..0x{SRAM_END:08x})"
    if not (reset & 1 and LOAD_ADDRESS < reset < LOAD_ADDRESS + len(body)):
        return (f"vector table: reset vector 0x{reset:08x} is not a Thumb address inside the body "
                f"(0x{LOAD_ADDRESS:08x}..0x{LOAD_ADDRESS + len(body):08x})")
    return None


def build_package(body: bytes, version: str, image_type: int = TYPE_CC2538_APP,
                  load_address: int = LOAD_ADDRESS) -> bytes:
    header = FwHeader(image_type, len(body), load_address, version, hashlib.sha256(body).digest())
    return header.pack() + body


def parse_package(data: bytes, what: str = "package") -> Package:
    header = FwHeader.parse(data, what)
    return Package(header, bytes(data[HEADER_SIZE:]))


def check_version(version: str) -> None:
    if not VERSION_SYNTAX.fullmatch(version) or not version.isascii():
        raise ConfigError(f"--version {version!r}: not a version number (like 2.0.0, v3 or 2.0.0-rc1: "
                          "a digit first, then letters, digits and . + _ -)")
    if len(version) > VERSION_LEN:
        raise ConfigError(f"--version {version!r}: longer than the header's {VERSION_LEN} bytes")


def read_package(path: Path) -> bytes:
    return read_regular_file(path, "a firmware package", MAX_PACKAGE_BYTES)


def _open_elf(path: Path) -> tuple[bytes, ELFFile]:
    raw = read_regular_file(path, "an ELF file")
    try:
        import io

        return raw, ELFFile(io.BytesIO(raw))
    except ELFError as exc:
        raise ImageError(f"{path}: not an ELF file ({exc})") from None


def body_from_elf(path: Path | str) -> bytes:
    """The bytes the image occupies from LOAD_ADDRESS (loadable segments by physical address)."""
    path = Path(path)
    _raw, elf = _open_elf(path)
    chunks: list[tuple[int, bytes]] = []
    for seg in elf.iter_segments():
        if seg["p_type"] != "PT_LOAD" or seg["p_filesz"] == 0:
            continue
        start = seg["p_paddr"]
        if LOAD_ADDRESS <= start < SLOT_A + SLOT_SIZE:
            chunks.append((start, seg.data()))
    if not chunks:
        raise ImageError(f"{path}: nothing loaded at 0x{LOAD_ADDRESS:08x}: not linked with slot-a.ld")
    end = max(s + len(d) for s, d in chunks)
    if end - LOAD_ADDRESS > BODY_MAX:
        raise ImageError(f"{path}: image of {end - LOAD_ADDRESS} bytes does not fit slot A")
    body = bytearray(b"\xff" * (end - LOAD_ADDRESS))
    for start, data in chunks:
        body[start - LOAD_ADDRESS:start - LOAD_ADDRESS + len(data)] = data
    # Whole words: the flash is programmed a word at a time.
    body += b"\xff" * (-len(body) % 4)
    return bytes(body)


def seal(elf_in: Path | str, img_out: Path | str | None, version: str,
         elf_out: Path | str | None = None) -> bytes:
    """Build the package of an application ELF; optionally write the ELF with its header filled."""
    elf_in = Path(elf_in)
    raw, elf = _open_elf(elf_in)
    sec = elf.get_section_by_name(".fwheader")
    if sec is None or sec["sh_addr"] != SLOT_A or sec["sh_size"] != HEADER_SIZE:
        # e.g. build/cc2538/lwm2m-client.elf (linked at 0x00200000, no bootloader): its body would be
        # whatever happens to lie past 0x00202400, and the device would roll it back.
        raise ImageError(f"{elf_in}: no .fwheader section of 0x400 bytes at 0x{SLOT_A:08x}: not linked for "
                         "slot A (firmware-c/bootloader/slot-a.ld; seal build/cc2538/lwm2m-client-fota.elf)")
    body = body_from_elf(elf_in)
    problem = vector_problem(body)
    if problem:
        raise ImageError(f"{elf_in}: {problem}: the bootloader would not start this image")
    package = build_package(body, version)
    if img_out is not None:
        _write(Path(img_out), package)
    if elf_out is not None:
        patched = bytearray(raw)
        off = sec["sh_offset"]
        patched[off:off + HEADER_SIZE] = package[:HEADER_SIZE]
        _write(Path(elf_out), bytes(patched))
    return package


BAD_KINDS = ("corrupt", "oversized", "wrong-type", "no-start", "truncated")


def make_bad(kind: str, package: bytes, what: str = "package") -> bytes:
    """Test packages the device must refuse (or, for no-start, roll back)."""
    pkg = parse_package(package, what)
    h = pkg.header
    if kind == "corrupt":  # a flipped bit in the body: integrity failure (Result 5)
        body = bytearray(pkg.body)
        body[len(body) // 2] ^= 0x01
        return h.pack() + bytes(body)
    if kind == "oversized":  # claims more than a slot: not enough flash (Result 2)
        return FwHeader(h.image_type, BODY_MAX + 4, h.load_address, h.version, h.sha256).pack() + pkg.body
    if kind == "wrong-type":  # Result 6
        return build_package(pkg.body, h.version, image_type=7)
    if kind == "no-start":  # valid package whose vector table is unusable: rollback (Result 8)
        body = bytearray(pkg.body)
        body[0:8] = b"\xff" * 8
        return build_package(bytes(body), h.version)
    if kind == "truncated":  # header promises more than arrives
        return package[:HEADER_SIZE + len(pkg.body) // 2]
    raise ConfigError(f"unknown bad package kind {kind!r} (one of {', '.join(BAD_KINDS)})")


def describe(data: bytes, what: str) -> str:
    pkg = parse_package(data, what)
    h = pkg.header
    lines = [
        f"{what}: version {h.version}, type {h.image_type}, body {h.body_size} bytes "
        f"at 0x{h.load_address:08x}",
        f"  sha256 {h.sha256.hex()}",
    ]
    problems, warnings = pkg.problems(), pkg.warnings()
    if problems:
        lines.append("  REJECTED: " + "; ".join(problems))
    elif warnings:
        lines.append("  WARNING: " + "; ".join(warnings) + " (the device downloads it, the bootloader "
                     "rolls it back: Result 8)")
    else:
        lines.append("  OK")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rig.fota.image", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("seal", help="package an application ELF linked for slot A")
    p.add_argument("elf", type=Path)
    p.add_argument("img", type=Path)
    p.add_argument("--version", required=True)
    p.add_argument("--elf-out", type=Path, help="also write the ELF with the header filled in")
    p = sub.add_parser("inspect", help="print and check a package")
    p.add_argument("img", type=Path)
    p = sub.add_parser("bad", help="derive a package the device must refuse or roll back")
    p.add_argument("kind", choices=BAD_KINDS)
    p.add_argument("img", type=Path)
    p.add_argument("out", type=Path)
    args = parser.parse_args(argv)
    try:
        if args.cmd == "seal":
            check_version(args.version)
            pkg = seal(args.elf, args.img, args.version, args.elf_out)
            print(describe(pkg, str(args.img)))
        elif args.cmd == "inspect":
            text = describe(read_package(args.img), str(args.img))
            print(text)
            if not text.splitlines()[-1].endswith("OK"):
                return 1  # REJECTED or WARNING: scripts can test a package with `inspect`
        else:
            _write(args.out, make_bad(args.kind, read_package(args.img), str(args.img)))  # errors name the file
    except RigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2  # 1 says "rejected" (inspect)
    return 0


def _write(path: Path, data: bytes) -> None:
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot write: {exc.strerror}") from None


if __name__ == "__main__":
    sys.exit(main())
