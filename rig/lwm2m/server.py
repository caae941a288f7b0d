"""LwM2M server (+ optional bootstrap server) on aiocoap: registration interface, events, devices."""

from __future__ import annotations

import asyncio
import copy
import errno
import random
import re
import socket
import warnings
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rig.errors import ConfigError
from rig.lwm2m import codecs
from rig.lwm2m.aiocoap_adapter import (
    CoapEndpoint,
    InboundRequest,
    Reply,
    WireMessage,
    remote_address,
    remote_key,
)
from rig.lwm2m.bootstrap import BootstrapConfig, run_bootstrap
from rig.lwm2m.codecs import CodecError
from rig.lwm2m.device import Device
from rig.lwm2m.errors import DeviceTimeout, UnmodelledObject
from rig.lwm2m.model import ObjectRegistry, default_registry
from rig.lwm2m.registration import (
    DEFAULT_LIFETIME,
    Registration,
    RegistrationRejected,
    parse_object_links,
    parse_query,
)
from rig.lwm2m.trace import Trace

EVENT_KINDS = (
    "registered",
    "updated",
    "deregistered",
    "expired",
    "notification",
    "send",
    "bootstrap_requested",
    "bootstrap_finished",
    "bootstrap_failed",
    "rejected",
)


@dataclass
class Event:
    kind: str
    endpoint: str
    time: float
    registration: Registration | None = None
    data: dict[str, Any] = field(default_factory=dict)
    seq: int = 0  # this server's events are numbered from 0 in the order they happen (see mark())


def _snapshot(reg: Registration | None) -> Registration | None:
    """The registration as it was at the event: the server updates its own in place (lifetime,
    binding, objects, address), which rewrote the past events that shared it."""
    if reg is None:
        return None
    snap = copy.copy(reg)
    snap.objects = {oid: list(iids) for oid, iids in reg.objects.items()}
    snap.object_versions = dict(reg.object_versions)
    snap.links = list(reg.links)
    return snap


def _named(text: str) -> str:
    """An endpoint name from the wire, fit for an event and a console line (bounded, printable)."""
    text = text[:64]
    return text if text.isprintable() else repr(text)


