"""Firmware update end to end (OMA ETS 1.1 FOTA cases 751-780) on the builtin emulator: the LwM2M
client with Object 5 boots through the bootloader behind a border node, the rig's server updates
it with rig.lwm2m.fota (push: Block1 PUT /5/0/0, pull: /5/0/1 URI served by the server)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from rig.fota.testing import PREFIX, factory_rig, fota_images
from rig.lwm2m.errors import LwM2MError
from rig.lwm2m.fota import publish, update_firmware
from rig.rig import Rig


@pytest.fixture(scope="module")
def fota() -> Path:
    return fota_images()


@pytest.fixture
def rig(fota: Path) -> Iterator[Rig]:
    with factory_rig(fota) as r:
        yield r


def _device(rig: Rig):
    assert rig.server is not None
    return rig.server.device(rig.node().endpoint)


def _pkg(fota: Path, kind: str) -> bytes:
    return (fota / f"{PREFIX}-{kind}.img").read_bytes()


def _update(rig: Rig, fota: Path, kind: str, **kw):
    return rig.run(update_firmware(_device(rig), _pkg(fota, kind), **kw), timeout=1200)


def test_ets_751_query_readable_resources(rig: Rig) -> None:
    dev = rig.device()
    obj = dev.read("/5")
    res = obj[0]
    assert res[3] == 0 and res[5] == 0  # Idle, Initial
    assert res[8] == {0: 0}  # protocol support: CoAP
    assert res[9] == 2  # delivery: pull and push
    assert res[1] == "" and res[6] == "" and res[7] == ""
    assert 0 not in res and 2 not in res  # write-only / executable resources are not read
    assert dev.read("/3/0/3") == "1.0.0"


def test_ets_755_write_package_push(rig: Rig, fota: Path) -> None:
    dev = rig.device()
    dev.write("/5/0/0", b"\0", fmt="opaque")
    dev.write("/5/0/0", _pkg(fota, "2.0.0"), fmt="opaque", block_size=512)
    assert dev.read("/5/0/3") == 2
    assert dev.read("/5/0/5") == 0
    assert dev.read("/5/0/7") == "2.0.0"
    dev.write("/5/0/0", b"\0", fmt="opaque")  # '\0' resets: Idle, Initial, package forgotten
    assert (dev.read("/5/0/3"), dev.read("/5/0/5"), dev.read("/5/0/7")) == (0, 0, "")


def test_ets_756_write_package_uri_pull(rig: Rig, fota: Path) -> None:
    dev = rig.device()
    assert rig.server is not None
    name = publish(rig.server, _pkg(fota, "2.0.0"), "v2.img")
    dev.write("/5/0/1", f"coap://[fd00::1]:5683/fw/{name}")
    rig.advance(30)
    assert dev.read("/5/0/3") == 2
    assert dev.read("/5/0/1") == f"coap://[fd00::1]:5683/fw/{name}"
    dev.write("/5/0/1", "")  # empty URI resets
    assert (dev.read("/5/0/3"), dev.read("/5/0/5")) == (0, 0)


def test_ets_760_observe_state_and_result(rig: Rig, fota: Path) -> None:
    dev = rig.device()
    obs = dev.observe("/5/0/3")
    dev.write("/5/0/0", _pkg(fota, "2.0.0"), fmt="opaque", block_size=512)
    values = [obs.next(30).value for _ in range(2)]
    assert values == [1, 2]  # Downloading, then Downloaded
    obs.cancel()


@pytest.mark.parametrize("method", ["push", "pull"])
def test_ets_770_successful_update(rig: Rig, fota: Path, method: str) -> None:
    steps: list[str] = []
    res = _update(rig, fota, "2.0.0", method=method, block_size=512,
                  progress=lambda phase, done, total: steps.append(phase))
    assert res.ok, res
    assert (res.state, res.result) == (0, 1)
    assert (res.old_version, res.new_version) == ("1.0.0", "2.0.0")
    assert rig.device().read("/3/0/3") == "2.0.0"
    assert rig.device().read("/5/0/7") == "2.0.0"
    for phase in ("reset", "download", "update", "reboot", "done"):
        assert phase in steps
    assert "BOOT: trial boot of the new image" in rig.node().log
    # and back again: the updated image updates too
    assert _update(rig, fota, "1.0.0", method=method).ok


@pytest.mark.parametrize(("served", "used"), [(128, 128), (1024, 512)])
def test_pull_block_size_is_the_smaller_of_servers_and_clients(rig: Rig, fota: Path, served: int,
                                                               used: int) -> None:
    """The server cuts /fw/ blocks of `block_size`; a client asking for less (the firmware asks for
    512: FOTA_PULL_SZX) gets what it asked for (RFC 7959 2.4)."""
    res = _update(rig, fota, "2.0.0", method="pull", block_size=served, install=False)
    assert res.ok, res
    assert res.block_size_used == used
    blocks = [o for e in rig.server.trace.entries if e.direction == "out" and e.code == "2.05"
              for o in e.options if o.upper().startswith("BLOCK2=")]
    assert blocks and all(b.endswith(f"/{used}") for b in blocks), blocks[:3]


def test_ets_772_install_without_downloaded_package(rig: Rig) -> None:
    dev = rig.device()
    with pytest.raises(LwM2MError) as err:
        dev.execute("/5/0/2")
    assert err.value.code_str == "4.05"
    assert (dev.read("/5/0/3"), dev.read("/5/0/5")) == (0, 0)
    # refused: no reboot comes, so the registration to wait for is the current one (it waited for a new boot)
    assert rig.wait_for_registration(timeout=1).endpoint == dev.endpoint


@pytest.mark.parametrize(("kind", "result", "ets"), [
    ("oversized", 2, 773),  # shortage of storage: refused when the header arrives
    ("corrupt", 5, 776),  # integrity check failure: SHA-256 of the body
    ("wrong-type", 6, 777),  # unsupported package type
    ("truncated", 5, 776),
])
@pytest.mark.parametrize("method", ["push", "pull"])
def test_ets_773_776_777_bad_packages(rig: Rig, fota: Path, kind: str, result: int, ets: int,
                                      method: str) -> None:
    res = _update(rig, fota, kind, method=method)
    assert not res.ok
    assert (res.state, res.result) == (0, result), f"ETS {ets}: {res}"
    assert rig.device().read("/3/0/3") == "1.0.0"
    assert "BOOT: swapping" not in rig.node().log


@pytest.mark.parametrize(("uri", "result", "ets"), [
    ("coap://[fd00::1]:5683/fw/no-such.img", 7, 778),  # 4.04 from the server
    ("coap://[fd00::1/fw/x.img", 7, 778),
    ("no scheme at all", 7, 778),
    ("coaps://[fd00::1]:5684/fw/x.img", 9, 780),
    ("http://[fd00::1]/fw/x.img", 9, 780),
])
def test_ets_778_780_uri_errors(rig: Rig, uri: str, result: int, ets: int) -> None:
    dev = rig.device()
    dev.write("/5/0/1", uri)
    rig.advance(10)
    assert (dev.read("/5/0/3"), dev.read("/5/0/5")) == (0, result), f"ETS {ets}"


def test_ets_775_connection_lost_during_pull(rig: Rig, fota: Path) -> None:
    dev = rig.device()
    assert rig.server is not None and rig.emulation is not None
    name = publish(rig.server, _pkg(fota, "2.0.0"))
    dev.write("/5/0/1", f"coap://[fd00::1]:5683/fw/{name}")
    rig.advance(1.0)
    assert dev.read("/5/0/3") == 1
    rig.emulation.medium.set_loss(1.0)  # the network goes away mid-download
    rig.advance(120)
    rig.emulation.medium.set_loss(0.0)
    assert (dev.read("/5/0/3"), dev.read("/5/0/5")) == (0, 4)


def test_cancel_during_download(rig: Rig, fota: Path) -> None:
    dev = rig.device()
    assert rig.server is not None
    name = publish(rig.server, _pkg(fota, "2.0.0"))
    dev.write("/5/0/1", f"coap://[fd00::1]:5683/fw/{name}")
    rig.advance(1.0)
    dev.execute("/5/0/10")
    assert (dev.read("/5/0/3"), dev.read("/5/0/5")) == (0, 10)
    rig.advance(10)
    assert dev.read("/5/0/3") == 0  # no block arrived after the cancel


def test_ets_779_unsuccessful_update_rolls_back(rig: Rig, fota: Path) -> None:
    res = _update(rig, fota, "no-start")
    assert not res.ok
    assert (res.state, res.result) == (0, 8)
    assert res.new_version == "1.0.0"
    log = rig.node().log
    assert "BOOT: new image failed, rolling back" in log and "BOOT: rolled back" in log


def test_block_size_too_large_is_renegotiated(rig: Rig, fota: Path) -> None:
    """A client answering 4.13 with Block1/Size1 gets the rest in the blocks it asked for."""
    assert rig.server is not None
    res = _update(rig, fota, "2.0.0", method="push", block_size=1024)
    assert res.ok, res
    refusals = [e for e in rig.server.trace.entries if e.direction == "in" and e.code == "4.13"]
    if refusals:  # the client's streamed-write limit is below 1024 bytes
        asked = next(o for o in refusals[0].options if o.upper().startswith("BLOCK1="))
        assert res.block_size_used == int(asked.split("/")[-1])
    else:
        assert res.block_size_used == 1024


def test_firmware_version_is_the_sealed_one(rig: Rig, fota: Path) -> None:
    from rig.fota.image import build_package, parse_package

    body = parse_package(_pkg(fota, "2.0.0")).body
    res = rig.run(update_firmware(_device(rig), build_package(body, "2.0.0+build.7")), timeout=1200)
    assert res.ok, res
    assert rig.device().read("/3/0/3") == "2.0.0+build.7"
    assert rig.device().read("/5/0/7") == "2.0.0+build.7"
