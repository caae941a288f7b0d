"""OMA ETS 201-290 (device management and service enablement) against the CC2538 LwM2M client.

The expected values come from the firmware itself (its banner, its EUI-64, its ELF), so a change in
the client shows up here as a failure naming the resource.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path

from elftools.elf.elffile import ELFFile
from elftools.elf.sections import SymbolTableSection

from rig.lwm2m.server import Event, LwM2MServer
from rig.rig import Rig, RigNode
from rig.topology import firmware_path

from lwm2m_steps import refused, registered

DEVICE_STRINGS = {0: "lwm2m-rig", 1: "CC2538", 2: "00124B0000000001", 3: "1.0.0", 16: "U"}
SRAM = 32 * 1024


def free_memory_kib(elf: Path) -> int:
    """What /3/0/10 must say: SRAM above the image's RAM end (stack + .data + .bss), in KiB."""
    with elf.open("rb") as f:
        symtab = ELFFile(f).get_section_by_name(".symtab")
        assert isinstance(symtab, SymbolTableSection)
        symbols = symtab.get_symbol_by_name("_ram_end")
        assert symbols, f"{elf} has no _ram_end symbol"
        ram_end = int(symbols[0]["st_value"])
    return (SRAM - (ram_end - 0x20000000)) // 1024


def test_ets_201_query_basic_information_in_plain_text(rig: Rig, node: RigNode) -> None:
    dev = registered(rig, node)
    for rid, value in DEVICE_STRINGS.items():
        raw = dev.read_raw(f"/3/0/{rid}", fmt="text")
        assert (raw.code, raw.content_format, raw.payload) == ("2.05", 0, value.encode()), rid
    assert dev.read("/3/0/10", fmt="text") == free_memory_kib(firmware_path("lwm2m-client"))
    uptime = dev.read("/3/0/13", fmt="text")  # no RTC: Current Time counts seconds since boot
    assert uptime == int(rig.now)
    # Plain text carries one value: a multiple resource or a whole instance is Not Acceptable.
    refused("4.06", dev.read, "/3/0/11", fmt="text")
    refused("4.06", dev.read, "/3/0", fmt="text")
    refused("4.04", dev.read, "/3/0/7", fmt="text")  # not implemented by this client


def test_ets_202_query_basic_information_in_opaque(rig: Rig, node: RigNode) -> None:
    dev = registered(rig, node)
    # Object 3 has no opaque resource: asking for application/octet-stream is Not Acceptable,
    # at every level, while the same reads in the default format succeed.
    for path in ("/3/0/0", "/3/0/3", "/3/0/13", "/3/0"):
        refused("4.06", dev.read, path, fmt="opaque")
        assert dev.read_raw(path).code == "2.05"


def test_ets_203_query_basic_information_in_tlv(rig: Rig, node: RigNode) -> None:
    dev = registered(rig, node)
    raw = dev.read_raw("/3/0", fmt="tlv")
    assert (raw.code, raw.content_format) == ("2.05", 11542)
    instance = dev.read("/3/0", fmt="tlv")
    assert set(instance) == {0, 1, 2, 3, 10, 11, 13, 16}
    assert {rid: instance[rid] for rid in DEVICE_STRINGS} == DEVICE_STRINGS
    assert instance[10] == free_memory_kib(firmware_path("lwm2m-client"))
    assert instance[11] == {0: 0}  # Error Code: one instance, "no error"
    whole = dev.read("/3", fmt="tlv")
    assert list(whole) == [0] and whole[0][3] == "1.0.0"
    assert dev.read("/3/0/11", fmt="tlv") == {0: 0}
    # Connectivity Monitoring: 802.15.4 bearer, the node's global and link-local addresses.
    conn = dev.read("/4/0", fmt="tlv")
    assert (conn[0], conn[1]) == (23, {0: 23})
    addresses = [ipaddress.IPv6Address(a) for a in conn[4].values()]
    assert addresses == [ipaddress.IPv6Address(node.address), ipaddress.IPv6Address("fe80::212:4b00:0:1")]
    # Without Accept the client picks TLV for an instance and plain text for a single value.
    assert dev.read_raw("/3/0").content_format == 11542
    assert dev.read_raw("/3/0/0").content_format == 0


