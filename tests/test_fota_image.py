"""Package format: the Python builder/parser against the C header code (fw-image-check)."""

from __future__ import annotations

import hashlib
import struct
import subprocess
from pathlib import Path

import pytest

from rig.errors import ConfigError
from rig.fota import image
from rig.fota.testing import fota_images, native_prog


@pytest.fixture(scope="module")
def checker() -> Path:
    return native_prog("fw-image-check")


def _check(checker: Path, data: bytes, tmp_path: Path) -> str:
    path = tmp_path / "pkg.img"
    path.write_bytes(data)
    return subprocess.run([str(checker), str(path)], capture_output=True, text=True).stdout.strip()


def test_header_layout_is_fixed() -> None:
    body = bytes(range(256)) * 4
    pkg = image.build_package(body, "1.2.3")
    assert len(pkg) == 0x400 + len(body)
    assert pkg[0:4] == b"RIGI"
    assert pkg[4:6] == b"\x01\x00" and pkg[6:8] == b"\x00\x04"
    assert int.from_bytes(pkg[8:12], "little") == 1
    assert int.from_bytes(pkg[12:16], "little") == len(body)
    assert int.from_bytes(pkg[16:20], "little") == 0x00202400
    assert pkg[20:52] == b"1.2.3".ljust(32, b"\0")
    assert pkg[52:84] == hashlib.sha256(body).digest()
    assert pkg[88:0x400] == b"\xff" * (0x400 - 88)
    parsed = image.parse_package(pkg)
    assert parsed.header.version == "1.2.3" and parsed.body == body and parsed.problems() == []


def test_c_accepts_python_packages(checker: Path, tmp_path: Path) -> None:
    for size in (4, 1000, 4096, 65536):
        body = hashlib.sha256(str(size).encode()).digest() * (size // 32) + b"\x01" * (size % 32)
        out = _check(checker, image.build_package(body, f"v{size}"), tmp_path)
        assert out == f"ok version=v{size} body={size}"


@pytest.mark.parametrize(("kind", "expected"), [
    ("corrupt", "error -4"), ("oversized", "error -3"), ("wrong-type", "error -2"),
    ("truncated", "error truncated"),
])
def test_c_rejects_bad_packages_like_python(checker: Path, tmp_path: Path, kind: str,
                                            expected: str) -> None:
    good = image.build_package(bytes(range(200)) * 20, "2.0.0")
    bad = image.make_bad(kind, good)
    assert _check(checker, bad, tmp_path) == expected
    assert image.parse_package(bad).problems()  # Python names a problem too


def test_c_rejects_bytes_after_the_body_like_python_and_the_device(checker: Path, tmp_path: Path) -> None:
    good = image.build_package(bytes(range(200)) * 20, "2.0.0")
    assert _check(checker, good + b"\x00", tmp_path) == "error trailing"  # was "ok"
    assert image.parse_package(good + b"\x00").problems()


def test_header_crc_guards_every_field(checker: Path, tmp_path: Path) -> None:
    pkg = bytearray(image.build_package(b"\x00" * 64, "1.0.0"))
    for offset in (0, 4, 8, 12, 16, 20, 52, 84):
        broken = bytearray(pkg)
        broken[offset] ^= 0x04
        assert _check(checker, bytes(broken), tmp_path) == "error -1"
        with pytest.raises(image.ImageError):
            image.parse_package(bytes(broken))


def test_garbage_is_a_clear_error() -> None:
    with pytest.raises(image.ImageError, match="too short"):
        image.parse_package(b"RIGI")
    with pytest.raises(image.ImageError, match="bad magic"):
        image.parse_package(b"\x00" * 2048)
    with pytest.raises(image.ImageError, match="longer than 32"):
        image.build_package(b"\x00" * 4, "x" * 33)


def test_sealed_elf_matches_package(tmp_path: Path) -> None:
    fota = fota_images()
    pkg = (fota / "fota-demo-1.0.0.img").read_bytes()
    from elftools.elf.elffile import ELFFile

    with open(fota / "fota-demo-factory.elf", "rb") as f:
        sec = ELFFile(f).get_section_by_name(".fwheader")
        assert sec is not None and sec.data() == pkg[:0x400]
    again = image.seal(fota.parent / "cc2538" / "fota-demo.elf", None, "1.0.0")
    assert again == pkg  # sealing is deterministic
    assert image.main(["inspect", str(fota / "fota-demo-1.0.0.img")]) == 0
    assert image.main(["inspect", str(fota / "fota-demo-corrupt.img")]) == 1  # printed, and REJECTED
    assert image.main(["seal", str(tmp_path / "missing.elf"), str(tmp_path / "x.img"),
                       "--version", "1"]) == 2  # bad input, not a rejected package


def test_bad_of_a_broken_input_names_the_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    empty = tmp_path / "empty.img"
    empty.write_bytes(b"")
    assert image.main(["bad", "corrupt", str(empty), str(tmp_path / "out.img")]) == 2
    assert capsys.readouterr().err == f"error: {empty}: 0 bytes, too short for a firmware header\n"  # was "package: "


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (image.FwHeader(1, 4, image.LOAD_ADDRESS, "1", bytes(32), header_size=0x200).pack(), "size 0x200"),
        (image.FwHeader(1, 4, image.LOAD_ADDRESS, "1", bytes(32), header_version=2).pack(), "header version 2"),
        (image.build_package(b"abcd", "1")[:87], "87 bytes, too short"),  # the CRC word is cut
    ],
)
def test_header_fields_the_crc_cannot_vouch_for_are_checked(header: bytes, message: str) -> None:
    with pytest.raises(image.ImageError, match=message):
        image.parse_package(header)


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (image.build_package(b"abcd", "1", load_address=image.SLOT_A), "load address 0x00202000"),
        (image.build_package(b"", "1"), "body of 0 bytes"),
        (image.build_package(b"abcd", "1") + b"\x00", "body is 5 bytes, header says 4"),  # the device refuses extra
    ],
)
def test_python_names_what_the_device_refuses(data: bytes, problem: str) -> None:
    problems = image.parse_package(data).problems()
    assert len(problems) == 1 and problem in problems[0]


