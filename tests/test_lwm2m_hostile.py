"""Hostile clients get error responses or are dropped, while a well-behaved client sees no failure."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable

import pytest

from rig.lwm2m import coapwire as cw
from rig.lwm2m import codecs
from rig.lwm2m.errors import LwM2MError
from rig.lwm2m.fakeclient import FakeClient, run_scenario
from rig.lwm2m.server import LwM2MServer

GOOD_LINKS = b"</1/0>,</3/0>"
scenario = run_scenario


@pytest.mark.parametrize(
    ("query", "payload", "cf", "message"),
    [
        (("lt=60", "lwm2m=1.1"), GOOD_LINKS, 40, b"missing endpoint name"),
        (("ep=", "lwm2m=1.1"), GOOD_LINKS, 40, b"endpoint name"),
        (("ep=" + "x" * 200,), GOOD_LINKS, 40, b"endpoint name"),
        (("ep=a b",), GOOD_LINKS, 40, b"endpoint name"),
        (("ep=a", "lt=abc"), GOOD_LINKS, 40, b"lifetime"),
        (("ep=a", "lt=0"), GOOD_LINKS, 40, b"lifetime"),
        (("ep=a", "lt=-5"), GOOD_LINKS, 40, b"lifetime"),
        (("ep=a", "lt=99999999999"), GOOD_LINKS, 40, b"lifetime"),
        (("ep=a", "lt=\u0661\u0662"), GOOD_LINKS, 40, b"lifetime"),  # Arabic-Indic digits: not a CoAP lifetime
        (("ep=a", "lwm2m=9.9"), GOOD_LINKS, 40, b"version"),
        (("ep=a", "b=XYZ"), GOOD_LINKS, 40, b"binding"),
        (("ep=a", "b="), GOOD_LINKS, 40, b"binding"),
        (("ep=a", "ep=b"), GOOD_LINKS, 40, b"twice"),
        (("ep=a", "Q=1"), GOOD_LINKS, 40, b"Q takes no value"),
        (("ep=a",), b"", 40, b"missing object links"),
        (("ep=a",), b"   ", None, b"missing object links"),
        (("ep=a",), b"</3/0", 40, b"unterminated"),
        (("ep=a",), b"3/0,4/0", 40, b"expected '<'"),
        (("ep=a",), b"</3/x>", 40, b"not </OBJ>"),
        (("ep=a",), b"</99999/0>", 40, b"not </OBJ>"),
        (("ep=a",), b"</3/0/1>", 40, b"not </OBJ>"),
        (("ep=a",), b"</3/0>;;", 40, b"attribute name"),
        (("ep=a",), b"\xff\xfe</3/0>", 40, b"UTF-8"),
        (("ep=a",), b'{"3":[0]}', 50, b"must be link format"),
        (("ep=a",), b"</3/0>", 11542, b"must be link format"),
    ],
)
def test_malformed_registration_gets_400_with_diagnostic(
    query: tuple[str, ...], payload: bytes, cf: int | None, message: bytes
) -> None:
    async def body(server: LwM2MServer, make_client: Callable) -> None:
        good = await make_client("good")
        bad = await make_client("bad")
        assert (await good.register()).code_text == "2.01"
        resp = await bad.request(cw.POST, "/rd", query, payload, cf)
        assert resp.code_text == "4.00"
        assert message in resp.payload, resp.payload
        assert list(server.registrations) == ["good"] and server.counters["rejected"] == 1
        dev = server.device("good")
        assert await dev.read("/3/0/9") == 95

    scenario(body)


def garbage_datagrams(seed: int, count: int) -> list[bytes]:
    rng = random.Random(seed)
    out = [
        b"",
        b"\x40",
        b"\x80\x01\x00\x01",  # CoAP version 2
        b"\x49\x01\x00\x01" + b"t" * 9,  # token length 9
        b"\x40\x01\x00\x01\xf0",  # reserved option nibble
        b"\x40\x01\x00\x01\xff",  # payload marker without payload
        b"\x40\x01\x00\x01\xbd",  # truncated extended option
        b"\x60\x45\x12\x34",  # an ACK nobody asked for
        b"\x50\x45\x12\x35\x01",  # NON response with unknown token
        b"\x40\x00\x12\x36",  # CoAP ping: answered by RST
    ]
    out += [bytes(rng.randrange(256) for _ in range(rng.randrange(1, 200))) for _ in range(count)]
    return out


def test_garbage_datagrams_are_dropped_and_the_good_client_is_served() -> None:
    async def body(server: LwM2MServer, make_client: Callable) -> None:
        good = await make_client("good")
        assert (await good.register()).code_text == "2.01"
        dev = server.device("good")
        hostile = [await make_client(f"h{i}") for i in range(4)]
        for round_ in range(5):
            for i, client in enumerate(hostile):
                for datagram in garbage_datagrams(round_ * 10 + i, 40):
                    client.send_raw(datagram)
            assert await dev.read("/3/0/9") == 95
            assert (await good.update()).code_text == "2.04"
        assert list(server.registrations) == ["good"]

    scenario(body)


def test_unknown_paths_methods_and_critical_options_are_answered() -> None:
    async def body(server: LwM2MServer, make_client: Callable) -> None:
        client = await make_client()
        assert (await client.request(cw.GET, "/nothing")).code_text == "4.04"
        assert (await client.request(cw.PUT, "/rd/1")).code_text == "4.05"
        assert (await client.request(cw.POST, "/rd/zz")).code_text == "4.04"
        assert (await client.request(cw.DELETE, "/rd/zz")).code_text == "4.04"
        resp = await client.request(cw.POST, "/rd", ("ep=x",), GOOD_LINKS, 40, [(9, b"\x01")])
        assert resp.code_text == "4.02"  # unknown critical option 9
        assert (await client.register()).code_text == "2.01"

    scenario(body)


def test_oversized_payloads_get_413_and_size1() -> None:
    async def body(server: LwM2MServer, make_client: Callable) -> None:
        good = await make_client("good")
        bad = await make_client("bad")
        await good.register()
        resp = await bad.request(cw.POST, "/rd", ("ep=bad",), b"</3/0>," * 1000, 40)
        assert resp.code_text == "4.13" and resp.uint_opt(cw.SIZE1) == 2048
        # A block-wise body that grows beyond the limit is cut off at the first block too far.
        resp = await bad.request_blockwise(cw.POST, "/rd", ("ep=bad",), b"</3/0>," * 1000, 40, 256)
        assert resp.code_text == "4.13"
        # A Block1 body that jumps ahead is refused too.
        jump = [(cw.BLOCK1, cw.block_value(1000, True, 6))]
        assert (await bad.request(cw.POST, "/rd", ("ep=bad",), b"x" * 1024, 40, jump)).code_text == "4.13"
        assert "bad" not in server.registrations
        assert await server.device("good").read("/3/0/9") == 95

    scenario(body, max_body=2048)


class OddFormatClient(FakeClient):
    def _encode_read(self, base: tuple, accept: int | None) -> tuple[int, bytes]:
        if base == (3, 0, 9):
            return 9999, b"\x01\x02"
        if base == (3, 0, 0):
            return codecs.TLV, b"\xc8\x00\x14short"  # a malformed TLV
        return super()._encode_read(base, accept)


def test_unknown_or_malformed_content_from_devices_raises_typed_errors() -> None:
    async def body(server: LwM2MServer, make_client: Callable) -> None:
        client = await make_client("odd", cls=OddFormatClient)
        if True:
            await client.register()
            dev = await server.wait_for_registration("odd")
            with pytest.raises(LwM2MError, match="unsupported content format 9999") as info:
                await dev.read("/3/0/9")
            assert info.value.code == 5.00
            with pytest.raises(LwM2MError, match="claims 20 bytes"):
                await dev.read("/3/0/0")
            assert await dev.read("/3303/0/5700") == 21.5
            # Send with an unknown content format is refused with a diagnostic.
            resp = await client.request(cw.POST, "/dp", (), b"\x00", 4711)
            assert resp.code_text == "4.00" and b"4711" in resp.payload

    scenario(body)


def test_registration_flood_with_a_well_behaved_client_served_alongside() -> None:
    async def body(server: LwM2MServer, make_client: Callable) -> None:
        good = await make_client("good")
        assert (await good.register()).code_text == "2.01"
        dev = server.device("good")
        flooders = [await make_client(f"f{i}") for i in range(8)]
        mid = 0
        for wave in range(10):
            for i, client in enumerate(flooders):
                for k in range(50):  # fire-and-forget registrations under fresh names
                    mid = (mid + 1) & 0xFFFF
                    msg = cw.Msg(cw.CON, cw.POST, mid, mid.to_bytes(2, "big"))
                    msg.add(cw.URI_PATH, "rd").add(cw.URI_QUERY, f"ep=flood-{wave}-{i}-{k}")
                    msg.add(cw.CONTENT_FORMAT, 40).payload = GOOD_LINKS
                    client.send_raw(cw.encode(msg))
            assert await dev.read("/3/0/9") == 95
        await asyncio.sleep(0)
        assert len(server.registrations) == 301  # the table limit holds
        assert server.counters["registrations"] == 301
        refused = await flooders[0].request(cw.POST, "/rd", ("ep=one-more",), GOOD_LINKS, 40)
        assert refused.code_text == "5.03"
        assert (await good.update()).code_text == "2.04"  # re-registering/updating known devices still works

    scenario(body, max_registrations=301)
