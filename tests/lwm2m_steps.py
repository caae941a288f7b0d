"""Steps the LwM2M client tests share (imported by the test modules next to it)."""

from __future__ import annotations

import pytest

from rig.lwm2m.errors import LwM2MError
from rig.rig import Rig, RigNode, SyncDevice


def registered(rig: Rig, node: RigNode) -> SyncDevice:
    """The device once the client itself knows it is registered (the 2.01 reached it)."""
    node.expect(r"^lwm2m: registered /rd/\w+$", timeout=10)
    return rig.wait_for_registration(node.name, timeout=0.1)


def refused(code: str, call: object, *args: object, **kwargs: object) -> None:
    """call(*args, **kwargs) fails with the response code `code` ("4.05", ...)."""
    with pytest.raises(LwM2MError) as info:
        call(*args, **kwargs)  # type: ignore[operator]
    assert info.value.code_str == code, f"expected {code}, got {info.value}"
