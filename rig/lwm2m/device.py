"""A registered device as seen from the server: Device Management and Information Reporting calls."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from rig.lwm2m import codecs
from rig.lwm2m.aiocoap_adapter import BrokenBlockwise, CoapFailure, Observation, Response
from rig.lwm2m.codecs import CodecError, Path, Value, Values, format_path, parse_path
from rig.lwm2m.codecs.common import ascii_int, utf8
from rig.lwm2m.codecs.link import Link, parse_links
from rig.lwm2m.errors import DeviceTimeout, LwM2MError, NotRegistered, ObservationEnded

if TYPE_CHECKING:
    from rig.lwm2m.registration import Registration
    from rig.lwm2m.server import LwM2MServer

PathLike = str | Path


def as_path(path: PathLike) -> Path:
    """'/3/0/1' or (3, 0, 1); anything else is refused here, before it reaches the wire as a
    nonsense Uri-Path (b'/3' was sent as /47/51, (3, -1) as /3/-1)."""
    if isinstance(path, str):
        return parse_path(path)
    if not isinstance(path, tuple | list):
        raise CodecError(f"path {path!r}: give a string like '/3/0/1' or a tuple of IDs like (3, 0, 1)")
    if len(path) > 4 or not all(isinstance(p, int) and not isinstance(p, bool) and 0 <= p <= 65535 for p in path):
        raise CodecError(f"path {path!r}: up to 4 IDs, each an integer 0..65535")
    return tuple(path)


def shape(values: Values, base: Path) -> Any:
    """Turn flat values into the shape of the request: a value, {riid: v}, {rid: ...} or {iid: {...}}."""
    if len(base) == 4 or (len(base) == 3 and base in values):
        return values.get(base)
    if len(base) == 3:
        return {p[3]: v for p, v in values.items() if len(p) == 4 and p[:3] == base}
    tree: dict[int, Any] = {}
    for path, value in sorted(values.items()):
        if path[: len(base)] != base:
            continue
        rel = path[len(base) :]
        node = tree
        for part in rel[:-1]:
            node = node.setdefault(part, {})
        node[rel[-1]] = value
    return tree


def flatten(base: Path, value: Any) -> Values:
    """The inverse of shape() for writes: a scalar, {riid: v}, {rid: v | {riid: v}} or {iid: {...}}."""
    if not isinstance(value, dict):
        if len(base) < 3:
            raise CodecError(f"{format_path(base)}: a single value needs a resource path")
        return {base: value}
    if len(base) >= 4:
        raise CodecError(f"{format_path(base)}: a resource instance takes a single value")
    out: Values = {}
    for key, sub in value.items():
        if not isinstance(key, int) or not 0 <= key <= 65535:
            raise CodecError(f"{format_path(base)}: key {key!r} is not an ID")
        out.update(flatten((*base, key), sub))
    return out


@dataclass
class Notification:
    endpoint: str
    path: str  # the observed path, or "composite"
    value: Any  # shaped like a read of the path
    values: Values
    sequence: int | None
    time: float
    content_format: int | None
    code: str = "2.05"


MAX_QUEUED_NOTIFICATIONS = 1000


@dataclass
class ObservationStream:
    """Async iterator of typed notifications; ends when the observation is cancelled or lost.

    Notifications wait in a queue of at most `max_queued` until next() takes them: a test that does
    not consume them (or a device that notifies faster) loses the oldest ones, counted in `dropped`."""

    device: Device
    path: Path | None  # None: Observe-Composite
    paths: list[Path]
    first: Notification
    _queue: asyncio.Queue = field(default_factory=asyncio.Queue)
    _handle: Observation | None = None
    ended: bool = False
    end_reason: str = ""  # why it ended: cancelled, the device registered again, ...
    max_queued: int = MAX_QUEUED_NOTIFICATIONS
    dropped: int = 0  # notifications dropped, oldest first, because max_queued were waiting

    def _put(self, item: Notification | None) -> None:
        """Queue a notification (dropping the oldest beyond max_queued) or, None, the end marker."""
        if item is not None:
            if self.ended:
                return  # after the end marker nobody would read it
            while self._queue.qsize() >= max(1, self.max_queued):
                self._queue.get_nowait()
                self.dropped += 1
        self._queue.put_nowait(item)

    def end(self, reason: str) -> None:
        """No more notifications; `reason` is kept for next() (the first reason given wins)."""
        self.ended = True
        self.end_reason = self.end_reason or reason
        self._put(None)

    def __aiter__(self) -> ObservationStream:
        return self

    async def __anext__(self) -> Notification:
        if self.ended and self._queue.empty():
            raise StopAsyncIteration
        item = await self._queue.get()
        if item is None:
            raise StopAsyncIteration
        return item

    async def next(self, timeout: float) -> Notification:
        """The next notification (the first answer is `first`, not returned here)."""
        try:
            return await asyncio.wait_for(self.__anext__(), timeout)
        except TimeoutError:
            raise DeviceTimeout(f"{self.device.endpoint}: no notification of {self.key} within {timeout:g} s") from None
        except StopAsyncIteration:
            raise ObservationEnded(
                f"{self.device.endpoint}: the observation of {self.key} has ended ({self.end_reason or 'ended'})"
            ) from None

    @property
    def key(self) -> str:
        return format_path(self.path) if self.path is not None else "composite"

    async def cancel(self, mode: str = "get") -> None:
        await self.device.cancel_observe(self.key, mode=mode)


def _attribute_number(key: str, value: object) -> str:
    """A Write-Attributes value as plain decimal: '1234567' not '1.23457e+06' (it was rounded to 6
    digits), '21.123456' not '21.1235'; True was sent as 'True'."""
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value or value in (
            float("inf"), float("-inf")):
        raise CodecError(f"attribute {key}: {value!r} is not a number")
    if isinstance(value, int):
        return str(value)
    text = format(Decimal(repr(value)), "f")
    return text[:-2] if text.endswith(".0") else text


def _check_block_size(size: int | None) -> int | None:
    """CoAP blocks are 16..1024 bytes, a power of two; anything else was silently rounded (100 -> 64)."""
    if size is not None and (isinstance(size, bool) or size not in (16, 32, 64, 128, 256, 512, 1024)):
        raise CodecError(f"block size {size!r}: use one of 16, 32, 64, 128, 256, 512, 1024")
    return size


class Device:
    """Operations on one endpoint; always uses its current registration (it may re-register)."""

    def __init__(self, server: LwM2MServer, endpoint: str) -> None:
        self.server = server
        self.endpoint = endpoint
        self.observations: dict[str, ObservationStream] = {}

    def __repr__(self) -> str:
        return f"<Device {self.endpoint}>"

    @property
    def registration(self) -> Registration:
        reg = self.server.registrations.get(self.endpoint)
        if reg is None:
            raise NotRegistered(f"endpoint {self.endpoint!r} is not registered")
        return reg

    def _raise_for(self, resp: Response, path: str) -> None:
        if not resp.ok:
            detail = resp.payload.decode(errors="replace")[:200] if resp.payload else ""
            raise LwM2MError(resp.code, path, detail, self.endpoint)

    async def _request(self, method: str, path: Path | None, payload: bytes = b"", **kw: Any) -> Response:
        resp = await self._send(method, path, payload, **kw)
        self._raise_for(resp, format_path(path or ()))
        return resp

    async def request(
        self,
        method: str,
        path: PathLike,
        payload: bytes = b"",
        content_format: int | str | None = None,
        accept: int | str | None = None,
        query: Iterable[str] = (),
    ) -> Response:
        """A raw CoAP request for negative tests: the device's Response (code, payload, content format,
        options) whatever its code, no LwM2MError. `method`: GET, PUT, POST, DELETE, FETCH, iPATCH;
        formats by number or name ("text", "tlv"...); `query`: Uri-Query strings ("pmin=1")."""
        methods = {"GET": "GET", "PUT": "PUT", "POST": "POST", "DELETE": "DELETE", "FETCH": "FETCH", "IPATCH": "iPATCH"}
        verb = methods.get(method.upper())
        if verb is None:
            raise CodecError(f"method {method!r}: give one of {', '.join(methods.values())}")
        base = as_path(path) if path not in ("", "/") else ()
        cf = None if content_format is None else codecs.format_number(content_format)
        return await self._send(verb, base, bytes(payload), content_format=cf, accept=self._accept(accept),
                                query=tuple(query))

    async def _send(self, method: str, path: Path | None, payload: bytes = b"", **kw: Any) -> Response:
        await self.server._wait_awake(self.endpoint)
        reg = self.registration
        coap_path = tuple(reg.root_path.strip("/").split("/")) if reg.root_path.strip("/") else ()
        coap_path += tuple(str(p) for p in path or ())
        kw.setdefault("timeout", self.server.request_timeout)
        try:
            resp = await self.server.coap.request(reg.remote, method, coap_path, payload, **kw)
        except BrokenBlockwise as exc:
            raise LwM2MError(exc.code, format_path(path or ()), str(exc), self.endpoint) from None
        except CoapFailure as exc:
            raise DeviceTimeout(f"{self.endpoint}{format_path(path or ())}: {exc}") from None
        return resp

    def _decode(self, resp: Response, base: Path) -> Values:
        try:
            return codecs.decode(resp.content_format, resp.payload, base, self.server.registry)
        except CodecError as exc:
            raise LwM2MError("5.00", format_path(base), f"undecodable answer: {exc}", self.endpoint) from None

    def _accept(self, fmt: int | str | None) -> int | None:
        return None if fmt is None else codecs.format_number(fmt)

    def _write_format(self, fmt: int | str | None) -> int:
        return codecs.format_number(fmt if fmt is not None else self.server.default_format)

    async def read(self, path: PathLike, fmt: int | str | None = None, block_size: int | None = None) -> Any:
        """Read; `block_size` asks the device for a Block2 answer in blocks of that size."""
        base = as_path(path)
        resp = await self._request("GET", base, accept=self._accept(fmt), block2_size=_check_block_size(block_size))
        return shape(self._decode(resp, base), base)

    async def read_raw(self, path: PathLike, fmt: int | str | None = None) -> Response:
        return await self._request("GET", as_path(path), accept=self._accept(fmt))

    async def write(
        self, path: PathLike, value: Any, fmt: int | str | None = None, block_size: int | None = None
    ) -> None:
        """Write (replace): PUT; a single resource, a multiple resource ({riid: v}) or an instance."""
        base = as_path(path)
        cf = self._write_format(fmt)
        payload = codecs.encode(cf, flatten(base, value), base, self.server.registry)
        await self._request("PUT", base, payload, content_format=cf, block_size=_check_block_size(block_size))

    async def write_partial(
        self, path: PathLike, values: dict, fmt: int | str | None = None, block_size: int | None = None
    ) -> None:
        """Partial update: POST to an object instance with the given resources only."""
        base = as_path(path)
        cf = self._write_format(fmt)
        payload = codecs.encode(cf, flatten(base, values), base, self.server.registry)
        await self._request("POST", base, payload, content_format=cf, block_size=_check_block_size(block_size))

    async def execute(self, path: PathLike, args: str = "") -> None:
        base = as_path(path)
        # POST on an object is Create and on an instance Write-Update: "executed" /3/0 changed nothing.
        if len(base) != 3:
            raise CodecError(f"execute needs a resource path (/OBJ/INST/RES), not {format_path(base)}")
        if not isinstance(args, str):
            raise CodecError(f"execute arguments must be text like \"0='x',1\", got {type(args).__name__}")
        payload = utf8(args, f"execute {format_path(base)} arguments")
        await self._request("POST", base, payload, content_format=0 if args else None)

    async def create(self, path: PathLike, values: dict, fmt: int | str | None = None) -> int | None:
        """Create an instance under an object: values {rid: v}, or {iid: {rid: v}} to choose the ID.
        Returns the new instance ID (from Location-Path or the chosen ID)."""
        base = as_path(path)
        if len(base) != 1:
            raise CodecError(f"create needs an object path, not {format_path(base)}")
        cf = self._write_format(fmt)
        keys = list(values)
        chosen = keys[0] if len(keys) == 1 and isinstance(values[keys[0]], dict) else None
        # With a chosen ID the payload names the instance; otherwise only resources (TLV) or /OBJ/0.
        enc_base = base if chosen is not None else (*base, 0)
        flat = flatten(enc_base, values)
        if chosen is not None and not flat and cf in (codecs.TLV, codecs.OLD_TLV):
            payload = bytes((0x08, chosen, 0)) if chosen < 256 else bytes((0x28, chosen >> 8, chosen & 0xFF, 0))
        else:  # (an instance TLV with no resources: no value names the ID otherwise)
            payload = codecs.encode(cf, flat, enc_base, self.server.registry)
        resp = await self._request("POST", base, payload, content_format=cf)
        loc = resp.location_path  # what the device made, which a chosen ID does not guarantee
        made = ascii_int(loc[-1]) if loc else None  # isdigit() took '\u00b2', which int() refuses
        made = chosen if made is None else made
        if chosen is not None and made != chosen:
            raise LwM2MError("5.00", format_path(base), f"asked for instance {chosen}, the device created "
                             f"{made} (Location-Path {'/'.join(loc)})", self.endpoint)
        return made

    async def delete(self, path: PathLike) -> None:
        await self._request("DELETE", as_path(path))

    async def discover(self, path: PathLike) -> list[Link]:
        base = as_path(path)
        resp = await self._request("GET", base, accept=codecs.LINK)
        try:
            return parse_links(resp.payload)
        except CodecError as exc:
            raise LwM2MError("5.00", format_path(base), f"undecodable discover answer: {exc}") from None

    async def write_attributes(self, path: PathLike, **attrs: float | int | None) -> None:
        """Write-Attributes (PUT with query): pmin, pmax, gt, lt, st, epmin, epmax; None clears one."""
        known = {"pmin", "pmax", "gt", "lt", "st", "epmin", "epmax", "edge", "con", "hqmax"}
        query = []
        for key, value in attrs.items():
            if key not in known:
                raise CodecError(f"unknown attribute {key!r} (known: {', '.join(sorted(known))})")
            query.append(key if value is None else f"{key}={_attribute_number(key, value)}")
        await self._request("PUT", as_path(path), query=tuple(query))

    async def read_composite(self, paths: Iterable[PathLike], fmt: int | str = "senml-cbor") -> Values:
        cf = codecs.format_number(fmt)
        plist = [as_path(p) for p in paths]
        body = codecs.encode(cf, dict.fromkeys(plist), (), None)  # type: ignore[arg-type]
        resp = await self._request("FETCH", None, body, content_format=cf, accept=cf)
        return self._decode(resp, ())

    async def write_composite(self, values: Mapping[PathLike, Value], fmt: int | str = "senml-cbor") -> None:
        """Write-Composite (iPATCH on the root): resources of any objects in one atomic request."""
        cf = codecs.format_number(fmt)
        body = codecs.encode(cf, {as_path(p): v for p, v in values.items()}, (), self.server.registry)
        await self._request("iPATCH", None, body, content_format=cf)

    async def observe(self, path: PathLike, fmt: int | str | None = None) -> ObservationStream:
        base = as_path(path)
        return await self._observe(base, [base], fmt, composite=False)

    async def observe_composite(self, paths: Iterable[PathLike], fmt: int | str = "senml-cbor") -> ObservationStream:
        return await self._observe(None, [as_path(p) for p in paths], fmt, composite=True)

    async def _observe(
        self, base: Path | None, paths: list[Path], fmt: int | str | None, composite: bool
    ) -> ObservationStream:
        key = format_path(base) if base is not None else "composite"
        if key in self.observations and not self.observations[key].ended:
            self.observations[key].end_reason = f"replaced by a new observation of {key}"
            await self.cancel_observe(key)
        await self.server._wait_awake(self.endpoint)
        reg = self.registration
        loop = asyncio.get_running_loop()
        stream: ObservationStream | None = None
        pending: list[Response] = []

        def to_notification(resp: Response) -> Notification:
            dbase = base if base is not None else ()
            values = self._decode(resp, dbase) if resp.ok else {}
            value = shape(values, dbase) if base is not None else values
            return Notification(
                self.endpoint, key, value, values, resp.observe, loop.time(), resp.content_format, resp.code
            )

        def on_notify(resp: Response) -> None:
            if stream is None:
                pending.append(resp)
                return
            try:
                note = to_notification(resp)
            except LwM2MError:
                return  # an undecodable notification is dropped (it stays visible in the trace)
            stream._put(note)
            self.server._emit("notification", self.endpoint, notification=note)

        def on_end(reason: str) -> None:
            if stream is not None:
                stream.end(reason)
                if self.observations.get(key) is stream:
                    del self.observations[key]

        root = tuple(reg.root_path.strip("/").split("/")) if reg.root_path.strip("/") else ()
        kw: dict[str, Any] = {
            "on_notify": on_notify,
            "on_end": on_end,
            "timeout": self.server.request_timeout,
        }
        if composite:
            cf = codecs.format_number(fmt or "senml-cbor")
            kw.update(accept=cf, method="FETCH", content_format=cf)
            kw["payload"] = codecs.encode(cf, dict.fromkeys(paths), (), None)  # type: ignore[arg-type]
            target = root
        else:
            assert base is not None
            kw["accept"] = self._accept(fmt)
            target = root + tuple(map(str, base))
        try:
            first, handle = await self.server.coap.observe(reg.remote, target, **kw)
        except BrokenBlockwise as exc:
            raise LwM2MError(exc.code, key, str(exc), self.endpoint) from None
        except CoapFailure as exc:
            raise DeviceTimeout(f"{self.endpoint}{key}: {exc}") from None
        self._raise_for(first, key)
        if handle is None:  # RFC 7641: an answer without Observe is a plain read, no observation
            held = len(self.observations)
            why = (f"it holds {held} of this server's already: its table may be full" if held
                   else "it may not support Observe")
            raise LwM2MError(first.code, key, f"answered without Observe: no observation ({why})", self.endpoint)
        stream = ObservationStream(self, base, paths, to_notification(first), _handle=handle)
        self.observations[key] = stream
        for resp in pending:
            on_notify(resp)
        if handle.ended:
            on_end("ended")
        return stream

    async def cancel_observe(self, path: PathLike, mode: str = "get") -> None:
        """Cancel for real at the device: 'get' (GET Observe=1, same token) or 'rst' (RST the next)."""
        if mode not in ("get", "rst"):  # anything else was silently taken as 'get'
            raise CodecError(f"cancel mode {mode!r}: use 'get' or 'rst'")
        key = path if isinstance(path, str) and path == "composite" else format_path(as_path(path))
        stream = self.observations.pop(key, None)
        if stream is None:
            raise LwM2MError("4.04", key, "no such observation", self.endpoint)
        stream.end_reason = stream.end_reason or "cancelled"  # before the cancel: its end reason would win
        if stream._handle is not None:
            await stream._handle.cancel(mode)
        stream.end("cancelled")