def test_limits_are_inclusive() -> None:
    assert image.parse_package(image.build_package(b"\x01" * image.BODY_MAX, "1")).problems() == []
    pkg = image.parse_package(image.build_package(b"abcd", "9" * 32))
    assert pkg.header.version == "9" * 32 and pkg.problems() == []
    image.check_version("1" * 32)
    image.check_version("v3")


@pytest.mark.parametrize("version", ["1" * 33, "abc", "", "1 2", "2.0\u00e9"])
def test_check_version_rejects_non_versions(version: str) -> None:
    with pytest.raises(ConfigError, match="--version"):
        image.check_version(version)


def test_no_start_package_erases_sp_and_reset_vector() -> None:
    body = bytes(range(64))
    bad = image.parse_package(image.make_bad("no-start", image.build_package(body, "2.0.0")))
    assert bad.body == b"\xff" * 8 + body[8:] and bad.problems() == []  # valid package, unbootable image


def _bootable(body: bytes) -> bytes:
    """`body` behind a vector table the bootloader starts (SP at the top of SRAM, reset in the body)."""
    return struct.pack("<II", image.SRAM_END, image.LOAD_ADDRESS + 9) + body


def test_inspect_exit_status_says_rejected(tmp_path: Path) -> None:
    good = tmp_path / "good.img"
    good.write_bytes(image.build_package(_bootable(bytes(range(64))), "2.0.0"))
    corrupt = tmp_path / "corrupt.img"
    corrupt.write_bytes(image.make_bad("corrupt", good.read_bytes()))
    assert image.main(["inspect", str(good)]) == 0
    assert image.main(["inspect", str(corrupt)]) == 1


def _elf(segments: list[tuple[int, bytes]]) -> bytes:
    """A minimal ELF32 ARM executable: PT_LOAD segments (physical address, bytes), no sections."""
    ph_off, ph_size = 52, 32
    data_off = ph_off + ph_size * len(segments)
    header = b"\x7fELF\x01\x01\x01" + bytes(9) + struct.pack(
        "<HHIIIIIHHHHHH", 2, 40, 1, 0, ph_off, 0, 0, 52, ph_size, len(segments), 40, 0, 0
    )
    phdrs, blobs = b"", b""
    for paddr, blob in segments:
        phdrs += struct.pack("<IIIIIIII", 1, data_off + len(blobs), paddr, paddr, len(blob), len(blob), 5, 4)
        blobs += blob
    return header + phdrs + blobs


def test_body_from_elf_takes_the_slot_a_body_in_whole_words(tmp_path: Path) -> None:
    elf = tmp_path / "app.elf"
    load = image.LOAD_ADDRESS
    # the header section (not body), code, initialised data stored after it (LMA), one byte short of a word
    elf.write_bytes(_elf([(image.SLOT_A, b"\x00" * 0x400), (load, b"code"), (load + 8, b"dat")]))
    assert image.body_from_elf(elf) == b"code\xff\xff\xff\xffdat\xff"
    elf.write_bytes(_elf([(load, b"\x00" * 4), (load + image.BODY_MAX - 2, b"xyz")]))  # one byte too many
    with pytest.raises(image.ImageError, match="does not fit slot A"):
        image.body_from_elf(elf)


# --- FOTA user audit: sealing the wrong ELF, packages the bootloader will not start ---------------------


def test_seal_refuses_an_elf_not_linked_for_slot_a(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # An image linked at 0x00200000 (build/cc2538/lwm2m-client.elf) used to seal "OK" with whatever lay past
    # 0x00202400; the device then rolled it back (Result 8).
    elf = tmp_path / "app.elf"
    elf.write_bytes(_elf([(0x00200000, _bootable(b"x" * 0x3000))]))
    assert image.main(["seal", str(elf), str(tmp_path / "x.img"), "--version", "2.0.0"]) == 2
    err = capsys.readouterr().err
    assert "no .fwheader section" in err and "slot-a.ld" in err
    assert not (tmp_path / "x.img").exists()
    plain = fota_images().parent / "cc2538" / "lwm2m-client.elf"
    if plain.exists():
        with pytest.raises(image.ImageError, match="not linked for slot A"):
            image.seal(plain, None, "2.0.0")


@pytest.mark.parametrize(
    ("head", "message"),
    [
        (b"\xff" * 8, "initial SP 0xffffffff is not in SRAM"),
        (struct.pack("<II", 0x20008000, image.LOAD_ADDRESS + 8), "reset vector 0x00202408 is not a Thumb"),
        (struct.pack("<II", 0x20008000, 0x00200001), "reset vector 0x00200001"),
        (struct.pack("<II", 0x20008002, image.LOAD_ADDRESS + 9), "initial SP 0x20008002"),
    ],
)
def test_vector_problem_names_what_the_bootloader_refuses(head: bytes, message: str) -> None:
    assert message in (image.vector_problem(head + bytes(64)) or "")
    assert image.vector_problem(_bootable(bytes(64))) is None


def test_inspect_warns_about_a_package_that_will_roll_back(capsys: pytest.CaptureFixture[str]) -> None:
    no_start = fota_images() / "fota-demo-no-start.img"
    assert image.main(["inspect", str(no_start)]) == 1  # was: "OK", exit 0
    last = capsys.readouterr().out.rstrip().splitlines()[-1]
    assert last.startswith("  WARNING: vector table") and "Result 8" in last
