"""LwM2M server behaviour against an in-test fake client (raw UDP, own CoAP codec), on virtual time."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from rig.errors import ConfigError
from rig.lwm2m import coapwire as cw
from rig.lwm2m import codecs
from rig.lwm2m.bootstrap import BootstrapConfig
from rig.lwm2m.errors import DeviceTimeout, LwM2MError, NotRegistered
from rig.lwm2m.fakeclient import run_scenario
from rig.lwm2m.model import ObjLnk
from rig.lwm2m.registration import parse_object_links, parse_query
from rig.lwm2m.server import Event, LwM2MServer

scenario = run_scenario


def test_register_update_deregister_with_events() -> None:
    async def body(server: LwM2MServer, make_client: Callable) -> None:
        seen: list[Event] = []
        server.on(None, seen.append)
        client = await make_client("node-1")
        resp = await client.register(lifetime=120, binding="U", version="1.1")
        assert resp.code_text == "2.01" and client.location and client.location.startswith("/rd/")
        device = await server.wait_for_registration("node-1", timeout=5)
        reg = device.registration
        assert (reg.lifetime, reg.version, reg.binding, reg.queue_mode) == (120, "1.1", "U", False)
        assert reg.objects[3] == [0] and reg.objects[3303] == [0]
        assert (await client.update(lifetime=60, payload=b"</3/0>,</1/0>")).code_text == "2.04"
        assert device.registration.lifetime == 60 and 3303 not in device.registration.objects
        assert (await client.deregister()).code_text == "2.02"
        assert "node-1" not in server.registrations
        assert [e.kind for e in seen] == ["registered", "updated", "deregistered"]
        assert (await client.update()).code_text == "4.04"  # the registration is gone
        with pytest.raises(NotRegistered):
            await device.read("/3/0/0")
        # Events also arrive on the queue, in order.
        kinds = [server.events.get_nowait().kind for _ in range(3)]
        assert kinds == ["registered", "updated", "deregistered"]

    scenario(body)


def test_lifetime_expiry_follows_the_loop_clock_and_updates_extend_it() -> None:
    async def body(server: LwM2MServer, make_client: Callable) -> None:
        loop = asyncio.get_running_loop()
        client = await make_client()
        await client.register(lifetime=100)
        start = loop.time()
        await asyncio.sleep(90)  # virtual seconds
        assert (await client.update()).code_text == "2.04"  # restarts the 100 s lifetime
        await asyncio.sleep(90)
        assert "dev1" in server.registrations
        event = await server.wait_for_event("expired", "dev1", timeout=200)
        assert event.time - start == pytest.approx(90 + 100 + server.expiry_grace, abs=0.5)
        assert "dev1" not in server.registrations
        assert (await client.update()).code_text == "4.04"

    scenario(body)


def test_reregistration_replaces_the_old_registration() -> None:
    async def body(server: LwM2MServer, make_client: Callable) -> None:
        client = await make_client()
        await client.register()
        first = client.location
        await client.register()
        assert client.location != first and len(server.registrations) == 1
        client.location = first
        assert (await client.update()).code_text == "4.04"

    scenario(body)


def test_marks_tell_apart_events_of_one_virtual_instant() -> None:
    """A reboot's registration can share its instant with the one before it: since=mark() waits for
    the new one, where a time could only return the old."""

    async def body(server: LwM2MServer, make_client: Callable) -> None:
        loop = asyncio.get_running_loop()
        client = await make_client("node-1")
        await client.register()
        old = server.registrations["node-1"]
        at, mark = loop.time(), server.mark()
        with pytest.raises(DeviceTimeout):  # nothing after the mark yet, though one at this instant
            await server.wait_for_event("registered", "node-1", timeout=1, since=mark)
        assert loop.time() == at + 1
        with pytest.raises(DeviceTimeout):
            await server.wait_for_registration("node-1", timeout=1, since=mark)
        await client.register()  # the reboot's registration
        event = await server.wait_for_event("registered", timeout=0, since=mark)
        assert event.seq >= mark and event.registration is not None and event.registration.reg_id != old.reg_id
        device = await server.wait_for_registration("node-1", timeout=0, since=mark)
        assert device.registration.reg_id == event.registration.reg_id  # (the event holds a snapshot of it)
        # any endpoint: the first event after the mark
        other = await make_client("node-2")
        await other.register()
        assert (await server.wait_for_event("registered", timeout=0, since=mark)).endpoint == "node-1"
        with pytest.raises(ConfigError, match=r"since=1\.5: give a mark from server\.mark\(\)"):
            await server.wait_for_event("registered", "node-1", timeout=0, since=1.5)  # type: ignore[arg-type]

    scenario(body)


def test_registrations_refused_for_some_endpoints_until_allowed() -> None:
    async def body(server: LwM2MServer, make_client: Callable) -> None:
        seen: list[Event] = []
        server.on("rejected", seen.append)
        server.refuse_registrations("5.03", endpoints=["dev-b"])
        a, b = await make_client("dev-a"), await make_client("dev-b")
        assert (await a.register()).code_text == "2.01"
        assert (await b.register()).code_text == "5.03"
        assert list(server.registrations) == ["dev-a"] and server.counters["rejected"] == 1
        assert [(e.endpoint, e.data["detail"]) for e in seen] == [("dev-b", "refused with 5.03 (refuse_registrations)")]
        assert (await a.update()).code_text == "2.04"  # existing registrations are still served
        server.allow_registrations()
        assert (await b.register()).code_text == "2.01"
        for code, endpoints in (("2.01", None), ("403", None), ("4.03", "dev-b")):
            with pytest.raises(ConfigError, match="refuse_registrations"):
                server.refuse_registrations(code, endpoints)

    scenario(body)


def test_read_write_execute_create_delete_discover_in_every_format() -> None:
    async def body(server: LwM2MServer, make_client: Callable) -> None:
        client = await make_client()
        await client.register()
        dev = await server.wait_for_registration("dev1")
        assert await dev.read("/3/0/0") == "lwm2m-rig"
        for fmt in ("tlv", "senml-json", "senml-cbor"):
            client.read_format = codecs.format_number(fmt)
            obj = await dev.read("/3/0")
            assert obj[0] == "lwm2m-rig" and obj[6] == {0: 1, 1: 5} and obj[9] == 95
            assert await dev.read("/3303/0/5700", fmt=fmt) == 21.5
            await dev.write("/3/0/13", 1234, fmt=fmt)
            assert client.resources[(3, 0, 13)] == 1234
        await dev.write("/3/0/14", "+02:00", fmt="text")
        assert await dev.read("/3/0/14", fmt="text") == "+02:00"
        await dev.write("/5/0/0", b"\x00\x01", fmt="opaque")
        assert client.resources[(5, 0, 0)] == b"\x00\x01"
        await dev.write("/3/0/22", {0: ObjLnk(3303, 0)})
        assert await dev.read("/3/0/22/0", fmt="senml-json") == ObjLnk(3303, 0)
        await dev.write_partial("/3311/0", {5850: True})  # 4.04: no such instance yet
        raise AssertionError("write_partial on a missing instance must fail")

    with pytest.raises(LwM2MError) as info:
        scenario(body)
    assert info.value.code == 4.04 and info.value.path == "/3311/0"


def test_execute_create_delete_discover_and_attributes() -> None:
    async def body(server: LwM2MServer, make_client: Callable) -> None:
        client = await make_client()
        await client.register()
        dev = await server.wait_for_registration("dev1")
        await dev.execute("/3/0/4")
        await dev.execute("/1/0/8", "0='x'")
        assert client.executed == [("/3/0/4", b""), ("/1/0/8", b"0='x'")]
        with pytest.raises(LwM2MError) as info:
            await dev.execute("/3/0/0")  # not executable
        assert info.value.code == 4.05
        iid = await dev.create("/3311", {5850: True, 5851: 40})
        assert iid == 0 and client.resources[(3311, 0, 5851)] == 40
        assert await dev.create("/3311", {7: {5850: False}}) == 7
        await dev.write_partial("/3311/7", {5851: 10})
        assert await dev.read("/3311/7") == {5850: False, 5851: 10}
        await dev.delete("/3311/7")
        assert not any(p[:2] == (3311, 7) for p in client.resources)
        links = await dev.discover("/3/0")
        targets = {link.target: link.attrs for link in links}
        assert targets["/3/0/6"] == {"dim": "2"} and "/3/0/0" in targets
        await dev.write_attributes("/3303/0/5700", pmin=1, pmax=30, gt=25.5)
        assert client.attributes["/3303/0/5700"] == ["pmin=1", "pmax=30", "gt=25.5"]
        with pytest.raises(LwM2MError) as info:
            await dev.read("/3/5")
        assert info.value.code == 4.04 and info.value.endpoint == "dev1"

    scenario(body)


@pytest.mark.parametrize("mode", ["get", "rst"])
@pytest.mark.parametrize("con", [True, False])
def test_observe_then_cancel_stops_notifications_at_the_device(mode: str, con: bool) -> None:
    async def body(server: LwM2MServer, make_client: Callable) -> None:
        notes: list = []
        server.on("notification", notes.append)
        client = await make_client()
        await client.register()
        dev = await server.wait_for_registration("dev1")
        stream = await dev.observe("/3303/0/5700")
        assert stream.first.value == 21.5 and len(client.observations) == 1
        token = next(iter(client.observations))
        for value in (22.0, 23.5):
            client.resources[(3303, 0, 5700)] = value
            assert client.notify((3303, 0, 5700), con=con) == 1
            note = await stream.next(timeout=5)
            assert note.value == value and note.path == "/3303/0/5700"
        assert [n.data["notification"].value for n in notes] == [22.0, 23.5]
        await dev.cancel_observe("/3303/0/5700", mode=mode)
        if mode == "get":
            cancel = [m for m in client.requests if m.observe == 1]
            assert len(cancel) == 1 and cancel[0].token == token  # same token, as RFC 7641 wants
            assert not client.observations
        else:
            assert client.notify((3303, 0, 5700), con=con) == 1
            await asyncio.sleep(1)
            assert not client.observations  # the device got an RST for the notification
            rsts = [e for e in server.trace.entries if e.mtype == "RST" and e.direction == "out"]
            assert len(rsts) == 1
        assert client.notify((3303, 0, 5700), con=con) == 0
        assert [n async for n in stream] == []  # the stream ended
        assert len(notes) == 2

    scenario(body)


def test_large_observe_answers_and_notifications_are_completed_block_wise() -> None:
    async def body(server: LwM2MServer, make_client: Callable) -> None:
        client = await make_client(block2_size=32)
        await client.register()
        dev = await server.wait_for_registration("dev1")
        stream = await dev.observe("/3/0", fmt="tlv")
        assert stream.first.value[0] == "lwm2m-rig" and stream.first.value[16] == "U"
        client.resources[(3, 0, 0)] = "a much longer manufacturer name than before"
        client.notify((3, 0))
        note = await stream.next(timeout=5)
        assert note.value[0] == "a much longer manufacturer name than before" and note.value[16] == "U"
        later_blocks = [m.block(cw.BLOCK2)[0] for m in client.requests if m.block(cw.BLOCK2)]
        # the observation's answer: block 1 (ETags match); the notification's block 0 has no ETag
        # (RFC 7959 2.6), so after block 1 the server takes the representation from block 0 again
        assert later_blocks == [1, 1, 0, 1, 2]

    scenario(body)


def test_a_representation_that_changes_between_blocks_is_read_again_from_block_0() -> None:
    """RFC 7959 2.4: each block carries the ETag of the representation it was cut from."""

    async def body(server: LwM2MServer, make_client: Callable) -> None:
        client = await make_client(block2_size=32)
        await client.register()
        dev = await server.wait_for_registration("dev1")
        before = await dev.read("/3/0", fmt="tlv")

        def change_once(num: int) -> None:
            if num == 0 and client.resources[(3, 0, 0)] == "lwm2m-rig":
                client.resources[(3, 0, 0)] = "renamed between two blocks of one read"

        client.on_block = change_once
        client.requests.clear()
        after = await dev.read("/3/0", fmt="tlv")
        assert after == {**before, 0: "renamed between two blocks of one read"}  # whole, not torn
        firsts = [m for m in client.requests if m.block(cw.BLOCK2) in (None, (0, False, 1))]
        assert len(firsts) == 2  # block 0 asked for again when block 1's ETag differed

        def change_always(num: int) -> None:
            client.resources[(3, 0, 9)] = int(client.resources[(3, 0, 9)]) - 1

        client.on_block = change_always
        with pytest.raises(LwM2MError, match=r"5\.00 .*changed during each of 4 block-wise transfers"):
            await dev.read("/3/0", fmt="tlv")
        client.on_block = None
        assert (await dev.read("/3/0", fmt="tlv"))[9] == client.resources[(3, 0, 9)]

    scenario(body)


def test_blocks_without_etags_are_taken_as_they_come() -> None:
    async def body(server: LwM2MServer, make_client: Callable) -> None:
        client = await make_client(block2_size=32, block2_etag=False)
        await client.register()
        dev = await server.wait_for_registration("dev1")
        client.requests.clear()
        assert (await dev.read("/3/0", fmt="tlv"))[0] == "lwm2m-rig"
        assert [m.block(cw.BLOCK2)[0] for m in client.requests if m.block(cw.BLOCK2)][:1] == [1]

    scenario(body)


def test_observe_object_instance_typed_and_composite() -> None:
    async def body(server: LwM2MServer, make_client: Callable) -> None:
        client = await make_client()
        await client.register()
        dev = await server.wait_for_registration("dev1")
        stream = await dev.observe("/3/0", fmt="senml-cbor")
        assert stream.first.value[9] == 95
        client.resources[(3, 0, 9)] = 42
        client.notify((3, 0))
        assert (await stream.next(timeout=5)).value[9] == 42
        await stream.cancel()
        values = await dev.read_composite(["/3/0/9", "/3303/0/5700"])
        assert values == {(3, 0, 9): 42, (3303, 0, 5700): 21.5}
        composite = await dev.observe_composite(["/3/0/9", "/3303/0/5700"])
        assert composite.first.value == values
        client.resources[(3303, 0, 5700)] = 19.0
        client.notify(())
        note = await composite.next(timeout=5)
        assert note.path == "composite" and note.value == {(3, 0, 9): 42, (3303, 0, 5700): 19.0}
        await dev.cancel_observe("composite")
        cancel = [m for m in client.requests if m.code == cw.FETCH and m.observe == 1]
        assert len(cancel) == 1 and cancel[0].payload == client.requests[-2].payload
        assert not client.observations

    scenario(body)


def test_send_is_received_as_an_event() -> None:
    async def body(server: LwM2MServer, make_client: Callable) -> None:
        sent: list[Event] = []
        server.on("send", sent.append)
        client = await make_client()
        await client.register()
        resp = await client.send_values({(3303, 0, 5700): 30.5, (3, 0, 9): 80})
        assert resp.code_text == "2.04" and len(sent) == 1
        event = sent[0]
        assert event.data["values"] == {(3303, 0, 5700): 30.5, (3, 0, 9): 80}
        stranger = await make_client("stranger")
        assert (await stranger.send_values({(3, 0, 9): 1})).code_text == "4.03"

    scenario(body)


def test_blockwise_both_ways_with_413_size1_honoured() -> None:
    async def body(server: LwM2MServer, make_client: Callable) -> None:
        client = await make_client(max_block1=128, block2_size=64)
        # Device -> server: a registration payload in 32-byte Block1 blocks.
        links = ",".join(f"</3303/{i}>" for i in range(60)).encode()
        client.resources.update({(3303, i, 5700): float(i) for i in range(60)})
        resp = await client.register(payload=links, block_size=32)
        assert resp.code_text == "2.01"
        dev = await server.wait_for_registration("dev1")
        assert dev.registration.objects[3303] == list(range(60))
        # Server -> device: 1 KiB block size asked, the device answers 4.13 Size1=128, retried smaller.
        image = bytes(range(256)) * 12
        await dev.write("/5/0/0", image, fmt="opaque", block_size=1024)
        assert client.resources[(5, 0, 0)] == image
        blocks = [m.block(cw.BLOCK1) for m in client.requests if m.block(cw.BLOCK1)]
        assert {16 << b[2] for b in blocks if b[0] > 0} == {128}
        # Device -> server: a read answered in 64-byte Block2 blocks.
        assert await dev.read("/5/0/0", fmt="opaque") == image
        assert sum(1 for m in client.requests if m.block(cw.BLOCK2)) >= len(image) // 64 - 1
        client.requests.clear()
        assert await dev.read("/5/0/0", fmt="opaque", block_size=32) == image  # the server asks for 32
        assert {16 << m.block(cw.BLOCK2)[2] for m in client.requests} == {32}
        # A device that takes 512 bytes only unblocked (no reassembly buffer): 4.13 Size1=512 -> one datagram.
        client.max_block1, client.requests = 512, []
        client.no_block1 = True
        await dev.write("/5/0/0", image[:400], fmt="opaque", block_size=64)
        assert client.resources[(5, 0, 0)] == image[:400]
        assert [m.block(cw.BLOCK1) is None for m in client.requests] == [False, True]
        client.no_block1 = False
        # A chosen block size is used from the first block.
        client.requests.clear()
        await dev.write("/5/0/0", image[:300], fmt="opaque", block_size=64)
        assert [16 << m.block(cw.BLOCK1)[2] for m in client.requests] == [64] * 5

    scenario(body)


def test_queue_mode_holds_requests_until_the_device_updates() -> None:
    async def body(server: LwM2MServer, make_client: Callable) -> None:
        loop = asyncio.get_running_loop()
        client = await make_client()
        await client.register(binding="UQ", lifetime=600)
        dev = await server.wait_for_registration("dev1")
        assert dev.registration.queue_mode
        assert await dev.read("/3/0/9") == 95  # awake right after registering
        await asyncio.sleep(server.awake_time + 1)
        assert not server.is_awake("dev1")
        read = asyncio.ensure_future(dev.read("/3/0/9"))
        await asyncio.sleep(100)
        assert not read.done() and not any(m.code == cw.GET for m in client.requests[1:])
        woke = loop.time()
        await client.update()
        assert await read == 95
        assert loop.time() - woke < 1

    scenario(body)


def test_queue_mode_request_times_out_when_the_device_stays_asleep() -> None:
    async def body(server: LwM2MServer, make_client: Callable) -> None:
        client = await make_client()
        await client.register(extra=("Q",))
        dev = await server.wait_for_registration("dev1")
        await asyncio.sleep(server.awake_time + 1)
        with pytest.raises(DeviceTimeout):
            await dev.read("/3/0/9")

    scenario(body, request_timeout=50)


def write_config(tmp_path: Path, port: int, suffix: str) -> Path:
    path = tmp_path / f"bs{suffix}"
    if suffix == ".toml":
        path.write_text(
            f'[endpoints.dev1]\nserver_uri = "coap://[::1]:{port}"\nlifetime = 77\nsecurity_mode = "nosec"\n'
        )
    else:
        path.write_text(json.dumps({"default": {"server_uri": f"coap://[::1]:{port}", "lifetime": 77}}))
    return path


@pytest.mark.parametrize("suffix", [".toml", ".json"])
def test_bootstrap_flow_then_registration(tmp_path: Path, suffix: str) -> None:
    port_holder: dict[str, int] = {}

    async def body(server: LwM2MServer, make_client: Callable) -> None:
        server.bootstrap = BootstrapConfig.load(write_config(tmp_path, server.port, suffix))
        client = await make_client()
        client.resources[(0, 0, 0)] = "coap://[::1]:1"  # the bootstrap account survives Delete /
        resp = await client.bootstrap_request()
        assert resp.code_text == "2.04"
        event = await server.wait_for_event("bootstrap_finished", "dev1", timeout=30)
        session = event.data["bootstrap"]
        assert [s.split(" -> ")[0] for s in session.steps] == [
            "GET /",
            "DELETE /",
            "PUT /0/1",
            "PUT /1/0",
            "POST /bs",
        ]
        assert client.bootstrap_done.is_set()
        assert client.resources[(0, 1, 0)] == f"coap://[::1]:{server.port}"
        assert client.resources[(0, 1, 2)] == 3 and client.resources[(0, 1, 1)] is False
        assert client.resources[(1, 0, 1)] == 77 and (3, 0, 0) not in client.resources
        assert client.resources[(0, 0, 0)] == "coap://[::1]:1"
        await client.register(lifetime=client.resources[(1, 0, 1)])
        dev = await server.wait_for_registration("dev1")
        assert dev.registration.lifetime == 77
        port_holder["port"] = server.port

    scenario(body)


def test_bootstrap_for_an_unknown_endpoint_is_refused(tmp_path: Path) -> None:
    async def body(server: LwM2MServer, make_client: Callable) -> None:
        server.bootstrap = BootstrapConfig.from_dict({"endpoints": {"other": {"server_uri": "coap://[::1]:1"}}})
        client = await make_client()
        resp = await client.bootstrap_request()
        assert resp.code_text == "4.00" and b"dev1" in resp.payload

    scenario(body)


def test_a_refused_bootstrap_request_is_an_event_naming_why() -> None:
    """`rig server` without --bootstrap-config said nothing when a client asked to be bootstrapped."""
    async def body(server: LwM2MServer, make_client: Callable) -> None:
        mark = server.mark()
        client = await make_client()
        resp = await client.bootstrap_request()
        assert resp.code_text == "4.04"
        server.bootstrap = BootstrapConfig.from_dict({"endpoints": {"other": {"server_uri": "coap://[::1]:1"}}})
        assert (await client.bootstrap_request()).code_text == "4.00"
        refused = [e for e in server.history if e.seq >= mark and e.kind == "rejected"]
        assert [(e.endpoint, e.data["detail"]) for e in refused] == [
            ("dev1", "Bootstrap-Request: this server is not a bootstrap server (no bootstrap configuration given)"),
            ("dev1", "Bootstrap-Request: no bootstrap configuration for 'dev1'"),
        ]

    scenario(body)


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"endpoints": {"a": {}}}, "server_uri"),
        ({"endpoints": {"a": {"server_uri": "http://x"}}}, "coap://"),
        ({"endpoints": {"a": {"server_uri": "coap://x", "security_mode": "magic"}}}, "security_mode"),
        ({"endpoints": {"a": {"server_uri": "coap://x", "colour": 1}}}, "unknown setting"),
        ({"servers": {}}, "unknown section"),
    ],
)
def test_bad_bootstrap_config_is_a_one_line_error(config: dict, message: str) -> None:
    from rig.errors import ConfigError

    with pytest.raises(ConfigError, match=message):
        BootstrapConfig.from_dict(config)


def test_trace_records_every_exchange_and_exports(tmp_path: Path) -> None:
    async def body(server: LwM2MServer, make_client: Callable) -> None:
        client = await make_client()
        await client.register()
        dev = await server.wait_for_registration("dev1")
        await dev.read("/3/0/0")
        entries = server.trace.for_endpoint("dev1")
        summary = [(e.direction, e.code) for e in entries]
        assert summary == [("in", "POST"), ("out", "2.01"), ("out", "GET"), ("in", "2.05")]
        read = entries[2]
        assert "URI_PATH=3" in read.options and read.mid is not None and read.token
        assert entries[3].payload == "lwm2m-rig" and entries[3].token == read.token
        server.trace.save(tmp_path / "t.json")
        server.trace.save(tmp_path / "t.txt")
        loaded = json.loads((tmp_path / "t.json").read_text())
        assert loaded[0]["endpoint"] == "dev1" and loaded[0]["code"] == "POST"
        assert "<- dev1" in (tmp_path / "t.txt").read_text()

    scenario(body)


def test_device_that_does_not_answer_times_out_and_the_server_goes_on() -> None:
    async def body(server: LwM2MServer, make_client: Callable) -> None:
        client = await make_client()
        await client.register()
        dev = await server.wait_for_registration("dev1")
        client.close()  # the device vanishes
        with pytest.raises(DeviceTimeout, match="dev1/3/0/0"):
            await dev.read("/3/0/0")
        other = await make_client("dev2")
        assert (await other.register()).code_text == "2.01"

    scenario(body, request_timeout=300)


@pytest.mark.parametrize(
    ("later_block", "error"),
    [
        ((5, False), r"5\.00 .*block 1 answered with block 5 of 32 bytes"),  # skips ahead
        (None, r"5\.00 .*block 1 answered with no Block2"),
        ("4.08", r"4\.08 .*block 1 answered 4\.08"),  # the device refuses the continuation
    ],
)
def test_a_broken_block2_answer_is_an_lwm2m_error_not_a_timeout(
    later_block: tuple[int, bool] | str | None, error: str
) -> None:
    """A composite read (FETCH) answered in blocks that do not continue: the device did answer."""

    async def body(server: LwM2MServer, make_client: Callable) -> None:
        client = await make_client()
        await client.register()
        dev = await server.wait_for_registration("dev1")
        serve = client._serve

        def broken_fetch(req: cw.Msg) -> cw.Msg:
            block = req.block(cw.BLOCK2)
            if req.code != cw.FETCH:
                return serve(req)
            resp = client._reply(req, "2.05", bytes(32)).add(cw.CONTENT_FORMAT, codecs.SENML_CBOR)
            if block is None or block[0] == 0:
                return resp.add(cw.BLOCK2, cw.block_value(0, True, 1))
            if isinstance(later_block, str):
                return client._reply(req, later_block)
            if later_block is not None:
                num, more = later_block
                resp.add(cw.BLOCK2, cw.block_value(num, more, 1))
            return resp

        client._serve = broken_fetch
        with pytest.raises(LwM2MError, match=error):
            await dev.read_composite(["/3/0/9"])
        assert await dev.read("/3/0/9") == 95  # and the device is still served

    scenario(body, request_timeout=60)


def test_wait_for_registration_times_out_in_virtual_time() -> None:
    async def body(server: LwM2MServer, make_client: Callable) -> None:
        with pytest.raises(DeviceTimeout):
            await server.wait_for_registration("nobody", timeout=3600)

    scenario(body)


def test_deregistration_ends_observations_and_later_notifications_are_reset() -> None:
    async def body(server: LwM2MServer, make_client: Callable) -> None:
        client = await make_client()
        await client.register()
        dev = await server.wait_for_registration("dev1")
        stream = await dev.observe("/3/0/9")
        await client.deregister()
        assert [n async for n in stream] == [] and not dev.observations
        assert client.notify((3, 0, 9)) == 1
        await asyncio.sleep(1)
        assert not client.observations  # answered with RST: the device stops notifying

    scenario(body)


def test_a_second_server_on_a_busy_port_is_refused() -> None:
    from rig.errors import ConfigError

    async def body(server: LwM2MServer, make_client: Callable) -> None:
        with pytest.raises(ConfigError, match="already in use"):
            await LwM2MServer(port=server.port).start()  # aiocoap's SO_REUSEPORT would hide this

    scenario(body)


def test_fw_blocks_are_cut_at_the_smaller_size_and_renumbered() -> None:
    from rig.lwm2m.server import serve_block

    data = bytes(range(256)) * 4  # 1024 bytes
    whole = serve_block(data[:100], None, 6)
    assert (whole.code, whole.payload, whole.block2) == ("2.05", data[:100], None)
    first = serve_block(data, None, 3)  # no Block2 asked: the server's size
    assert (first.payload, first.block2) == (data[:128], (0, True, 3))
    beyond = serve_block(data, (1, 6), 4)  # block 1 of 1024 bytes would start at the end
    assert beyond.code == "4.02"
    renumbered = serve_block(data, (1, 5), 4)  # block 1 of 512 = offset 512 = block 2 of 256
    assert (renumbered.payload, renumbered.block2) == (data[512:768], (2, True, 4))
    last = serve_block(data, (3, 4), 6)  # the client's smaller size wins
    assert (last.payload, last.block2) == (data[768:], (3, False, 4))


@pytest.mark.parametrize("fmt", [-1, 70000, 3.5, True, "٣"])
def test_bad_content_format_is_refused_and_the_device_stays_usable(fmt: object) -> None:
    # -1 was an OverflowError inside aiocoap, after which every request to the device failed.
    async def body(server: LwM2MServer, make_client: Callable) -> None:
        client = await make_client("node")
        await client.register()
        device = server.device("node")
        with pytest.raises(codecs.CodecError, match="content format"):
            await device.read("/3/0/0", fmt=fmt)  # type: ignore[arg-type]
        assert await device.read("/3/0/0") == "lwm2m-rig"

    scenario(body)


def test_writing_in_a_read_only_format_names_the_formats_writes_take() -> None:
    async def body(server: LwM2MServer, make_client: Callable) -> None:
        client = await make_client("node")
        await client.register()
        with pytest.raises(codecs.CodecError, match=r"11543 \(json\); writes take text, opaque, tlv"):
            await server.device("node").write("/3/0/0", "x", fmt="json")

    scenario(body)


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("//", "empty segment"),  # was read as the root
        ("//3/0", "empty segment"),  # was read as /3/0
        (b"/3", "give a string"),  # was sent as /47/51
        (None, "give a string"),  # was TypeError: 'NoneType' object is not iterable
        ((3, -1), "each an integer 0..65535"),  # was sent as /3/-1
        ((3, 70000), "each an integer 0..65535"),
        ((3, "x"), "each an integer 0..65535"),
        ((3, 0, 0, 0, 0), "up to 4 IDs"),
    ],
)
def test_bad_paths_are_refused_before_anything_is_sent(path: object, message: str) -> None:
    async def body(server: LwM2MServer, make_client: Callable) -> None:
        client = await make_client("node")
        await client.register()
        with pytest.raises(codecs.CodecError, match=message):
            await server.device("node").read(path)  # type: ignore[arg-type]
        assert not [e for e in server.trace.entries if e.direction == "out" and e.code == "GET"]

    scenario(body)


@pytest.mark.parametrize("size", [0, 7, 100, -16, 4096, True])
def test_block_size_that_coap_cannot_carry_is_refused(size: int) -> None:
    async def body(server: LwM2MServer, make_client: Callable) -> None:
        client = await make_client("node")
        await client.register()
        device = server.device("node")
        with pytest.raises(codecs.CodecError, match=f"block size {size!r}: use one of 16, 32"):
            await device.read("/3/0/0", block_size=size)  # was silently rounded to 16..1024
        with pytest.raises(codecs.CodecError, match="block size"):
            await device.write("/5/0/0", b"x" * 300, fmt="opaque", block_size=size)
        with pytest.raises(codecs.CodecError, match="block size"):
            await device.write_partial("/1/0", {1: 600}, block_size=size)

    scenario(body)


@pytest.mark.parametrize(("path", "args", "message"), [
    ("/3/0", "", r"execute needs a resource path \(/OBJ/INST/RES\), not /3/0"),  # was a Write-Update: "executed"
    ("/3", "", "not /3"),  # was a Create
    ("/", "", "not /$"),
    ("/3/0/4/0", "", "not /3/0/4/0"),
    ("/3/0/4", 5, "execute arguments must be text"),  # was AttributeError: 'int' object has no attribute 'encode'
    ("/3/0/4", "0='\udcff'", "execute /3/0/4 arguments: .* has no UTF-8 form"),  # was UnicodeEncodeError
])
def test_execute_refuses_what_is_not_an_execute(path: str, args: object, message: str) -> None:
    async def body(server: LwM2MServer, make_client: Callable) -> None:
        client = await make_client("node")
        await client.register()
        with pytest.raises(codecs.CodecError, match=message):
            await server.device("node").execute(path, args)  # type: ignore[arg-type]
        assert not [e for e in server.trace.entries if e.direction == "out" and e.code == "POST"]

    scenario(body)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"port": 70000}, "port 70000 is not a UDP port"),  # was OverflowError from bind()
        ({"port": -1}, "port -1 is not a UDP port"),
        ({"default_format": "tvl"}, "unknown content format 'tvl'"),  # was accepted, failed at the first write
        ({"bootstrap": "/nonexistent/bs.toml"}, "bootstrap config /nonexistent/bs.toml"),  # a str was kept as config
        ({"bootstrap": 5}, "give a BootstrapConfig or a file path, got int"),
        ({"model_dirs": ["/nonexistent-models"]}, "/nonexistent-models"),  # was AttributeError on str
    ],
)
def test_server_arguments_are_checked(kwargs: dict, message: str) -> None:
    async def main() -> None:
        server = LwM2MServer(**kwargs)
        await server.start()
        await server.stop()

    with pytest.raises((ConfigError, codecs.CodecError), match=message):
        asyncio.run(main())


def test_bootstrap_config_given_as_a_str_path_is_loaded(tmp_path: Path) -> None:
    path = tmp_path / "bs.toml"
    path.write_text('[default]\nserver_uri = "coap://[::1]:5683"\n')
    server = LwM2MServer(bootstrap=str(path))
    assert isinstance(server.bootstrap, BootstrapConfig) and server.bootstrap.default is not None


def test_cancel_mode_typo_is_refused() -> None:
    async def body(server: LwM2MServer, make_client: Callable) -> None:
        client = await make_client("node")
        await client.register()
        device = server.device("node")
        await device.observe("/3/0/9")
        with pytest.raises(codecs.CodecError, match="cancel mode 'RST': use 'get' or 'rst'"):
            await device.cancel_observe("/3/0/9", mode="RST")  # was taken as 'get'
        assert "/3/0/9" in device.observations  # still observed: nothing half-done

    scenario(body)


def test_object_links_with_an_alternate_root_versions_and_repeats() -> None:
    payload = b'</lwm2m/>;rt="oma.lwm2m",</lwm2m/1/0>,</lwm2m/3>;ver=1.1,</lwm2m/3/0>,</lwm2m/3/0>,</lwm2m/3303/2>'
    _links, root, objects, versions = parse_object_links(payload, 40)
    assert root == "/lwm2m"
    assert objects == {1: [0], 3: [0], 3303: [2]} and versions == {3: "1.1"}


def test_update_ignores_an_endpoint_parameter() -> None:
    # Update has no ep; a client that sends one anyway (even an empty one) is not refused for it
    params = parse_query(("ep=", "lt=30"), update=True)
    assert params.endpoint is None and params.lifetime == 30
