"""Host-side robustness: the server, its codecs, trace, console and the bridge against hostile input."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import random
import socket
import warnings
from collections.abc import Callable
from typing import Any

import cbor2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rig.errors import ConfigError
from rig.lwm2m import coapwire as cw
from rig.lwm2m import codecs
from rig.lwm2m.aiocoap_adapter import WireMessage
from rig.lwm2m.bootstrap import BootstrapConfig
from rig.lwm2m.cli import Console, serve
from rig.lwm2m.codecs import CodecError, link, tlv
from rig.lwm2m.device import MAX_QUEUED_NOTIFICATIONS
from rig.lwm2m.errors import ObservationEnded, UnmodelledObject
from rig.lwm2m.fakeclient import FakeClient, free_udp_port, run_scenario
from rig.lwm2m.model import default_registry
from rig.lwm2m.server import LwM2MServer
from rig.lwm2m.trace import MAX_OPTION_TEXT, Trace
from rig.lwm2m.vclock import run_virtual
from rig.net import ipv6 as ip
from rig.net.bridge import Bridge, BridgeConfig
from rig.net.testing import FakeClockEmulation, FakeSlipRadioNet

REGISTRY = default_registry()
GOOD_LINKS = b"</1/0>,</3/0>"
scenario = run_scenario


# -- 1. codecs: only CodecError escapes ----------------------------------------------------------------

BASES = [(), (3,), (3, 0), (3, 0, 0), (3, 0, 6), (3, 0, 6, 1), (3303, 0, 5700), (1, 0, 1), (5, 0, 0), (3, 0, 13)]


def decode_or_codec_error(cf: int, data: bytes, base: tuple[int, ...], registry: Any) -> None:
    try:
        codecs.decode(cf, data, base, registry)
    except CodecError as exc:
        assert str(exc)  # the message names what was wrong


def nested(kinds: list[int], depth: int) -> bytes:
    body = b""
    for level in range(depth):
        n = len(body)
        size = 1 if n < 0x100 else 2 if n < 0x10000 else 3
        body = bytes([kinds[level % len(kinds)] << 6 | size << 3, 0x01]) + n.to_bytes(size, "big") + body
    return body


def test_tlv_containers_nested_beyond_the_format_are_a_codec_error_not_recursion() -> None:
    # multiple resources in multiple resources: was RecursionError (each level recursed before its kind was checked)
    data = nested([2], 5000)
    with pytest.raises(CodecError, match="multiple resource 1 not allowed inside multiple resource 1"):
        codecs.decode(codecs.TLV, data, (3, 0), REGISTRY)
    with pytest.raises(CodecError, match="object instance 0 not allowed inside object instance 0"):
        tlv.parse(bytes([0x08, 0x00, 0x03, 0x08, 0x00, 0x00]))


def test_tlv_entry_overflowing_its_parent_names_the_parent() -> None:
    # a resource claiming 5 bytes inside an object instance of 3: the child overlaps what follows the parent
    data = bytes([0x03, 0x00, 0xC5, 0x00, 0x41]) + b"tail"
    with pytest.raises(CodecError, match="resource 0 at offset 0 inside object instance 0 claims 5 bytes, only 1 left"):
        codecs.decode(codecs.TLV, data, (3,), REGISTRY)


@pytest.mark.parametrize(
    ("cf", "payload", "base"),
    [
        (codecs.SENML_JSON, b'[{"n":"/3303/0/5700","v":1' + b"0" * 400 + b"}]", ()),
        (codecs.SENML_CBOR, cbor2.dumps([{0: "/3303/0/5700", 2: 10**400}]), ()),
        (codecs.SENML_CBOR, cbor2.dumps([{0: "/3/0/0", 3: "x", 6: 10**400}]), ()),
        (codecs.SENML_CBOR, cbor2.dumps([{-3: -(10**400), 0: "/3/0/0", 3: "x"}]), ()),
        (codecs.LWM2M_JSON, b'{"e":[{"n":"5700","v":1' + b"0" * 400 + b"}]}", (3303, 0)),
    ],
)
def test_numbers_beyond_the_float_range_are_codec_errors(cf: int, payload: bytes, base: tuple[int, ...]) -> None:
    with pytest.raises(CodecError, match="out of the float range"):  # was OverflowError from float()
        codecs.decode(cf, payload, base, REGISTRY)


@pytest.mark.parametrize("text", ["\u0661\u0662", "1_0", " 12 ", "\u00b2", "99999999999999999999"])
def test_plain_text_integers_take_ascii_digits_within_64_bits_only(text: str) -> None:
    with pytest.raises(CodecError, match="/1/0/1"):
        codecs.decode(codecs.TEXT, text.encode(), (1, 0, 1), REGISTRY)
    assert codecs.decode(codecs.TEXT, b"-12", (1, 0, 1), REGISTRY) == {(1, 0, 1): -12}


def test_unicode_digits_are_no_numbers_in_floats_object_links_and_paths() -> None:
    with pytest.raises(CodecError, match="not a number"):
        codecs.decode(codecs.TEXT, "\u0661.5".encode(), (3303, 0, 5700), REGISTRY)
    with pytest.raises(CodecError, match="object link"):
        codecs.common.parse_objlnk("\u0663:0")
    with pytest.raises(CodecError, match="not a number"):
        codecs.parse_path("/\u0663/0")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner, max_size=4),
    max_leaves=12,
)
numbers = st.one_of(st.integers(), st.integers(min_value=10**300, max_value=10**400), st.floats(), st.booleans())
record_names = st.sampled_from(["", "/3/0/0", "/3303/0/5700", "/3/0/", "/1/0/1", "5700", "/", "/3/0/6/0", "/3/0/13"])
anything = st.one_of(numbers, record_names, st.binary(max_size=8), st.text(max_size=8), json_values)
records = st.lists(
    st.fixed_dictionaries(
        {},
        optional={
            "bn": st.one_of(record_names, anything), "bt": st.one_of(numbers, anything),
            "n": st.one_of(record_names, anything), "v": st.one_of(numbers, anything),
            "vs": st.one_of(st.text(max_size=8), anything), "vb": st.one_of(st.booleans(), anything),
            "vd": st.one_of(st.binary(max_size=8), st.text(max_size=8), anything),
            "vlo": st.one_of(st.sampled_from(["3:0", "65536:1", "\u0663:0", "x"]), anything),
            "t": st.one_of(numbers, anything), "x": anything,
        },
    ),
    max_size=4,
)


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.sampled_from(sorted(codecs.DECODERS)), st.binary(max_size=80), st.sampled_from(BASES), st.booleans())
def test_fuzz_any_bytes_to_any_decoder_gives_codec_errors_only(cf: int, data: bytes, base: tuple, typed: bool) -> None:
    decode_or_codec_error(cf, data, base, REGISTRY if typed else None)


tlv_entries = st.recursive(
    st.tuples(st.integers(0, 3), st.integers(0, 0x1FF), st.binary(max_size=9)),
    lambda inner: st.tuples(st.integers(0, 3), st.integers(0, 0x1FF), st.lists(inner, max_size=3)),
    max_leaves=8,
)


def tlv_bytes(entry: Any) -> bytes:
    kind, ident, body = entry
    value = body if isinstance(body, bytes) else b"".join(tlv_bytes(e) for e in body)
    return tlv._header(kind, ident, len(value)) + value


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(tlv_entries, max_size=3), st.sampled_from(BASES), st.integers(0, 40), st.integers(0, 255),
       st.lists(st.integers(0, 3), min_size=1, max_size=3), st.integers(0, 3000))
def test_fuzz_tlv_trees_with_a_corrupted_byte_give_codec_errors_only(entries: list, base: tuple, at: int,
                                                                    byte: int, kinds: list[int], depth: int) -> None:
    data = bytearray(b"".join(tlv_bytes(e) for e in entries))
    if data:
        data[at % len(data)] = byte  # a length or a type that no longer fits the tree
    decode_or_codec_error(codecs.TLV, bytes(data), base, REGISTRY)
    decode_or_codec_error(codecs.TLV, nested(kinds, depth), base, REGISTRY)  # containers in containers


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(records, st.booleans())
def test_fuzz_senml_records_give_codec_errors_only(recs: list[dict], as_cbor: bool) -> None:
    if as_cbor:
        labels = {"bn": -2, "bt": -3, "n": 0, "v": 2, "vs": 3, "vb": 4, "vd": 8, "t": 6}
        data = cbor2.dumps([{labels.get(k, k): v for k, v in rec.items()} for rec in recs])
        decode_or_codec_error(codecs.SENML_CBOR, data, (), REGISTRY)
    else:
        plain = [{k: v for k, v in rec.items() if not isinstance(v, bytes)} for rec in recs]
        decode_or_codec_error(codecs.SENML_JSON, json.dumps(plain).encode(), (), REGISTRY)
        decode_or_codec_error(codecs.LWM2M_JSON, json.dumps({"bn": "/3303/0/", "e": plain}).encode(),
                              (3303, 0), REGISTRY)


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.text(alphabet='<>/;,="03 \u0663\t\nabc', max_size=40))
def test_fuzz_link_format_gives_codec_errors_only(text: str) -> None:
    try:
        link.parse_links(text.encode())
    except CodecError as exc:
        assert str(exc).startswith("link format")


# -- 2. notifications: a bounded queue that counts what it drops --------------------------------------


def test_unconsumed_notifications_are_bounded_dropping_the_oldest() -> None:
    async def body(server: LwM2MServer, make_client: Callable) -> None:
        client = await make_client()
        await client.register()
        dev = await server.wait_for_registration("dev1")
        stream = await dev.observe("/3303/0/5700")
        assert stream.max_queued == MAX_QUEUED_NOTIFICATIONS and stream.dropped == 0
        stream.max_queued = 5
        for value in range(12):
            client.resources[(3303, 0, 5700)] = float(value)
            client.notify((3303, 0, 5700), con=False)
        await asyncio.sleep(1)
        assert stream.dropped == 7 and stream._queue.qsize() == 5
        assert [(await stream.next(timeout=1)).value for _ in range(5)] == [7.0, 8.0, 9.0, 10.0, 11.0]
        for value in range(5):  # full again, then the observation ends: the end is never dropped
            client.resources[(3303, 0, 5700)] = float(value)
            client.notify((3303, 0, 5700), con=False)
        await asyncio.sleep(1)
        await dev.cancel_observe("/3303/0/5700")
        assert [n.value async for n in stream] == [0.0, 1.0, 2.0, 3.0, 4.0]
        with pytest.raises(ObservationEnded):
            await stream.next(timeout=1)

    scenario(body)


# -- 3. the console keeps its prompt ------------------------------------------------------------------


def test_an_unexpected_error_in_a_command_is_printed_and_the_prompt_goes_on(
    capsys: pytest.CaptureFixture[str],
) -> None:
    async def main() -> None:
        lines: asyncio.Queue[str | None] = asyncio.Queue()
        for line in ("read dev /3/0/0", "writep dev /3/0 \u00b2=1", "attr dev /3/0/9 pmin=1_0", "list", None):
            lines.put_nowait(line)
        args = argparse.Namespace(host="::1", port=free_udp_port(), bootstrap_config=None, models=[],
                                  uart=None, trace=None)
        original = LwM2MServer.device

        def broken(self: LwM2MServer, endpoint: str) -> Any:
            raise KeyError("a bug")  # stands for any bug of ours behind a command

        LwM2MServer.device = broken  # type: ignore[method-assign]
        try:
            await serve(args, lines)
        finally:
            LwM2MServer.device = original  # type: ignore[method-assign]

    run_virtual(main())
    out = capsys.readouterr().out
    assert "error: read failed unexpectedly: KeyError: 'a bug'" in out
    assert "error: '\u00b2=1' is not RID=VALUE" in out  # int('\u00b2') raised ValueError through the prompt
    assert "error: attribute 'pmin': '1_0' is not a number" in out  # float('1_0') took it as 10
    assert "no registered endpoints" in out  # the next command ran


def test_keyboard_interrupt_still_ends_the_console() -> None:
    async def main() -> None:
        server = LwM2MServer(port=free_udp_port())
        console = Console(server)

        async def interrupted(*_: str) -> str:
            raise KeyboardInterrupt

        console.cmd_list = interrupted  # type: ignore[method-assign]
        with pytest.raises(KeyboardInterrupt):
            await console.execute("list")

    run_virtual(main())


# -- 4. datagrams that are no CoAP message: RST and a count --------------------------------------------


class RawClient(FakeClient):
    """Keeps every datagram it gets (FakeClient drops RSTs it did not ask for)."""

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.raw: list[bytes] = []

    def datagram_received(self, data: bytes, addr: Any) -> None:
        self.raw.append(data)
        super().datagram_received(data, addr)


def non_utf8(mtype: int, mid: int, options: list[tuple[int, bytes]]) -> bytes:
    return cw.encode(cw.Msg(mtype, cw.POST, mid, b"\x01\x02", options, b"</3/0>"))


def test_options_that_are_not_utf8_get_rst_and_are_counted(caplog: pytest.LogCaptureFixture) -> None:
    async def body(server: LwM2MServer, make_client: Callable) -> None:
        good = await make_client("good")
        bad = await make_client("bad", cls=RawClient)
        bad.send_raw(non_utf8(cw.CON, 0x1234, [(cw.URI_PATH, b"\xff\xfe")]))
        bad.send_raw(non_utf8(cw.CON, 0x1235, [(cw.URI_PATH, b"rd"), (cw.URI_QUERY, b"ep=\xc3")]))
        bad.send_raw(non_utf8(cw.NON, 0x1236, [(cw.URI_PATH, b"rd"), (cw.URI_QUERY, b"ep=\xff")]))
        await asyncio.sleep(1)
        rsts = [cw.decode(d) for d in bad.raw]
        assert [(m.mtype, m.code, m.mid) for m in rsts] == [(cw.RST, 0, 0x1234), (cw.RST, 0, 0x1235)]
        assert server.counters["malformed"] == 3 and not server.registrations
        assert (await good.register()).code_text == "2.01"
        # a text payload that is not UTF-8 is a 4.00 with a reason, as before
        resp = await bad.request(cw.POST, "/rd", ("ep=bad",), b"\xff</3/0>", 40)
        assert resp.code_text == "4.00" and b"UTF-8" in resp.payload

    with caplog.at_level(logging.WARNING):
        scenario(body)
    assert not [r for r in caplog.records if r.exc_info], "a traceback was logged"


# -- 5. history accessors hand out snapshots -----------------------------------------------------------


def test_events_keep_the_registration_as_it_was_and_recent_events_is_a_copy() -> None:
    async def body(server: LwM2MServer, make_client: Callable) -> None:
        client = await make_client()
        await client.register(lifetime=300)
        events = server.recent_events("registered", "dev1")
        assert len(events) == 1 and events[0].registration is not None
        assert await client.update(lifetime=77, payload=b"</1/0>")
        assert server.registrations["dev1"].lifetime == 77
        registered = events[0].registration
        assert registered.lifetime == 300 and 3 in registered.objects  # was the live one: 77, no /3
        assert len(events) == 1 and len(server.recent_events()) == 2  # the copy did not grow
        assert [e.kind for e in server.recent_events(endpoint="dev1")] == ["registered", "updated"]
        assert server.recent_events("updated")[0].registration.lifetime == 77

    scenario(body)


# -- 6. per-endpoint state does not grow without bound -------------------------------------------------


def test_per_endpoint_state_is_dropped_or_bounded_as_endpoints_come_and_go() -> None:
    async def body(server: LwM2MServer, make_client: Callable) -> None:
        client = await make_client("q1")
        await client.register(binding="UQ")
        assert "q1" in server._awake_until
        await client.deregister()
        assert "q1" not in server._awake_until and "q1" not in server._wakeups
        server.LATEST_LIMIT = 20  # type: ignore[misc]
        mark = server.mark()
        for i in range(60):  # made-up names, each a "rejected" event
            assert (await client.request(cw.POST, "/rd", (f"ep=x{i}", "lt=0"), GOOD_LINKS, 40)).code_text == "4.00"
        assert len(server._latest) == 20
        event = await server.wait_for_event("rejected", "x59", timeout=0, since=mark)
        assert event.endpoint == "x59"

    scenario(body)


# -- 7. the trace bounds what a peer sends -------------------------------------------------------------


def test_trace_bounds_options_and_text_payloads() -> None:
    trace = Trace(lambda: 0.0, lambda _msg: None)
    long_query = "URI_QUERY=" + "q" * 5000
    trace.record(WireMessage("in", ("::1", 1), "CON", "POST", 1, b"", [long_query, "URI_PATH=rd"],
                             b"t" * 3000, 0))
    entry = trace.entries[0]
    assert entry.options[0] == long_query[:MAX_OPTION_TEXT] + f"... ({len(long_query) - MAX_OPTION_TEXT} more bytes)"
    assert entry.options[1] == "URI_PATH=rd"
    assert entry.payload == "t" * 1024 + "... (1976 more bytes)"
    trace.record(WireMessage("in", ("::1", 1), "CON", "POST", 2, b"", [], "\u00e9".encode() * 600, 0))
    assert trace.entries[1].payload.endswith("... (176 more bytes)")  # bytes, not characters

    async def body(server: LwM2MServer, make_client: Callable) -> None:
        client = await make_client()
        resp = await client.request(cw.GET, "/nothing", ("x=" + "y" * 3000,))
        assert resp.code_text == "4.04"
        inbound = [e for e in server.trace.entries if e.direction == "in"]
        assert max(len(o) for o in inbound[0].options) < MAX_OPTION_TEXT + 30

    scenario(body)


# -- 8. bridge proxies: at most max_proxies, least recently used evicted ------------------------------


def bridge_with(config: BridgeConfig) -> tuple[FakeSlipRadioNet, Bridge]:
    emu = FakeClockEmulation()
    net = FakeSlipRadioNet(emu, bytes.fromhex("00124b00000000ff"))
    net.add_node(bytes.fromhex("00124b0000000001"))
    bridge = Bridge(net, lambda: emu.now, config, emulation=emu)  # type: ignore[arg-type]
    bridge.wait_ready(2.0)
    net.nodes[0].solicit()
    assert bridge.run_until(lambda: net.nodes[0].prefix is not None, 2.0)
    return net, bridge


def test_bridge_proxies_are_bounded_with_lru_eviction() -> None:
    with pytest.raises(ConfigError, match="max_proxies"):
        BridgeConfig(max_proxies=0).check()
    host = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    host.bind(("::1", 0))
    host.settimeout(0)
    port = host.getsockname()[1]
    net, bridge = bridge_with(BridgeConfig(max_proxies=2))
    node = net.nodes[0]
    try:
        peers = []
        for sport in (40001, 40002, 40001, 40003, 40001):  # 40001 used again: the most recent then
            node.send_udp(ip.addr("fd00::1"), sport, port, str(sport).encode())
            got: list[tuple[bytes, Any]] = []

            def arrived(into: list = got) -> bool:
                try:
                    into.append(host.recvfrom(100))
                except BlockingIOError:
                    return False
                return True

            assert bridge.run_until(arrived, 2.0)
            peers.append(got[0][1][1])
        # 40003 evicted 40002, the least recently used (first opened was 40001)
        assert len(bridge._proxies) == 2 and bridge.stats.proxy_evictions == 1
        assert {p for _, p in bridge._proxies} == {40001, 40003}
        assert peers[0] == peers[2] == peers[4] != peers[1]  # 40001 kept its proxy throughout
        host.sendto(b"reply", ("::1", peers[-1]))  # the newest proxy still carries answers to the node
        assert bridge.run_until(lambda: any(d == b"reply" for _, _, d in node.received), 2.0)
    finally:
        bridge.close()
        host.close()


def test_bridge_counts_a_proxy_it_cannot_open_and_carries_on(monkeypatch: pytest.MonkeyPatch) -> None:
    net, bridge = bridge_with(BridgeConfig())
    node = net.nodes[0]
    real_socket = socket.socket

    def no_sockets(*args: Any, **kw: Any) -> socket.socket:
        raise OSError(24, "Too many open files")

    try:
        monkeypatch.setattr(socket, "socket", no_sockets)
        node.send_udp(ip.addr("fd00::1"), 40001, 5683, b"lost")
        bridge.run_until(lambda: bridge.stats.proxy_errors == 1, 2.0)
        assert bridge.stats.proxy_errors == 1 and not bridge._proxies
        with pytest.raises(ConfigError, match="Too many open files"):
            bridge.endpoint(node.address, 7)
        monkeypatch.setattr(socket, "socket", real_socket)
        assert bridge.endpoint(node.address, 7)[0] == "::1"
    finally:
        bridge.close()


# -- 9. one bootstrap session per endpoint --------------------------------------------------------------


def test_a_second_bootstrap_request_restarts_the_session_instead_of_interleaving() -> None:
    async def body(server: LwM2MServer, make_client: Callable) -> None:
        server.bootstrap = BootstrapConfig.from_dict({"default": {"server_uri": "coap://[::1]:5683"}})
        client = await make_client()
        client.resources[(0, 0, 0)] = "coap://[::1]:1"
        first, second = await asyncio.gather(client.bootstrap_request(), client.bootstrap_request())
        assert first.code_text == second.code_text == "2.04"
        await server.wait_for_event("bootstrap_finished", "dev1", timeout=30)
        await asyncio.sleep(5)
        kinds = [e.kind for e in server.recent_events(endpoint="dev1")]
        assert kinds == ["bootstrap_requested", "bootstrap_failed", "bootstrap_requested", "bootstrap_finished"]
        assert server.recent_events("bootstrap_failed")[0].data["detail"] == "restarted by a new Bootstrap-Request"
        finishes = [m for m in client.requests if m.path == ("bs",)]
        deletes = [m for m in client.requests if m.code == cw.DELETE]
        assert len(finishes) == 1 and len(deletes) <= 2  # (the first may have deleted before it was stopped)
        assert not server._bootstraps

    scenario(body)


# -- 10. rejected registrations name the endpoint ------------------------------------------------------


def test_rejected_events_name_the_endpoint() -> None:
    async def body(server: LwM2MServer, make_client: Callable) -> None:
        client = await make_client("named")
        assert (await client.request(cw.POST, "/rd", ("ep=named", "lt=abc"), GOOD_LINKS, 40)).code_text == "4.00"
        assert (await client.request(cw.POST, "/rd", ("ep=a b",), GOOD_LINKS, 40)).code_text == "4.00"
        await client.register()
        assert (await client.request(cw.POST, client.location, ("lt=0",))).code_text == "4.00"
        assert [e.endpoint for e in server.recent_events("rejected")] == ["named", "a b", "named"]

    scenario(body)


# -- 11. registration IDs: random, the same for the same seed ------------------------------------------


def registration_ids(seed: int | None) -> list[str]:
    ids: list[str] = []

    async def body(server: LwM2MServer, make_client: Callable) -> None:
        for name in ("a", "b", "c"):
            client = await make_client(name)
            await client.register()
            ids.append(server.registrations[name].reg_id)
            assert client.location == f"/rd/{ids[-1]}"

    scenario(body, id_seed=seed)
    return ids


def test_registration_ids_are_random_but_repeat_for_a_seed() -> None:
    first = registration_ids(11)
    assert first == registration_ids(11) != registration_ids(12)
    assert first != ["1", "2", "3"] and all(len(i) == 8 for i in first)
    assert registration_ids(None) != registration_ids(None)  # unseeded: 2**-96 to be the same
    assert first[0] == f"{random.Random(11).getrandbits(32):08x}"
    with pytest.raises(ConfigError, match="id_seed"):
        LwM2MServer(id_seed="7")  # type: ignore[arg-type]


def test_the_rig_seeds_registration_ids_with_its_network_seed(rig: Any) -> None:
    device = rig.wait_for_registration()
    assert device.registration.reg_id == f"{random.Random(rig.topology.network.seed).getrandbits(32):08x}"


# -- 12. de-register only from the registered address --------------------------------------------------


def test_deregister_from_another_address_is_not_found() -> None:
    async def body(server: LwM2MServer, make_client: Callable) -> None:
        owner = await make_client("owner")
        other = await make_client("other")
        await owner.register()
        resp = await other.request(cw.DELETE, owner.location)
        assert resp.code_text == "4.04" and "owner" in server.registrations
        assert (await owner.deregister()).code_text == "2.02" and "owner" not in server.registrations

    scenario(body)


# -- 13. ASCII digits only in what the server parses ---------------------------------------------------


class OddLocationClient(FakeClient):
    def _post(self, req: cw.Msg, path: tuple[int, ...]) -> cw.Msg:
        resp = super()._post(req, path)
        if resp.code == cw.CREATED:
            resp.options = [(n, v) for n, v in resp.options if n != cw.LOCATION_PATH]
            resp.add(cw.LOCATION_PATH, "3303").add(cw.LOCATION_PATH, "\u00b2")
        return resp


def test_unicode_digits_are_no_ids_on_the_wire() -> None:
    async def body(server: LwM2MServer, make_client: Callable) -> None:
        client = await make_client("odd", cls=OddLocationClient)
        resp = await client.request(cw.POST, "/rd", ("ep=odd",), "</\u0663/0>".encode(), 40)
        assert resp.code_text == "4.00" and b"not </OBJ>" in resp.payload  # was taken as object 3
        await client.register()
        dev = await server.wait_for_registration("odd")
        assert await dev.create("/3303", {5700: 1.5}) is None  # Location-Path '\u00b2': was ValueError

    scenario(body)


# -- 14. the reserved SZX 7 ----------------------------------------------------------------------------


def test_block_options_with_the_reserved_szx_7_are_bad_requests() -> None:
    async def body(server: LwM2MServer, make_client: Callable) -> None:
        server.files["pkg"] = b"z" * 5000
        client = await make_client()
        block1 = [(cw.BLOCK1, cw.block_value(0, True, 7))]
        resp = await client.request(cw.POST, "/rd", ("ep=dev1",), b"</3/0>," * 200, 40, block1)
        assert resp.code_text == "4.00" and b"Block1 with the reserved SZX 7" in resp.payload  # was 2.31
        resp = await client.request(cw.GET, "/fw/pkg", (), b"", None, [(cw.BLOCK2, cw.block_value(0, False, 7))])
        assert resp.code_text == "4.00" and b"Block2" in resp.payload
        resp = await client.request(cw.GET, "/fw/pkg", (), b"", None, [(cw.BLOCK2, cw.block_value(0, False, 6))])
        assert resp.code_text == "2.05" and len(resp.payload) == 1024

    scenario(body)


# -- 15. objects without a model: warned once ----------------------------------------------------------


def test_an_unmodelled_object_is_warned_about_once() -> None:
    async def body(server: LwM2MServer, make_client: Callable) -> None:
        first = await make_client("a")
        second = await make_client("b")
        with pytest.warns(UnmodelledObject, match=r"a registered object /9999, which this server has no model"):
            await first.register(payload=b"</1/0>,</3/0>,</9999/0>")
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # a second device with the same object: no new warning
            await second.register(payload=b"</1/0>,</9999/1>")
            await first.update(payload=b"</3/0>,</3303/0>")

    scenario(body)
