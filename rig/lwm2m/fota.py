"""Firmware updates of LwM2M devices through Object 5 (OMA ETS int-770 flow), one or a fleet.

    result = await update_firmware(device, Path("app-2.0.0.img"), method="push", block_size=512)
    results = await update_fleet(devices, image, concurrency=4)

Push: write '\\0' to /5/0/0 (reset), PUT the package to /5/0/0 in Block1 blocks of `block_size`
(a device answering 4.13 gets smaller blocks: the adapter honours Block1/Size1). Pull: the
server publishes the package at coap://[fd00::1]:<port>/fw/<name> (LwM2MServer.files) and writes
that URI to /5/0/1 (pull_uri overrides it); the device fetches it with Block2, in blocks of
`block_size` or the smaller size it asks for. Then State (/5/0/3) and Update Result
(/5/0/5) are observed (polled as a fallback, observe is best effort), Execute /5/0/2 once State
is 2, the device re-registers on the new image, and the outcome is Result 1 with /3/0/3 showing
the package's version. Every wait counts virtual seconds on the server's loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rig.errors import RigError
from rig.fota.image import ImageError, parse_package
from rig.lwm2m.errors import DeviceTimeout, LwM2MError

if TYPE_CHECKING:
    from rig.lwm2m.device import Device, ObservationStream

STATES = {0: "Idle", 1: "Downloading", 2: "Downloaded", 3: "Updating"}
RESULTS = {
    0: "Initial", 1: "Success", 2: "Not enough flash", 3: "Out of RAM", 4: "Connection lost",
    5: "Integrity check failure", 6: "Unsupported package type", 7: "Invalid URI", 8: "Update failed",
    9: "Unsupported protocol", 10: "Cancelled", 11: "Deferred",
}
# The server as the nodes know it through the border router (the bridge maps this port to the
# server's real loopback port, so the URI must name the node-side one).
BLOCK_SIZES = (16, 32, 64, 128, 256, 512, 1024)  # CoAP block sizes, SZX 0..6
PULL_HOST = "fd00::1"
PULL_PORT = 5683

# progress(phase, done, total): phases "reset", "download", "verify", "update", "reboot", "done"
Progress = Callable[[str, int, int], None]


@dataclass
class UpdateResult:
    endpoint: str
    method: str
    ok: bool = False
    result: int | None = None  # final /5/0/5
    state: int | None = None  # final /5/0/3
    old_version: str | None = None
    new_version: str | None = None  # /3/0/3 after the update
    expected_version: str | None = None
    size: int = 0
    block_size: int = 0  # asked for
    block_size_used: int | None = None  # on the wire (smaller after a 4.13 from the device)
    download_s: float = 0.0  # virtual seconds, write/URI to State 2
    total_s: float = 0.0
    error: str | None = None
    phases: dict[str, float] = field(default_factory=dict)

    @property
    def result_name(self) -> str:
        return RESULTS.get(self.result, "?") if self.result is not None else "-"

    def row(self) -> list[str]:
        return [self.endpoint, self.method, "OK" if self.ok else "FAILED",
                f"{self.result} {self.result_name}" if self.result is not None else "-",
                self.old_version or "-", self.new_version or "-", f"{self.download_s:.1f}",
                f"{self.total_s:.1f}", self.error or ""]


TABLE_HEADER = ["endpoint", "method", "outcome", "result", "old", "new", "download s", "total s", "error"]


def format_table(results: Iterable[UpdateResult]) -> str:
    rows = [TABLE_HEADER] + [r.row() for r in results]
    widths = [max(len(row[i]) for row in rows) for i in range(len(TABLE_HEADER))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _load(image: bytes | Path | str) -> bytes:
    if isinstance(image, bytes | bytearray):
        return bytes(image)
    try:
        return Path(image).read_bytes()
    except OSError as exc:
        raise RigError(f"{image}: cannot read firmware package: {exc.strerror}") from None


def _expected_version(data: bytes) -> str | None:
    try:
        return parse_package(data).header.version
    except ImageError:
        return None  # deliberately bad packages are allowed: the device must refuse them


def publish(server: Any, data: bytes, name: str | None = None, block_size: int = 1024) -> str:
    """Serve `data` at /fw/<name> on the server in Block2 blocks of at most `block_size` bytes (16 to
    1024, a power of two); returns the name (content hash by default)."""
    name = name or hashlib.sha256(data).hexdigest()[:16] + ".img"
    if not re.fullmatch(r"[A-Za-z0-9._-]{1,64}", name):
        raise RigError(f"package name {name!r}: use letters, digits, '.', '_' or '-'")
    if block_size not in BLOCK_SIZES:
        raise RigError(f"block size {block_size}: use one of {', '.join(map(str, BLOCK_SIZES))}")
    server.files[name] = data
    server.file_szx[name] = BLOCK_SIZES.index(block_size)
    return name


def describe_state(values: dict[int, int]) -> str:
    """'State Downloading, Result Initial' from {3: state, 5: result}."""
    state, result = values.get(3), values.get(5)
    return (f"State {STATES.get(state, state) if state is not None else '?'}, "
            f"Result {RESULTS.get(result, result) if result is not None else '?'}")


class _Rebooted(RigError):
    """The device booted again (registered anew, back to Idle with Result 0): the update is lost."""


class _Watch:
    """State and Update Result of /5/0: observed when the device accepts, otherwise polled.

    With `since` (a server mark), a new registration of the device after the mark is checked: if the
    device is then Idle with Result 0 it has rebooted and forgotten the download (`_Rebooted`); a
    registration that finds it still Downloading/Downloaded (a re-registration after a network
    outage, or a reboot after the download completed) lets the update go on."""

    def __init__(self, device: Device, poll_interval: float, since: int | None = None,
                 phase: str = "download") -> None:
        self.device = device
        self.poll_interval = poll_interval
        self.values: dict[int, int] = {}
        self._streams: list[ObservationStream] = []
        self._changed = asyncio.Event()
        self._tasks: list[asyncio.Task] = []
        self.since = since
        self.phase = phase

    async def start(self) -> None:
        for rid in (3, 5):
            try:
                stream = await self.device.observe(f"/5/0/{rid}")
            except (LwM2MError, DeviceTimeout):
                continue  # observe is best effort: polling covers it
            self._streams.append(stream)
            self._set(rid, stream.first.value)
            self._tasks.append(asyncio.ensure_future(self._pump(rid, stream)))

    def _set(self, rid: int, value: Any) -> None:
        if isinstance(value, int):
            self.values[rid] = value
            self._changed.set()

    async def _pump(self, rid: int, stream: ObservationStream) -> None:
        with contextlib.suppress(Exception):
            async for note in stream:
                self._set(rid, note.value)

    async def poll(self) -> None:
        for rid in (3, 5):
            self._set(rid, await self.device.read(f"/5/0/{rid}"))

    async def _registered_again(self) -> bool:
        if self.since is None:
            return False
        try:  # at once: an event since the mark, or none
            await self.device.server.wait_for_event("registered", self.device.endpoint, 0, since=self.since)
        except DeviceTimeout:
            return False
        return True

    async def check_reboot(self) -> None:
        """_Rebooted if the device registered anew since the mark and is back to Idle, Result 0."""
        if not await self._registered_again():
            return
        self.since = self.device.server.mark()  # this registration is handled: look for the next one
        with contextlib.suppress(LwM2MError, DeviceTimeout):
            await self.poll()
        if self.values.get(3) == 0 and self.values.get(5) == 0:
            raise _Rebooted(f"device rebooted during {self.phase}: update lost ({describe_state(self.values)})")

    async def until(self, done: Callable[[dict[int, int]], bool], timeout: float) -> dict[int, int]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            await self.check_reboot()
            if done(self.values):
                return self.values
            left = deadline - loop.time()
            if left <= 0:
                raise DeviceTimeout(f"{self.device.endpoint}: firmware {describe_state(self.values)} "
                                    f"for {timeout:g} s")
            self._changed.clear()
            # wake on a change, a new registration (a reboot), or to poll
            step = min(left, self.poll_interval)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake(), step)
            if not self._changed.is_set():
                with contextlib.suppress(LwM2MError, DeviceTimeout):
                    await self.poll()

    async def _wake(self) -> None:
        if self.since is None:
            await self._changed.wait()
            return
        changed = asyncio.ensure_future(self._changed.wait())
        registered = asyncio.ensure_future(self.device.server.wait_for_event(
            "registered", self.device.endpoint, self.poll_interval + 1.0, since=self.since))
        try:
            await asyncio.wait((changed, registered), return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (changed, registered):
                task.cancel()
            await asyncio.wait((changed, registered))
            if registered.done() and not registered.cancelled():
                registered.exception()  # its timeout is no news

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for stream in self._streams:
            with contextlib.suppress(Exception):
                await stream.cancel()
        self._streams.clear()


class _BlockTap:
    """Download progress from the server's wire trace (Block1 requests sent / Block2 answers)."""

    def __init__(self, device: Device, total: int, progress: Progress | None) -> None:
        self.coap = device.server.coap
        self.total, self.progress = total, progress
        self.done = 0
        self.sizes: set[int] = set()
        self.peer: tuple[str, int] | None = None
        with contextlib.suppress(Exception):
            from rig.lwm2m.aiocoap_adapter import remote_address

            self.peer = remote_address(device.registration.remote)
        self._orig: Any = None

    def __enter__(self) -> _BlockTap:
        # The adapter's tracer hook is internal: without it there is only coarse progress.
        if hasattr(self.coap, "_tracer"):
            self._orig = self.coap._tracer
            self.coap._tracer = self._tap
        return self

    def __exit__(self, *exc: object) -> None:
        if hasattr(self.coap, "_tracer"):
            self.coap._tracer = self._orig

    def _tap(self, msg: Any) -> None:
        if self._orig is not None:
            self._orig(msg)
        if msg.direction != "out" or (self.peer and msg.peer != self.peer):
            return
        for opt in msg.options:
            m = re.match(r"block([12])=(\d+)/\d/(\d+)", opt, re.IGNORECASE)
            if m and (m.group(1) == "1") == (msg.code in ("PUT", "POST")):
                self.sizes.add(int(m.group(3)))
                done = min(self.total, int(m.group(2)) * int(m.group(3)) + len(msg.payload))
                if done > self.done:
                    self.done = done
                    if self.progress is not None:
                        self.progress("download", done, self.total)

    @property
    def size_used(self) -> int | None:
        return min(self.sizes) if self.sizes else None