def test_ets_205_setting_basic_information_in_plain_text(rig: Rig, node: RigNode) -> None:
    dev = registered(rig, node)
    dev.write("/3/0/13", 1_700_000_000, fmt="text")
    written_at = rig.now
    rig.advance(10)
    assert dev.read("/3/0/13", fmt="text") == 1_700_000_000 + int(rig.now - written_at)
    dev.write("/3311/0/5851", 42, fmt="text")
    assert dev.read("/3311/0/5851", fmt="text") == 42
    dev.write("/1/0/2", 5, fmt="text")  # Default Minimum Period
    assert dev.read("/1/0/2") == 5
    # Read-only resources and bad values are refused, and nothing changes.
    refused("4.05", dev.write, "/3/0/0", "other", fmt="text")
    assert dev.read("/3/0/0") == "lwm2m-rig"
    refused("4.00", dev.write, "/1/0/1", 0, fmt="text")  # a zero lifetime is invalid
    assert dev.read("/1/0/1") == 300


def test_ets_221_security_object_refused_to_the_management_server(rig: Rig, node: RigNode) -> None:
    dev = registered(rig, node)
    refused("4.01", dev.read, "/0")
    refused("4.01", dev.read, "/0/0")
    refused("4.01", dev.read, "/0/0/0")
    refused("4.01", dev.write, "/0/0/0", "coap://[fd00::2]:5683", fmt="text")
    refused("4.01", dev.discover, "/0")
    refused("4.01", dev.delete, "/0/0")
    refused("4.01", dev.execute, "/0/0/0")
    # The account is untouched: the client still talks to the same server.
    dev.execute("/1/0/8")
    node.expect(r"^lwm2m: updated /rd/\w+$", timeout=5)


def test_ets_241_reboot(rig: Rig, node: RigNode, lwm2m_server: LwM2MServer) -> None:
    dev = registered(rig, node)
    dev.write("/3311/0/5850", True)
    assert node.led(0)
    first_id = dev.registration.reg_id
    events: list[Event] = []
    lwm2m_server.on(None, events.append)
    dev.execute("/3/0/4")  # the 2.04 comes back before the client resets
    node.expect(r"^lwm2m: rebooting \(Execute /3/0/4\)$", timeout=2)
    node.expect(r"^lwm2m-client 1\.0\.0 eui64=00:12:4b:00:00:00:00:01$", timeout=2)
    assert not node.led(0)  # RAM state is gone: the light is off again
    node.expect(r"^lwm2m: registered /rd/\w+$", timeout=10)
    assert [e.kind for e in events if e.kind in ("registered", "deregistered", "updated")] == ["registered"]
    reg = dev.registration
    assert reg.reg_id != first_id and reg.endpoint == node.endpoint
    assert dev.read("/3311/0/5850") is False
    assert dev.read("/3/0/13") <= 1  # uptime restarted


def test_ets_260_discover(rig: Rig, node: RigNode) -> None:
    dev = registered(rig, node)
    resources = [0, 1, 2, 3, 4, 5, 10, 11, 12, 13, 16]
    links = dev.discover("/3/0")
    assert [link.target for link in links] == ["/3/0"] + [f"/3/0/{rid}" for rid in resources]
    assert {link.target: link.attrs for link in links}["/3/0/11"] == {"dim": "1"}
    object_links = dev.discover("/3")
    assert object_links[0].target == "/3" and object_links[0].attrs == {"ver": "1.1"}
    assert [link.target for link in object_links[1:]] == [link.target for link in links]
    # Attributes written with Write-Attributes show up in Discover as TS 5.4.2 lists them: on an
    # object only the object's own, on an instance each link's own, on a resource with what the
    # resource inherits from its instance and object.
    dev.write_attributes("/3303", pmin=2)
    dev.write_attributes("/3303/0", pmax=20)
    dev.write_attributes("/3303/0/5700", pmax=10)
    object_links = dev.discover("/3303")
    assert object_links[0].attrs == {"ver": "1.1", "pmin": "2"}
    assert all(not link.attrs for link in object_links[1:])
    instance_links = {link.target: link.attrs for link in dev.discover("/3303/0")}
    assert instance_links["/3303/0"] == {"pmax": "20"} and instance_links["/3303/0/5700"] == {"pmax": "10"}
    (one,) = dev.discover("/3303/0/5700")
    assert (one.target, one.attrs) == ("/3303/0/5700", {"pmin": "2", "pmax": "10"})
    refused("4.04", dev.discover, "/3/1")


