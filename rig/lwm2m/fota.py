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


class _Watch:
    """State and Update Result of /5/0: observed when the device accepts, otherwise polled."""

    def __init__(self, device: Device, poll_interval: float) -> None:
        self.device = device
        self.poll_interval = poll_interval
        self.values: dict[int, int] = {}
        self._streams: list[ObservationStream] = []
        self._changed = asyncio.Event()
        self._tasks: list[asyncio.Task] = []

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

    async def until(self, done: Callable[[dict[int, int]], bool], timeout: float) -> dict[int, int]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if done(self.values):
                return self.values
            left = deadline - loop.time()
            if left <= 0:
                raise DeviceTimeout(f"{self.device.endpoint}: firmware state stayed {self.values} "
                                    f"for {timeout:g} s")
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), min(left, self.poll_interval))
            if not self._changed.is_set():
                with contextlib.suppress(LwM2MError, DeviceTimeout):
                    await self.poll()

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
    install: bool = True,
) -> UpdateResult:
    """Update one device; never raises for a device-side failure (see UpdateResult.ok/error).
    With install=False it stops once the package is downloaded and verified (State 2)."""
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
    watch = _Watch(device, poll_interval)

    def mark(phase: str) -> None:
        res.phases[phase] = loop.time() - start

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
                    res.error = f"package refused: {exc.code_str}"
        else:
            server = device.server
            uri = pull_uri or f"coap://[{PULL_HOST}]:{PULL_PORT}/fw/{publish(server, data, name, block_size)}"
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
        final = _Watch(device, poll_interval)
        await final.poll()
        await final.until(lambda v: v.get(5) in (1, 8) or (v.get(3) == 0 and v.get(5, 0) > 1),
                          reboot_timeout)
        res.state, res.result = final.values.get(3), final.values.get(5)
        res.new_version = str(await device.read("/3/0/3"))
        res.ok = res.result == 1 and res.state == 0 and (
            res.expected_version is None or res.new_version == res.expected_version)
        if not res.ok:
            res.error = f"update failed: Result {res.result} {res.result_name}, running {res.new_version}"
        report("done", 1, 1)
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
