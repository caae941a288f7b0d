"""OMA ETS 301-303 (information reporting) against the CC2538 LwM2M client, on virtual time.

The temperature (/3303/0/5700) is a deterministic emulated sensor that changes every second, so the
notification pace is set by the pmin/pmax attributes alone.
"""

from __future__ import annotations

import itertools

import pytest

from rig.lwm2m.errors import DeviceTimeout
from rig.lwm2m.trace import TraceEntry
from rig.rig import Rig, RigNode

from lwm2m_steps import registered

TEMP = "/3303/0/5700"
SAMPLING = 1.0  # the client samples observed numeric resources once a second (LWM2M_POLL_MS)
TICK = 1 / 128  # the client's clock resolution (CLOCK_SECOND = 128)


def notifications(rig: Rig, token: str, after: float = 0.0) -> list[TraceEntry]:
    assert rig.server is not None
    return [
        e
        for e in rig.server.trace.entries
        if e.direction == "in"
        and e.token == token
        and e.time > after
        and any(o.startswith("OBSERVE=") for o in e.options)
    ]


def observe_token(rig: Rig, path: str) -> str:
    """The token of the (latest) Observe request on path, as the trace recorded it."""
    assert rig.server is not None
    segments = [f"URI_PATH={p}" for p in path.strip("/").split("/")]
    requests = [
        e
        for e in rig.server.trace.entries
        if e.direction == "out"
        and e.code == "GET"
        and "OBSERVE=0" in e.options
        and [o for o in e.options if o.startswith("URI_PATH=")] == segments
    ]
    assert requests, f"no Observe request for {path} in the trace"
    return requests[-1].token


def test_ets_301_observation_and_notification_within_pmin_pmax(rig: Rig, node: RigNode) -> None:
    dev = registered(rig, node)
    dev.write_attributes(TEMP, pmin=2, pmax=10)
    observation = dev.observe(TEMP)
    first = observation.stream.first
    assert first.code == "2.05" and first.value == dev.read(TEMP)
    seen = [observation.next(timeout=15) for _ in range(6)]
    times = [first.time] + [n.time for n in seen]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    # The value changes every second: notifications come as soon as pmin allows, never sooner.
    assert all(2.0 - TICK <= gap <= 2.0 + SAMPLING + TICK for gap in gaps), gaps
    sequence = [n.sequence or 0 for n in seen]
    assert sequence == sorted(sequence) and len(set(sequence)) == len(sequence)
    values = [first.value] + [n.value for n in seen]
    steps = [round(b - a, 3) for a, b in itertools.pairwise(values)]
    assert all(0.0 < step <= 0.3 for step in steps), steps  # rising 0.1 Cel a second, on every notification
    # A value that does not change is still reported every pmax.
    dev.write_attributes("/3311/0/5850", pmin=1, pmax=5)
    light = dev.observe("/3311/0/5850")
    assert light.stream.first.value is False
    quiet = [light.next(timeout=8) for _ in range(3)]
    marks = [light.stream.first.time] + [n.time for n in quiet]
    assert all(5.0 - TICK <= b - a <= 5.0 + SAMPLING + TICK for a, b in itertools.pairwise(marks)), marks
    assert [n.value for n in quiet] == [False, False, False]
    with pytest.raises(DeviceTimeout, match=r"cc2538-\w+: no notification of /3311/0/5850 within 2 s$"):
        light.next(timeout=2)  # pmax 5 s: none comes in 2


def test_ets_302_cancel_observation_by_reset(rig: Rig, node: RigNode) -> None:
    dev = registered(rig, node)
    dev.write_attributes(TEMP, pmin=1, pmax=3)
    observation = dev.observe(TEMP)
    token = observe_token(rig, TEMP)
    observation.next(timeout=5)
    observation.cancel("rst")
    cancelled_at = rig.now
    rig.advance(20)
    late = notifications(rig, token, after=cancelled_at)
    # The value keeps changing: exactly one more notification comes, the server answers it with RST
    # (same message ID), and the client stops.
    assert len(late) == 1, [e.line() for e in late]
    assert rig.server is not None
    resets = [
        e for e in rig.server.trace.entries if e.direction == "out" and e.mtype == "RST" and e.time > cancelled_at
    ]
    assert [r.mid for r in resets] == [late[0].mid]
    assert late[0].time - cancelled_at <= 1.0 + TICK  # pmin = 1 s after the previous one
    # The client still answers and can be observed again.
    again = dev.observe(TEMP)
    assert isinstance(again.next(timeout=5).value, float)


def test_ets_303_cancel_observation_by_observe_1(rig: Rig, node: RigNode) -> None:
    dev = registered(rig, node)
    dev.write_attributes(TEMP, pmin=1, pmax=3)
    observation = dev.observe(TEMP)
    token = observe_token(rig, TEMP)
    observation.next(timeout=5)
    observation.cancel("get")
    assert rig.server is not None
    cancel = [e for e in rig.server.trace.entries if e.direction == "out" and "OBSERVE=1" in e.options]
    assert len(cancel) == 1 and cancel[0].token == token
    answer = [e for e in rig.server.trace.entries if e.direction == "in" and e.mid == cancel[0].mid]
    assert len(answer) == 1 and (answer[0].mtype, answer[0].code, answer[0].token) == ("ACK", "2.05", token)
    assert not any(o.startswith("OBSERVE=") for o in answer[0].options)  # a plain read: no longer observed
    rig.advance(20)
    assert notifications(rig, token, after=cancel[0].time) == []
