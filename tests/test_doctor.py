"""`rig doctor`: what make test and the pytest fixtures need vs. optional tools; how to get what is missing;
--strict exits 1 when something needed is missing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rig.cli import main

NEWLIB_GCC = ('case "$1" in -print-file-name=*) echo /usr/lib/arm-none-eabi/lib/libc.a;;'
              " *) echo 'arm-none-eabi-gcc (fake) 12.2.1';; esac")


def _exe(bindir: Path, name: str, body: str) -> Path:
    path = bindir / name
    path.write_text("#!/bin/sh\n" + body + "\n")
    path.chmod(0o755)
    return path


@pytest.fixture
def bindir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    d = tmp_path / "bin"
    d.mkdir()
    monkeypatch.setenv("PATH", str(d))
    monkeypatch.delenv("RENODE", raising=False)
    monkeypatch.delenv("RIG_FIRMWARE_DIR", raising=False)
    return d


@pytest.fixture
def elfs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    d = tmp_path / "elfs"
    d.mkdir()
    for app in ("slip-radio", "lwm2m-client"):
        (d / f"{app}.elf").write_bytes(b"\x7fELF")
    monkeypatch.setenv("RIG_FIRMWARE_DIR", str(d))
    return d


def _all_needed_tools(bindir: Path) -> None:
    _exe(bindir, "arm-none-eabi-gcc", NEWLIB_GCC)
    _exe(bindir, "gcc", "echo 'gcc (fake) 12.2.0'")
    # -fsanitize=fuzzer "links": the fake writes nothing and exits 0
    _exe(bindir, "clang", "echo 'clang version 14 (fake)'")


def _doctor(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    rc = main(["doctor", *args])
    return rc, capsys.readouterr().out


def test_reports_found_tools_with_versions(bindir: Path, elfs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _exe(bindir, "renode", 'echo "Renode v1.16.0.1525"; echo "  build: abc"')
    _all_needed_tools(bindir)
    _exe(bindir, "tshark", "echo 'TShark (Wireshark) 4.0.17'")
    rc, out = _doctor(capsys, "--json", "--strict")
    report = json.loads(out)
    assert rc == 0, out  # every needed piece is here; optional ones (gdb-multiarch...) are not
    assert report["missing_needed"] == []
    renode = report["optional"]["renode"]
    assert renode["available"] and renode["version"] == "Renode v1.16.0.1525"
    assert renode["path"] == str((bindir / "renode").resolve()) and "PATH" in renode["detail"]
    needed = report["needed"]
    assert needed["builtin"]["ok"]  # unicorn is a dependency
    assert needed["arm-none-eabi-gcc"]["version"] == "arm-none-eabi-gcc (fake) 12.2.1"
    assert needed["gcc"]["ok"] and needed["clang"]["ok"]
    assert needed["slip-radio.elf"]["path"] == str(elfs / "slip-radio.elf")
    assert needed["slip-radio.elf"]["detail"] == "from RIG_FIRMWARE_DIR"
    assert report["optional"]["tshark"]["version"].startswith("TShark")
    assert not report["optional"]["gdb-multiarch"]["ok"]


def test_needed_and_optional_are_split_and_strict_fails_on_a_needed_one(
    bindir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Was: everything under "optional for most uses", exit 0 whatever was missing.
    monkeypatch.setenv("RIG_FIRMWARE_DIR", str(tmp_path))  # no ELFs there
    rc, out = _doctor(capsys)
    assert rc == 0  # informational without --strict
    needed, optional = out.split("Optional:")
    assert needed.startswith("Needed (make test, the pytest fixtures):")
    for name in ("arm-none-eabi-gcc", "gcc", "clang", "slip-radio.elf", "lwm2m-client.elf"):
        assert f"[MISSING] {name} " in needed, out
    for name in ("renode", "tshark", "gdb-multiarch"):
        assert f"[MISSING] {name} " in optional, out
    assert f"not at {tmp_path / 'slip-radio.elf'} (from RIG_FIRMWARE_DIR)" in needed
    assert "get it: sudo apt-get install -y gcc-arm-none-eabi libnewlib-arm-none-eabi" in needed
    assert "export RIG_FIRMWARE_DIR=DIR holding lwm2m-client.elf" in needed
    assert "Renode not found: set --renode PATH or RENODE, or put renode on PATH" in optional
    assert "get it: mkdir -p ~/renode && curl -L https://builds.renode.io/" in optional
    assert "get it: sudo apt-get install -y tshark" in optional
    assert ("Missing, needed: arm-none-eabi-gcc, gcc, clang, slip-radio.elf, lwm2m-client.elf "
            "(rig doctor --strict exits 1)") in optional
    rc, out = _doctor(capsys, "--strict", "--json")
    assert rc == 1
    assert json.loads(out)["missing_needed"] == ["arm-none-eabi-gcc", "gcc", "clang", "slip-radio.elf",
                                                 "lwm2m-client.elf"]


def test_only_optional_missing_passes_strict(bindir: Path, elfs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _all_needed_tools(bindir)
    rc, out = _doctor(capsys, "--strict")
    assert rc == 0, out
    assert "Missing, optional: renode, tshark, gdb-multiarch" in out
    assert "Everything make test and the pytest fixtures need is available." in out


def test_gcc_without_newlib_is_missing_for_strict(bindir: Path, elfs: Path, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    _all_needed_tools(bindir)
    portable = tmp_path / "renode_portable"
    portable.mkdir()
    _exe(portable, "renode", 'echo "Renode v1.15.3.100"')
    _exe(bindir, "arm-none-eabi-gcc", "echo libc.a")  # gcc without newlib prints the bare name
    rc, out = _doctor(capsys, "--json", "--strict", "--renode", str(portable))
    report = json.loads(out)
    assert rc == 1 and report["missing_needed"] == ["arm-none-eabi-gcc"]
    assert report["optional"]["renode"]["version"] == "Renode v1.15.3.100"
    assert report["optional"]["renode"]["detail"].startswith("found via --renode")
    gcc = report["needed"]["arm-none-eabi-gcc"]
    assert gcc["available"] and not gcc["ok"]
    assert gcc["detail"] == "newlib missing" and gcc["install"] == "sudo apt-get install -y libnewlib-arm-none-eabi"
    rc, out = _doctor(capsys, "--json", "--renode", str(tmp_path / "nope"))
    assert rc == 0 and "not an executable" in json.loads(out)["optional"]["renode"]["detail"]


def test_firmware_dir_that_is_not_a_directory(bindir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("RIG_FIRMWARE_DIR", str(tmp_path / "nope"))
    rc, out = _doctor(capsys, "--json", "--strict")
    assert rc == 1
    assert "is not a directory" in json.loads(out)["needed"]["slip-radio.elf"]["detail"]


def test_topology_without_border_needs_only_its_own_firmware(bindir: Path, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    """A user's bare firmware ([border] enabled = false): slip-radio and lwm2m-client are not needed."""
    monkeypatch.setenv("RIG_FIRMWARE_DIR", str(tmp_path))  # no slip-radio.elf, no lwm2m-client.elf
    _all_needed_tools(bindir)
    (tmp_path / "mine.elf").write_bytes(b"\x7fELF")
    topo = tmp_path / "bare.toml"
    topo.write_text('[border]\nenabled = false\n[[node]]\nname = "a"\nfirmware = "mine.elf"\n')
    rc, out = _doctor(capsys, "--json", "--strict", "--topology", str(topo))
    report = json.loads(out)
    assert rc == 0 and report["missing_needed"] == [], out
    assert report["needed"]["mine.elf"]["path"] == str(tmp_path / "mine.elf")
    assert "slip-radio.elf" not in report["needed"] and "lwm2m-client.elf" not in report["needed"]
    topo.write_text('[[node]]\nname = "a"\nfirmware = "mine.elf"\n')  # with the border: slip-radio needed
    rc, out = _doctor(capsys, "--json", "--strict", "--topology", str(topo))
    assert rc == 1 and json.loads(out)["missing_needed"] == ["slip-radio.elf"]
