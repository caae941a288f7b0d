"""The smallest client profile, lwm2m-client-min: objects 0/1/3, no optional engine feature.

Built with observe/Write-Attributes, Discover, Create/Delete, float, bootstrap, streaming and SenML
compiled out (firmware-c/apps/lwm2m-client/cc2538.mk), it must still be a conformant LwM2M client:
register with its objects, serve Read/Write/Execute in TLV, plain text and opaque, update, and
answer what it left out the way a client without the feature does (an Observe option ignored,
Discover Not Acceptable, Create and Write-Attributes not allowed). Its engine is the footprint
report's "engine + objects 0/1/3 + formats" at its smallest: budget.toml holds it to the 6 KiB
target (tests/test_footprint_budget.py).
"""

from __future__ import annotations

import pytest

from rig.rig import Rig, RigNode

from lwm2m_steps import refused, registered

MINIMAL = {"node": [{"name": "node1", "firmware": "lwm2m-client-min"}]}
pytestmark = pytest.mark.topology(MINIMAL)


def test_registers_with_objects_0_1_3_only(rig: Rig, node: RigNode) -> None:
    dev = registered(rig, node)
    assert dev.registration.objects == {1: [0], 3: [0]}  # Security is never advertised


def test_read_write_execute_in_every_format_it_keeps(rig: Rig, node: RigNode) -> None:
    dev = registered(rig, node)
    assert dev.read("/3/0/0", fmt="text") == "lwm2m-rig"
    refused("4.06", dev.read, "/3/0/3", fmt="opaque")  # a string is not opaque
    instance = dev.read("/3/0", fmt="tlv")
    assert instance[3] == "1.0.0" and instance[11] == {0: 0}
    dev.write("/1/0/1", 120, fmt="text")
    assert dev.read("/1/0/1", fmt="tlv") == 120
    dev.execute("/1/0/8")  # Registration Update Trigger: the new lifetime goes out with it
    node.expect(r"^lwm2m: updated /rd/\w+$", timeout=5)
    assert dev.registration.lifetime == 120
    refused("4.05", dev.execute, "/3/0/0")
    refused("4.01", dev.read, "/0/0/0")  # Security: never for a management server


def test_left_out_features_answer_like_a_client_without_them(rig: Rig, node: RigNode) -> None:
    dev = registered(rig, node)
    refused("2.05", dev.observe, "/3/0/13")  # the Observe option is ignored: a plain read comes back
    refused("4.06", dev.discover, "/3/0")
    refused("4.00", dev.write_attributes, "/3/0/13", pmin=5)  # to it, a Write without a body
    refused("4.05", dev.create, "/3", {0: "x"}, fmt="tlv")
    assert dev.read("/3/0/0", fmt="text") == "lwm2m-rig"  # and it keeps serving