def test_ets_270_create_object_instance(rig: Rig, node: RigNode, lwm2m_server: LwM2MServer) -> None:
    dev = registered(rig, node)
    events: list[Event] = []
    lwm2m_server.on("updated", events.append)
    assert dev.create("/3303", {}) == 1  # the client picks the first free ID (Location-Path)
    assert dev.read("/3303/1/5701") == "Cel"
    assert dev.read("/3303/1/5700") == dev.read("/3303/0/5700") + 1.0  # instance n reads n degrees higher
    # The new instance is announced with a Registration Update carrying the object links.
    node.expect(r"^lwm2m: updated /rd/\w+$", timeout=5)
    assert len(events) == 1 and dev.registration.objects[3303] == [0, 1]
    refused("4.00", dev.create, "/3303", {})  # no free instance slot left
    refused("4.05", dev.create, "/3", {})  # Device is a single-instance object


def test_create_with_an_instance_tlv_makes_that_one_instance(rig: Rig, node: RigNode) -> None:
    """Create naming its instance in a TLV instance entry (this image has no bootstrap: a write
    creates at most that one instance): the named ID, or 4.00 and nothing created."""
    dev = registered(rig, node)
    remote = dev.registration.remote

    def create(payload: bytes) -> tuple[str, tuple[str, ...]]:
        resp = rig.run(
            dev.server.coap.request(remote, "POST", ("3303",), payload, content_format=11542, timeout=10)
        )
        return resp.code, resp.location_path

    assert create(bytes([0x00, 7, 0x00, 8]))[0] == "4.00"  # two instance entries
    refused("4.04", dev.read, "/3303/7")
    refused("4.04", dev.read, "/3303/8")
    assert create(bytes([0x00, 7])) == ("2.01", ("3303", "7"))  # an empty instance entry: ID 7
    assert dev.read("/3303/7/5701") == "Cel"
    assert create(bytes([0x00, 7]))[0] == "4.00"  # it exists
    assert create(bytes([0x00, 9]))[0] == "4.00"  # both slots (0 and 7) taken
    refused("4.04", dev.read, "/3303/9")


def test_ets_290_delete_object_instance(rig: Rig, node: RigNode) -> None:
    dev = registered(rig, node)
    assert dev.create("/3303", {}) == 1
    node.expect(r"^lwm2m: updated /rd/\w+$", timeout=5)
    dev.delete("/3303/1")
    refused("4.04", dev.read, "/3303/1")
    node.expect(r"^lwm2m: updated /rd/\w+$", timeout=5)
    assert dev.registration.objects[3303] == [0]
    refused("4.04", dev.delete, "/3303/1")
    refused("4.05", dev.delete, "/3/0")
    assert dev.read("/3/0/0") == "lwm2m-rig"


def test_uri_paths_outside_the_data_model_get_404(rig: Rig, node: RigNode) -> None:
    """This image has no client-initiated bootstrap: "bs" is a path like any other non-number."""
    dev = registered(rig, node)
    remote = dev.registration.remote

    def code(method: str, *path: str) -> str:
        return rig.run(dev.server.coap.request(remote, method, path, timeout=10)).code

    assert code("POST", "bs") == "4.04"  # no Bootstrap-Finish to a management server
    assert code("GET", "bs") == "4.04"
    assert code("GET", "3", "00") == "4.04"  # leading zero
    assert code("GET", "65535") == "4.04"  # beyond the 16-bit ids (65535 means "none")
    assert code("GET", "3", "0", "0", "0", "0") == "4.04"  # more than 4 segments
    assert code("GET", "3", "0", "0") == "2.05"
