"""OMA ETS 0 (client-initiated bootstrap, then registration) with the lwm2m-client-bs firmware.

The firmware starts with one Security instance: the bootstrap account coap://[fd00::1]:5683 (/bs).
The rig's server, with `[server] bootstrap = true`, answers it and provisions the management
account (the same server, with the topology's lifetime).
"""

from __future__ import annotations

import pytest

from rig.lwm2m.server import Event, LwM2MServer
from rig.rig import Rig, RigNode

BOOTSTRAP = {
    "node": [{"name": "node1", "firmware": "lwm2m-client-bs"}],
    "server": {"bootstrap": True, "lifetime": 77},
}


@pytest.mark.topology(BOOTSTRAP)
def test_ets_0_client_initiated_bootstrap_then_registration(rig: Rig, node: RigNode, lwm2m_server: LwM2MServer) -> None:
    events: list[Event] = []
    lwm2m_server.on(None, lambda e: events.append(e) if e.endpoint == node.endpoint else None)
    node.expect(r"^lwm2m: up \S+, endpoint cc2538-00124b0000000001, bootstrap server coap://\[fd00::1\]:5683$")
    node.expect(r"^lwm2m: bootstrap requested$", timeout=5)
    node.expect(r"^lwm2m: bootstrap finished, server coap://\[fd00::1\]:5683$", timeout=10)
    node.expect(r"^lwm2m: registered /rd/\w+$", timeout=10)
    assert [e.kind for e in events] == ["bootstrap_requested", "bootstrap_finished", "registered"]
    # Bootstrap-Discover, Delete all, Write the server account (Security /0/1, Server /1/0), Finish.
    assert events[1].data["bootstrap"].steps == [
        "GET / -> 2.05",
        "DELETE / -> 2.02",
        "PUT /0/1 -> 2.04",
        "PUT /1/0 -> 2.04",
        "POST /bs -> 2.04",
    ]
    # The Bootstrap-Request named the endpoint; the registration uses what bootstrap provisioned.
    assert rig.server is not None
    request = next(e for e in rig.server.trace.entries if e.direction == "in" and "URI_PATH=bs" in e.options)
    assert "URI_QUERY=ep=cc2538-00124b0000000001" in request.options
    dev = rig.wait_for_registration(timeout=0.1)
    assert dev.registration.lifetime == 77
    assert dev.read("/1/0/1") == 77 and dev.read("/1/0/0") == 1
    assert dev.read("/3/0/3") == "1.0.0"


def test_ets_0_management_firmware_does_not_bootstrap(rig: Rig, node: RigNode, lwm2m_server: LwM2MServer) -> None:
    """The default image is provisioned for the management server: no Bootstrap-Request at all."""
    node.expect(r"^lwm2m: registered /rd/\w+$", timeout=10)
    assert not any("URI_PATH=bs" in e.options for e in lwm2m_server.trace.entries)
