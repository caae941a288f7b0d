"""The seed paper's light-bulb scenario: a server drives a CC2538 lamp through Object 3311.

The server switches /3311/0/5850 on and off; LED0 (PC0) follows, an observation reports every
change, and /3/0/3 tells which firmware runs. With two lamps, each follows only its own commands.
"""

from __future__ import annotations

import pytest

from rig.rig import Rig, RigNode

from lwm2m_steps import registered

ON_OFF = "/3311/0/5850"


def test_light_bulb_follows_the_server_and_reports_each_change(rig: Rig, node: RigNode) -> None:
    lamp = registered(rig, node)
    assert lamp.read("/3/0/3") == "1.0.0"
    assert lamp.read("/3/0/0") == "lwm2m-rig"
    assert not node.led(0)
    observation = lamp.observe(ON_OFF)
    assert observation.stream.first.value is False
    for on in (True, False, True, False):
        lamp.write(ON_OFF, on)
        assert node.led(0) is on  # the 2.04 came back after the LED was driven
        node.expect(rf"^lwm2m: light {'on' if on else 'off'}$", timeout=1)
        note = observation.next(timeout=2)
        assert (note.value, note.path) == (on, ON_OFF)
        assert lamp.read(ON_OFF) is on
    # The dimmer at 0 darkens the LED without switching the light off.
    lamp.write(ON_OFF, True)
    assert node.led(0) and observation.next(timeout=2).value is True
    lamp.write("/3311/0/5851", 0)
    assert not node.led(0) and lamp.read(ON_OFF) is True
    lamp.write("/3311/0/5851", 80)
    assert node.led(0)
    # On Time (5852) counts while the light is on.
    on_time = lamp.read("/3311/0/5852")
    rig.advance(10)
    assert lamp.read("/3311/0/5852") - on_time in (9, 10, 11)
    observation.cancel()


@pytest.mark.topology({"node": [{"name": "lamp1"}, {"name": "lamp2"}]})
def test_two_lamps_each_follow_their_own_commands(rig: Rig, fleet: list[RigNode]) -> None:
    lamp1, lamp2 = (registered(rig, n) for n in fleet)
    assert lamp1.registration.endpoint == "cc2538-00124b0000000001"
    assert lamp2.registration.endpoint == "cc2538-00124b0000000002"
    lamp2.write(ON_OFF, True)
    assert [n.led(0) for n in fleet] == [False, True]
    lamp1.write(ON_OFF, True)
    lamp2.write(ON_OFF, False)
    assert [n.led(0) for n in fleet] == [True, False]
    assert lamp1.read("/3/0/2") == "00124B0000000001" and lamp2.read("/3/0/2") == "00124B0000000002"
