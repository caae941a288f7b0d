"""`rig doctor`: reports what is available and how to get what is missing; always exits 0."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rig.cli import main


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
    return d


def _doctor(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    rc = main(["doctor", *args])
    return rc, capsys.readouterr().out


def test_reports_found_tools_with_versions(bindir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _exe(bindir, "renode", 'echo "Renode v1.16.0.1525"; echo "  build: abc"')
    _exe(
        bindir,
        "arm-none-eabi-gcc",
        'case "$1" in -print-file-name=*) echo /usr/lib/arm-none-eabi/lib/libc.a;;'
        " *) echo 'arm-none-eabi-gcc (fake) 12.2.1';; esac",
    )
    _exe(bindir, "gcc", "echo 'gcc (fake) 12.2.0'")
    _exe(bindir, "tshark", "echo 'TShark (Wireshark) 4.0.17'")
    rc, out = _doctor(capsys, "--json")
    assert rc == 0
    report = json.loads(out)
    renode = report["backend"]["renode"]
    assert renode["available"] and renode["version"] == "Renode v1.16.0.1525"
    assert renode["path"] == str((bindir / "renode").resolve()) and "PATH" in renode["detail"]
    assert report["backend"]["builtin"]["available"]  # unicorn is a dependency
    assert report["toolchain"]["arm-none-eabi-gcc"]["version"] == "arm-none-eabi-gcc (fake) 12.2.1"
    assert report["toolchain"]["gcc"]["available"]
    assert report["optional"]["tshark"]["version"].startswith("TShark")
    clang = report["toolchain"]["clang"]
    assert not clang["available"] and clang["install"] == "sudo apt-get install -y clang"


def test_missing_everything_says_how_to_get_it(bindir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc, out = _doctor(capsys)
    assert rc == 0
    assert "[MISSING] renode" in out
    assert "Renode not found: set --renode PATH or RENODE, or put renode on PATH" in out
    assert "get it: mkdir -p ~/renode && curl -L https://builds.renode.io/" in out
    assert "get it: sudo apt-get install -y gcc-arm-none-eabi libnewlib-arm-none-eabi" in out
    assert "get it: sudo apt-get install -y tshark" in out
    assert "Missing (optional for most uses):" in out


def test_explicit_renode_and_missing_newlib(
    bindir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    portable = tmp_path / "renode_portable"
    portable.mkdir()
    _exe(portable, "renode", 'echo "Renode v1.15.3.100"')
    _exe(bindir, "arm-none-eabi-gcc", "echo libc.a")  # gcc without newlib prints the bare name
    rc, out = _doctor(capsys, "--json", "--renode", str(portable))
    report = json.loads(out)
    assert rc == 0
    assert report["backend"]["renode"]["version"] == "Renode v1.15.3.100"
    assert report["backend"]["renode"]["detail"].startswith("found via --renode")
    gcc = report["toolchain"]["arm-none-eabi-gcc"]
    assert (
        gcc["detail"] == "newlib missing"
        and gcc["install"] == "sudo apt-get install -y libnewlib-arm-none-eabi"
    )
    rc, out = _doctor(capsys, "--json", "--renode", str(tmp_path / "nope"))
    assert rc == 0 and "not an executable" in json.loads(out)["backend"]["renode"]["detail"]
