"""Package format: the Python builder/parser against the C header code (fw-image-check)."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

import pytest

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
