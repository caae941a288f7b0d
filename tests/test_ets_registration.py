"""OMA ETS 101-104 (registration interface) against the CC2538 LwM2M client on the builtin emulator.

Everything runs on virtual time: lifetimes of minutes pass in well under a wall-clock second.
"""

from __future__ import annotations

import contextlib
import itertools
import re
import socket

import pytest

from rig.errors import ConfigError
from rig.lwm2m.errors import LwM2MError
from rig.lwm2m.server import Event, LwM2MServer
from rig.rig import Rig, RigNode
from rig.topology import Topology

from lwm2m_steps import registered

CLIENT_OBJECTS = {1: [0], 3: [0], 4: [0], 3303: [0], 3311: [0]}


def record(server: LwM2MServer, endpoint: str) -> list[Event]:
    events: list[Event] = []
    server.on(None, lambda e: events.append(e) if e.endpoint == endpoint else None)
    return events


def kinds(events: list[Event], *wanted: str) -> list[str]:
    return [e.kind for e in events if e.kind in wanted]


def test_ets_101_initial_registration(rig: Rig, node: RigNode, lwm2m_server: LwM2MServer) -> None:
    node.expect(r"^lwm2m-client 1\.0\.0 eui64=00:12:4b:00:00:00:00:01$")
    location = node.expect(r"^lwm2m: registered /(rd/\w+)$").group(1)
    dev = rig.wait_for_registration(timeout=0.1)  # already registered: no time needed
    reg = dev.registration
    assert node.endpoint == reg.endpoint == "cc2538-00124b0000000001"
    assert (reg.lifetime, reg.version, reg.binding, reg.queue_mode) == (300, "1.1", "U", False)
    assert reg.objects == CLIENT_OBJECTS  # the Security object is never announced
    assert f"rd/{reg.reg_id}" == location
    # The Register request as it went over the wire: POST /rd, link format, ep/lt/lwm2m/b queries.
    register = next(e for e in lwm2m_server.trace.entries if e.direction == "in" and e.code == "POST")
    assert register.mtype == "CON"
    assert "URI_PATH=rd" in register.options and "CONTENT_FORMAT=40" in register.options
    queries = {o.split("=", 2)[1]: o.split("=", 2)[2] for o in register.options if o.startswith("URI_QUERY=")}
    assert queries == {"ep": "cc2538-00124b0000000001", "lt": "300", "lwm2m": "1.1", "b": "U"}
    assert register.payload.startswith("</1>;ver=1.1,</1/0>,</3>;ver=1.1,</3/0>")
    # The registration came from the node's address, through the bridge.
    assert reg.address[0] == "::1"


def test_wait_for_registration_after_a_reset_is_the_new_boots(rig: Rig, node: RigNode) -> None:
    """The server keeps the old registration until it expires: after a reset, a power cut or an
    Execute of Reboot at the same virtual instant, wait_for_registration waits for the one the node
    makes on its new boot."""
    old = rig.wait_for_registration().registration
    node.reset()
    new = rig.wait_for_registration(timeout=10).registration
    assert new is not old and new.reg_id != old.reg_id
    assert len(re.findall(r"^lwm2m-client 1\.0\.0 ", node.log, re.M)) == 2  # two boots
    node.power_cut(off_for=1)
    again = rig.wait_for_registration(timeout=10).registration
    assert again is not new and again.registered_at >= 1
    assert rig.wait_for_registration(timeout=0).registration is again  # registered: no waiting
    rig.device().execute("/3/0/4")  # Reboot: the device boots again after its 2.04
    rebooted = rig.wait_for_registration(timeout=10).registration
    assert rebooted is not again and len(re.findall(r"^lwm2m-client 1\.0\.0 ", node.log, re.M)) == 4


def test_ets_102_update_on_lifetime_write_and_periodic_updates(
    rig: Rig, node: RigNode, lwm2m_server: LwM2MServer
) -> None:
    dev = registered(rig, node)
    events = record(lwm2m_server, node.endpoint)
    dev.write("/1/0/1", 40, fmt="text")
    written_at = rig.now
    node.expect(r"^lwm2m: updated /rd/\w+$", timeout=5)
    assert kinds(events, "updated", "registered") == ["updated"]
    assert dev.registration.lifetime == 40
    update = [e for e in lwm2m_server.trace.entries if e.direction == "in" and e.code == "POST"][-1]
    assert "URI_QUERY=lt=40" in update.options and update.time - written_at < 1.0
    # Then the client keeps its registration alive on its own, always before the lifetime runs out.
    rig.advance(200)
    updates = [e.time for e in events if e.kind == "updated"]
    assert kinds(events, "expired", "registered", "deregistered") == []
    assert len(updates) >= 200 // 40
    gaps = [b - a for a, b in zip([written_at, *updates], updates, strict=False)]
    assert all(gap < 40 for gap in gaps), gaps
    assert dev.read("/1/0/1") == 40


