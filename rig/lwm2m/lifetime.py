"""The topology's `[server] lifetime` for clients that register without bootstrap.

Bootstrap writes the lifetime into the client's Server object; a client that registers directly
announces its compiled-in one. `LifetimeEnforcer` closes that gap as a management server does: after
a Register whose `lt=` differs, it writes the lifetime to the client's /1/<instance>/1, and the client
announces it in its next Update (and times its Updates by it from then on).
"""

from __future__ import annotations

import asyncio
import warnings

from rig.errors import RigError, RigWarning
from rig.lwm2m.server import Event, LwM2MServer

SERVER_OBJECT = 1
LIFETIME_RESOURCE = 1


class LifetimeEnforcer:
    def __init__(self, server: LwM2MServer, lifetime: int) -> None:
        self.server = server
        self.lifetime = lifetime
        self.written: list[tuple[str, int]] = []  # (endpoint, server instance) written, for tests
        self._tasks: set[asyncio.Task[None]] = set()
        server.on("registered", self._on_registered)

    def _on_registered(self, event: Event) -> None:
        reg = event.registration
        if reg is None or reg.lifetime == self.lifetime:
            return
        instances = sorted(reg.objects.get(SERVER_OBJECT, []))
        # The client's one server account is the rig's; with several, the first (a rig serves one).
        instance = instances[0] if instances else 0
        task = asyncio.get_running_loop().create_task(self._write(event.endpoint, instance))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _write(self, endpoint: str, instance: int) -> None:
        path = (SERVER_OBJECT, instance, LIFETIME_RESOURCE)
        try:
            await self.server.device(endpoint).write(path, self.lifetime, fmt="text")
        except (RigError, TimeoutError) as exc:  # the node rebooted, refused... the run goes on, said once
            warnings.warn(f"[server] lifetime {self.lifetime}: writing /1/{instance}/1 of {endpoint} failed: "
                          f"{exc or type(exc).__name__}", RigWarning, stacklevel=1)
            return
        self.written.append((endpoint, instance))