async def update_firmware(
    device: Device,
    image: bytes | Path | str,
    method: str = "push",
    block_size: int = 512,
    progress: Progress | None = None,
    *,
    download_timeout: float = 900.0,
    reboot_timeout: float = 120.0,
    poll_interval: float = 5.0,
    name: str | None = None,
    pull_uri: str | None = None,
    pull_base: str | None = None,
    install: bool = True,
) -> UpdateResult:
    """Update one device; never raises for a device-side failure (see UpdateResult.ok/error).
    With install=False it stops once the package is downloaded and verified (State 2).
    Pull: the package is published on the server and the device fetches `pull_uri` if given, else
    <pull_base>/fw/<name>, pull_base being the server as the device reaches it (default
    coap://[fd00::1]:5683, the server through the rig's bridge)."""
    if method not in ("push", "pull"):
        raise RigError(f"update method {method!r}: use 'push' or 'pull'")
    if block_size not in BLOCK_SIZES:
        raise RigError(f"block size {block_size}: use one of {', '.join(map(str, BLOCK_SIZES))}")
    data = _load(image)
    loop = asyncio.get_running_loop()
    start = loop.time()
    res = UpdateResult(device.endpoint, method, size=len(data), block_size=block_size,
                       expected_version=_expected_version(data))
    report = progress or (lambda phase, done, total: None)
    # A registration after this mark with the device back to Idle / Result 0 is a reboot that lost
    # the download (a power cut): said at once instead of waiting out download_timeout.
    watch = _Watch(device, poll_interval, since=device.server.mark() if hasattr(device.server, "mark") else None)

    def mark(phase: str) -> None:
        res.phases[phase] = loop.time() - start

    def _finished(v: dict[int, int]) -> bool:  # Success, Update failed, or back to Idle with a failure
        return v.get(5) in (1, 8) or (v.get(3) == 0 and v.get(5, 0) > 1)

    final: _Watch | None = None

    try:
        if 5 not in device.registration.objects:
            res.error = ("the device registered no Firmware Update object (/5): run a FOTA build of the "
                         "client (firmware-c/build/fota/lwm2m-client-fota-factory.elf)")
            return res
        res.old_version = str(await device.read("/3/0/3"))
        report("reset", 0, len(data))
        await device.write("/5/0/0", b"\0", fmt="opaque")  # Idle, Result 0, old download dropped
        await watch.start()
        await watch.poll()
        mark("reset")
        t_dl = loop.time()
        report("download", 0, len(data))
        if method == "push":
            with _BlockTap(device, len(data), progress) as tap:
                try:
                    await device.write("/5/0/0", data, fmt="opaque", block_size=block_size)
                except LwM2MError as exc:
                    await watch.check_reboot()  # a 4.08 from a device that restarted mid-transfer
                    res.error = f"package refused: {exc.code_str}"
        else:
            server = device.server
            base = (pull_base or f"coap://[{PULL_HOST}]:{PULL_PORT}").rstrip("/")
            uri = pull_uri or f"{base}/fw/{publish(server, data, name, block_size)}"
            with _BlockTap(device, len(data), progress) as tap:
                await device.write("/5/0/1", uri)
                # Downloaded, or back to Idle with a failure Result
                await watch.until(lambda v: v.get(3) == 2 or (v.get(3) == 0 and v.get(5, 0) > 1),
                                  download_timeout)
        res.block_size_used = tap.size_used
        await watch.poll()
        await watch.until(lambda v: v.get(3) in (0, 2), download_timeout)
        res.download_s = loop.time() - t_dl
        mark("download")
        report("download", len(data), len(data))
        if watch.values.get(3) != 2:
            res.state, res.result = watch.values.get(3), watch.values.get(5)
            res.error = res.error or f"download failed: Result {res.result} {res.result_name}"
            return res
        report("verify", len(data), len(data))
        if not install:
            res.state, res.result = watch.values.get(3), watch.values.get(5)
            res.ok = True
            report("done", 1, 1)
            return res
        since = device.server.mark()
        await watch.stop()
        report("update", 0, 1)
        await device.execute("/5/0/2")
        mark("update")
        report("reboot", 0, 1)
        await device.server.wait_for_event("registered", device.endpoint, reboot_timeout, since=since)
        mark("reboot")
        final = _Watch(device, poll_interval, phase="update")
        await final.poll()
        with contextlib.suppress(DeviceTimeout):  # a trial image reports Result 1 once registered
            await final.until(_finished, poll_interval)
        if not _finished(final.values) and final.values.get(5) == 0 and final.values.get(3) in (0, 2):
            # the old image came back with nothing to say: the swap never started (a power cut
            # right after Execute); the device still holds the package in State 2 if it says so
            raise _Rebooted(f"device rebooted during update: update lost ({describe_state(final.values)})")
        await final.until(_finished, reboot_timeout)
        res.state, res.result = final.values.get(3), final.values.get(5)
        res.new_version = str(await device.read("/3/0/3"))
        res.ok = res.result == 1 and res.state == 0 and (
            res.expected_version is None or res.new_version == res.expected_version)
        if not res.ok:
            res.error = f"update failed: Result {res.result} {res.result_name}, running {res.new_version}"
        report("done", 1, 1)
    except _Rebooted as exc:
        res.error = str(exc)
        res.state, res.result = watch.values.get(3), watch.values.get(5)
        if final is not None:
            res.state, res.result = final.values.get(3), final.values.get(5)
    except (RigError, TimeoutError) as exc:
        res.error = str(exc) or type(exc).__name__
        with contextlib.suppress(RigError, TimeoutError):
            res.state = await device.read("/5/0/3")
            res.result = await device.read("/5/0/5")
    finally:
        await watch.stop()
        res.total_s = loop.time() - start
    return res


async def update_fleet(
    devices: Iterable[Device],
    image: bytes | Path | str,
    concurrency: int = 4,
    method: str = "push",
    block_size: int = 512,
    progress: Callable[[str, str, int, int], None] | None = None,
    **options: Any,
) -> list[UpdateResult]:
    """Update many devices, at most `concurrency` at a time; one result per device, in order."""
    if concurrency < 1:
        raise RigError("concurrency must be at least 1")
    data = _load(image)
    gate = asyncio.Semaphore(concurrency)

    async def one(dev: Device) -> UpdateResult:
        async with gate:
            def report(phase: str, done: int, total: int) -> None:
                if progress is not None:
                    progress(dev.endpoint, phase, done, total)
            try:
                return await update_firmware(dev, data, method, block_size, report, **options)
            except RigError as exc:  # bad arguments: reported per device, the others go on
                return UpdateResult(dev.endpoint, method, error=str(exc))

    return list(await asyncio.gather(*(one(d) for d in devices)))
