"""The server's view of a device from a synchronous test (`rig.device()`): what its operations
return and how they fail, on the emulated client."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any, cast

import pytest

from rig.errors import ConfigError
from rig.lwm2m.codecs import CodecError
from rig.lwm2m.device import _attribute_number
from rig.lwm2m.errors import DeviceTimeout, LwM2MError, ObservationEnded
from rig.rig import Rig, RigNode, SyncDevice, SyncObservation


def test_create_with_a_chosen_id_and_no_resources_makes_that_instance(rig: Rig) -> None:
    dev = rig.wait_for_registration()
    assert dev.create("/3303", {3: {}}) == 3  # it said 3 while the device made instance 1
    assert dev.read("/3303/3/5701") == "Cel"


def test_an_ended_observation_says_why(rig: Rig, node: RigNode) -> None:
    dev = rig.wait_for_registration()
    light = dev.observe("/3311/0/5850")
    assert light.first.value is False and not light.ended
    light.cancel()
    with pytest.raises(ObservationEnded, match=r": the observation of /3311/0/5850 has ended \(cancelled\)$"):
        light.next(timeout=5)
    light = dev.observe("/3311/0/5850")
    again = dev.observe("/3311/0/5850")
    with pytest.raises(ObservationEnded, match=r"replaced by a new observation of /3311/0/5850"):
        light.next(timeout=5)
    dev.execute("/3/0/4")
    rig.wait_for_registration()
    with pytest.raises(ObservationEnded, match=r"\(the device registered again\)"):
        again.next(timeout=5)


def test_an_observation_the_device_does_not_keep_is_not_a_made_up_error(rig: Rig) -> None:
    dev = rig.wait_for_registration()
    for path in ("/3/0/0", "/3/0/1", "/3/0/2"):  # the client keeps 3 (LWM2M_MAX_OBS)
        dev.observe(path)
    with pytest.raises(LwM2MError, match=r"^2\.05 Content on cc2538-\w+/3/0/10: answered without Observe: no "
                                         r"observation \(it holds 3 of this server's already: its table may be full"):
        dev.observe("/3/0/10")


def test_attribute_values_go_out_as_plain_decimals() -> None:
    assert [_attribute_number("gt", v) for v in (1234567.0, 21.123456, 5, -0.5, 1e-7, 2.0)] == [
        "1234567", "21.123456", "5", "-0.5", "0.0000001", "2"]
    for bad in (True, float("nan"), float("inf"), "3"):
        with pytest.raises(CodecError, match=r"attribute gt: .* is not a number"):
            _attribute_number("gt", bad)


def test_every_coroutine_of_the_device_runs_on_the_rig_clock() -> None:
    """observe_composite() returned the async stream: its next() was an un-awaited coroutine."""
    stream = SimpleNamespace(first="first", ended=False, device=SimpleNamespace(endpoint="ep"), key="composite")

    class FakeDevice:
        endpoint = "ep"

        async def observe_composite(self, paths: Any, fmt: Any) -> Any:
            return stream

    rig = SimpleNamespace(run=asyncio.run)
    got = SyncDevice(cast(Any, rig), cast(Any, FakeDevice())).observe_composite(["/3/0/0"])
    assert isinstance(got, SyncObservation) and got.first == "first"
    public = {name for name in dir(SyncDevice) if not name.startswith("_")}
    from rig.lwm2m.device import Device

    coroutines = {name for name in dir(Device) if not name.startswith("_")
                  and asyncio.iscoroutinefunction(getattr(Device, name))}
    assert coroutines <= public, coroutines - public  # each documented in help(SyncDevice)


def test_a_led_is_named_by_its_number(node: RigNode) -> None:
    assert node.led(0) is False and repr(node) == f"<RigNode {node.name} {node.endpoint}>"
    for bad in (9, -1, "red", True):
        with pytest.raises(ConfigError, match=r"LED .*: give a number 0-7 \(port C pins; the CC2538DK.s LEDs"):
            node.led(bad)  # type: ignore[arg-type]


def test_updating_a_client_without_object_5_says_which_firmware_to_run(rig: Rig) -> None:
    from rig.fota.testing import fota_images
    from rig.lwm2m.fota import update_firmware

    dev = rig.wait_for_registration()
    result = rig.run(update_firmware(dev.device, fota_images() / "lwm2m-client-fota-2.0.0.img"))
    assert not result.ok and result.error is not None
    assert "no Firmware Update object (/5): run a FOTA build" in result.error  # was 4.04 on /5/0/0


def test_a_reboot_whose_answer_was_lost_is_still_waited_for(rig: Rig, node: RigNode) -> None:
    """Execute /3/0/4 carried out, its 2.04 lost: DeviceTimeout, and the next wait_for_registration
    is for the new boot (it returned the old registration at once)."""
    dev = rig.wait_for_registration()
    old = dev.registration
    rig.server.request_timeout = 20.0
    medium = rig.emulation.medium
    medium.set_link_loss(node.name, "border", 1.0)  # nothing from the node gets through
    with pytest.raises(DeviceTimeout):
        dev.execute("/3/0/4")
    medium.set_link_loss(node.name, "border", 0.0)
    assert rig.wait_for_registration(timeout=120).registration is not old


def test_deleting_an_observed_instance_ends_its_observation_with_404(rig: Rig) -> None:
    dev = rig.wait_for_registration()
    assert dev.create("/3303", {2: {}}) == 2
    sensor = dev.observe("/3303/2")
    dev.delete("/3303/2")
    last = sensor.next(timeout=5)
    assert (last.code, last.values) == ("4.04", {})
    with pytest.raises(ObservationEnded, match=r"observation of /3303/2 has ended \(ended by the device\)$"):
        sensor.next(timeout=5)
    assert "/3303/2" not in dev.device.observations


def test_a_raw_request_returns_the_devices_answer_whatever_its_code(rig: Rig) -> None:
    """SyncDevice.request: negative tests see the device's code instead of an LwM2MError."""
    dev = rig.wait_for_registration()
    bad = dev.request("PUT", "/3311/0/5851", b"abc", content_format="text")  # an integer resource
    assert bad.code == "4.00" and not bad.ok
    assert dev.request("PUT", "/3/0/4", b"1", "text").code == "4.05"  # not writable: 4.05 before the value
    got = dev.request("get", "/3/0/0", accept="text")
    assert (got.code, got.payload, got.content_format) == ("2.05", b"lwm2m-rig", 0)
    assert dev.request("PUT", "/3303/0", query=("pmin=1", "pmax=10")).code == "2.04"  # Write-Attributes
    with pytest.raises(CodecError, match=r"method 'BREW': give one of GET, PUT"):
        dev.request("BREW", "/3/0/0")
