"""`rig boot`: output format, exit codes and one-line errors for bad inputs."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from rig.cli import main
from rig.emu.builtin.elf import load_firmware
from rig.emu.builtin.testing import app_elf, image_elf
from rig.errors import FirmwareError

LINE = re.compile(r"^\[\s*\d+\.\d{6}\] ")


@pytest.fixture(scope="module")
def hello() -> Path:
    return app_elf("hello")


def test_boot_until_banner(hello: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["boot", str(hello), "--until", r"hello \S+ eui64=", "--timeout", "2"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out and all(LINE.match(line) for line in out)
    assert "lwm2m-rig hello" in out[0]


def test_boot_takes_an_app_name(hello: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["boot", "hello", "--until", r"hello \S+ eui64=", "--timeout", "2"]) == 0
    assert "lwm2m-rig hello" in capsys.readouterr().out
    assert main(["boot", "no-such-app"]) == 2
    assert "firmware 'no-such-app' not found at " in capsys.readouterr().err


def test_boot_input_and_eui64(hello: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["boot", str(hello), "--eui64", "00:12:4b:00:aa:bb:cc:dd", "--input", r"echo me\n",
                 "--until", "^echo me$"]) == 0
    out = capsys.readouterr().out
    assert "eui64=00:12:4b:00:aa:bb:cc:dd" in out


def test_boot_without_until_runs_to_timeout(hello: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["boot", str(hello), "--timeout", "0.5"]) == 0
    assert "lwm2m-rig hello" in capsys.readouterr().out


def _error(argv: list[str], capsys: pytest.CaptureFixture[str], code: int = 2) -> str:
    """Bad input or setup exits 2 ("error:"); what the firmware did (no match, a fault) exits 1."""
    got = main(argv)
    err = capsys.readouterr().err
    assert got == code, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("rig boot: error: " if code == 2 else "rig boot: FAIL: "), err
    assert "Traceback" not in err
    return lines[0]


def test_timeout_without_match_exits_1(hello: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Was 2, as for a missing file: CI could not tell a firmware regression from a broken set-up.
    line = _error(["boot", str(hello), "--until", "zzz", "--timeout", "1"], capsys, code=1)
    assert "no UART line matched 'zzz' within 1 virtual seconds" in line


def test_fault_is_one_line_and_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    line = _error(["boot", str(app_elf("fault-test")), "--timeout", "1"], capsys, code=1)
    assert "unmapped read at 0x60000000" in line and "touch_unmapped()" in line


def test_missing_firmware_exits_2_and_help_lists_the_exit_codes(tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    assert "no such file" in _error(["boot", str(tmp_path / "nope.elf"), "--until", "x"], capsys, code=2)
    with pytest.raises(SystemExit) as exit_:
        main(["boot", "--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert "exit codes:" in out
    assert re.search(r"^\s*1\s+the firmware failed: --until did not match .*faulted$", out, re.M), out
    assert re.search(r"^\s*2\s+bad input or setup: missing or invalid firmware file", out, re.M), out


def _patched(src: Path, tmp_path: Path, name: str, offset: int, value: bytes) -> Path:
    data = bytearray(src.read_bytes())
    data[offset:offset + len(value)] = value
    out = tmp_path / name
    out.write_bytes(bytes(data))
    return out


@pytest.mark.parametrize("case", ["missing", "directory", "not-elf", "empty", "elf64", "big-endian",
                                  "x86", "truncated", "wrong-map", "no-cca", "ram-load"])
def test_bad_firmware_one_line_error(case: str, hello: Path, tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    expected = {
        "missing": "no such file", "directory": "is a directory", "not-elf": "not an ELF file",
        "empty": "not an ELF file", "elf64": "not a 32-bit ELF", "big-endian": "not a little-endian",
        "x86": "not ARM", "truncated": "malformed ELF", "wrong-map": "not linked for the CC2538",
        # what the lock page record must hold, not only the name of our own section
        "no-cca": "holds: bootloader config word (e.g. 0xEFFFFFFF), image valid = 0, then the vector table address",
        "ram-load": "has contents in RAM",
    }[case]
    if case == "missing":
        path = tmp_path / "nope.elf"
    elif case == "directory":
        path = tmp_path
    elif case == "not-elf":
        path = tmp_path / "text.elf"
        path.write_text("hello\n")
    elif case == "empty":
        path = tmp_path / "empty.elf"
        path.write_bytes(b"")
    elif case == "elf64":
        path = _patched(hello, tmp_path, "64.elf", 4, b"\x02")
    elif case == "big-endian":
        path = _patched(hello, tmp_path, "be.elf", 5, b"\x02")
    elif case == "x86":
        path = _patched(hello, tmp_path, "x86.elf", 18, b"\x03\x00")
    elif case == "truncated":
        path = tmp_path / "cut.elf"
        path.write_bytes(hello.read_bytes()[:200])
    else:
        path = image_elf(case)
    line = _error(["boot", str(path)], capsys)
    assert expected in line
    with pytest.raises(FirmwareError):
        load_firmware(path)


@pytest.mark.parametrize(("args", "expected"), [
    (["--eui64", "xyz"], "--eui64: EUI-64 'xyz' is not 8 hex bytes"),
    (["--eui64", "001:24b:000:000:0001"], "is not 8 hex bytes"),  # colons anywhere were stripped
    (["--until", "("], "bad regular expression"),
    (["--timeout", "0"], "must be a finite number > 0"),
    (["--timeout=nan"], "must be a finite number > 0"),
    (["--timeout=-1"], "must be a finite number > 0"),
    (["--input", "\\x"], "bad escape sequence"),
])
def test_bad_arguments(args: list[str], expected: str, hello: Path,
                       capsys: pytest.CaptureFixture[str]) -> None:
    assert expected in _error(["boot", str(hello), *args], capsys)


def test_copied_elf_boots(hello: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    copy = tmp_path / "copy.elf"
    shutil.copy(hello, copy)
    assert main(["boot", str(copy), "--until", "hello", "--timeout", "1"]) == 0


def test_boot_waits_through_a_fault_the_armed_watchdog_resets_and_marks_the_reset(
        capsys: pytest.CaptureFixture[str]) -> None:
    """An armed watchdog resets a faulted node about 1 s later: --until keeps waiting, and the output
    says what happened (marker lines, not UART lines)."""
    code = main(["boot", str(image_elf("faults")), "--input", "W", "--until", "reset by the watchdog",
                 "--timeout", "3"])
    out = capsys.readouterr().out.splitlines()
    assert code == 0, out
    texts = [line.split("] ", 1)[1] for line in out]
    fault = next(i for i, t in enumerate(texts) if t.startswith("*** fault: undefined instruction"))
    reset = texts.index("*** reset by the watchdog")
    assert fault < reset == texts.index("reset by the watchdog") - 1
    assert "armed watchdog will reset" in texts[fault]


def test_boot_fault_handlers_option_runs_the_handler(capsys: pytest.CaptureFixture[str]) -> None:
    faults = str(image_elf("faults"))
    assert main(["boot", faults, "--input", "u", "--until", "hardfault cfsr", "--timeout", "1",
                 "--fault-handlers"]) == 0
    out = capsys.readouterr().out
    assert "*** undefined instruction (pc=0x" in out and "taking the HardFault exception" in out
    assert "stopped" not in out