def test_ets_103_deregistration_by_disable(rig: Rig, node: RigNode, lwm2m_server: LwM2MServer) -> None:
    """Execute Disable (/1/0/4): the client answers, deregisters, stays away for the Disable Timeout
    (/1/0/5), then registers again."""
    dev = registered(rig, node)
    assert dev.read("/1/0/5") == 86400  # the default
    dev.write("/1/0/5", 60, fmt="text")
    events = record(lwm2m_server, node.endpoint)
    dev.execute("/1/0/4")
    node.expect(r"^lwm2m: deregistered$", timeout=5)
    assert kinds(events, "deregistered", "updated", "expired") == ["deregistered"]
    assert node.endpoint not in lwm2m_server.registrations
    rig.advance(55)
    assert kinds(events, "registered") == []
    node.expect(r"^lwm2m: registered /rd/\w+$", timeout=10)
    times = {line.text: line.time for line in node.raw.uart.lines if line.text.startswith("lwm2m: ")}
    away = times[node.raw.uart.lines[-1].text] - times["lwm2m: deregistered"]
    assert 59.9 <= away < 61  # the Disable Timeout (from the DELETE response), then one Register
    assert kinds(events, "registered") == ["registered"]


def test_ets_103_deregistration(rig: Rig, node: RigNode, lwm2m_server: LwM2MServer) -> None:
    registered(rig, node)
    events = record(lwm2m_server, node.endpoint)
    node.write("deregister\n")
    node.expect(r"^lwm2m: deregistered$", timeout=5)
    assert kinds(events, "deregistered", "updated", "expired") == ["deregistered"]
    assert node.endpoint not in lwm2m_server.registrations
    delete = [e for e in lwm2m_server.trace.entries if e.direction == "in" and e.code == "DELETE"]
    assert len(delete) == 1 and "URI_PATH=rd" in delete[0].options
    # Deregistered means silent: no update, no re-registration while nothing asks for it.
    rig.advance(400)
    assert kinds(events, "registered", "updated") == []
    # And it can come back.
    node.write("register\n")
    node.expect(r"^lwm2m: registered /rd/\w+$", timeout=5)
    assert node.endpoint in lwm2m_server.registrations


def test_ets_104_registration_update_trigger(rig: Rig, node: RigNode, lwm2m_server: LwM2MServer) -> None:
    dev = registered(rig, node)
    events = record(lwm2m_server, node.endpoint)
    rig.advance(5)
    assert kinds(events, "updated") == []  # nothing due yet with a 300 s lifetime
    before = rig.now
    dev.execute("/1/0/8")
    node.expect(r"^lwm2m: updated /rd/\w+$", timeout=5)
    updated = [e for e in events if e.kind == "updated"]
    assert len(updated) == 1 and updated[0].time - before < 1.0
    assert dev.registration.lifetime == 300  # an update with nothing changed keeps the lifetime
    with pytest.raises(LwM2MError) as info:
        dev.execute("/1/0/1")  # Lifetime is not executable
    assert info.value.code_str == "4.05"


def test_registration_reaches_a_server_on_any_port_while_5683_is_taken() -> None:
    """The firmware always sends to fd00::1:5683; the bridge maps that to wherever the rig's server
    listens, so a local LwM2M server (or a parallel test run) holding 5683 changes nothing."""
    with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as squatter:
        with contextlib.suppress(OSError):  # already taken by someone else: the point stands
            squatter.bind(("::1", 5683))
        with Rig(Topology.from_dict({})) as the_rig:
            assert the_rig.server is not None and the_rig.server.port != 5683
            the_rig.node().expect(r"^lwm2m: registered /rd/\w+$", timeout=10)
            dev = the_rig.wait_for_registration(timeout=0.1)
            assert dev.read("/3/0/3") == "1.0.0"


def test_a_refused_registration_is_retried_with_backoff_until_the_server_accepts(
    rig: Rig, node: RigNode, lwm2m_server: LwM2MServer
) -> None:
    """The server says 4.03 to every Register: the client reports each failure and tries again after
    1, 2, 4 ... s (exponential backoff); once the server accepts, it registers."""
    lwm2m_server.refuse_registrations("4.03")
    events = record(lwm2m_server, node.endpoint)
    for _ in range(4):
        node.expect(r"^lwm2m: registration failed: rejected$", timeout=20)
    refusals = [e for e in events if e.kind == "rejected"]
    assert len(refusals) == 4 and all("refused with 4.03" in e.data["detail"] for e in refusals)
    gaps = [b.time - a.time for a, b in itertools.pairwise(refusals)]
    assert [round(g) for g in gaps] == [1, 2, 4]  # (plus a few ms of the exchange each)
    assert "registered" not in kinds(events, "registered")
    lwm2m_server.allow_registrations()
    node.expect(r"^lwm2m: registered /rd/\w+$", timeout=10)
    assert rig.wait_for_registration(timeout=0.1).registration.endpoint == node.endpoint
    with pytest.raises(ConfigError, match=r"CoAP error like '4\.03'"):
        lwm2m_server.refuse_registrations("2.01")
