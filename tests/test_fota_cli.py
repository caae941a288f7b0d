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


# --- FOTA user audit ------------------------------------------------------------------------------------


def test_rig_fota_says_an_elf_must_be_sealed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    elf = tmp_path / "app.elf"
    elf.write_bytes(b"\x7fELF\x01\x01\x01" + bytes(200))
    # was: "warning: bad magic 0x464c457f (sending it anyway)", then exit 1 after the device's Result 6
    assert main(["fota", str(elf), "--emulate", "1"]) == 2
    err = capsys.readouterr().err
    assert "this is an ELF" in err and "python -m rig.fota.image seal" in err


def _pull(*argv: str) -> dict[str, str]:
    from rig.cli import build_parser
    from rig.fota_cli import _check_args

    args = build_parser().parse_args(["fota", "x.img", *argv])
    _check_args(args)
    return args.pull_options


def test_rig_fota_pull_uri_follows_host_and_port_or_pull_uri() -> None:
    # was: always coap://[fd00::1]:5683/fw/<hash>, whatever --host/--port said
    assert _pull("--method", "pull") == {"pull_base": "coap://[::1]:5683"}
    assert _pull("--method", "pull", "--host", "2001:db8::5", "--port", "5690") == \
        {"pull_base": "coap://[2001:db8::5]:5690"}
    assert _pull("--method", "pull", "--host", "192.0.2.7") == {"pull_base": "coap://192.0.2.7:5683"}
    assert _pull("--method", "pull", "--uart", "tcp:127.0.0.1:4444") == {}  # the bridge's fd00::1:5683
    assert _pull("--method", "pull", "--emulate", "1") == {}
    assert _pull("--method", "pull", "--pull-uri", "coap://[2001:db8::9]:5683/") == \
        {"pull_base": "coap://[2001:db8::9]:5683"}
    assert _pull("--method", "pull", "--pull-uri", "coap://[2001:db8::9]:5683/pkg/a.img") == \
        {"pull_uri": "coap://[2001:db8::9]:5683/pkg/a.img"}
    from rig.errors import ConfigError

    for bad in (["--pull-uri", "coap://x"], ["--method", "pull", "--pull-uri", "fd00::1"],
                ["--method", "pull", "--pull-uri", "coap:///fw"], ["--method", "pull", "--host", "::"]):
        with pytest.raises(ConfigError, match=r"--pull-uri|--host"):
            _pull(*bad)


def test_rig_fota_pull_uri_reaches_emulated_nodes(fota: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(["fota", str(fota / "lwm2m-client-fota-2.0.0.img"), "--emulate", "1", "--method", "pull",
               "--quiet", "--pull-uri", "coap://[fd00::1]:5683", "--firmware",
               str(fota / "lwm2m-client-fota-factory.elf")])
    out, err = capsys.readouterr()
    assert rc == 0, out + err
    assert "1 of 1 devices updated" in out
