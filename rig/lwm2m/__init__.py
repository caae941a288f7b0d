"""LwM2M server and bootstrap server on aiocoap, with an async API.

server = LwM2MServer(port=5683)
await server.start()
device = await server.wait_for_registration("node-1", timeout=60)
print(await device.read("/3/0/0"))
async for note in await device.observe("/3303/0/5700"): ...
"""

from rig.lwm2m.bootstrap import BootstrapConfig, EndpointConfig
from rig.lwm2m.device import Device, Notification, ObservationStream
from rig.lwm2m.errors import DeviceTimeout, LwM2MError, NotRegistered, ObservationEnded
from rig.lwm2m.model import ObjectRegistry, ObjLnk
from rig.lwm2m.server import Event, LwM2MServer

__all__ = [
    "BootstrapConfig",
    "Device",
    "DeviceTimeout",
    "EndpointConfig",
    "Event",
    "LwM2MError",
    "LwM2MServer",
    "NotRegistered",
    "Notification",
    "ObjLnk",
    "ObjectRegistry",
    "ObservationEnded",
    "ObservationStream",
]
