"""The Python server against the native C client (firmware-c/build/native/lwm2m-client) as a subprocess.

The client runs on the rig's virtual clock (rig.lwm2m.native: `--clock-fd`, in lockstep), so every
timeout and wait below is virtual seconds and a run is deterministic. Only the `rig server` prompt test
at the end runs on the wall clock: it drives two real processes through an interactive CLI.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import ParamSpec

import pytest

from rig.errors import RigError
from rig.lwm2m import LwM2MError, LwM2MServer
from rig.lwm2m.bootstrap import BootstrapConfig
from rig.lwm2m.fakeclient import free_udp_port
from rig.lwm2m.native import NATIVE_CLIENT, NativeClient, NativeClock, run_native

REPO = Path(__file__).resolve().parents[1]
CLIENT = NATIVE_CLIENT
WAIT = 30.0  # virtual seconds
P = ParamSpec("P")

pytestmark = pytest.mark.skipif(not CLIENT.exists(), reason="native client not built (make -C firmware-c native)")


def on_virtual_time(test: Callable[P, Awaitable[None]]) -> Callable[P, None]:
    """Run an async test under run_native (pytest sees a plain function; parameters pass through)."""

    @functools.wraps(test)
    def run(*args: P.args, **kwargs: P.kwargs) -> None:
        run_native(lambda _clock: test(*args, **kwargs))

    return run


@dataclass
class Native:
    server: LwM2MServer
    client: NativeClient

    @property
    def lines(self) -> list[str]:
        return [text for _, text in self.client.lines]

    async def wait_line(self, text: str, timeout: float = WAIT) -> str:
        return await self.client.wait_line(text, timeout)

    async def stop(self) -> int:
        return await self.client.stop()


@contextlib.asynccontextmanager
async def native(ep: str, *extra: str, bootstrap: dict | None = None, **server_kw: object) -> AsyncIterator[Native]:
    port = free_udp_port()
    config = None
    if bootstrap is not None:
        config = BootstrapConfig.from_dict({"default": {"server_uri": f"coap://[::1]:{port}", **bootstrap}})
    server = LwM2MServer(port=port, bootstrap=config, request_timeout=WAIT, **server_kw)  # type: ignore[arg-type]
    await server.start()
    client = NativeClock.current().spawn("--server", f"coap://[::1]:{port}", "--ep", ep, *extra)
    try:
        yield Native(server, client)
    finally:
        await client.stop()
        await server.stop()


@on_virtual_time
async def test_registration_update_and_deregistration() -> None:
    async with native("nat-reg", "--lifetime", "120") as run:
        dev = await run.server.wait_for_registration("nat-reg", timeout=WAIT)
        reg = dev.registration
        assert reg.lifetime == 120 and reg.binding == "U" and reg.version in ("1.0", "1.1")
        assert {1, 3, 3303}.issubset(reg.objects) and reg.objects[3] == [0]
        await run.wait_line("registered /rd/")
        # Registration Update Trigger: the client sends an update, with the new lifetime it was given.
        await dev.write("/1/0/1", 240, fmt="text")
        before = run.server.mark()
        await dev.execute("/1/0/8")
        await run.server.wait_for_event("updated", "nat-reg", timeout=WAIT, since=before)
        assert dev.registration.lifetime == 240
        # SIGTERM: the client deregisters before it exits.
        assert await run.stop() == 0
        assert "nat-reg" not in run.server.registrations
        assert any("deregistered" in line for line in run.lines)
        kinds = [e.kind for e in _drain(run.server)]
        assert kinds[0] == "registered" and "updated" in kinds and kinds[-1] == "deregistered"


def _drain(server: LwM2MServer) -> list:
    events = []
    while not server.events.empty():
        events.append(server.events.get_nowait())
    return events


@on_virtual_time
async def test_bootstrap_then_registration_with_the_configured_lifetime() -> None:
    async with native("nat-bs", "--bootstrap", bootstrap={"lifetime": 77, "short_server_id": 5}) as run:
        finished = await run.server.wait_for_event("bootstrap_finished", "nat-bs", timeout=WAIT)
        steps = finished.data["bootstrap"].steps
        assert steps[-1] == "POST /bs -> 2.04" and any(s.startswith("PUT /0/1 -> 2.0") for s in steps)
        dev = await run.server.wait_for_registration("nat-bs", timeout=WAIT)
        assert dev.registration.lifetime == 77
        assert await dev.read("/1/0/0") == 5 and await dev.read("/1/0/1") == 77
        await run.wait_line("bootstrap finished")


@pytest.mark.parametrize("fmt", [None, "tlv", "senml-json", "senml-cbor"])
@on_virtual_time
async def test_read_and_write_in_every_format(fmt: str | None) -> None:
    async with native(f"nat-rw-{fmt}") as run:
        dev = await run.server.wait_for_registration(f"nat-rw-{fmt}", timeout=WAIT)
        device = await dev.read("/3/0", fmt=fmt)
        assert device[0] == "lwm2m-rig" and isinstance(device[11], dict) and device[16] == "U"
        temp = await dev.read("/3303/0", fmt=fmt)
        assert isinstance(temp[5700], float) and temp[5701] == "Cel"
        assert await dev.read("/3303/0/5700", fmt=fmt) == temp[5700]
        await dev.write("/3311/0/5851", 42, fmt=fmt or "tlv")
        await dev.write("/3311/0/5850", True, fmt=fmt or "tlv")
        assert await dev.read("/3311/0", fmt=fmt) == {**(await dev.read("/3311/0")), 5850: True, 5851: 42}
        await run.wait_line("light on=1 dimmer=42")
        await dev.write_partial("/3311/0", {5851: 7}, fmt=fmt or "tlv")
        assert await dev.read("/3311/0/5851", fmt=fmt) == 7
        await dev.write("/3/0/13", 1_700_000_000, fmt=fmt or "tlv")
        assert abs(await dev.read("/3/0/13", fmt=fmt) - 1_700_000_000) < 3600
        # notifications come in the observation's format
        stream = await dev.observe("/3303/0", fmt=fmt)
        assert isinstance(stream.first.value[5700], float) and stream.first.value[5701] == "Cel"
        await dev.cancel_observe("/3303/0")


@pytest.mark.parametrize("fmt", ["senml-json", "senml-cbor"])
@on_virtual_time
async def test_read_composite_and_write_composite(fmt: str) -> None:
    """OMA ETS 1.1-int-229 (Read-Composite) and 230 (Write-Composite), on the native client."""
    async with native(f"nat-comp-{fmt}") as run:
        dev = await run.server.wait_for_registration(f"nat-comp-{fmt}", timeout=WAIT)
        await dev.write_composite({"/3311/0/5851": 21, "/3311/0/5850": True, "/1/0/1": 90}, fmt=fmt)
        await run.wait_line("light on=1 dimmer=21")
        values = await dev.read_composite(["/3311/0", "/1/0/1", "/3/0/0", "/3/0/99"], fmt=fmt)
        # the missing resource is left out (best effort); the rest as one pack
        assert values[(3311, 0, 5851)] == 21 and values[(3311, 0, 5850)] is True
        assert values[(1, 0, 1)] == 90 and values[(3, 0, 0)] == "lwm2m-rig"
        assert (3, 0, 99) not in values
        # but /0 is refused to a management server, whatever else the pack names
        with pytest.raises(LwM2MError) as refused:
            await dev.read_composite(["/3/0/0", "/0/0"], fmt=fmt)
        assert refused.value.code == 4.01
        # whole objects: an answer of several blocks, each asked for with the same FETCH body
        whole = await dev.read_composite(["/3", "/3303", "/3311", "/1"], fmt=fmt)
        assert len(whole) > 20 and whole[(3303, 0, 5701)] == "Cel" and whole[(1, 0, 1)] == 90
        # all or nothing: a read-only resource in the pack refuses the whole write
        with pytest.raises(LwM2MError) as info:
            await dev.write_composite({"/3311/0/5851": 5, "/3/0/0": "x"}, fmt=fmt)
        assert info.value.code == 4.05
        assert await dev.read("/3311/0/5851") == 21


@on_virtual_time
async def test_observe_composite_notifies_on_a_change_of_any_path() -> None:
    """OMA ETS 1.1 Observe-Composite (304-311 range): one notification carries every path."""
    async with native("nat-ocomp") as run:
        dev = await run.server.wait_for_registration("nat-ocomp", timeout=WAIT)
        await dev.write("/3311/0/5851", 10, fmt="text")
        stream = await dev.observe_composite(["/3311/0/5851", "/3/0/0"])
        assert stream.first.value == {(3311, 0, 5851): 10, (3, 0, 0): "lwm2m-rig"}
        await dev.write("/3311/0/5851", 64, fmt="text")
        note = await stream.next(timeout=WAIT)
        assert note.value == {(3311, 0, 5851): 64, (3, 0, 0): "lwm2m-rig"}
        await dev.cancel_observe("composite")
        assert stream.ended


@on_virtual_time
async def test_send_reports_values_to_the_server() -> None:
    """OMA ETS 1.1 Send and muting Send (/1/0/23), 304-311 range."""
    async with native("nat-send", "--send", "/3303/0/5700,/3/0/0", "--send-period", "1") as run:
        event = await run.server.wait_for_event("send", "nat-send", timeout=WAIT)
        values = event.data["values"]
        assert set(values) == {(3303, 0, 5700), (3, 0, 0)} and isinstance(values[(3303, 0, 5700)], float)
        await run.wait_line("sent")
        second = await run.server.wait_for_event("send", "nat-send", timeout=WAIT)
        assert second.data["values"][(3, 0, 0)] == "lwm2m-rig"
        # muted by the server (ETS 1.1 "muting Send"): no more Sends until unmuted
        await run.server.device("nat-send").write("/1/0/23", True, fmt="text")
        await run.wait_line("send muted by the server (/1/0/23)")
        t = run.server.mark()
        await run.server.device("nat-send").write("/1/0/23", False, fmt="text")
        await run.wait_line("send unmuted by the server (/1/0/23)")
        again = await run.server.wait_for_event("send", "nat-send", timeout=WAIT, since=t)
        assert (3303, 0, 5700) in again.data["values"]


@on_virtual_time
async def test_plain_text_opaque_and_refusals() -> None:
    async with native("nat-text") as run:
        dev = await run.server.wait_for_registration("nat-text", timeout=WAIT)
        assert await dev.read("/3/0/0", fmt="text") == "lwm2m-rig"
        assert isinstance(await dev.read("/3303/0/5700", fmt="text"), float)
        await dev.write("/3311/0/5851", 55, fmt="text")
        assert await dev.read("/3311/0/5851", fmt="text") == 55
        with pytest.raises(LwM2MError) as info:
            await dev.write("/3/0/0", "x", fmt="text")  # read-only
        assert info.value.code == 4.05
        with pytest.raises(LwM2MError) as info:
            await dev.read("/3/0/0", fmt="opaque")  # a string is not opaque
        assert info.value.code in (4.06, 4.15)
        with pytest.raises(LwM2MError) as info:
            await dev.read("/3/0/99")
        assert info.value.code == 4.04
        with pytest.raises(LwM2MError) as info:
            await dev.read("/0/0")  # the Security object is not for a management server
        assert info.value.code in (4.01, 4.03, 4.04, 4.05)


@on_virtual_time
async def test_execute_create_delete_discover() -> None:
    async with native("nat-ops") as run:
        dev = await run.server.wait_for_registration("nat-ops", timeout=WAIT)
        await dev.execute("/3303/0/5605")
        with pytest.raises(LwM2MError) as info:
            await dev.execute("/3/0/0")
        assert info.value.code == 4.05
        with pytest.raises(LwM2MError) as info:
            await dev.create("/3303", {1: {5701: "K"}})  # 5701 is read-only: refused, nothing created
        assert info.value.code in (4.00, 4.05)
        iid = await dev.create("/3303", {})  # the device picks the ID (Location-Path)
        assert iid == 1
        assert 1 in (await dev.read("/3303")) and await dev.read("/3303/1/5701") == "Cel"
        links = {link.target: link.attrs for link in await dev.discover("/3303")}
        assert "/3303/1" in links and "/3303/0/5700" in links
        await dev.delete("/3303/1")
        with pytest.raises(LwM2MError) as info:
            await dev.read("/3303/1")
        assert info.value.code == 4.04
        await dev.write_attributes("/3303/0/5700", pmin=2, pmax=10)
        attrs = {link.target: link.attrs for link in await dev.discover("/3303/0/5700")}
        assert attrs["/3303/0/5700"].get("pmin") == "2" and attrs["/3303/0/5700"].get("pmax") == "10"
        assert any(link.target == "/3/0/11" and link.attrs.get("dim") for link in await dev.discover("/3/0"))


@pytest.mark.parametrize("mode", ["get", "rst"])
@on_virtual_time
async def test_observe_with_pmax_then_cancel(mode: str) -> None:
    async with native(f"nat-obs-{mode}") as run:
        dev = await run.server.wait_for_registration(f"nat-obs-{mode}", timeout=WAIT)
        await dev.write_attributes("/3303/0/5700", pmin=1, pmax=2)
        stream = await dev.observe("/3303/0/5700")
        assert isinstance(stream.first.value, float)
        # pmax forces notifications even though the value does not change.
        first = await stream.next(timeout=WAIT)
        second = await stream.next(timeout=WAIT)
        assert first.sequence != second.sequence and isinstance(second.value, float)
        token = next(
            e.token
            for e in run.server.trace.entries
            if e.direction == "in" and e.code == "2.05" and any(o.startswith("OBSERVE") for o in e.options)
        )
        await dev.cancel_observe("/3303/0/5700", mode=mode)
        cancelled = asyncio.get_running_loop().time()
        await asyncio.sleep(9)  # four and a half pmax periods (virtual)
        later = [
            e
            for e in run.server.trace.entries
            if e.direction == "in"
            and e.token == token
            and e.time > cancelled
            and any(o.startswith("OBSERVE") for o in e.options)
        ]
        # GET Observe=1 ends it at once; a Reset ends it at the next notification, the one it answers
        assert len(later) == (1 if mode == "rst" else 0), later
        assert [n async for n in stream] == [] and stream.ended
        if mode == "get":  # the explicit cancel: GET Observe=1 with the observation's token
            cancels = [
                e
                for e in run.server.trace.entries
                if e.direction == "out" and e.code == "GET" and e.token == token and "OBSERVE=1" in e.options
            ]
            assert len(cancels) == 1
        else:
            notes = [e.mid for e in later]
            resets = [e.mid for e in run.server.trace.entries if e.direction == "out" and e.mtype == "RST"]
            assert set(resets) & set(notes), "no notification was answered with RST"


@on_virtual_time
async def test_blockwise_both_ways() -> None:
    async with native("nat-blk") as run:
        dev = await run.server.wait_for_registration("nat-blk", timeout=WAIT)
        whole = await dev.read("/3/0")
        # Device -> server: the server asks for 16-byte Block2 blocks.
        assert await dev.read("/3/0", block_size=16) == whole
        blocks = [
            e
            for e in run.server.trace.entries
            if e.direction == "in" and any(o.startswith("BLOCK2=") for o in e.options)
        ]
        assert len(blocks) > 3 and all(o.endswith("/16") for e in blocks for o in e.options if o.startswith("BLOCK2"))
        etags = {o for e in blocks for o in e.options if o.startswith("ETAG")}
        assert len(etags) == 1, etags  # every block names the one representation (RFC 7959 2.4)
        # Server -> device: a Block1 write in 16-byte blocks to a device without a reassembly buffer
        # gets 4.13 + Size1; the server resends the body unblocked, and the write takes effect.
        settings = {1: 86400, 2: 1, 3: 3600, 6: False, 7: "U"}  # 19 bytes of TLV
        await dev.write_partial("/1/0", settings, fmt="tlv", block_size=16)
        answers = [e.code for e in run.server.trace.entries if e.direction == "in" and e.code[0].isdigit()]
        assert answers[-2:] == ["4.13", "2.04"]
        server_obj = await dev.read("/1/0")
        assert {k: server_obj[k] for k in settings} == settings


@on_virtual_time
async def test_a_block_wise_notification_names_its_representation() -> None:
    """RFC 7959 2.6: the notification's first block carries the ETag its later blocks carry, so the
    server completes it from block 1 without taking block 0 again."""
    async with native("nat-bignote") as run:
        dev = await run.server.wait_for_registration("nat-bignote", timeout=WAIT)
        await dev.write_attributes("/3/0", pmax=5)
        paths = ["/3/0", "/3303/0", "/3311/0", "/1/0"]  # in SenML JSON: more than one datagram
        stream = await dev.observe_composite(paths, fmt="senml-json")
        note = await stream.next(timeout=WAIT)
        assert note.value[(3, 0, 0)] == "lwm2m-rig" and (3311, 0, 5851) in note.value
        entries = list(run.server.trace.entries)
        first = next(
            i
            for i, e in enumerate(entries)
            if e.direction == "in" and e.mtype in ("NON", "CON") and "BLOCK2=0/1/128" in e.options
        )
        tag = [o for o in entries[first].options if o.startswith("ETAG=")]
        later = [o for e in entries[first + 1 :] if e.direction == "in" for o in e.options if o.startswith("ETAG=")]
        asked = [o for e in entries[first + 1 :] if e.direction == "out" for o in e.options if o.startswith("BLOCK2=")]
        assert len(tag) == 1 and later and set(later) == set(tag), (tag, later)
        assert asked and "BLOCK2=0/0/128" not in asked, asked


@on_virtual_time
async def test_queue_mode_read_waits_for_the_next_update() -> None:
    async with native("nat-q", "--queue", "--lifetime", "12", awake_time=1.0) as run:
        dev = await run.server.wait_for_registration("nat-q", timeout=WAIT)
        assert dev.registration.queue_mode
        await asyncio.sleep(2)  # past the server's 1 s wake window: the device counts as asleep
        assert not run.server.is_awake("nat-q")
        assert await dev.read("/3/0/0") == "lwm2m-rig"  # held until the device's next update
        inbound = [(e.direction, e.code) for e in run.server.trace.entries]
        held_get = max(i for i, entry in enumerate(inbound) if entry == ("out", "GET"))
        assert ("in", "POST") in inbound[2:held_get], "the read went out before the device woke up"


def test_a_run_on_the_virtual_clock_repeats_exactly() -> None:
    """The lockstep leaks no wall-clock time: two runs give the client the same instants, so the same
    status lines at the same virtual times and the same exchanges (the server's tokens and message IDs
    and both ports are random, so those are left out)."""

    async def scenario() -> tuple[list, list]:
        async with native("nat-same", "--lifetime", "40", id_seed=5) as run:  # the same registration ID
            dev = await run.server.wait_for_registration("nat-same", timeout=WAIT)
            await dev.write_attributes("/3303/0/5700", pmin=1, pmax=3)
            stream = await dev.observe("/3303/0/5700")
            for _ in range(5):
                await stream.next(timeout=WAIT)
            await asyncio.sleep(50)  # an update at lt/2
            exchanges = [(e.time, e.direction, e.mtype, e.code, e.payload) for e in run.server.trace.entries]
            return exchanges, run.client.lines[1:]  # after the banner, which names the ports

    first, second = (run_native(lambda _clock: scenario()) for _ in range(2))
    assert len(first[0]) > 12 and any("updated" in text for _, text in first[1])
    assert first == second


def test_a_client_that_exits_at_once_is_reported_with_its_output() -> None:
    async def body(clock: NativeClock) -> None:
        client = clock.spawn("--server", "http://nowhere", "--ep", "nat-bad")
        assert not client.alive
        with pytest.raises(RigError, match=r"no line with 'registered', it exited:\n.*unsupported server URI"):
            await client.wait_line("registered", timeout=5)
        with pytest.raises(RigError, match="wait_line timeout must be a finite number"):
            await client.wait_line("registered", timeout=float("nan"))  # would run the clock forever
        assert await client.stop() == 2

    run_native(body)


@pytest.mark.parametrize(
    ("commands", "error"),
    [
        (b"x\n", "bad clock command 'x'"),
        (b"t 5\nt 4\n", "bad clock command 't 4' (want \"t MS\", MS not going back"),
        (b"t " + b"9" * 80, "clock command too long"),
        (b"t 99999999999\n", "bad clock command 't 99999999999'"),
    ],
)
def test_a_bad_clock_command_ends_the_client_with_a_message(commands: bytes, error: str) -> None:
    ours, theirs = socket.socketpair()
    with ours, theirs:
        ours.sendall(commands)
        argv = [str(CLIENT), "--server", "coap://[::1]:9", "--ep", "nat-clk", "--clock-fd", str(theirs.fileno())]
        proc = subprocess.run(argv, capture_output=True, pass_fds=(theirs.fileno(),), timeout=WAIT, check=False)
    assert proc.returncode == 1 and error in proc.stderr.decode(), proc


@on_virtual_time
async def test_reboot_restarts_the_process_on_the_same_clock() -> None:
    async with native("nat-boot", "--lifetime", "600") as run:
        dev = await run.server.wait_for_registration("nat-boot", timeout=WAIT)
        await dev.execute("/3/0/4")
        # the next registration: the new process starts a virtual millisecond later, so no race
        await run.server.wait_for_event("registered", "nat-boot", timeout=WAIT)
        assert await dev.read("/3/0/0") == "lwm2m-rig"  # the new process serves
        assert "lwm2m: reboot (Execute /3/0/4): restarting" in run.lines
        assert sum(1 for line in run.lines if line.startswith("lwm2m: registered")) == 2


async def test_rig_server_prompt_drives_the_native_client() -> None:
    port = free_udp_port()
    server = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "rig",
        "server",
        "--port",
        str(port),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        cwd=REPO,
    )
    client = await asyncio.create_subprocess_exec(
        str(CLIENT),
        "--server",
        f"coap://[::1]:{port}",
        "--ep",
        "nat-cli",
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    assert server.stdin is not None and server.stdout is not None
    lines: list[str] = []

    async def until(text: str) -> None:
        while not any(text in line for line in lines):
            raw = await asyncio.wait_for(server.stdout.readline(), WAIT)  # type: ignore[union-attr]
            assert raw, "rig server exited:\n" + "\n".join(lines)
            lines.append(raw.decode().rstrip())

    try:
        await until("[registered] nat-cli")
        for command, answer in [
            ("read nat-cli /3/0/0", "nat-cli/3/0/0 = 'lwm2m-rig'"),
            ("write nat-cli /3311/0/5851 33", "nat-cli/3311/0/5851 written"),
            ("read nat-cli /3311/0/5851", "nat-cli/3311/0/5851 = 33"),
            ("exec nat-cli /3303/0/5605", "nat-cli/3303/0/5605 executed"),
            ("discover nat-cli /3311/0", "</3311/0/5851>"),
            ("read nat-cli /3/0/99", "error: 4.04 Not Found"),
            ("list", "nat-cli [::1]:"),
        ]:
            server.stdin.write(command.encode() + b"\n")
            await until(answer)
        server.stdin.write(b"quit\n")
        await server.stdin.drain()
        assert await asyncio.wait_for(server.wait(), WAIT) == 0
    finally:
        for proc in (client, server):
            if proc.returncode is None:
                proc.kill()
                await proc.wait()


@on_virtual_time
async def test_stop_before_any_registration_says_not_registered() -> None:
    # Nothing listens on the server port: the client never registers, so on stop it neither
    # deregisters nor claims to have (it used to print "stopping, deregistering" / "deregistered").
    port = free_udp_port()
    client = NativeClock.current().spawn("--server", f"coap://[::1]:{port}", "--ep", "nat-noreg")
    try:
        await client.wait_line("endpoint nat-noreg", WAIT)
        await asyncio.sleep(3.0)  # virtual: a Register and its retransmission, unanswered
    finally:
        assert await client.stop() == 0
    lines = [text for _, text in client.lines]
    assert "lwm2m: not registered, exiting" in lines
    assert not any("deregister" in line for line in lines)
