"""`rig fota` on emulated nodes, and its errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from rig.cli import main
from rig.fota.testing import fota_images


@pytest.fixture(scope="module")
def fota() -> Path:
    return fota_images()


def test_rig_fota_updates_emulated_nodes(fota: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(["fota", str(fota / "lwm2m-client-fota-2.0.0.img"), "--emulate", "2", "--method", "pull",
               "--firmware", str(fota / "lwm2m-client-fota-factory.elf")])
    out, err = capsys.readouterr()
    assert rc == 0, out + err
    assert "2 of 2 devices updated" in out
    assert out.count("1 Success") == 2 and out.count("2.0.0") >= 2
    assert "download" in err and "done" in err  # the progress lines


def test_rig_fota_reports_a_refused_package(fota: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(["fota", str(fota / "lwm2m-client-fota-corrupt.img"), "--emulate", "1", "--quiet",
               "--firmware", str(fota / "lwm2m-client-fota-factory.elf")])
    out, err = capsys.readouterr()
    assert rc == 1
    assert "5 Integrity check failure" in out and "0 of 1 devices updated" in out
    assert "body SHA-256 mismatch" in err  # warned before sending


def test_rig_fota_bad_arguments(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["fota", str(tmp_path / "missing.img"), "--emulate", "1"]) == 2
    assert "cannot read" in capsys.readouterr().err
    img = tmp_path / "x.img"
    img.write_bytes(b"x")
    assert main(["fota", str(img), "--emulate", "1", "--firmware", str(tmp_path / "none.elf")]) == 2
    assert "no such factory image" in capsys.readouterr().err
    assert main(["fota", str(img), "--concurrency", "0"]) == 2


def test_rig_fota_finds_its_default_factory_image_from_any_directory(
        fota: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)  # was: "tmp/firmware-c/build/fota/...: no such factory image"
    rc = main(["fota", str(fota / "lwm2m-client-fota-corrupt.img"), "--emulate", "1", "--quiet"])
    out, err = capsys.readouterr()
    assert rc == 1, out + err
    assert "5 Integrity check failure" in out