def check_port(host: str, port: int) -> None:
    """aiocoap sets SO_REUSEPORT, so a clash would go unnoticed: try the address with a plain socket first."""
    if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:  # was OverflowError
        raise ConfigError(f"port {port!r} is not a UDP port (0..65535)")
    family = socket.AF_INET6 if ":" in host or host == "" else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as sock:
        try:
            sock.bind((host or "::", port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise ConfigError(f"UDP port {port} on {host} is already in use") from None
            raise ConfigError(f"cannot listen on {host} port {port}: {exc.strerror or exc}") from None


def port_is_free(host: str, port: int) -> bool:
    try:
        check_port(host, port)
    except ConfigError:
        return False
    return True


class LwM2MServer:
    """LwM2M server: `await server.start()`, then `dev = await server.wait_for_registration("ep")`.

    `id_seed`: registration IDs are random (a client cannot guess another's /rd/<id>); with a seed they
    are the same in every run (the rig passes its network seed)."""

    # (kind, endpoint) pairs whose last event is kept for wait_for_event(since=): a hostile peer can
    # make up endpoint names without end, so the least recently updated pairs are forgotten
    LATEST_LIMIT = 10_000

    def __init__(
        self,
        host: str = "::1",
        port: int = 5683,
        *,
        bootstrap: BootstrapConfig | Path | str | None = None,
        registry: ObjectRegistry | None = None,
        model_dirs: list[Path] | None = None,
        expiry_grace: float = 5.0,
        awake_time: float = 93.0,
        request_timeout: float = 120.0,
        default_format: int | str = "tlv",
        trace: bool = True,
        trace_limit: int = 100_000,
        event_queue_size: int = 10_000,
        max_body: int = 64 * 1024,
        max_registrations: int = 100_000,
        id_seed: int | None = None,
    ) -> None:
        self.host, self.port = host, port
        # A str path was kept as the config itself and failed at the first Bootstrap-Request.
        if isinstance(bootstrap, str | Path):
            bootstrap = BootstrapConfig.load(Path(bootstrap))
        elif bootstrap is not None and not isinstance(bootstrap, BootstrapConfig):
            raise ConfigError(f"bootstrap: give a BootstrapConfig or a file path, got {type(bootstrap).__name__}")
        self.bootstrap = bootstrap
        if registry is None:  # str directories were AttributeError: 'str' object has no attribute 'is_dir'
            registry = ObjectRegistry([Path(d) for d in model_dirs]) if model_dirs else default_registry()
        self.registry = registry
        self.expiry_grace = expiry_grace
        self.awake_time = awake_time  # queue mode: how long after an update the device listens
        self.request_timeout = request_timeout
        codecs.format_number(default_format)  # a typo here failed only at the first write
        self.default_format = default_format
        self.max_registrations = max_registrations
        self.registrations: dict[str, Registration] = {}
        self._by_id: dict[str, str] = {}
        self._by_addr: dict[tuple[str, int], str] = {}
        self._seen_addr: dict[tuple[str, int], str] = {}  # kept after deregistration, for the trace
        self._devices: dict[str, Device] = {}
        self._expiry: dict[str, asyncio.TimerHandle] = {}
        self._awake_until: dict[str, float] = {}
        self._wakeups: dict[str, asyncio.Event] = {}
        self._waiters: list[tuple[str, str | None, asyncio.Future]] = []
        self._callbacks: list[tuple[str | None, Callable[[Event], Any]]] = []
        if id_seed is not None and (isinstance(id_seed, bool) or not isinstance(id_seed, int)):
            raise ConfigError(f"id_seed must be an integer, got {id_seed!r}")
        self._ids: random.Random = random.SystemRandom() if id_seed is None else random.Random(id_seed)
        self._bootstraps: dict[str, asyncio.Task] = {}  # endpoint -> its running bootstrap sequence
        self._unmodelled: set[int] = set()  # object IDs warned about (UnmodelledObject)
        self._tasks: set[asyncio.Task] = set()
        self.events: asyncio.Queue[Event] = asyncio.Queue(maxsize=event_queue_size)
        self.history: deque[Event] = deque(maxlen=1000)  # recent events
        self._seq = 0  # the next event's number
        self._latest: OrderedDict[tuple[str, str], Event] = OrderedDict()  # (kind, endpoint) -> last event
        self.trace = Trace(self._now, self._resolve, trace_limit, enabled=trace)
        self.coap = CoapEndpoint(self._handle, self.trace.record if trace else None, max_body=max_body,
                                 on_malformed=self._count_malformed)
        # malformed: datagrams that are no CoAP message (e.g. a Uri-Path that is not UTF-8)
        self.counters: dict[str, int] = {"rejected": 0, "registrations": 0, "updates": 0, "malformed": 0}
        self._refusal: tuple[str, frozenset[str] | None] | None = None  # refuse_registrations
        self._loop: asyncio.AbstractEventLoop | None = None
        # GET /fw/<name>: packages served for pull firmware updates (rig.lwm2m.fota.publish), in
        # Block2 blocks of at most file_szx[name] (default 6: 1024 bytes) or what the client asks
        self.files: dict[str, bytes] = {}
        self.file_szx: dict[str, int] = {}

    # -- lifecycle ---------------------------------------------------------------------------------

    async def start(self) -> None:
        check_port(self.host, self.port)
        self._loop = asyncio.get_running_loop()
        try:
            await self.coap.start(self.host, self.port)
        except OSError as exc:
            raise ConfigError(f"cannot listen on [{self.host}]:{self.port}: {exc.strerror or exc}") from None
        self.port = self.coap.local_port()  # port 0: the one the kernel chose

    async def stop(self) -> None:
        for handle in self._expiry.values():
            handle.cancel()
        self._expiry.clear()
        for task in list(self._tasks):
            task.cancel()
        self._bootstraps.clear()
        await self.coap.stop()

    async def __aenter__(self) -> LwM2MServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def _now(self) -> float:
        return self._loop.time() if self._loop is not None else 0.0

    def _count_malformed(self, why: str) -> None:
        self.counters["malformed"] += 1

    def recent_events(self, kind: str | None = None, endpoint: str | None = None) -> list[Event]:
        """The last events (up to 1000), oldest first, of `kind` and `endpoint` (None: any): a copy,
        which later events do not change."""
        return [e for e in self.history if kind in (None, e.kind) and endpoint in (None, e.endpoint)]

    def _resolve(self, msg: WireMessage) -> str | None:
        ep = self._by_addr.get(msg.peer) or self._seen_addr.get(msg.peer)
        if ep is None:  # a Register or Bootstrap-Request names its endpoint before it is known
            for option in msg.options:
                if option.startswith("URI_QUERY=ep="):
                    return option[13:]
        return ep

    # -- events --------------------------------------------------------------------------------------

    def on(self, kind: str | None, callback: Callable[[Event], Any]) -> None:
        """Call `callback(event)` for events of `kind` (None: every event)."""
        if kind is not None and kind not in EVENT_KINDS:
            raise ValueError(f"unknown event kind {kind!r} (known: {', '.join(EVENT_KINDS)})")
        self._callbacks.append((kind, callback))

    def _emit(self, kind: str, endpoint: str, **data: Any) -> None:
        event = Event(kind, endpoint, self._now(), _snapshot(self.registrations.get(endpoint)), data, self._seq)
        self._seq += 1
        self.history.append(event)
        self._latest[kind, endpoint] = event
        self._latest.move_to_end((kind, endpoint))
        while len(self._latest) > self.LATEST_LIMIT:
            self._latest.popitem(last=False)
        if self.events.full():
            self.events.get_nowait()  # keep the newest events when nobody drains the queue
        self.events.put_nowait(event)
        for wanted, callback in list(self._callbacks):
            if wanted is None or wanted == kind:
                try:
                    callback(event)
                except Exception as exc:  # a faulty callback must not stop the server
                    print(f"lwm2m server: event callback failed: {exc}")
        for entry in list(self._waiters):
            wkind, wep, fut = entry
            if wkind == kind and wep in (None, endpoint) and not fut.done():
                fut.set_result(event)

    def mark(self) -> int:
        """A point in this server's stream of events, for `since=`: the events from now on.

        Several events can share one instant of virtual time, so a time cannot tell the
        registration just before a reboot from the one after it; a mark can."""
        return self._seq

    def _since(self, kind: str, endpoint: str | None, since: int) -> Event | None:
        if isinstance(since, bool) or not isinstance(since, int):
            raise ConfigError(f"since={since!r}: give a mark from server.mark(), not a time")
        found = [e for (k, ep), e in self._latest.items() if k == kind and endpoint in (None, ep)]
        return min((e for e in found if e.seq >= since), key=lambda e: e.seq, default=None)

    async def wait_for_event(
        self, kind: str, endpoint: str | None = None, timeout: float = 60.0, since: int | None = None
    ) -> Event:
        """The next `kind` event (for `endpoint`); with `since` (a `mark()`), also one that already
        happened after the mark was taken, so that an event racing the caller is not missed."""
        if since is not None and (event := self._since(kind, endpoint, since)) is not None:
            return event
        fut: asyncio.Future = asyncio.get_running_loop().create_future()
        entry = (kind, endpoint, fut)
        self._waiters.append(entry)
        try:
            return await asyncio.wait_for(fut, timeout)
        except TimeoutError:
            raise DeviceTimeout(f"no {kind} event for {endpoint or 'any endpoint'} in {timeout:g} s") from None
        finally:
            self._waiters.remove(entry)

    async def wait_for_registration(self, endpoint: str, timeout: float = 60.0, since: int | None = None) -> Device:
        """The device once `endpoint` is registered (at once if it already is); with `since` (a
        `mark()`), once it has registered after the mark (e.g. after a reboot)."""
        if self._loop is not None and asyncio.get_running_loop() is not self._loop:
            # awaited on another loop (an `async def` test on pytest-asyncio's): nothing would ever
            # arrive here, and the wait would take `timeout` real seconds to blame the device
            from rig.vtime import VirtualTimeLoop

            if isinstance(self._loop, VirtualTimeLoop):
                raise ConfigError("rig tests are synchronous: call rig.wait_for_registration()/rig.device() "
                                  "or rig.run(coro), not await the rig's server from an `async def` test")
            raise ConfigError("LwM2MServer.wait_for_registration: awaited on another event loop than the "
                              "one the server was started on")
        if endpoint not in self.registrations or (
            since is not None and self._since("registered", endpoint, since) is None
        ):
            await self.wait_for_event("registered", endpoint, timeout, since)
        return self.device(endpoint)

    def device(self, endpoint: str) -> Device:
        if endpoint not in self._devices:
            self._devices[endpoint] = Device(self, endpoint)
        return self._devices[endpoint]

    # -- queue mode ----------------------------------------------------------------------------------

    def is_awake(self, endpoint: str) -> bool:
        reg = self.registrations.get(endpoint)
        if reg is None or not reg.queue_mode:
            return True
        return self._now() < self._awake_until.get(endpoint, 0.0)

    async def _wait_awake(self, endpoint: str) -> None:
        """Queue mode: hold a request until the device shows it is awake (registers or updates)."""
        while not self.is_awake(endpoint):
            event = self._wakeups.setdefault(endpoint, asyncio.Event())
            try:
                await asyncio.wait_for(event.wait(), self.request_timeout)
            except TimeoutError:
                raise DeviceTimeout(f"queue-mode device {endpoint!r} did not wake up in time") from None

    def _mark_awake(self, endpoint: str) -> None:
        self._awake_until[endpoint] = self._now() + self.awake_time
        event = self._wakeups.pop(endpoint, None)
        if event is not None:
            event.set()

    # -- registration interface ----------------------------------------------------------------------

    async def _handle(self, req: InboundRequest) -> Reply:
        try:
            if req.path == ("rd",) and req.method == "POST":
                return self._register(req)
            if len(req.path) == 2 and req.path[0] == "rd":
                if req.method == "POST":
                    return self._update(req)
                if req.method == "DELETE":
                    return self._deregister(req)
                return Reply("4.05", b"registration resources take POST (update) or DELETE")
            if req.path == ("bs",) and req.method == "POST":
                return self._bootstrap_request(req)
            if req.path == ("dp",) and req.method == "POST":
                return self._send(req)
            if len(req.path) == 2 and req.path[0] == "fw" and req.method == "GET":
                data = self.files.get(req.path[1])
                if data is None:
                    return Reply("4.04", f"no firmware package {req.path[1]!r}".encode())
                return serve_block(data, req.block2, self.file_szx.get(req.path[1], 6))
            return Reply("4.04", f"no such resource /{'/'.join(req.path)}".encode())
        except RegistrationRejected as exc:
            self.counters["rejected"] += 1
            self._emit("rejected", self._endpoint_of(req), detail=str(exc), address=remote_address(req.remote))
            return Reply("4.00", str(exc).encode())

    def _endpoint_of(self, req: InboundRequest) -> str:
        """Who a rejected request is from: the registration it updates, else the ep= it gives (even
        an invalid one, bounded), else the endpoint registered from its address; "" if none."""
        if len(req.path) == 2 and req.path[0] == "rd" and req.path[1] in self._by_id:
            return self._by_id[req.path[1]]
        for item in req.query:
            if item.startswith("ep="):
                return _named(item[3:])
        return self._by_addr.get(remote_key(req.remote), "")

    def refuse_registrations(self, code: str = "4.03", endpoints: Iterable[str] | None = None) -> None:
        """Answer Register requests with `code` (a CoAP error, 4.xx or 5.xx), from every endpoint or
        only from `endpoints`, until allow_registrations(): how does the device handle a server that
        says no? Each refusal is a "rejected" event; updates of existing registrations are served."""
        if not (isinstance(code, str) and re.fullmatch(r"[45]\.[0-9][0-9]", code)):
            raise ConfigError(f"refuse_registrations: code must be a CoAP error like '4.03', got {code!r}")
        if isinstance(endpoints, str):
            raise ConfigError("refuse_registrations: endpoints is a list of names, not one string")
        self._refusal = (code, None if endpoints is None else frozenset(endpoints))

    def allow_registrations(self) -> None:
        """Serve Register requests again (after refuse_registrations)."""
        self._refusal = None

    def _register(self, req: InboundRequest) -> Reply:
        params = parse_query(req.query, update=False)
        links, root, objects, versions = parse_object_links(req.payload, req.content_format)
        assert params.endpoint is not None
        ep = params.endpoint
        if self._refusal is not None and (self._refusal[1] is None or ep in self._refusal[1]):
            code = self._refusal[0]
            self.counters["rejected"] += 1
            self._emit("rejected", ep, detail=f"refused with {code} (refuse_registrations)",
                       address=remote_address(req.remote))
            return Reply(code, b"registration refused")
        if ep not in self.registrations and len(self.registrations) >= self.max_registrations:
            return Reply("5.03", b"registration table full")
        old = self.registrations.get(ep)
        if old is not None:
            self._drop(ep, old, "the device registered again")
        reg_id = self._new_id()
        binding = params.binding or "U"
        now = self._now()
        reg = Registration(
            endpoint=ep,
            reg_id=reg_id,
            lifetime=params.lifetime or DEFAULT_LIFETIME,
            version=params.version or "1.0",
            binding=binding,
            queue_mode=params.queue_mode or "Q" in binding,
            remote=req.remote,
            address=remote_address(req.remote),
            objects=objects,
            object_versions=versions,
            root_path=root,
            links=links,
            registered_at=now,
            updated_at=now,
            sms=params.sms,
        )
        self.registrations[ep] = reg
        self._by_id[reg_id] = ep
        self._by_addr[remote_key(req.remote)] = ep
        if len(self._seen_addr) < self.max_registrations:
            self._seen_addr[remote_key(req.remote)] = ep
        self._arm_expiry(reg)
        self._mark_awake(ep)
        self.counters["registrations"] += 1
        self._warn_unmodelled(ep, objects)
        self._emit("registered", ep)
        return Reply("2.01", location_path=("rd", reg_id))

    def _new_id(self) -> str:
        """A registration ID nobody can guess from the previous ones (8 hex digits: the firmware keeps
        "rd/<id>" in 24 bytes)."""
        while True:
            reg_id = f"{self._ids.getrandbits(32):08x}"
            if reg_id not in self._by_id:
                return reg_id

    def _warn_unmodelled(self, ep: str, objects: dict[int, list[int]]) -> None:
        """Once per object ID: reads of an object without a model return untyped values (TLV bytes)."""
        for oid in sorted(objects):
            if oid not in self.registry.objects and oid not in self._unmodelled:
                self._unmodelled.add(oid)
                warnings.warn(UnmodelledObject(
                    f"{ep} registered object /{oid}, which this server has no model for: its values are "
                    f"read untyped (add its OMA XML with model_dirs= or --models)"), stacklevel=2)

    def _update(self, req: InboundRequest) -> Reply:
        ep = self._by_id.get(req.path[1])
        if ep is None:
            return Reply("4.04", f"no registration {req.path[1][:20]!r}".encode())
        params = parse_query(req.query, update=True)
        reg = self.registrations[ep]
        if req.payload:
            reg.links, reg.root_path, reg.objects, reg.object_versions = parse_object_links(
                req.payload, req.content_format
            )
            self._warn_unmodelled(ep, reg.objects)
        if params.lifetime is not None:
            reg.lifetime = params.lifetime
        if params.binding is not None:
            reg.binding = params.binding
            reg.queue_mode = params.queue_mode or "Q" in params.binding
        elif params.queue_mode:
            reg.queue_mode = True
        if params.sms is not None:
            reg.sms = params.sms
        key = remote_key(req.remote)
        if key != remote_key(reg.remote):  # the device's address changed (NAT rebinding, reboot)
            self._by_addr.pop(remote_key(reg.remote), None)
            reg.remote, reg.address = req.remote, remote_address(req.remote)
            self._by_addr[key] = ep
        reg.updated_at = self._now()
        self._arm_expiry(reg)
        self._mark_awake(ep)
        self.counters["updates"] += 1
        self._emit("updated", ep)
        return Reply("2.04")

    def _deregister(self, req: InboundRequest) -> Reply:
        reg_id = req.path[1]
        ep = self._by_id.get(reg_id)
        # Only from the registered address: anyone else who learnt the ID must not end it. The answer
        # is the one for an unknown ID, so that a guess does not confirm that the ID exists.
        if ep is None or remote_key(req.remote) != remote_key(self.registrations[ep].remote):
            return Reply("4.04", f"no registration {reg_id[:20]!r}".encode())
        reg = self.registrations[ep]
        self._emit("deregistered", ep)
        self._drop(ep, reg, "the device deregistered")
        return Reply("2.02")

    def _drop(self, ep: str, reg: Registration, why: str) -> None:
        handle = self._expiry.pop(ep, None)
        if handle is not None:
            handle.cancel()
        self.registrations.pop(ep, None)
        self._by_id.pop(reg.reg_id, None)
        if self._by_addr.get(remote_key(reg.remote)) == ep:
            del self._by_addr[remote_key(reg.remote)]
        self._awake_until.pop(ep, None)
        wakeup = self._wakeups.pop(ep, None)
        if wakeup is not None:
            wakeup.set()  # a request held for the sleeping device finds it no longer registered
        device = self._devices.get(ep)
        if device is not None:
            for key in list(device.observations):
                stream = device.observations.pop(key)
                if stream._handle is not None:
                    stream._handle.forget()
                stream.end(why)

    def _arm_expiry(self, reg: Registration) -> None:
        old = self._expiry.pop(reg.endpoint, None)
        if old is not None:
            old.cancel()
        assert self._loop is not None
        self._expiry[reg.endpoint] = self._loop.call_later(
            reg.lifetime + self.expiry_grace, self._expire, reg.endpoint, reg.reg_id
        )

    def _expire(self, ep: str, reg_id: str) -> None:
        reg = self.registrations.get(ep)
        if reg is None or reg.reg_id != reg_id:
            return
        self._emit("expired", ep)
        self._drop(ep, reg, "the registration expired")

    def _send(self, req: InboundRequest) -> Reply:
        ep = self._by_addr.get(remote_key(req.remote))
        if ep is None:
            return Reply("4.03", b"Send from an unregistered address")
        try:
            values = codecs.decode(req.content_format, req.payload, (), self.registry)
        except CodecError as exc:
            return Reply("4.00", str(exc).encode())
        self._emit("send", ep, values=values)
        return Reply("2.04")

    def _bootstrap_request(self, req: InboundRequest) -> Reply:
        params = parse_query(req.query, update=False)
        assert params.endpoint is not None
        if self.bootstrap is None:  # said as an event too: a client that gets no answer it understands
            why = "this server is not a bootstrap server (no bootstrap configuration given)"
            self._emit("rejected", params.endpoint, detail=f"Bootstrap-Request: {why}",
                       address=remote_address(req.remote))
            return Reply("4.04", why.encode())
        cfg = self.bootstrap.for_endpoint(params.endpoint)
        if cfg is None:
            why = f"no bootstrap configuration for {params.endpoint!r}"
            self._emit("rejected", params.endpoint, detail=f"Bootstrap-Request: {why}",
                       address=remote_address(req.remote))
            return Reply("4.00", why.encode())
        ep = params.endpoint
        old = self._bootstraps.pop(ep, None)
        if old is not None and not old.done():
            # One session per endpoint: two would interleave their Deletes and Writes. The client asked
            # again (it rebooted, or gave up on the first): the new request starts the sequence over.
            old.cancel()
            self._emit("bootstrap_failed", ep, detail="restarted by a new Bootstrap-Request")
        self._emit("bootstrap_requested", ep, address=remote_address(req.remote))
        assert self._loop is not None
        # The sequence starts after the 2.04 has gone out (call_soon runs after this handler returns).
        task = self._loop.create_task(run_bootstrap(self, ep, req.remote, cfg))
        self._tasks.add(task)
        self._bootstraps[ep] = task

        def done(t: asyncio.Task) -> None:
            self._tasks.discard(t)
            if self._bootstraps.get(ep) is t:
                del self._bootstraps[ep]

        task.add_done_callback(done)
        return Reply("2.04")


def serve_block(data: bytes, asked: tuple[int, int] | None, max_szx: int) -> Reply:
    """One Block2 block of `data` (content format opaque): the block size the client asked for or
    2**(max_szx + 4) bytes, whichever is smaller; the number is recomputed for a smaller size."""
    num, szx = asked if asked is not None else (0, max_szx)
    offset = num << (szx + 4)
    szx = min(szx, max_szx)
    size = 1 << (szx + 4)
    if asked is None and len(data) <= size:
        return Reply("2.05", data, content_format=42)
    if offset and offset >= len(data):
        return Reply("4.02", f"block {num} starts beyond the {len(data)}-byte package".encode())
    return Reply("2.05", data[offset:offset + size], content_format=42,
                 block2=(offset >> (szx + 4), offset + size < len(data), szx))
